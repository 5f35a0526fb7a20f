"""hwcost: what a quantization scheme costs in hardware, and what it buys in accuracy.

The public API. Pipeline, top to bottom:

- ``QuantScheme`` / ``get_scheme``: a quantization scheme (preset or user YAML);
- ``classify``: scheme -> ``Datapath`` (the bill of materials integer inference needs);
- ``load_techlib``: a technology library (YAML) that prices components;
- ``load_workload`` / ``import_model``: a network's layers, from YAML or from an ONNX / QONNX / QDQ
  file or a torch module (with each layer's quantizers);
- ``evaluate``: scheme x accelerator x technology x workload -> ``CostReport``;
- ``compare``: two or more configurations -> ``Comparison`` (totals, ratios, per-unit deltas);
- ``sweep`` / ``sweep_to``: many design points -> a DataFrame, or a CSV written chunk by chunk;
- ``CostReport.band`` / ``Comparison.ratio_bands``: p10 / p50 / p90 under the technology's spreads
  (``Band``, ``RatioBand``; ``docs/uncertainty.md``).

Names are imported on first use (module ``__getattr__``, PEP 562), so ``import hwcost`` and the
``hwcost`` command start without numpy or the cost model; a type checker sees the imports below.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hwcost.errors import HwcostError, Problem
    from hwcost.classify import Datapath, Placement, Unit, UnitKind, classify
    from hwcost.schemes import PRESET_NAMES, QuantScheme, TensorQuant, get_scheme, load_scheme
    from hwcost.schemes.scheme import BNHandling, BNRealisation, ScaleRealisation, ZeroPointRealisation
    from hwcost.techlib import TechLib, list_techlibs, load_techlib
    from hwcost.workloads import Layer, LayerPrecision, Workload, list_workloads, load_workload
    from hwcost.workloads.imports import ImportedModel, LayerQuant, import_model
    from hwcost.arch.registry import load_arch, register_template, template_names
    from hwcost.arch.template import ArchConfig, GroupActions, Template
    from hwcost.arch.mac_array.config import Dataflow, MacArrayConfig, PinnedCost
    from hwcost.arch.cim_macro.config import CellType, CimMacroConfig, CimMacroParams, SignedWeights
    from hwcost.report import BreakdownRow, Category, Condition, CostReport, Scope
    from hwcost.arch.gating import PowerGating
    from hwcost.layer_plot import layer_figure, save_layer_figure
    from hwcost.design_point import DesignPoint, design_point
    from hwcost.evaluate import CostCache, evaluate, report_of, sweep
    from hwcost.sweep_stream import StreamedSweep, sweep_to
    from hwcost.compare import Comparison, UnitComparison, compare
    from hwcost.pareto import non_dominated, pareto_ranks
    from hwcost.uncertainty import Band, Quantiles, RatioBand

__version__ = "0.1.0"

# Each public name and the module that defines it.
_HOMES: dict[str, str] = {
    **dict.fromkeys(('HwcostError', 'Problem',), 'hwcost.errors'),
    **dict.fromkeys(('Datapath', 'Placement', 'Unit', 'UnitKind', 'classify',), 'hwcost.classify'),
    **dict.fromkeys(('PRESET_NAMES', 'QuantScheme', 'TensorQuant', 'get_scheme', 'load_scheme',), 'hwcost.schemes'),
    **dict.fromkeys(('TechLib', 'list_techlibs', 'load_techlib',), 'hwcost.techlib'),
    **dict.fromkeys(('Layer', 'LayerPrecision', 'Workload', 'list_workloads', 'load_workload',), 'hwcost.workloads'),
    **dict.fromkeys(('ImportedModel', 'LayerQuant', 'import_model',), 'hwcost.workloads.imports'),
    **dict.fromkeys(('load_arch', 'register_template', 'template_names',), 'hwcost.arch.registry'),
    **dict.fromkeys(('ArchConfig', 'GroupActions', 'Template',), 'hwcost.arch.template'),
    **dict.fromkeys(('Dataflow', 'MacArrayConfig', 'PinnedCost',), 'hwcost.arch.mac_array.config'),
    **dict.fromkeys(('CellType', 'CimMacroConfig', 'CimMacroParams', 'SignedWeights',), 'hwcost.arch.cim_macro.config'),
    **dict.fromkeys(('BreakdownRow', 'Category', 'Condition', 'CostReport', 'Scope',), 'hwcost.report'),
    **dict.fromkeys(('BNHandling', 'BNRealisation', 'ScaleRealisation', 'ZeroPointRealisation',), 'hwcost.schemes.scheme'),
    **dict.fromkeys(('PowerGating',), 'hwcost.arch.gating'),
    **dict.fromkeys(('layer_figure', 'save_layer_figure',), 'hwcost.layer_plot'),
    **dict.fromkeys(('DesignPoint', 'design_point',), 'hwcost.design_point'),
    **dict.fromkeys(('CostCache', 'evaluate', 'report_of', 'sweep',), 'hwcost.evaluate'),
    **dict.fromkeys(('StreamedSweep', 'sweep_to',), 'hwcost.sweep_stream'),
    **dict.fromkeys(('Comparison', 'UnitComparison', 'compare',), 'hwcost.compare'),
    **dict.fromkeys(('non_dominated', 'pareto_ranks',), 'hwcost.pareto'),
    **dict.fromkeys(('Band', 'Quantiles', 'RatioBand',), 'hwcost.uncertainty'),
}

__all__ = [
    "ArchConfig",
    "BNHandling",
    "BNRealisation",
    "Condition",
    "PowerGating",
    "ScaleRealisation",
    "Scope",
    "ZeroPointRealisation",
    "layer_figure",
    "save_layer_figure",
    "Band",
    "BreakdownRow",
    "Category",
    "CellType",
    "CimMacroConfig",
    "CimMacroParams",
    "Comparison",
    "CostCache",
    "CostReport",
    "Dataflow",
    "Datapath",
    "GroupActions",
    "DesignPoint",
    "MacArrayConfig",
    "PinnedCost",
    "HwcostError",
    "ImportedModel",
    "Layer",
    "LayerPrecision",
    "LayerQuant",
    "PRESET_NAMES",
    "Placement",
    "Problem",
    "SignedWeights",
    "QuantScheme",
    "Quantiles",
    "RatioBand",
    "TechLib",
    "Template",
    "TensorQuant",
    "Unit",
    "UnitComparison",
    "UnitKind",
    "Workload",
    "__version__",
    "classify",
    "compare",
    "design_point",
    "evaluate",
    "import_model",
    "load_arch",
    "register_template",
    "template_names",
    "report_of",
    "sweep",
    "sweep_to",
    "StreamedSweep",
    "get_scheme",
    "list_techlibs",
    "list_workloads",
    "load_scheme",
    "load_techlib",
    "load_workload",
    "non_dominated",
    "pareto_ranks",
]



def __getattr__(name: str) -> Any:
    """Import a public name's module on first access and keep the name here."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'hwcost' has no attribute '{name}'")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The package module. Four public names are also submodules (``evaluate``, ``compare``,
    ``classify``, ``design_point``): importing the submodule must not replace the function of
    that name here, so ``hwcost.evaluate`` stays the function (as with eager imports)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in _HOMES and value.__name__ == f"{__name__}.{name}":
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
