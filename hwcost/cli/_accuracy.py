"""``hwcost accuracy``: measured accuracy of a scheme (numpy QAT on a small model).

    hwcost accuracy measure --scheme lsq --bits 4
    hwcost accuracy measure --scheme pact --weight-bits 4 --act-bits 2 --model cnn --format json
    hwcost accuracy measure --scheme-file my_scheme.yaml --bits 4 --dataset my_data.npz --no-cache
"""

from __future__ import annotations

import argparse

from hwcost.cli._output import format_table, to_json

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
    p.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    p.add_argument("--dataset", default="digits", metavar="digits|FILE.npz")
    p.add_argument("--epochs", type=int, default=10, metavar="N", help="QAT epochs (default 10)")
    p.add_argument("--fp-epochs", type=int, default=20, metavar="N", help="full-precision epochs (default 20)")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.add_argument("--no-integer", action="store_true", help="skip integer-only execution")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the on-disk cache")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=_run_measure)


def _run_measure(args: argparse.Namespace) -> int:
    from hwcost.schemes import get_scheme, load_scheme
    from quantizers import measure_accuracy

    scheme = get_scheme(args.scheme) if args.scheme else load_scheme(args.scheme_file)
    weight_bits = args.weight_bits if args.weight_bits is not None else args.bits
    act_bits = args.act_bits if args.act_bits is not None else args.bits
    scheme = scheme.with_bits(weight_bits, act_bits)
    result = measure_accuracy(
        scheme, model=args.model, dataset=args.dataset, epochs=args.epochs, fp_epochs=args.fp_epochs,
        seed=args.seed, integer=not args.no_integer, use_cache=not args.no_cache,
    )
    if args.format == "json":
        print(to_json(result.to_dict()))
        return 0
    pct = lambda v: "-" if v is None else round(100.0 * v, 2)  # noqa: E731
    headers = ["scheme", "W", "A", "model", "dataset", "fp_%", "qat_%", "integer_%", "cached"]
    s = result.settings
    row = [result.scheme, result.weight_bits, result.act_bits, s.model, s.dataset,
           pct(result.fp_accuracy), pct(result.accuracy), pct(result.integer_accuracy), result.from_cache]
    title = f"test accuracy after {s.fp_epochs} full-precision + {s.epochs} QAT epochs, seed {s.seed}"
    print(format_table(headers, [row], title=title))
    return 0
