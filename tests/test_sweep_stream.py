"""``hwcost.sweep_to``: a sweep streamed to CSV chunk by chunk holds exactly the rows of a
``sweep`` of each chunk, completed with the columns of the other chunks as ``sweep`` completes
another template's (0 or empty), and the values of one ``sweep`` of all the points (to the
rounding of sums taken over another set of breakdown rows); bad input names the argument."""

from __future__ import annotations

import itertools
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hwcost
from hwcost.errors import HwcostError


@pytest.fixture(scope="module")
def points() -> list[hwcost.DesignPoint]:
    # two templates (different description and unit columns), a workload and a peak point
    out = []
    for scheme, bits, arch, workload in itertools.product(["lsq", "pact"], [4, 8], ["mac_array", "cim_macro"], ["resnet20", None]):
        try:
            p = hwcost.design_point(scheme, bits, arch=arch, workload=workload)
            hwcost.sweep([p])
        except HwcostError:  # a template that cannot run the scheme
            continue
        out.append(p)
    assert {type(p.arch).__name__ for p in out} == {"MacArrayConfig", "CimMacroConfig"}
    return out


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""])  # pandas 3 reads floats back exactly


@pytest.mark.parametrize("chunk_size", [1, 3, 1000])
def test_stream_equals_one_sweep(points: list[hwcost.DesignPoint], chunk_size: int, tmp_path: Path) -> None:
    whole = hwcost.sweep(points)
    out = hwcost.sweep_to(tmp_path / "s.csv", iter(points), chunk_size=chunk_size)
    assert (out.points, out.chunks) == (len(points), -(-len(points) // chunk_size))
    assert set(out.columns) == set(whole.columns) and out.path == tmp_path / "s.csv"
    streamed = _read(out.path)
    assert list(streamed.columns) == list(out.columns)
    chunks = [hwcost.sweep(points[i:i + chunk_size]) for i in range(0, len(points), chunk_size)]
    exact = _read_back(pd.concat(chunks, ignore_index=True), tmp_path)[list(out.columns)]
    whole = _read_back(whole, tmp_path)[list(out.columns)]
    for column in out.columns:
        a, b, c = streamed[column], exact[column], whole[column]
        if pd.api.types.is_numeric_dtype(c):
            # a column a chunk lacks is 0 in the stream (NaN in the concatenation), as in one sweep
            filled = b.to_numpy(dtype=float).copy()
            filled[np.isnan(filled)] = 0.0
            assert np.array_equal(a.to_numpy(dtype=float), filled), column
            np.testing.assert_allclose(a.to_numpy(dtype=float), c.to_numpy(dtype=float), rtol=1e-12, atol=0, err_msg=column)
        else:
            assert list(a.fillna("").astype(str)) == list(c.fillna("").astype(str)), column
    assert [p.name for p in tmp_path.iterdir()] == ["s.csv"]  # no part file left behind


def _read_back(frame: pd.DataFrame, tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "whole.csv"
    frame.to_csv(path, index=False)
    try:
        return _read(path)
    finally:
        path.unlink()


def test_one_template_is_copied_as_text(points: list[hwcost.DesignPoint], tmp_path: Path) -> None:
    # chunks with the same columns (the same design, at two array sizes) are appended as text
    p = points[0]
    mac = [p, hwcost.DesignPoint(p.scheme, hwcost.MacArrayConfig(pe_rows=8), p.techlib, p.workload), p]
    out = hwcost.sweep_to(tmp_path / "mac.csv", mac, chunk_size=1)
    texts = [hwcost.sweep([p]).to_csv(index=False, lineterminator="\n") for p in mac]
    assert out.path.read_text() == texts[0] + "".join(t.split("\n", 1)[1] for t in texts[1:])


def test_a_refused_point_leaves_no_file(points: list[hwcost.DesignPoint], tmp_path: Path) -> None:
    refused = hwcost.design_point("pact", 4, arch="cim_macro")  # floating-point first/last layers
    with pytest.raises(HwcostError):
        hwcost.sweep([refused])
    with pytest.raises(HwcostError):
        hwcost.sweep_to(tmp_path / "s.csv", points + [refused], chunk_size=2)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("kwargs", "key"), [({"chunk_size": 0}, "chunk_size"), ({"chunk_size": 2.5}, "chunk_size"),
                                             ({"in_flight": 0}, "in_flight"), ({"points": []}, "points")])
def test_bad_arguments_name_the_argument(points: list[hwcost.DesignPoint], tmp_path: Path, kwargs: dict, key: str) -> None:
    args = {"path": tmp_path / "s.csv", "points": points[:1]} | kwargs
    with pytest.raises(HwcostError) as info:
        hwcost.sweep_to(**args)
    assert info.value.problems[0].key == key


def test_bad_paths_name_the_file(points: list[hwcost.DesignPoint], tmp_path: Path) -> None:
    for path, message in ((tmp_path, "is a folder"), (tmp_path / "no" / "s.csv", "does not exist")):
        with pytest.raises(HwcostError, match=message) as info:
            hwcost.sweep_to(path, points[:1])
        assert info.value.problems[0].file is not None


def test_chunks_on_an_executor_write_the_same_file(points: list[hwcost.DesignPoint], tmp_path: Path) -> None:
    # chunks priced in worker processes, two in flight: the same bytes as pricing them here
    here = hwcost.sweep_to(tmp_path / "here.csv", points, chunk_size=3)
    with ProcessPoolExecutor(max_workers=2) as pool:
        there = hwcost.sweep_to(tmp_path / "pool.csv", iter(points), chunk_size=3, executor=pool, in_flight=2)
    assert there.path.read_bytes() == here.path.read_bytes() and there.chunks == here.chunks


def test_a_refusal_on_an_executor_leaves_no_file(points: list[hwcost.DesignPoint], tmp_path: Path) -> None:
    refused = hwcost.design_point("pact", 4, arch="cim_macro")
    with ThreadPoolExecutor(max_workers=2) as pool, pytest.raises(HwcostError):
        hwcost.sweep_to(tmp_path / "s.csv", [refused] + points, chunk_size=1, executor=pool)
    assert list(tmp_path.iterdir()) == []


def test_chunks_on_a_dask_cluster_write_the_same_file(points: list[hwcost.DesignPoint], tmp_path: Path) -> None:
    import distributed  # hwcost[dask], in the dev extra: CI runs this, never skips it
    here = hwcost.sweep_to(tmp_path / "here.csv", points, chunk_size=4)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        there = hwcost.sweep_to(tmp_path / "dask.csv", points, chunk_size=4, executor=client.get_executor(pure=False))
    assert there.path.read_bytes() == here.path.read_bytes()


def test_a_parquet_stream_holds_the_csv_streams_values(points: list[hwcost.DesignPoint], tmp_path: Path) -> None:
    import pyarrow.parquet as pq  # hwcost[parquet], in the dev extra: CI runs this, never skips it

    csv_out = hwcost.sweep_to(tmp_path / "s.csv", points, chunk_size=3)
    out = hwcost.sweep_to(tmp_path / "s.parquet", iter(points), chunk_size=3)
    assert (out.points, out.chunks, out.columns) == (csv_out.points, csv_out.chunks, csv_out.columns)
    table = pq.read_table(out.path)
    assert table.num_rows == len(points) and pq.ParquetFile(out.path).num_row_groups == out.chunks
    parquet, text = table.to_pandas(), _read(csv_out.path)
    assert list(parquet.columns) == list(text.columns)
    for column in text.columns:
        if pd.api.types.is_numeric_dtype(text[column]):
            # the CSV's shortest repr reads back to the same double: the two agree exactly
            assert np.array_equal(parquet[column].to_numpy(dtype=float), text[column].to_numpy(dtype=float)), column
        else:
            assert list(parquet[column].fillna("")) == list(text[column].fillna("").astype(str)), column
    # the MAC-array-only columns are 0 on the CIM points, the CIM-only text empty on the MAC points
    cim = parquet["template"] == "cim_macro" if "template" in parquet else parquet["arch"].str.contains("cim")
    assert cim.any() and (~cim).any()
    assert (parquet.loc[cim, "area_um2.pe_registers"] == 0).all() and (parquet.loc[~cim, "area_um2.pe_registers"] > 0).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.csv", "s.parquet"]


def test_parquet_without_pyarrow_is_refused_before_pricing(points: list[hwcost.DesignPoint], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    with pytest.raises(HwcostError, match=r"hwcost\[parquet\]") as info:
        hwcost.sweep_to(tmp_path / "s.parquet", points)
    assert info.value.problems[0].key == "path" and list(tmp_path.iterdir()) == []


def test_a_column_of_numbers_in_one_chunk_and_text_in_another_is_text_in_parquet(tmp_path: Path) -> None:
    # a CIM macro count is 108 on a fixed design and 'auto' on another: a chunk of the first holds
    # numbers, a chunk of the second text; the Parquet column is text, as the CSV writes it
    import pyarrow.parquet as pq

    lib = hwcost.load_techlib("45nm-lp")
    fixed = hwcost.design_point("lsq", 4, arch="cim_macro", techlib=lib)
    auto = hwcost.design_point("lsq", 4, arch=hwcost.CimMacroConfig(macros=None), techlib=lib)
    out = hwcost.sweep_to(tmp_path / "s.parquet", [fixed, auto], chunk_size=1)
    table = pq.read_table(out.path)
    assert str(table.schema.field("macros").type) == "string"
    assert table.column("macros").to_pylist() == ["108", "auto"]
    text = hwcost.sweep_to(tmp_path / "s.csv", [fixed, auto], chunk_size=1)
    assert list(_read(text.path)["macros"].astype(str)) == ["108", "auto"]
