"""The one exception type a user can cause, and the problem records it carries.

Every error a user can cause (bad YAML, unknown scheme, bits out of range, a component the
technology library cannot price) is an :class:`HwcostError`. It names the file, the dotted key
path and what was expected; a validator collects *all* problems of a file before raising. The CLI
prints ``str(error)`` and exits with status 2, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["HwcostError", "Problem", "MAX_SHOWN_PROBLEMS"]

MAX_SHOWN_PROBLEMS = 50
"""A message lists at most this many problems, then says how many more there are."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's input.

    ``file`` is the file it came from (``None`` for command-line or Python input), ``key`` the
    dotted key path inside it (``components.int_adder.energy_pj_per_bit``), ``line`` the 1-based
    line when known, and ``message`` what was expected.
    """

    message: str
    file: str | None = None
    key: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
        if self.key:
            where = f"{where}: {self.key}" if where else self.key
        return f"{where}: {self.message}" if where else self.message


class HwcostError(Exception):
    """A user error: one or more :class:`Problem` records.

    >>> err = HwcostError.single("expected a number >= 0, got -1", file="lib.yaml", key="a.b")
    >>> str(err)
    'lib.yaml: a.b: expected a number >= 0, got -1'
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        if not problems:
            raise ValueError("HwcostError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._render())

    def __reduce__(self) -> tuple[type, tuple[tuple[Problem, ...]]]:
        # Rebuilt from its problems, not from its message, when it crosses a process boundary
        # (an accuracy job failing in a study's worker process).
        return (type(self), (self.problems,))

    @classmethod
    def single(
        cls,
        message: str,
        *,
        file: str | Path | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> "HwcostError":
        return cls([Problem(message, None if file is None else str(file), key, line)])

    def _render(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines += [f"  - {p}" for p in self.problems[:MAX_SHOWN_PROBLEMS]]
        hidden = len(self.problems) - MAX_SHOWN_PROBLEMS
        if hidden > 0:
            lines.append(f"  ... and {hidden} more (fix these and run again)")
        return "\n".join(lines)
