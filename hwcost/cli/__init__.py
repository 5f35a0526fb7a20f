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
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command(argv)
    parser = build_parser(only=command if command in COMMANDS else "")
    args = parser.parse_args(argv)
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
