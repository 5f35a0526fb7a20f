"""A command-line value is reported under the flag the user typed.

The library names its inputs by their own keys (``weights.bits``, ``input_bits_per_pulse``,
``workload``); at the command line those are flags (``--weight-bits``, ``--dac-bits``,
``--workload``). :func:`under_flags` re-keys the problems of an :class:`HwcostError` raised while
a command-line value was used; problems that come from a file keep their file, line and key.

    >>> err = HwcostError.single("expected an integer 1..32, got 0", key="weights.bits")
    >>> str(renamed(err, {"weights.bits": "--bits"}))
    '--bits: expected an integer 1..32, got 0'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace

from hwcost.errors import HwcostError, Problem

__all__ = ["renamed", "under_flags", "overridden", "bits_flags", "realisation_flags", "value_ranges"]

_FROM_COMMAND_LINE = " (command line)"


def renamed(err: HwcostError, flags: Mapping[str, str]) -> HwcostError:
    """``err`` with each problem that has no file and whose key is in ``flags`` (``""``: no key)
    keyed by its flag; a problem repeated under one flag is reported once."""
    out: list[Problem] = []
    for problem in err.problems:
        key = problem.key or ""
        if problem.file is None and key in flags:
            problem = replace(problem, key=flags[key], message=problem.message.removesuffix(_FROM_COMMAND_LINE))
        if problem not in out:
            out.append(problem)
    return HwcostError(out)


def overridden(err: HwcostError, flags: Mapping[str, str], given: Mapping[str, object]) -> HwcostError:
    """Problems of a configuration overridden from the command line (``given``: key -> value typed).

    A key the user set is reported under its flag; a key the user left alone (a relation broken
    by a value they typed, e.g. ``adc_share`` no longer dividing ``cols``) is reported under the
    flags they typed, naming the key and the flag that sets it.
    """
    typed = ", ".join(f"{flags[k]} {v}" for k, v in given.items() if k in flags) or "command line"
    out: list[Problem] = []
    for problem in err.problems:
        key = problem.key or ""
        if problem.file is None and key in flags:
            message = problem.message.removesuffix(_FROM_COMMAND_LINE)
            if key in given:
                problem = replace(problem, key=flags[key], message=message)
            else:
                problem = replace(problem, key=typed, message=f"{key}: {message} ({key} as configured; set it with "
                                                                f"{flags[key]})")
        if problem not in out:
            out.append(problem)
    return HwcostError(out)


@contextmanager
def under_flags(flags: Mapping[str, str]) -> Iterator[None]:
    """Re-raise an HwcostError of the block with its command-line problems keyed by flag."""
    try:
        yield
    except HwcostError as err:
        raise renamed(err, flags) from None


def bits_flags(weight_bits: int | None, act_bits: int | None) -> dict[str, str]:
    """Scheme keys -> the flag that set them: ``--weight-bits`` / ``--act-bits`` when given, else
    ``--bits`` (layer outputs follow the activations)."""
    weight = "--weight-bits" if weight_bits is not None else "--bits"
    act = "--act-bits" if act_bits is not None else "--bits"
    # a 1-bit grid cannot carry a zero-point: that problem comes from the bits typed as well
    return {f"{tensor}.{field}": flag for tensor, flag in (("weights", weight), ("activations", act), ("outputs", act))
            for field in ("bits", "zero_point")}


def realisation_flags(zero_point: str | None, scale_at: str | None) -> dict[str, str]:
    """Scheme keys -> the flag that set them, for --zero-point and --scale-at: a contradiction
    between the two realisations is reported under the one(s) the user typed.

    >>> realisation_flags(None, "operand")
    {'zero_point_realisation': '--scale-at', 'scale_realisation': '--scale-at'}
    """
    typed = [flag for flag, value in (("--zero-point", zero_point), ("--scale-at", scale_at)) if value is not None]
    if len(typed) == 2:
        return {"zero_point_realisation": "--zero-point", "scale_realisation": "--scale-at"}
    return {key: typed[0] for key in ("zero_point_realisation", "scale_realisation")} if typed else {}


def value_ranges(values: Sequence[int]) -> str:
    """``1..4, 8, 16..18`` for sorted whole numbers.

    >>> value_ranges([1, 2, 3, 4, 8, 16, 17, 18])
    '1..4, 8, 16..18'
    """
    runs: list[list[int]] = []
    for v in values:
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(f"{r[0]}..{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)
