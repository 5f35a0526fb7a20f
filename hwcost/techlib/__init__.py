"""Technology libraries: YAML files that price datapath components in energy (pJ) and area (um2).

``load_techlib("45nm")`` returns a :class:`TechLib`; ``lib.energy_pj("sram", "read",
capacity_bytes=32768, width_bits=64)`` and ``lib.area_um2("int_adder", bits=16)`` price one
component (numpy arrays broadcast). The component models live in :mod:`hwcost.techlib.models`;
the file format and the origin of every number in ``docs/techlib.md``. ``scale_techlib(lib, 7)``
moves a library to another process node (:mod:`hwcost.techlib.scaling`,
``docs/adding-a-node.md``); ``choose_flavour(node_nm, clock_mhz)`` picks HP or LP devices for a
clock (:mod:`hwcost.techlib.flavour`).
"""

from typing import Any

from hwcost.techlib._load import list_techlibs, load_techlib, parse_techlib
from hwcost.techlib.flavour import FlavourChoice, choose_flavour
from hwcost.techlib.library import ComponentModel, Derivation, Flavour, Quantity, TechLib, VariantComponent
from hwcost.techlib.models import MODELS, Kind, ParamRange

# Loaded on first use: writing a library (PyYAML's emitter) and scaling one (the CACTI and
# Stillmaker fits); pricing with a library needs neither (issue 20, start-up).
_LAZY = {
    "techlib_to_dict": "hwcost.techlib._dump",
    "techlib_yaml": "hwcost.techlib._dump",
    "scale_techlib": "hwcost.techlib.scaling",
    "ScalingRule": "hwcost.techlib.scaling",
    "DEFAULT_RULES": "hwcost.techlib.scaling",
}

__all__ = [
    "load_techlib",
    "list_techlibs",
    "parse_techlib",
    "techlib_to_dict",
    "techlib_yaml",
    "scale_techlib",
    "choose_flavour",
    "FlavourChoice",
    "ScalingRule",
    "DEFAULT_RULES",
    "TechLib",
    "ComponentModel",
    "VariantComponent",
    "Quantity",
    "Derivation",
    "Flavour",
    "Kind",
    "ParamRange",
    "MODELS",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
