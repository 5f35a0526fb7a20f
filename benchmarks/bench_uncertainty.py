"""Speed of the uncertainty bands: 1,000 Monte Carlo samples of one ResNet-18 design point on each
template (issue 23's target: <= 50 ms), and the cost of a ratio band between two designs.

Run: ``python benchmarks/bench_uncertainty.py``. The report is priced once, outside the timing: a
band reuses the report's rows (``docs/uncertainty.md``).
"""

from __future__ import annotations

import time

import hwcost
from hwcost.uncertainty import band, ratio_bands

TARGET_MS = 50.0


def best_ms(run, repeats: int = 20) -> float:
    run()  # warm: the shipped spreads file is read once
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def main() -> None:
    for arch in ("mac_array", "cim_macro", "digital_cim"):
        report = hwcost.evaluate("lsq", 4, workload="resnet18", arch=arch)
        ms = best_ms(lambda: band(report, 1000, 0))
        print(f"{arch:12s} 1,000 samples, {len(report.breakdown):2d} rows: {ms:6.2f} ms "
              f"({'within' if ms <= TARGET_MS else 'ABOVE'} the {TARGET_MS:g} ms target)")
    a = hwcost.evaluate("lsq", 4, workload="resnet18")
    b = hwcost.evaluate("lsq+", 4, workload="resnet18")
    print(f"ratio bands lsq+ / lsq, 1,000 samples: {best_ms(lambda: ratio_bands(a, b, 1000, 0)):.2f} ms")


if __name__ == "__main__":
    main()
