"""``docs/arch-reference.md``: every key of every registered template, written from the code.

``hwcost arch reference --out docs/arch-reference.md`` writes it; a test checks that the
committed page is the one the code writes (:func:`reference_markdown`).
"""

from __future__ import annotations

import inspect

from hwcost.arch.keys import ArchKey, template_keys
from hwcost.arch.registry import template_named, template_names

__all__ = ["reference_markdown", "REFERENCE_PAGE"]

REFERENCE_PAGE = "docs/arch-reference.md"

_HEAD = """\
# Architecture reference: every key of every template

<!-- Written by `hwcost arch reference --out docs/arch-reference.md` from the code; do not edit. -->

Each key below can be written in an arch file (`template: NAME` then `key: value`), in a study's
`archs:` entry (a list sweeps it), or typed as a flag of `hwcost evaluate` / `hwcost compare`
(`pe_rows` is `--pe-rows`; `--dac-bits` is kept as another name of `--input-bits-per-pulse`). A
flag of a key the chosen template lacks is refused, naming the flag and the template. Every
column is read from the code (`hwcost/arch/keys.py`): the type and choices from the
configuration dataclass, the range from what its validator checks, the default from the
template's defaults, and the source from the comment next to the key. Beside these keys an arch
file may set `name` (a label) and, on the MAC array, `pinned` costs (`docs/cost-model.md`).
`hwcost arch keys TEMPLATE` prints the same table in a terminal.
"""


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _default(key: ArchKey) -> str:
    return "not set" if key.default is None else f"`{key.default}`"


def _section(name: str) -> list[str]:
    template = template_named(name)
    aliases = ", ".join(f"`{a}`" for a in template.aliases)
    doc = inspect.getdoc(type(template.defaults)) or ""
    lines = [f"## `{name}`" + (f" (also {aliases})" if aliases else ""), "", " ".join(doc.split("\n\n")[0].split()), "",
             "| key | flag | takes | default | source |", "|---|---|---|---|---|"]
    for key in template_keys(template):
        lines.append(f"| `{key.name}` | `{key.flag}` | {_cell(key.values)} | {_default(key)} | {_cell(key.source)} |")
    return lines + [""]


def reference_markdown() -> str:
    """The page: a preface, then one table per registered template."""
    lines = [_HEAD]
    for name in template_names():
        lines += _section(name)
    return "\n".join(lines).rstrip("\n") + "\n"
