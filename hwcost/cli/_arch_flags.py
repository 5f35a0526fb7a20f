"""Command-line flags for the keys of every accelerator template, generated from the code.

Each key of each registered template (:func:`hwcost.arch.keys.template_keys`: type, range or
choices, default, source) becomes a flag: ``pe_rows`` -> ``--pe-rows``. A flag's argparse type
is the key's when every template that has it agrees (integer, number, choices), else text checked
by the template. Older names stay: ``--dac-bits`` sets ``input_bits_per_pulse``. A flag of a
key the chosen template lacks is refused naming the flag and the template
(:func:`hwcost.arch.registry.with_overrides`).

Generating the flags means importing every template and reading its keys from the code (about
30 ms). ``hwcost evaluate`` first parses without them (:func:`deferred_arch_flags`), which gives
the same arguments when the command line names no option outside the others; only a command
line that does (an arch flag, a misspelling, ``--help``) is parsed again with them
(:func:`hwcost.cli.main`).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["ALIASES", "arch_keys_by_name", "add_arch_arguments", "arch_from_args", "deferred_arch_flags",
           "ARCH_FLAGS_LEFT_OUT"]

# Flags kept from before the flags were generated: flag -> the key it sets.
ALIASES: Mapping[str, str] = {"--dac-bits": "input_bits_per_pulse"}

# The parsed arguments' attribute that is True when they were parsed without the arch flags
# (deferred_arch_flags), so none was typed.
ARCH_FLAGS_LEFT_OUT = "arch_flags_left_out"

_deferred: list[argparse.ArgumentParser] | None = None  # parsers built without their arch flags


@contextmanager
def deferred_arch_flags() -> Iterator[list[argparse.ArgumentParser]]:
    """While active, :func:`add_arch_arguments` leaves the flags out and lists the parser (the
    list yielded); the parsed arguments then carry ``ARCH_FLAGS_LEFT_OUT`` True."""
    global _deferred
    _deferred = waiting = []
    try:
        yield waiting
    finally:
        _deferred = None


def arch_keys_by_name() -> dict[str, list[Any]]:
    """key name -> its ArchKey in each registered template that has it (registration order)."""
    from hwcost.arch.keys import template_keys
    from hwcost.arch.registry import template_named, template_names

    out: dict[str, list[Any]] = {}
    for name in template_names():
        for key in template_keys(template_named(name)):
            out.setdefault(key.name, []).append(key)
    return out


def _dest(flag: str) -> str:
    return flag.removeprefix("--").replace("-", "_")


def _argparse_kind(keys: list[Any]) -> dict[str, Any]:
    """``type=int`` / ``type=float`` / ``choices`` when every template agrees, else text."""
    from hwcost.arch.keys import KeyKind

    kinds = {(k.kind, k.none_word, k.choices) for k in keys}
    if len(kinds) != 1:
        return {}
    kind, none_word, choices = kinds.pop()
    if none_word is not None:
        return {"metavar": f"{none_word.upper()}|N"}
    if kind is KeyKind.INTEGER:
        return {"type": int, "metavar": "N"}
    if kind is KeyKind.NUMBER:
        return {"type": float, "metavar": "X"}
    if kind is KeyKind.CHOICE:
        return {"choices": list(choices)}
    if kind is KeyKind.BOOLEAN:
        return {"choices": ["true", "false"]}
    return {}


def _help(keys: list[Any]) -> str:
    """``values; default (template); source`` (argparse escapes: % doubled)."""
    values = {k.values for k in keys}
    text = "; ".join(sorted(values))
    same = len({(k.default, k.source) for k in keys}) == 1
    parts = [f"{_default(keys[0])}: {keys[0].source}"] if same else [
        f"{k.template}: {_default(k)}: {k.source}" for k in keys]
    return (text + ". " + " ".join(parts)).replace("%", "%%")


def _default(key: Any) -> str:
    return "not set by default" if key.default is None else f"default {key.default}"


def add_arch_arguments(p: argparse.ArgumentParser) -> None:
    """A flag per template key, grouped by the templates that have it."""
    if _deferred is not None:
        _deferred.append(p)
        p.set_defaults(**{ARCH_FLAGS_LEFT_OUT: True})
        return
    from hwcost.arch.registry import template_names

    everywhere = set(template_names())
    groups: dict[tuple[str, ...], argparse._ArgumentGroup] = {}
    by_name = arch_keys_by_name()
    for name, keys in by_name.items():
        owners = tuple(k.template for k in keys)
        if owners not in groups:
            title = ("every template (memory system)" if set(owners) == everywhere
                     else " and ".join(owners) + " (with --arch " + " or --arch ".join(owners) + ")")
            groups[owners] = p.add_argument_group(title)
        flag = keys[0].flag
        if flag in p._option_string_actions:  # a key named like another option: only an arch file sets it
            continue
        groups[owners].add_argument(flag, dest=name, help=_help(keys), **_argparse_kind(keys))
    for flag, key in ALIASES.items():
        if key in by_name and flag not in p._option_string_actions:
            owners = tuple(k.template for k in by_name[key])
            groups[owners].add_argument(flag, dest=_dest(flag), help=f"the same as {by_name[key][0].flag}",
                                        **_argparse_kind(by_name[key]))


def _typed_value(text: Any, key: Any) -> Any:
    """A value as a file would give it, for the chosen template's ``key``: true/false for a
    boolean, a whole number as int; anything else as typed (checked by the template, which names
    the flag when it refuses it)."""
    from hwcost.arch.keys import KeyKind

    if not isinstance(text, str):
        return text
    if key is not None and key.kind is KeyKind.BOOLEAN and text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    if text.strip().isdigit():
        return int(text)
    return text


def typed_overrides(args: argparse.Namespace, template: str) -> tuple[dict[str, Any], dict[str, str]]:
    """(key -> value of the arch flags given on the command line, key -> the flag that sets it:
    the one typed, else the key's own)."""
    from hwcost.errors import HwcostError

    by_name = arch_keys_by_name()
    own = {name: next((k for k in keys if k.template == template), None) for name, keys in by_name.items()}
    values: dict[str, Any] = {}
    flags = {name: keys[0].flag for name, keys in by_name.items()}  # also names keys not typed
    for name in flags:
        value = getattr(args, name, None)
        if value is not None:
            values[name] = _typed_value(value, own[name])
    for flag, key in ALIASES.items():
        value = getattr(args, _dest(flag), None)
        if value is None:
            continue
        if key in values:
            raise HwcostError.single(f"{flag} and {flags[key]} set the same key ({key}): give one", key=flag)
        values[key], flags[key] = _typed_value(value, own.get(key)), flag
    return values, flags


def arch_from_args(args: argparse.Namespace) -> Any:
    """The configuration of ``--arch`` / ``--arch-file`` with the arch flags typed; every problem
    is reported under the flag typed."""
    from hwcost.arch.registry import load_arch, with_overrides
    from hwcost.cli._flags import renamed, under_flags
    from hwcost.errors import HwcostError

    arch_flag = "--arch-file" if args.arch_file else "--arch"
    with under_flags({"arch": arch_flag, "": arch_flag}):
        arch = load_arch(args.arch_file or args.arch)
    if getattr(args, ARCH_FLAGS_LEFT_OUT, False):  # parsed without the arch flags: none was typed
        return arch
    values, flags = typed_overrides(args, type(arch).template)
    if not values:
        return arch
    try:
        return with_overrides(arch, values, flags=flags)
    except HwcostError as err:
        raise renamed(err, {"arch": arch_flag}) from None
