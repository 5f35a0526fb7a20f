"""``hwcost arch``: the keys of the accelerator templates, read from the code.

    hwcost arch keys [TEMPLATE]                     every key: type, range or choices, default, source
    hwcost arch reference [--out docs/arch-reference.md]   the reference page (Markdown)
"""

from __future__ import annotations

import argparse

from hwcost.cli._output import format_table

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("arch", help="the keys of each accelerator template: type, range, default, source",
                              description="The keys of the accelerator templates, read from their code.")
    sub = p.add_subparsers(dest="arch_command", metavar="ACTION", required=True)
    keys = sub.add_parser("keys", help="print every key of a template (all templates when none is named)")
    keys.add_argument("template", nargs="?", help="a template name or alias (mac_array, cim, dcim, ...)")
    keys.set_defaults(run=_keys)
    ref = sub.add_parser("reference", help="write docs/arch-reference.md (Markdown) from the code")
    ref.add_argument("--out", metavar="FILE", help="the file to write (default: print it)")
    ref.set_defaults(run=_reference)


def _keys(args: argparse.Namespace) -> int:
    import textwrap

    from hwcost.arch.keys import template_keys
    from hwcost.arch.registry import template_named, template_names
    from hwcost.cli._flags import under_flags

    with under_flags({"template": "TEMPLATE"}):
        names = [template_named(args.template).name] if args.template else template_names()
    blocks = []
    for name in names:
        rows = [[k.flag, k.values, "-" if k.default is None else str(k.default),
                 textwrap.shorten(k.source, 70, placeholder=" ...")] for k in template_keys(template_named(name))]
        blocks.append(format_table(["flag", "takes", "default", "source"], rows, title=f"{name}:", align="llll"))
    print("\n\n".join(blocks))
    return 0


def _reference(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hwcost.arch.reference import reference_markdown
    from hwcost.errors import HwcostError

    text = reference_markdown()
    if args.out is None:
        print(text, end="")
        return 0
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise HwcostError.single(f"cannot write {args.out} ({exc.strerror or exc.__class__.__name__})", key="--out") from None
    print(f"wrote {args.out}")
    return 0
