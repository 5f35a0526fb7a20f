"""The ``hwcost techlib scale --rule`` help names every scaling rule the library has."""

from hwcost.cli._techlib import SCALING_RULES
from hwcost.techlib.scaling import ScalingRule


def test_the_rule_help_lists_every_scaling_rule() -> None:
    assert SCALING_RULES == tuple(rule.value for rule in ScalingRule)
