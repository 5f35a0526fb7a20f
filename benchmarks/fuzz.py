"""Fuzzing campaign: thousands of mutated inputs through ``hwcost``, and what came out of each.

Every case is a command line, most with a mutated copy of a shipped or documented file (technology
libraries, workloads, arch, scheme and study files, accuracy tables; see ``fuzz_cases.py``); the
rest are command lines with wrong flag values. Most cases run ``hwcost.cli.main`` inside worker
processes (fast); ``--binary`` of them run the installed ``hwcost`` executable. A case still
running after ``--timeout`` seconds is a hang (its worker is killed and replaced); a worker that
dies, or an exception escaping ``main``, is a traceback.

    python benchmarks/fuzz.py                       # 10,000 cases, 1,000 of them via the binary
    python benchmarks/fuzz.py --cases 2000 --binary 100 --jobs 2 --seed 7
    python benchmarks/fuzz.py --replay 1234         # run case 1234 of seed 0 and show everything

Targets: 0 tracebacks, 0 hangs, 0 non-finite numbers printed, 0 duplicate keys silently resolved;
every file error names the file, the line and the key. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import faulthandler
import multiprocessing
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection, wait
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzz_cases as fc  # noqa: E402 - the sibling module, importable once its folder is on the path

CLI_SHARE = 0.2  # fraction of cases that fuzz command-line values rather than files


def make_case(seed: int, index: int, all_seeds: dict[str, list[fc.Seed]]) -> fc.Case:
    """Case ``index`` of a campaign: the same every time for the same seed."""
    rng = random.Random(seed * 1_000_003 + index)
    return fc.cli_case(rng) if rng.random() < CLI_SHARE else fc.file_case(rng, all_seeds)


def run_binary(case: fc.Case, folder: Path, index: int, timeout: float) -> fc.Result:
    argv, files = fc.materialise(case, folder, index)
    try:
        done = subprocess.run(["hwcost", *argv], capture_output=True, text=True, timeout=timeout,
                              errors="replace", cwd=folder)
    except subprocess.TimeoutExpired:
        return fc.Result("hang", None, "", "")
    finally:
        fc.cleanup(folder, index)
    outcome = fc.judge(case, done.returncode, done.stdout, done.stderr, files)
    return fc.Result(outcome, done.returncode, done.stdout, done.stderr)


def _worker(conn: Connection, folder: str, memory_mb: int, timeout: float) -> None:
    """Run the cases sent on ``conn`` one at a time; send back each Result."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    all_seeds = fc.seeds()
    while True:
        job = conn.recv()
        if job is None:
            return
        seed, index, binary = job
        case = make_case(seed, index, all_seeds)
        with open(Path(folder) / f"stack-{index}.txt", "w") as stacks:  # where a hang was, if it hangs
            faulthandler.dump_traceback_later(timeout, file=stacks)
            if binary:
                result = run_binary(case, Path(folder), index, timeout)
            else:
                result = fc.run_in_process(case, Path(folder), index)
            faulthandler.cancel_dump_traceback_later()
        (Path(folder) / f"stack-{index}.txt").unlink(missing_ok=True)
        conn.send((index, result))


class Worker:
    def __init__(self, folder: Path, memory_mb: int, timeout: float):
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, str(folder), memory_mb, timeout), daemon=True)
        self.process.start()
        self.job: tuple[int, int, bool] | None = None
        self.started = 0.0

    def give(self, job: tuple[int, int, bool]) -> None:
        self.job, self.started = job, time.monotonic()
        self.conn.send(job)

    def stop(self) -> None:
        self.process.kill()
        self.process.join()


def campaign(seed: int, cases: int, binary: int, jobs: int, timeout: float, memory_mb: int, folder: Path,
             progress: bool) -> tuple[Counter[str], dict[str, list[tuple[int, fc.Result | None]]], float]:
    """Run every case; outcome counts, a few examples per outcome, seconds taken."""
    binary_every = cases // binary if binary else 0
    queue = [(seed, i, bool(binary_every) and i % binary_every == 0) for i in range(cases)]
    queue.reverse()
    workers = [Worker(folder, memory_mb, timeout) for _ in range(jobs)]
    counts: Counter[str] = Counter()
    examples: dict[str, list[tuple[int, fc.Result | None]]] = {}  # every index; the first results
    start = time.monotonic()
    done = 0

    def record(index: int, result: fc.Result) -> None:
        nonlocal done
        counts[result.outcome] += 1
        examples.setdefault(result.outcome, []).append((index, result if len(examples[result.outcome]) < 10 else None))
        done += 1
        if progress and done % 500 == 0:
            print(f"  {done:,} cases, {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)

    for w in workers:
        if queue:
            w.give(queue.pop())
    while any(w.job is not None for w in workers):
        busy = [w for w in workers if w.job is not None]
        ready = wait([w.conn for w in busy], timeout=1.0)
        for w in busy:
            if w.conn in ready:
                try:
                    index, result = w.conn.recv()
                except EOFError:  # the worker died (out of memory, a signal): a crash
                    index, result = w.job[1], fc.Result("traceback", None, "", "worker process died")
                    w.stop()
                    workers[workers.index(w)] = w = Worker(folder, memory_mb, timeout)
                record(index, result)
            elif time.monotonic() - w.started > timeout + 5:
                stacks = folder / f"stack-{w.job[1]}.txt"
                where = stacks.read_text()[-3000:] if stacks.exists() else ""
                record(w.job[1], fc.Result("hang", None, "", f"no answer after {timeout:g} s\n{where}"))
                w.stop()
                workers[workers.index(w)] = w = Worker(folder, memory_mb, timeout)
            else:
                continue
            w.job = None
            if queue:
                w.give(queue.pop())
    for w in workers:
        w.conn.send(None)
        w.process.join(timeout=5)
    return counts, examples, time.monotonic() - start


def report(counts: Counter[str], examples: dict[str, list[tuple[int, fc.Result | None]]], seconds: float,
           seed: int, show: int) -> bool:
    total = sum(counts.values())
    print(f"hwcost fuzzing campaign: {total:,} cases, seed {seed}, {seconds:.0f} s")
    print()
    print(f"{'outcome':<72} {'count':>7}")
    print(f"{'-' * 72} {'-' * 7}")
    for outcome in fc.OUTCOMES:
        print(f"{outcome:<72} {counts.get(outcome, 0):>7,}")
    good = all(counts.get(o, 0) == 0 for o in fc.BAD + ("exit 2, message incomplete",))
    for outcome in fc.OUTCOMES:
        if outcome.startswith("exit 0, sane") or outcome == "exit 2, file error naming file, line and key":
            continue
        cases = sorted(index for index, _ in examples.get(outcome, []))
        if cases and outcome in fc.BAD + ("exit 2, message incomplete",):
            more = f" and {len(cases) - 40} more" if len(cases) > 40 else ""
            print(f"\n[{outcome}] cases (replay with --replay N --seed {seed}): "
                  f"{', '.join(map(str, cases[:40]))}{more}")
        for index, result in [(i, r) for i, r in examples.get(outcome, []) if r is not None][:show]:
            print(f"\n[{outcome}] case {index}: exit {result.code}")
            tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-6:])
            print("    " + tail.replace("\n", "\n    "))
    print()
    print("targets met" if good else "TARGETS MISSED")
    return good


def replay(seed: int, index: int, folder: Path) -> None:
    case = make_case(seed, index, fc.seeds())
    print(f"case {index}: kind {case.kind}, mutations {', '.join(case.mutations) or '-'}")
    print("argv:", " ".join(case.argv))
    result = fc.run_in_process(case, folder, index)
    print(f"outcome: {result.outcome} (exit {result.code})")
    print("--- stdout\n" + result.stdout[-3000:])
    print("--- stderr\n" + result.stderr[-3000:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000, help="cases in all (default 10,000)")
    parser.add_argument("--binary", type=int, default=1_000, help="of which through the hwcost executable (1,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a case is a hang (30)")
    parser.add_argument("--memory-mb", type=int, default=3000, help="address-space limit per worker (3000 MB)")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per outcome other than success")
    parser.add_argument("--replay", type=int, metavar="INDEX", help="run one case in this process and show it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hwcost-fuzz-") as tmp:
        folder = Path(tmp)
        if args.replay is not None:
            replay(args.seed, args.replay, folder)
            return 0
        counts, examples, seconds = campaign(args.seed, args.cases, args.binary, args.jobs, args.timeout,
                                             args.memory_mb, folder, progress=True)
    return 0 if report(counts, examples, seconds, args.seed, args.examples) else 1


if __name__ == "__main__":
    sys.exit(main())
