"""Median CPU seconds (user + system) of a command over N runs, for start-up figures (issue 20).

Run: ``python benchmarks/bench_cpu.py 15 hwcost --help``. Each run is a fresh process (a cold
start; the OS file cache stays warm); its output is discarded. CPU time, not wall time, so a
machine shared with other jobs inflates the figure less.
"""

from __future__ import annotations

import resource
import subprocess
import sys


def cpu_seconds(cmd: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit("usage: python benchmarks/bench_cpu.py N COMMAND [ARGS...]")
    runs, cmd = int(sys.argv[1]), sys.argv[2:]
    times = sorted(cpu_seconds(cmd) for _ in range(runs))
    print(f"{' '.join(cmd)}: median {times[runs // 2]:.3f} s CPU, min {times[0]:.3f} s ({runs} runs)")


if __name__ == "__main__":
    main()
