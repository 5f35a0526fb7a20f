"""Validation against published silicon: a set of chips as their papers describe them, priced by
hwcost at the scope and condition each paper reports, predicted against published.

``load_chips(path)`` reads a validation file (``hwcost/data/validation/silicon.yaml`` is the
shipped set), ``compare(chips)`` prices them, ``summarise(results)`` gives the figures per class.
``docs/validation.md`` has the method and today's figures.
"""

from hwcost.validation.chips import SHIPPED_SET, Chip, ChipClass, Published, load_chips
from hwcost.validation.compare import ChipResult, ClassSummary, compare, summarise

__all__ = ["SHIPPED_SET", "Chip", "ChipClass", "Published", "load_chips", "ChipResult", "ClassSummary", "compare",
           "summarise"]
