"""Each distinct layer counted once (hwcost/arch/shared/distinct.py): the counts of the distinct
layers, copied to the layers sharing them, are the counts of every layer."""

from __future__ import annotations

import dataclasses
import importlib
import itertools

import numpy as np
import pandas as pd
import pytest

import hwcost
from hwcost import CostCache, MacArrayConfig, design_point, sweep
from hwcost.arch.mac_array.config import Dataflow, PeStyle
from hwcost.arch.registry import template_of
from hwcost.arch.shared.distinct import distinct_layers, expand_actions
from hwcost.arch.shared.tables import workload_tables

evaluate_module = importlib.import_module("hwcost.evaluate")


def test_resnet18_has_12_distinct_layers_of_21() -> None:
    """By hand: conv1; layer1's four 3 x 3 convs (64 -> 64 at 56 x 56) are one; in each of
    layer2..4 the strided conv1, the downsample, and the three other 3 x 3 convs (equal in
    channels and size) are three; fc. 1 + 1 + 3 x 3 + 1 = 12."""
    t = workload_tables(hwcost.load_workload("resnet18"))
    d = distinct_layers(t)
    assert d is not None and len(t.layer_class) == 21 and len(d.tables.layer_class) == 12
    names = t.layer_names
    same = lambda a, b: d.index[names.index(a)] == d.index[names.index(b)]  # noqa: E731
    assert same("layer1.0.conv1", "layer1.1.conv2") and same("layer3.0.conv2", "layer3.1.conv1")
    assert not same("layer3.0.conv1", "layer3.0.conv2") and not same("conv1", "layer1.0.conv1")
    # each representative is the first layer of its row, and every layer maps to an equal row
    for i in range(21):
        j = d.index[i]
        for field in dataclasses.fields(t.shapes):
            full = getattr(t.shapes, field.name)
            if isinstance(full, np.ndarray):
                assert full[i] == getattr(d.tables.shapes, field.name)[j]
        assert t.layer_class[i] == d.tables.layer_class[j]


def test_layers_differing_in_any_field_stay_apart() -> None:
    """Two layers equal in every field but one (here the vertical stride, or the precision class)
    are two distinct layers; a workload whose layers all differ has none to share."""
    t = workload_tables(hwcost.load_workload("resnet18"))
    names = t.layer_names
    a, b = names.index("layer1.0.conv1"), names.index("layer1.0.conv2")
    stride = np.ones(len(names))
    stride[b] = 2.0
    apart = dataclasses.replace(t, shapes=dataclasses.replace(t.shapes, stride_rows=stride))
    d = distinct_layers(apart)
    assert d is not None and d.index[a] != d.index[b]
    cls = t.layer_class.copy()
    cls[b] = 1
    assert distinct_layers(dataclasses.replace(t, layer_class=cls)).index[b] != distinct_layers(t).index[b]
    # VGG-7's eight compute layers differ in channels, size or kind (docs: its workload file)
    assert distinct_layers(workload_tables(hwcost.load_workload("vgg7"))) is None
    one = workload_tables(hwcost.load_workload("resnet20"))
    d20 = distinct_layers(one)
    assert d20 is not None and len(d20.tables.layer_class) < len(one.layer_class)


def _configs() -> list[MacArrayConfig]:
    flows = list(Dataflow)
    shapes = [dict(pe_rows=8, pe_cols=8, glb_kib=16.0), dict(pe_rows=32, pe_cols=16),
              dict(pe_rows=16, pe_cols=16, acc_buffer_kib=0.0, input_buffer_kib=0.0, glb_kib=64.0),
              dict(pe_rows=16, pe_cols=8, pe_style=PeStyle.ADDER_TREE)]
    return [MacArrayConfig(dataflow=f, **s) for f, s in itertools.product(flows, shapes)]


@pytest.mark.parametrize("workload", ("resnet18", "resnet20", "mobilenetv2", "vgg16"))
def test_distinct_counts_expanded_are_the_counts_of_every_layer(workload: str) -> None:
    points = [design_point(s, b, workload=workload, arch=c) for c in _configs() for s, b in (("lsq", 4), ("pact", 8))]
    cache = CostCache()
    template = template_of(points[0].arch)
    tables = cache.tables(points[0].workload)
    plans, _ = evaluate_module._plan_group(template, points, tables, cache)
    archs = [p.arch for p in points]
    full = template.count(archs, plans, tables)
    d = cache.distinct_layers(tables)
    assert d is not None and len(d.tables.layer_class) < len(tables.layer_class)
    part = expand_actions(template.count(archs, plans, d.tables), d)
    layers = len(tables.layer_class)
    assert set(part.per_layer) == set(full.per_layer)
    for key, values in full.per_layer.items():
        got = np.broadcast_to(part.per_layer[key], (len(points), layers))
        assert np.array_equal(got, np.broadcast_to(values, (len(points), layers))), key
    for name in ("compute_cycles", "memory_cycles", "latency_cycles", "peak_macs_per_cycle"):
        assert np.array_equal(getattr(part, name), getattr(full, name)), name
    for i in range(len(points)):
        assert [str(m) for m in part.mapping[i]] == [str(m) for m in full.mapping[i]]


def test_sweep_on_distinct_layers_is_the_sweep_on_every_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    points = [design_point(s, b, workload=w, arch=c) for w in ("resnet18", "mobilenetv2") for c in _configs()
              for s, b in (("lsq", 4), ("lsq+", 2))]
    assert len(points) >= evaluate_module.DISTINCT_LAYERS_FROM
    shared = sweep(points)
    monkeypatch.setattr(evaluate_module, "DISTINCT_LAYERS_FROM", 10**9)
    every_layer = sweep(points)
    pd.testing.assert_frame_equal(shared, every_layer, check_exact=True)


def test_group_cost_on_distinct_layers_reads_as_every_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A group counted on the distinct layers sums their columns in the workload's order and
    gives its per-layer counts, cycles and mappings per layer of the workload: every one equal to
    those of the group counted on all its layers."""
    points = [design_point(s, b, workload="resnet18", arch=c) for c in _configs() for s, b in (("lsq", 4), ("pact", 8))]
    assert len(points) >= evaluate_module.DISTINCT_LAYERS_FROM
    shared = evaluate_module._evaluate_group(points, CostCache())
    monkeypatch.setattr(evaluate_module, "DISTINCT_LAYERS_FROM", 10**9)
    full = evaluate_module._evaluate_group(points, CostCache())
    shape = full.layer_latency_cycles.shape
    assert shape == (len(points), 21) and shared.layer_latency_cycles.shape == shape
    assert set(shared.per_layer) == set(full.per_layer)
    for key in full.per_layer:
        assert np.array_equal(np.broadcast_to(shared.per_layer[key], shape), np.broadcast_to(full.per_layer[key], shape)), key
    assert shared.per_layer.get("no such count") is None
    for name in ("latency_cycles", "compute_cycles", "memory_cycles", "utilisation", "layer_latency_cycles"):
        assert np.array_equal(getattr(shared, name), getattr(full, name)), name
    for a, b in zip(shared.rows, full.rows):
        assert a.name == b.name and np.array_equal(a.energy_pj, b.energy_pj) and np.array_equal(a.actions, b.actions)
    for i in (0, len(points) - 1):
        assert list(shared.mapping[i]) == list(full.mapping[i])
