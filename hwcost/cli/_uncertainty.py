"""``--uncertainty [N]`` and ``--seed``: the band of a report (``docs/uncertainty.md``), shared by
``evaluate``, ``compare`` and ``validate``."""

from __future__ import annotations

import argparse
from typing import Any

from hwcost.cli._output import format_table

__all__ = ["add_uncertainty_arguments", "samples_of", "band_lines", "band_columns", "ratio_lines"]

DEFAULT_SAMPLES = 1000  # hwcost.uncertainty.DEFAULT_SAMPLES (not imported: the CLI imports lazily)


def add_uncertainty_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--uncertainty", nargs="?", type=int, const=DEFAULT_SAMPLES, metavar="N",
                   help="p10/p50/p90 bands from N Monte Carlo samples of the technology library's spreads "
                        f"(default N {DEFAULT_SAMPLES}; docs/uncertainty.md)")
    p.add_argument("--seed", type=int, default=0,
                   help="the bands' random seed (default 0; a seed gives identical bands)")


def samples_of(args: argparse.Namespace) -> int | None:
    """The number of samples asked for, or None; a bad count is an error naming the flag."""
    from hwcost.errors import HwcostError

    n = args.uncertainty
    if n is None:
        return None
    from hwcost.uncertainty import MAX_SAMPLES

    if not 1 <= n <= MAX_SAMPLES:
        raise HwcostError.single(f"expected a number of samples 1..{MAX_SAMPLES:,}; got {n}", key="--uncertainty")
    if args.seed < 0:
        raise HwcostError.single(f"expected a whole number >= 0; got {args.seed}", key="--seed")
    return n


_SHOWN = (("energy per inference (uJ)", "energy_pj", 1e-6), ("of which static (uJ)", "static_energy_pj", 1e-6),
          ("efficiency (TOPS/W)", "tops_per_w", 1.0), ("area (mm2)", "area_um2", 1e-6))


def band_lines(band: Any, nominal: Any) -> str:
    """The band as a table: each total's library value, p10, p50 and p90."""
    rows = [[name, f"{getattr(nominal, key) * scale:.4g}",
             *[f"{getattr(getattr(band, key), q) * scale:.4g}" for q in ("p10", "p50", "p90")]]
            for name, key, scale in _SHOWN]
    title = (f"uncertainty: {band.samples} samples of the technology's spreads (seed {band.seed}); "
             "latency is not uncertain")
    return "\n".join(["", "", title, format_table(["total", "library", "p10", "p50", "p90"], rows, align="lrrrr")])


def band_columns(band: Any) -> dict[str, float]:
    """The band as flat columns (``energy_pj.p10`` ...), for CSV."""
    return {f"{key}.{q}": v for key, quantiles in band.as_dict().items() if isinstance(quantiles, dict)
            for q, v in quantiles.items()} | {"band_samples": band.samples, "band_seed": band.seed}


def ratio_lines(label: str, first: str, bands: Any) -> list[list[str]]:
    """Rows of the ratio table for one configuration against the first."""
    return [[f"{b.total} {label} / {first}", f"{b.ratio.p10:.4f}", f"{b.ratio.p50:.4f}", f"{b.ratio.p90:.4f}",
             f"{b.p_better:.3f}"] for b in bands]
