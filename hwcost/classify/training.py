"""What each training method means for the inference datapath (usually: nothing).

Keyed by :class:`~hwcost.schemes.scheme.TrainingMethod`; ``hwcost explain`` prints the note.
An empty note means the method has nothing to add to the bill of materials.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from hwcost.schemes.scheme import TrainingMethod

__all__ = ["TRAINING_NOTES"]

TRAINING_NOTES: Mapping[TrainingMethod, str] = MappingProxyType({
    TrainingMethod.STE: "",
    TrainingMethod.LSQ: (
        "LSQ learns FP32 steps (Esser et al. 2020); deployed as a dyadic M0*2^-n unless the scheme "
        "keeps the scale in floating point."
    ),
    TrainingMethod.LSQ_PLUS: (
        "LSQ+ learns a real-valued activation offset beta (Bhalgat et al. 2020); integer inference uses "
        "the integer zero-point Z = round(-beta/s) that Jacob et al. 2018 §2.1 require."
    ),
    TrainingMethod.PACT: "PACT's learned clip alpha is folded into the output scale alpha/(2^b - 1) (Choi et al. 2018).",
    TrainingMethod.DOREFA: "DoReFa's tanh normalisation is training-only; inference sees its odd weight grid (Zhou et al. 2016).",
    TrainingMethod.SSR: (
        "SSR (sigmoid soft round; Chen, NTHU 2021) is a training method: the inference datapath is that of "
        "its base quantizer (preset 'ssr' = 'bn-fused')."
    ),
    TrainingMethod.SQ: (
        "SQ (stochastic quantization; Dong et al. 2017) is a training method that ends with every channel "
        "quantized: the inference datapath is that of its base quantizer (preset 'sq' = 'per-channel')."
    ),
})
