"""Study files: a valid one loads; every invalid one exits 2 naming the key (and its line)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from study_support import SMALL

from hwcost.cli import main
from hwcost.errors import HwcostError
from hwcost.pareto import Sense
from hwcost.schemes import ZeroPointRealisation
from hwcost.study import AccuracySource, load_study


def test_small_study_loads(write_study: Callable[..., Path]) -> None:
    spec = load_study(write_study())
    assert [s.name for s in spec.schemes] == ["lsq", "asymmetric"]
    assert spec.bit_pairs == ((2, 2), (4, 4))
    assert spec.zero_points == (None, ZeroPointRealisation.FOLD)
    assert [a.name for a in spec.archs] == ["ws(pe_rows=8)", "ws(pe_rows=16)"]
    assert [a.pe_rows for a in spec.archs] == [8, 16]
    assert spec.accuracy.source is AccuracySource.BOTH
    m = spec.accuracy.measured
    assert m is not None and (m.epochs, m.fp_epochs, m.seeds) == (1, 1, (0, 1))
    assert (m.batch_size, m.lr, m.qat_lr, m.integer) == (64, 0.05, 0.01, True)  # the accuracy side's defaults, made explicit
    assert spec.objectives[0].sense is Sense.MAXIMISE and spec.objectives[1].column == "energy_pj"


def test_bit_pairs_and_files_relative_to_the_study(write_study: Callable[..., Path], tmp_path: Path) -> None:
    (tmp_path / "arch.yaml").write_text("template: mac_array\nname: mine\npe_rows: 4\n")
    text = SMALL.replace("bits: [2, 4]", "bit_pairs: [[4, 8], [2, 8]]").replace(
        "  - template: mac_array\n    name: ws\n    pe_rows: [8, 16]", "  - file: arch.yaml\n  - template: cim"
    )
    spec = load_study(write_study(text))
    assert spec.bit_pairs == ((4, 8), (2, 8))
    assert [a.name for a in spec.archs][0] == "mine"
    assert len(spec.archs) == 2


BAD = [
    ("colour: red\n", "colour", "unknown key 'colour'; valid keys:"),
    (SMALL.replace("[lsq, asymmetric]", "[lsq, lsqq]"), "schemes[1]", "unknown scheme 'lsqq'"),
    (SMALL.replace("bits: [2, 4]", "bits: [2, 40]"), "bits[1]", "expected an integer <= 32"),
    (SMALL.replace("bits: [2, 4]", "bit_pairs: [[2, 4, 8]]"), "bit_pairs[0]", "expected [weight_bits, act_bits]"),
    (SMALL.replace("[scheme, fold]", "[scheme, folded]"), "zero_point[1]", "expected one of scheme, fold, runtime"),
    (SMALL.replace("pe_rows: [8, 16]", "pe_rowz: 8"), "archs[0].pe_rowz", "unknown key 'pe_rowz'"),
    (SMALL.replace("pe_rows: [8, 16]", "pe_rows: [8, 0]"), "archs[0].pe_rows", "expected an integer >= 1"),
    (SMALL.replace("template: mac_array", "template: systolic"), "archs[0].template", "expected one of mac_array"),
    (SMALL.replace("nodes: [45nm]", "nodes: [3nm]"), "nodes[0]", ""),
    (SMALL.replace("workloads: [resnet20]", "workloads: [resnet21]"), "workloads[0]", ""),
    (SMALL.replace("source: both", "source: guess"), "accuracy.source", "expected one of measured, table, both"),
    (SMALL.replace("  measured: {model: mlp, dataset: digits, epochs: 1, fp_epochs: 1, seeds: [0, 1]}\n", ""), "accuracy", "needs 'measured'"),
    (SMALL.replace("seeds: [0, 1]", "seeds: [0, 0]"), "accuracy.measured.seeds", "seeds must be distinct"),
    (SMALL.replace("model: mlp", "model: resnet"), "accuracy.measured.model", "unknown model 'resnet'"),
    (SMALL.replace(", seeds: [0, 1]", ""), "accuracy.measured", "missing required key 'seeds'"),
    (SMALL.replace("dataset: digits", "dataset: mnist.npz"), "accuracy.measured.dataset", "expected one of digits, fashion-mnist, cifar10, cifar100 or an existing .npz"),
    (SMALL.replace("table: literature", "table: nowhere.csv"), "nowhere.csv", "accuracy table not found"),
    (SMALL.replace("maximise: accuracy_measured_pct", "maximise: accuracy"), "objectives[0].maximise", "expected one of accuracy_measured_pct"),
    (SMALL.replace("maximise: accuracy_measured_pct", "maximize: accuracy_measured_pct"), "objectives[0].maximize", "unknown key 'maximize'"),
    (SMALL.replace("  - minimise: energy_pj\n  - minimise: area_um2\n", ""), "objectives", "at least two objectives"),
]


@pytest.mark.parametrize(("text", "key", "message"), BAD, ids=[b[1] for b in BAD])
def test_invalid_study_exits_2_naming_the_key(
    text: str, key: str, message: str, write_study: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_study(text)
    assert main(["study", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hwcost: error: ") and "Traceback" not in err
    assert key in err and message in err
    if "study.yaml" in err:
        assert f"{path}:" in err  # file and line


def test_all_problems_reported_at_once(write_study: Callable[..., Path]) -> None:
    text = SMALL.replace("[lsq, asymmetric]", "[lsqq]").replace("bits: [2, 4]", "bits: [0]").replace("[45nm]", "[]")
    with pytest.raises(HwcostError) as info:
        load_study(write_study(text))
    keys = {p.key for p in info.value.problems}
    assert {"schemes[0]", "bits[0]", "nodes"} <= keys
    assert all(p.line is not None for p in info.value.problems if p.key != "")


def test_run_of_invalid_study_exits_2(write_study: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_study(SMALL.replace("[lsq, asymmetric]", "[lsqq]"))
    assert main(["study", "run", str(path), "--out", str(tmp_path / "out"), "--jobs", "1"]) == 2
    assert "schemes[0]" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_jobs_do_not_go_with_a_dask_scheduler(write_study: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Without --scheduler, --executor dask starts a local cluster of --jobs workers (test_study_runner.py).
    argv = ["study", "run", str(write_study()), "--out", str(tmp_path / "o"), "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1", "--jobs", "2"]
    assert main(argv) == 2
    assert "--jobs does not apply with --scheduler" in capsys.readouterr().err
