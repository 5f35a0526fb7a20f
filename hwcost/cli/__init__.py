"""The ``hwcost`` command: a thin layer over the Python API.

Each sub-command lives in its own module ``hwcost.cli._<name>`` with a ``register(subparsers)``
function that adds its parser and sets ``run`` (a function of the parsed arguments returning the
exit status). Modules import the heavy parts of the library inside ``run`` so that start-up stays
fast. ``main`` registers only the sub-command typed (``hwcost evaluate ...`` never builds the
other parsers); the others appear by their one-line help (:data:`COMMANDS`), so ``hwcost --help``
imports neither numpy nor the model. A user error (:class:`~hwcost.errors.HwcostError`) prints
one message and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

__all__ = ["main", "build_parser", "COMMANDS"]

# Sub-commands, in the order ``hwcost --help`` lists them, with the one-line help each module's
# ``register`` gives its parser (tests/cli/test_startup.py checks that the two agree).
COMMANDS: dict[str, str] = {
    "evaluate": "energy, area and latency of one inference",
    "compare": "two or more configurations side by side: totals, ratios, per-unit deltas",
    "explain": "the datapath units a scheme needs, with the equation behind each",
    "import": "read an ONNX / QONNX / QDQ model: layers, per-layer precision, matching presets",
    "arch": "the keys of each accelerator template: type, range, default, source",
    "techlib": "technology libraries: list, show, validate, price, scale",
    "accuracy": "measured accuracy of a scheme (quantization-aware training in numpy)",
    "study": "sweep schemes x bits x hardware, attach accuracies, find Pareto fronts",
    "validate": "hwcost against published silicon",
}
COMMAND_MODULES: tuple[str, ...] = tuple(COMMANDS)

# Commands that multiply large matrices (the numpy training of ``accuracy``, which ``study`` runs):
# they keep OpenBLAS's thread pool. The others price designs with element-wise numpy and never
# call BLAS, and a pool they do not use costs CPU (see _without_blas_threads).
BLAS_COMMANDS: frozenset[str] = frozenset({"accuracy", "study"})
# What OpenBLAS reads for its thread count, first found wins (OpenBLAS's driver/others/openblas_env.c).
_BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser; with ``only``, that sub-command's parser in full and the others by
    their help alone (enough to list them and to refuse an unknown command)."""
    parser = argparse.ArgumentParser(
        prog="hwcost",
        description="What a quantization scheme costs in hardware, and what it buys in accuracy.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, text in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(f"hwcost.cli._{name}").register(subparsers)
        else:
            subparsers.add_parser(name, help=text)
    return parser


def _command(argv: Sequence[str]) -> str:
    """The sub-command typed: the first argument that is not an option (the top-level parser
    has no option taking a value), or "" when there is none."""
    return next((a for a in argv if not a.startswith("-")), "")


def main(argv: list[str] | None = None) -> int:
    as_program = argv is None  # the hwcost command: its console script passes no arguments
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command(argv)
    unset_after = _without_blas_threads(command)
    try:
        return _main(argv, command)
    finally:
        if unset_after:
            os.environ.pop("OPENBLAS_NUM_THREADS", None)
        if as_program and command not in BLAS_COMMANDS:
            _no_collection_at_exit()


def _no_collection_at_exit() -> None:
    """The process ends when ``main`` returns: move every object the cycle collector tracks to
    its permanent generation (:func:`gc.freeze`), so that the collections the interpreter runs as
    it shuts down do not walk them all -- about 15 ms of CPU after a cold ``hwcost evaluate``
    (issue 20, measured with ``benchmarks/bench_cpu.py``), for memory the process hands back
    whole. atexit handlers still run and the standard streams are flushed; what the freeze
    skips is finalizing objects left in reference cycles, and these commands close every file
    they write (``with``, ``Path.write_text``). Only for the command run as a program, and not
    for :data:`BLAS_COMMANDS` (long runs with worker pools of their own)."""
    import gc

    gc.freeze()


def _without_blas_threads(command: str) -> bool:
    """For a command that does no BLAS work, ask OpenBLAS (loaded with numpy) for no worker
    threads; True when the variable was set here, to be removed again when ``main`` returns.

    OpenBLAS starts one worker thread per core when it loads, and a worker waits for work by
    spinning for 2**28 cycles (its THREAD_TIMEOUT; about 0.1 s) before it sleeps: a cold
    ``hwcost evaluate`` spent about 0.1 s of CPU on a second core in a thread that never gets
    any work (issue 20; measured with ``benchmarks/bench_cpu.py``). Nothing changes when numpy is
    already loaded (the pool exists: an in-process caller), for :data:`BLAS_COMMANDS`, or when the
    user has set a thread count.
    """
    if command in BLAS_COMMANDS or "numpy" in sys.modules or any(v in os.environ for v in _BLAS_THREAD_VARIABLES):
        return False
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    return True


def _parse(argv: list[str], command: str) -> argparse.Namespace:
    """The arguments of ``argv``: first parsed without the arch flags, whose generation imports
    every template (:func:`hwcost.cli._arch_flags.deferred_arch_flags`), then, when that parse
    cannot be the full parser's, with the full parser."""
    from hwcost.cli._arch_flags import deferred_arch_flags

    only = command if command in COMMANDS else ""
    with deferred_arch_flags() as waiting:
        parser = build_parser(only=only)
    if waiting:
        args = _parse_without_arch_flags(parser, waiting, argv)
        if args is not None:
            return args
        parser = build_parser(only=only)
    return parser.parse_args(argv)


class _Refused(Exception):
    """A parse without the arch flags failed: the full parser parses again and tells why."""


def _parse_without_arch_flags(parser: argparse.ArgumentParser, waiting: list[argparse.ArgumentParser],
                              argv: list[str]) -> argparse.Namespace | None:
    """The arguments as the full parser would give them, or None when that is not sure: an
    option the parser without the arch flags does not have exactly (an arch flag, an
    abbreviation, a misspelling), ``--help``, ``--`` or any parse error (told by the full
    parser, with its usage). An option spelt out in full means the same to both parsers (argparse
    takes an exact option string before any abbreviation, and an arch flag named like another
    option is not added), so when every one is known the two parses agree but for the arch
    flags' attributes, left at None by the full parser and absent here."""
    parsers = [parser, *waiting]
    known = {option for p in parsers for option in p._option_string_actions} - {"-h", "--help"}
    if any(a.startswith("-") and a != "-" and a.split("=", 1)[0] not in known for a in argv):
        return None

    def refuse(message: str) -> None:
        raise _Refused(message)

    for p in parsers:
        p.error = refuse  # type: ignore[method-assign]
    try:
        return parser.parse_args(argv)
    except _Refused:
        return None
    finally:
        for p in parsers:
            del p.error


def _main(argv: list[str], command: str) -> int:
    args = _parse(argv, command)
    try:
        return int(args.run(args) or 0)
    except BrokenPipeError:  # the reader left (hwcost evaluate | head): nothing more to say
        _silence_stdout()
        return 0
    except Exception as exc:  # noqa: BLE001 - HwcostError, imported only now (start-up: no dataclasses import)
        from hwcost.errors import HwcostError

        if not isinstance(exc, HwcostError):
            raise
        print(f"hwcost: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hwcost: interrupted", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush does not raise again
    (the recipe of the Python documentation, 'Note on SIGPIPE')."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
