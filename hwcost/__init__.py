"""hwcost: what a quantization scheme costs in hardware, and what it buys in accuracy.

The public API. Pipeline, top to bottom:

- ``QuantScheme`` / ``get_scheme``: a quantization scheme (preset or user YAML);
- ``classify``: scheme -> ``Datapath`` (the bill of materials integer inference needs);
- ``load_techlib``: a technology library (YAML) that prices components;
- ``load_workload`` / ``import_model``: a network's layers, from YAML or from an ONNX / QONNX / QDQ
  file or a torch module (with each layer's quantizers);
- ``evaluate``: scheme x accelerator x technology x workload -> ``CostReport``;
- ``compare``: two or more configurations -> ``Comparison`` (totals, ratios, per-unit deltas).
"""

from hwcost.errors import HwcostError, Problem
from hwcost.classify import Datapath, Placement, Unit, UnitKind, classify
from hwcost.schemes import PRESET_NAMES, QuantScheme, TensorQuant, get_scheme, load_scheme
from hwcost.techlib import TechLib, list_techlibs, load_techlib
from hwcost.workloads import Layer, Workload, list_workloads, load_workload
from hwcost.workloads.imports import ImportedModel, LayerQuant, import_model
from hwcost.arch.registry import load_arch, register_template, template_names
from hwcost.arch.template import ArchConfig, GroupActions, Template
from hwcost.arch.mac_array.config import Dataflow, MacArrayConfig, PinnedCost
from hwcost.arch.cim_macro.config import CellType, CimMacroConfig, CimMacroParams, SignedWeights
from hwcost.report import BreakdownRow, Category, CostReport
from hwcost.design_point import DesignPoint, design_point
from hwcost.evaluate import CostCache, evaluate, report_of, sweep
from hwcost.compare import Comparison, UnitComparison, compare
from hwcost.pareto import non_dominated, pareto_ranks

__version__ = "0.1.0"

__all__ = [
    "ArchConfig",
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
    "LayerQuant",
    "PRESET_NAMES",
    "Placement",
    "Problem",
    "SignedWeights",
    "QuantScheme",
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
    "get_scheme",
    "list_techlibs",
    "list_workloads",
    "load_scheme",
    "load_techlib",
    "load_workload",
    "non_dominated",
    "pareto_ranks",
]
