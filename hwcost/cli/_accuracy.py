"""``hwcost accuracy``: measured accuracy of a scheme (numpy QAT on a small model).

    hwcost accuracy measure --scheme lsq --bits 4
    hwcost accuracy measure --scheme pact --weight-bits 4 --act-bits 2 --model cnn --format json
    hwcost accuracy measure --scheme-file my_scheme.yaml --bits 4 --dataset my_data.npz --no-cache
    hwcost accuracy measure --scheme lsq --bits 4 --model cnn --dataset fashion-mnist --backend torch
    hwcost accuracy measure --scheme lsq --bits 4 --model resnet20 --dataset cifar10 \
        --data-dir ~/data/cifar-10-batches-py --backend torch --no-integer
    hwcost accuracy measure --scheme lsq --bits 4 --cim --rows 64 --adc-bits 4 --adc-range flexible \
        --noise-sigma 0.1 --noise-on weights --two-stage
    hwcost accuracy measure --scheme lsq --bits 4 --cim --arch-file my_cim.yaml --active-rows 32

The macro flags are the ``cim_macro`` template's keys under the names ``hwcost evaluate`` gives
them (``--rows``, ``--cell``, ``--cell-bits``, ``--dac-bits``, ``--adc-bits``,
``--signed-weights``, ``--weight-accumulation``, ``--input-encoding``, ``--pair-subtraction``,
``--active-rows``), applied to ``--arch-file`` (default: the template's defaults) and validated
by the template: the same flags give ``hwcost evaluate`` the macro's cost.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from hwcost.cli._flags import bits_flags, under_flags
from hwcost.cli._output import format_table, to_json

if TYPE_CHECKING:
    from hwcost.accuracy import AccuracyResult, CimSettings

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "accuracy", help="measured accuracy of a scheme (quantization-aware training in numpy)",
        description="Accuracy a quantization scheme reaches: full-precision training, QAT fine-tuning, "
                    "fake-quant and integer-only test accuracy.",
    )
    sub = parser.add_subparsers(dest="accuracy_command", metavar="ACTION", required=True)
    p = sub.add_parser("measure", help="train and measure one scheme (cached on disk)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--scheme", metavar="NAME", help="a preset name (pot, lsq, lsq+, ...)")
    source.add_argument("--scheme-file", metavar="FILE", help="a scheme YAML file")
    p.add_argument("--bits", type=int, metavar="B", help="weight and activation bits (default: the scheme's)")
    p.add_argument("--weight-bits", type=int, metavar="B", help="weight bits (overrides --bits)")
    p.add_argument("--act-bits", type=int, metavar="B", help="activation bits (overrides --bits)")
    p.add_argument("--model", default="mlp", metavar="mlp|cnn|resnet20|vgg7|resnet18",
                   help="network (resnet20, vgg7, resnet18: --backend torch; default mlp)")
    p.add_argument("--dataset", default="digits", metavar="digits|fashion-mnist|cifar10|cifar100|FILE.npz",
                   help="default digits (the fast 8x8 proxy); docs/accuracy.md")
    p.add_argument("--data-dir", metavar="DIR", help="folder of a named dataset's files (default: $HWCOST_DATA_DIR, "
                                                     "then /usr/share/datasets for fashion-mnist)")
    p.add_argument("--train-size", type=int, metavar="N", help="train on the first N of a fixed permutation")
    p.add_argument("--test-size", type=int, metavar="N", help="test on the first N of a fixed permutation")
    p.add_argument("--backend", choices=("numpy", "torch"), default="numpy",
                   help="numpy (reference) or torch (pip install 'hwcost[torch]'; a GPU when present)")
    p.add_argument("--threads", type=int, metavar="N", help="torch threads (default $HWCOST_TORCH_THREADS or 1)")
    p.add_argument("--batch-size", type=int, default=64, metavar="N", help="mini-batch size (default 64)")
    p.add_argument("--lr", type=float, default=0.05, metavar="LR", help="full-precision learning rate (default 0.05)")
    p.add_argument("--qat-lr", type=float, default=0.01, metavar="LR", help="QAT learning rate (default 0.01)")
    p.add_argument("--epochs", type=int, default=10, metavar="N", help="QAT epochs (default 10)")
    p.add_argument("--fp-epochs", type=int, default=20, metavar="N", help="full-precision epochs (default 20)")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.add_argument("--no-integer", action="store_true", help="skip integer-only execution")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the on-disk cache")
    p.add_argument("--format", choices=("table", "json"), default="table")
    _add_cim_arguments(p)
    p.set_defaults(run=_run_measure)


# The macro: option -> (cim_macro template key, type, help), the flags of ``hwcost evaluate``
# (hwcost/cli/_evaluate.py) for the keys that change the numbers a network computes, and the
# cell (a cell type bounds cell_bits). Defaults: the template's (docs/cim-model.md §1).
_MACRO_OPTIONS = {
    "rows": ("rows", int, "macro rows: the reduction is split into row groups of this size (default 128)"),
    "cell": ("cell", str, "bit cell: sram_6t (default, 1 bit) or rram_1t1r (1-4 bits)"),
    "cell_bits": ("cell_bits", int, "bits per cell: weights are bit-sliced (default 1)"),
    "dac_bits": ("input_bits_per_pulse", int, "input bits per word-line pulse, 1 = bit-serial (default)"),
    "adc_bits": ("adc_bits", int, "ADC resolution of every converted sum (default 8)"),
    "signed_weights": ("signed_weights", str, "signed-weight encoding: differential (default), offset, digital"),
    "weight_accumulation": ("weight_accumulation", str, "digital (default: every weight-bit column converted, "
                            "shift-added) or analog (a weight's bit columns combined before one conversion)"),
    "input_encoding": ("input_encoding", str, "bit_serial, pwm or dac (default: bit_serial at 1 bit per pulse, "
                       "dac above); changes no partial sum"),
    "pair_subtraction": ("pair_subtraction", str, "digital (default) or analog: a differential pair subtracted "
                         "before one conversion of a signed sum"),
    "active_rows": ("active_rows", str, "rows summed per conversion, or all (default)"),
}

_METAVARS = {"rows": "N", "cell": "sram_6t|rram_1t1r", "cell_bits": "C", "dac_bits": "P", "adc_bits": "B",
             "signed_weights": "differential|offset|digital", "weight_accumulation": "digital|analog",
             "input_encoding": "bit_serial|pwm|dac", "pair_subtraction": "digital|analog", "active_rows": "N|all"}

# Accuracy-only settings: option -> (CimSettings field, type, help).
_CIM_OPTIONS = {
    "adc_range": ("adc_range", str, ("fixed: full scale = lossless range (default); flexible: per-layer interval "
                                     "calibrated on the partial sums")),
    "noise_sigma": ("noise_sigma", float, "Gaussian noise sigma (default 0: none)"),
    "noise_on": ("noise_on", str, ("weights: per-cell conductance (x(1+sigma eps), default); psum: partial sums "
                                   "(+sigma * full scale)")),
    "stage2_epochs": ("stage2_epochs", int, "stage-2 CIM-aware fine-tuning epochs (default 10)"),
    "stage2_lr": ("stage2_lr", float, "stage-2 learning rate (default 0.005)"),
    "eval_trials": ("eval_trials", int, "noise draws averaged at evaluation (default 5)"),
}
_CIM_CHOICES = {"adc_range": ("fixed", "flexible"), "noise_on": ("weights", "psum")}


def _add_cim_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("compute-in-memory macro (docs/cim-training.md; the cim_macro keys of hwcost evaluate)")
    g.add_argument("--cim", action="store_true", help="measure on a CIM macro: row groups, bit slices, ADC, noise")
    g.add_argument("--arch-file", dest="cim_arch_file", metavar="FILE",
                   help="a cim_macro arch file (template: cim_macro): the macro the cost side prices; the flags "
                        "below override its keys")
    for option, (_, kind, text) in _MACRO_OPTIONS.items():
        flags = [f"--{option.replace('_', '-')}"] + (["--input-bits-per-pulse"] if option == "dac_bits" else [])
        g.add_argument(*flags, dest=f"cim_{option}", type=kind, default=None, metavar=_METAVARS[option], help=text)
    for option, (_, kind, text) in _CIM_OPTIONS.items():
        g.add_argument(f"--{option.replace('_', '-')}", dest=f"cim_{option}", type=kind, choices=_CIM_CHOICES.get(option),
                       default=None, metavar=None if option in _CIM_CHOICES else option.split("_")[-1].upper()[:1],
                       help=text)
    g.add_argument("--two-stage", dest="cim_two_stage", action="store_true",
                   help="stage 2: CIM-aware fine-tuning with ADC and noise after QAT")


def _given(args: argparse.Namespace, options: dict[str, tuple[str, type, str]]) -> dict[str, object]:
    """key -> value of the options typed."""
    return {key: getattr(args, f"cim_{option}") for option, (key, _, _) in options.items()
            if getattr(args, f"cim_{option}") is not None}


def _macro_flags() -> dict[str, str]:
    return {key: f"--{option.replace('_', '-')}" for option, (key, _, _) in _MACRO_OPTIONS.items()}


def _cim_settings(args: argparse.Namespace) -> CimSettings | None:
    from hwcost.errors import HwcostError

    macro, given = _given(args, _MACRO_OPTIONS), _given(args, _CIM_OPTIONS)
    if args.cim_two_stage:
        given["two_stage"] = True
    if not args.cim:
        typed = [_macro_flags()[k] for k in macro] + ["--" + k.replace("_", "-") for k in given]
        typed += ["--arch-file"] if args.cim_arch_file else []
        if typed:
            raise HwcostError.single(f"{', '.join(typed)}: options of the CIM macro; add --cim", key="cim")
        return None
    with under_flags(_cim_flags()):
        return _macro_settings(args.cim_arch_file, macro, given)


def _macro_settings(arch_file: str | None, macro: dict[str, object], given: dict[str, object]) -> CimSettings:
    """The arch (file or template defaults) with the macro flags typed, validated by the template;
    the accuracy-only settings on top. One macro: the settings take every readout field from it."""
    from hwcost.arch.registry import load_arch, with_overrides
    from hwcost.cli._flags import overridden, renamed, under_flags
    from hwcost.errors import HwcostError
    from hwcost.accuracy import CimSettings

    arch_flag = "--arch-file" if arch_file else "--cim"
    with under_flags({"arch": arch_flag, "": arch_flag}):
        arch = load_arch(arch_file or "cim_macro")
    if arch.analog_macro is None:
        raise HwcostError.single(f"template {type(arch).template} has no ADC readout: its products are exact, its "
                                 "accuracy the digital one (drop --cim)", key=arch_flag)
    if "active_rows" in macro and str(macro["active_rows"]).isdigit():
        macro["active_rows"] = int(str(macro["active_rows"]))
    if macro:
        try:
            arch = with_overrides(arch, macro)
        except HwcostError as err:
            raise renamed(overridden(err, _macro_flags(), macro), {"arch": arch_flag}) from None
    return CimSettings.from_arch(arch, **given)


def _cim_flags() -> dict[str, str]:
    """Keys of the CIM settings -> their flags."""
    flags = {f"cim.{field}": f"--{option.replace('_', '-')}" for option, (field, _, _) in _CIM_OPTIONS.items()}
    return {**flags, "cim.two_stage": "--two-stage"}


def _run_measure(args: argparse.Namespace) -> int:
    from hwcost.schemes import get_scheme, load_scheme
    from hwcost.accuracy import measure_accuracy

    with under_flags({"scheme": "--scheme", "": "--scheme"}):
        scheme = get_scheme(args.scheme) if args.scheme else load_scheme(args.scheme_file)
    weight_bits = args.weight_bits if args.weight_bits is not None else args.bits
    act_bits = args.act_bits if args.act_bits is not None else args.bits
    with under_flags(bits_flags(args.weight_bits, args.act_bits)):
        scheme = scheme.with_bits(weight_bits, act_bits)
    settings_flags = {name: f"--{name.replace('_', '-')}" for name in ("model", "dataset", "epochs", "fp_epochs", "seed",
                                                                        "backend", "data_dir", "train_size", "test_size",
                                                                        "batch_size", "lr", "qat_lr")}
    settings_flags["integer"] = "--no-integer"
    cim = _cim_settings(args)
    with under_flags({**settings_flags, **_cim_flags()}):
        result = measure_accuracy(
            scheme, model=args.model, dataset=args.dataset, epochs=args.epochs, fp_epochs=args.fp_epochs,
            seed=args.seed, integer=not args.no_integer, use_cache=not args.no_cache, cim=cim,
            backend=args.backend, data_dir=args.data_dir, train_size=args.train_size, test_size=args.test_size,
            threads=args.threads, batch_size=args.batch_size, lr=args.lr, qat_lr=args.qat_lr,
        )
    if args.format == "json":
        print(to_json(result.to_dict()))
        return 0
    pct = lambda v: "-" if v is None else round(100.0 * v, 2)  # noqa: E731
    if result.cim is not None:
        return _print_cim(result, pct)
    headers = ["scheme", "W", "A", "model", "dataset", "backend", "fp_%", "qat_%", "integer_%", "cached"]
    s = result.settings
    row = [result.scheme, result.weight_bits, result.act_bits, s.model, result.dataset_label, s.backend,
           pct(result.fp_accuracy), pct(result.accuracy), pct(result.integer_accuracy), result.from_cache]
    title = (f"test accuracy on {result.label} after {s.fp_epochs} full-precision + {s.epochs} QAT epochs, "
             f"seed {s.seed}")
    print(format_table(headers, [row], title=title))
    return 0


def _print_cim(result: AccuracyResult, pct: Callable[[float | None], object]) -> int:
    c, s = result.cim, result.settings
    noise = "-" if c.noise_sigma == 0 else f"{c.noise_sigma:g} on {c.noise_on.value}"
    headers = ["scheme", "W", "A", "rows", "cell_b", "pulse_b", "ADC_b", "range", "noise", "stage2",
               "digital_%", "cim_%", "std_%", "cached"]
    row = [result.scheme, result.weight_bits, result.act_bits, c.rows, c.cell_bits, c.input_bits_per_pulse,
           c.adc_bits, c.adc_range.value, noise, c.stage2_epochs if c.two_stage else "-",
           pct(result.digital_accuracy), pct(result.accuracy), pct(result.cim_accuracy_std), result.from_cache]
    m = c.macro
    active = "all" if m.active_rows is None else m.active_rows
    title = (f"test accuracy on the CIM macro ({result.label}) after {s.fp_epochs} full-precision + "
             f"{s.epochs} QAT epochs, seed {s.seed}; {m.signed_weights.value} signed weights, weight bits combined "
             f"{m.weight_accumulation.value}, pairs subtracted {m.pair_subtraction.value}, {active} rows per "
             f"conversion, {m.input_mode.value} inputs")
    print(format_table(headers, [row], title=title))
    return 0
