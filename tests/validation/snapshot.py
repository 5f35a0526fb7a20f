"""Write the snapshot the validation test pins: ``python tests/validation/snapshot.py``.

Run it after a model change that moves the validation figures, and commit the new snapshot with
the change: its diff is the change's effect on every chip.
"""

from __future__ import annotations

import json
from pathlib import Path

from hwcost.validation import compare, load_chips, summarise

SNAPSHOT = Path(__file__).with_name("silicon_snapshot.json")


def _round(value: float | None) -> float | None:
    return None if value is None or value != value else float(f"{value:.4g}")


def snapshot() -> dict[str, object]:
    results = compare(load_chips())
    return {
        "ratios": {r.chip.name: _round(r.ratio) for r in results},
        "summary": {c: {k: _round(v) if isinstance(v, float) else v for k, v in vars(s).items()}
                    for c, s in summarise(results).items()},
    }


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(snapshot(), indent=1) + "\n")
    print(f"wrote {SNAPSHOT}")
