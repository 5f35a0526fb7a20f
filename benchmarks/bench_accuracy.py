"""Time of one 4-bit accuracy measurement, from scratch (no cache).

One measurement = load digits, full-precision training (20 epochs), QAT fine-tuning (10 epochs),
fake-quant and integer-only test accuracy. Target (on a 2-core machine): < 60 s.
Run: ``python benchmarks/bench_accuracy.py [--model mlp|cnn] [--scheme lsq]``.
"""

from __future__ import annotations

import argparse
import time

from hwcost.schemes import get_scheme
from hwcost.accuracy import measure_accuracy

TARGET_S = 60.0


def time_measurement(scheme_name: str, model: str) -> tuple[float, float, float]:
    """Wall-clock and CPU seconds of one uncached run, and its QAT accuracy; a second run checks
    that the result is identical."""
    scheme = get_scheme(scheme_name, 4, 4)
    wall, cpu = time.perf_counter(), time.process_time()
    first = measure_accuracy(scheme, model=model, use_cache=False)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert measure_accuracy(scheme, model=model, use_cache=False) == first, "reruns must be identical"
    return wall, cpu, first.accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("mlp", "cnn"), default=None, help="one model (default: both)")
    parser.add_argument("--scheme", default="lsq")
    args = parser.parse_args()
    for model in [args.model] if args.model else ["mlp", "cnn"]:
        wall, cpu, acc = time_measurement(args.scheme, model)
        status = "ok" if wall < TARGET_S else "SLOW (a loaded machine? compare the CPU time)"
        print(f"{args.scheme} W4/A4 {model}: {wall:.1f} s wall, {cpu:.1f} s CPU "
              f"(target < {TARGET_S:.0f} s: {status}); accuracy {100 * acc:.2f} %, identical on rerun")


if __name__ == "__main__":
    main()
