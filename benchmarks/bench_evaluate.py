"""Speed of the MAC-array cost model: one ResNet-18 design point, and a 10,000-point sweep.

Targets (on a 2-core machine): < 10 ms per ResNet-18 point; 10,000 points < 10 s.
Run: ``python benchmarks/bench_evaluate.py``.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

from hwcost.arch.mac_array.config import Dataflow, MacArrayConfig
from hwcost.errors import HwcostError
from hwcost.evaluate import DesignPoint, design_point, report_of, sweep
from hwcost.schemes import PRESET_NAMES, get_scheme
from hwcost.schemes.scheme import ZeroPointRealisation
from hwcost.techlib import load_techlib
from hwcost.workloads import load_workload


def time_one_point() -> tuple[float, float]:
    start = time.perf_counter()
    point = design_point("lsq", 4, workload="resnet18")
    report_of(point)
    cold = time.perf_counter() - start
    runs = 50
    start = time.perf_counter()
    for bits in itertools.islice(itertools.cycle(range(2, 9)), runs):
        report_of(design_point("lsq", bits, workload="resnet18"))
    warm = (time.perf_counter() - start) / runs
    return cold, warm


def grid_points(n_target: int = 10_000) -> list[DesignPoint]:
    lib = load_techlib("45nm")
    workload = load_workload("resnet18")
    arrays = [
        MacArrayConfig(pe_rows=r, pe_cols=c, glb_kib=g, dataflow=d)
        for r, c, g, d in itertools.product((8, 16, 32), (8, 16, 32), (64.0, 128.0, 256.0), Dataflow)
    ]
    schemes = []
    for name, (w, a), zp in itertools.product(PRESET_NAMES, [(2, 2), (3, 3), (4, 4), (8, 8), (4, 8)], ZeroPointRealisation):
        try:
            schemes.append(replace(get_scheme(name, w, a), zero_point_realisation=zp))
        except HwcostError:  # e.g. a weight zero-point cannot be folded
            continue
    points = [DesignPoint(s, arch, lib, workload) for s, arch in itertools.product(schemes, arrays)]
    assert len(points) >= n_target, len(points)
    return points[:n_target]


def main() -> None:
    cold, warm = time_one_point()
    print(f"one ResNet-18 design point: {cold * 1e3:.1f} ms cold (loading files), {warm * 1e3:.2f} ms warm")
    points = grid_points()
    start = time.perf_counter()
    frame = sweep(points)
    elapsed = time.perf_counter() - start
    print(f"sweep of {len(frame):,} ResNet-18 design points: {elapsed:.2f} s = {len(frame) / elapsed:,.0f} points/s")


if __name__ == "__main__":
    main()
