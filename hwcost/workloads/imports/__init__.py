"""Bring your own model: an ONNX, QONNX or QDQ file, or a torch ``nn.Module``, read into a
workload with each compute layer's quantizers (``docs/models.md``).

>>> import hwcost
>>> model = hwcost.import_model("my.onnx")                     # doctest: +SKIP
>>> report = hwcost.evaluate(model.scheme(), workload=model)   # doctest: +SKIP

One module per format: :mod:`.onnx_graph` (ONNX graphs and their shapes), :mod:`.onnx_quant`
(QONNX and QDQ quantizers), :mod:`.torch_module` (torch modules, by ``torch.fx`` tracing);
:mod:`.precision` turns the per-layer quantizers into the scheme that prices them, or refuses.
onnx and torch are imported only when a model of theirs is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hwcost.errors import HwcostError
from hwcost.workloads.imports.model import ImportedModel
from hwcost.workloads.imports.precision import LayerQuant

__all__ = ["import_model", "ImportedModel", "LayerQuant", "MODEL_SUFFIXES"]

MODEL_SUFFIXES = (".onnx",)
"""File suffixes :func:`import_model` reads (and ``load_workload`` hands to it)."""


def import_model(
    source: str | Path | Any,
    *,
    input_shape: tuple[int, ...] | None = None,
    example_input: Any = None,
    name: str | None = None,
    real_scale: str = "dyadic",
) -> ImportedModel:
    """The workload of a model, with each compute layer's quantizers.

    ``source``: an ``.onnx`` file (plain ONNX, QONNX or QDQ), or a torch ``nn.Module``.
    ``input_shape``: the input's size after the batch, e.g. ``(3, 224, 224)``: needed when an ONNX
    graph leaves it symbolic; for a module it makes a zero example input. ``example_input``: a
    module's example input (a tensor, or a tuple of its forward's arguments). ``name``: the
    workload's name (default: the file's stem or the module's class). ``real_scale``: how a
    quantizer's scale that is not a power of two is deployed, ``dyadic`` (an integer multiplier and
    shift, Jacob et al. 2018 eq. 6; default) or ``float`` (an FP rescale unit).
    """
    from hwcost.schemes.scheme import ScaleType

    if real_scale not in ("dyadic", "float"):
        raise HwcostError.single(f"expected dyadic or float, got {real_scale!r}", key="real_scale")
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.suffix.lower() not in MODEL_SUFFIXES:
            raise HwcostError.single(f"expected an ONNX file ({', '.join(MODEL_SUFFIXES)}) or a torch module, "
                                     f"got '{path.name}'", key="model")
        from hwcost.workloads.imports.onnx_graph import read_onnx

        model = read_onnx(path, input_shape, ScaleType(real_scale))
    else:
        from hwcost.workloads.imports.torch_module import read_module

        model = read_module(source, input_shape=input_shape, example_input=example_input,
                            real_scale=ScaleType(real_scale))
    if name is not None:
        from dataclasses import replace

        model = replace(model, name=name)
    return model
