"""Speed of sweeps (issue 20): CPU microseconds per ResNet-18 design point on the MAC array and on
the CIM macro, the overhead of a single-point ``sweep`` over its evaluation, and a streamed
sweep (``hwcost.sweep_to``) of many points: CPU time and peak memory.

Targets (issue 20, CPU time on 2 cores): <= 25 us per ResNet-18 point on both templates;
10^6 points in <= 60 s with peak memory <= 2 GB.

Run: ``python benchmarks/bench_sweep.py`` (10^4-point sweeps, a 10^5-point stream), or
``python benchmarks/bench_sweep.py --points 100000 --stream 1000000`` for the full figures.
Times are process CPU seconds (``time.process_time``), so a busy machine inflates them less
than wall time; peak memory is the process's maximum resident set (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace

from hwcost import CimMacroConfig, DesignPoint, MacArrayConfig, design_point, sweep, sweep_to
from hwcost.arch.mac_array.config import Dataflow
from hwcost.errors import HwcostError
from hwcost.evaluate import CostCache, _evaluate_group, _frame
from hwcost.schemes import PRESET_NAMES, QuantScheme, get_scheme
from hwcost.techlib import load_techlib
from hwcost.workloads import load_workload

BITS = ((2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (8, 8), (4, 8), (2, 4))


def _schemes() -> list[QuantScheme]:
    out = []
    for name, (w, a) in itertools.product(PRESET_NAMES, BITS):
        try:
            out.append(get_scheme(name, w, a))
        except HwcostError:
            continue
    return out


def mac_points(n: int) -> Iterator[DesignPoint]:
    """``n`` distinct ResNet-18 points on the MAC array (schemes x bits x array shape x buffers x
    dataflow), made one at a time."""
    lib, workload = load_techlib("45nm"), load_workload("resnet18")
    schemes = _schemes()
    arrays = (
        MacArrayConfig(pe_rows=r, pe_cols=c, glb_kib=g, acc_buffer_kib=acc, dataflow=d)
        for r, c, g, acc, d in itertools.product(range(4, 132, 4), range(4, 132, 4), (64.0, 128.0, 256.0, 512.0), (32.0, 64.0), Dataflow)
    )
    grid = ((s, a) for a in arrays for s in schemes)
    return (DesignPoint(s, a, lib, workload) for s, a in itertools.islice(grid, n))


def cim_points(n: int) -> Iterator[DesignPoint]:
    """``n`` distinct ResNet-18 points on the CIM macro (schemes it can run x macro size x ADC bits)."""
    lib, workload = load_techlib("45nm"), load_workload("resnet18")
    schemes = []
    for s in _schemes():
        try:
            sweep([DesignPoint(s, CimMacroConfig(), lib, workload)])
            schemes.append(s)
        except HwcostError:  # floating-point first/last layers, or bits the macro cannot take
            continue
    macros = (
        CimMacroConfig(rows=r, cols=c, adc_bits=b, macros=m)
        for r, c, b, m in itertools.product((64, 128, 256), (64, 128, 256), range(4, 9), (16, 32, 64, 108, 128))
    )
    grid = ((s, m) for m in macros for s in schemes)
    return (DesignPoint(s, m, lib, workload) for s, m in itertools.islice(grid, n))


def per_point_us(points: list[DesignPoint]) -> float:
    start = time.process_time()
    sweep(points)
    return (time.process_time() - start) / len(points) * 1e6


def single_point() -> tuple[float, float, float]:
    """CPU microseconds of one ResNet-18 point: its evaluation, its frame, and the whole sweep()."""
    point = design_point("lsq+", 4, workload="resnet18")
    cache = CostCache()
    sweep([point], cache)  # plans, tables and prices made once

    def best(f, runs: int = 50) -> float:
        times = []
        for _ in range(5):
            start = time.process_time()
            for _ in range(runs):
                f()
            times.append((time.process_time() - start) / runs * 1e6)
        return min(times)

    cost = _evaluate_group([point], cache)
    return best(lambda: _evaluate_group([point], cache)), best(lambda: _frame([point], cost, [0])), best(lambda: sweep([point], cache))


def stream(n: int, chunk_size: int, file_format: str = "csv") -> tuple[float, float, int]:
    """(CPU seconds, peak resident MB, bytes written) of streaming ``n`` MAC-array points to CSV
    or Parquet."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.process_time()
        out = sweep_to(os.path.join(tmp, f"sweep.{file_format}"), mac_points(n), chunk_size=chunk_size)
        cpu = time.process_time() - start
        size = out.path.stat().st_size
    assert out.points == n, out.points
    return cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000, help="points per template for the per-point figure")
    parser.add_argument("--stream", type=int, default=100_000, help="points streamed to CSV (0: skip)")
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv", help="the stream's file (parquet: pyarrow)")
    args = parser.parse_args()

    evaluation, frame, whole = single_point()
    print(f"single ResNet-18 point: evaluation {evaluation:.0f} us, frame {frame:.0f} us, sweep() {whole:.0f} us "
          f"({whole / evaluation:.1f}x the evaluation)")
    for name, make in (("mac_array", mac_points), ("cim_macro", cim_points)):
        points = list(make(args.points))
        print(f"sweep of {len(points):,} ResNet-18 points on {name}: {per_point_us(points):.1f} us CPU per point")
    if args.stream:
        cpu, peak_mb, size = stream(args.stream, args.chunk_size, args.format)
        print(f"sweep_to of {args.stream:,} MAC-array points (chunks of {args.chunk_size:,}): {cpu:.1f} s CPU, "
              f"peak memory {peak_mb:,.0f} MB, {size / 1e6:,.0f} MB of {args.format}")


if __name__ == "__main__":
    main()
