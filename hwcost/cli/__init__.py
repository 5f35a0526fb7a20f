"""The ``hwcost`` command: a thin layer over the Python API.

Each sub-command lives in its own module ``hwcost.cli._<name>`` with a ``register(subparsers)``
function that adds its parser and sets ``run`` (a function of the parsed arguments returning the
exit status). Modules import the heavy parts of the library inside ``run`` so that start-up stays
fast. A user error (:class:`~hwcost.errors.HwcostError`) prints one message and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from hwcost.errors import HwcostError

__all__ = ["main", "build_parser"]

# Sub-command modules, in the order ``hwcost --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = ("evaluate", "compare", "explain", "import", "arch", "techlib", "accuracy", "study", "validate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hwcost",
        description="What a quantization scheme costs in hardware, and what it buys in accuracy.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"hwcost.cli._{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except HwcostError as exc:
        print(f"hwcost: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hwcost: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
