"""Render a study's ``report.html`` in headless Chromium and save a PNG screenshot.

    python scripts/screenshot_report.py out/sample --point 9 --out docs/img/study_sample_report_html.png

``--point N`` opens the tooltip of row N of ``results.csv`` as a hover would, ``--zoom X0,X1,Y0,Y1``
zooms the axes as dragging a rectangle would (in the axes' units) and ``--pair K`` shows the K-th
objective pair (``report.html#point=N&zoom=...&pair=K``). Needs a Chromium or Chrome binary (Debian: ``apt-get install chromium``); hwcost itself and
its tests do not. Run as root it passes ``--no-sandbox``. Exit status 2, with one message, when the
folder has no ``report.html``, no browser is found or the browser writes no screenshot.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


def _fail(message: str) -> int:
    print(f"screenshot_report: error: {message}", file=sys.stderr)
    return 2


def screenshot(page: Path, out: Path, browser: str, view: dict[str, str], size: tuple[int, int]) -> subprocess.CompletedProcess[str]:
    url = page.resolve().as_uri() + ("#" + "&".join(f"{k}={v}" for k, v in view.items()) if view else "")
    with tempfile.TemporaryDirectory(prefix="hwcost-chromium-") as profile:
        command = [
            browser, "--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
            f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}", "--virtual-time-budget=3000",
            f"--screenshot={out.resolve()}", url,
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root inside its sandbox
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a study results folder (with report.html)")
    parser.add_argument("--out", type=Path, default=None, help="the PNG to write (default: FOLDER/report_html.png)")
    parser.add_argument("--point", type=int, default=None, help="open the tooltip of row N of results.csv (1-based)")
    parser.add_argument("--zoom", default=None, help="X0,X1,Y0,Y1: zoom the axes to this box (in the axes' units)")
    parser.add_argument("--pair", type=int, default=None, help="show the K-th objective pair of the selector (1-based)")
    parser.add_argument("--size", default="1280x1100", help="window size WIDTHxHEIGHT in pixels (default 1280x1100)")
    parser.add_argument("--browser", default=None, help=f"the browser binary (default: the first of {', '.join(BROWSERS)} on PATH)")
    args = parser.parse_args(argv)
    page = args.folder / "report.html"
    if not page.is_file():
        return _fail(f"{page}: no report.html (run 'hwcost study run' into this folder first)")
    browser = args.browser or next((b for b in map(shutil.which, BROWSERS) if b), None)
    if browser is None or shutil.which(browser) is None:
        return _fail(f"--browser: no Chromium found ({', '.join(BROWSERS)}); install one, e.g. 'apt-get install chromium'")
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        return _fail(f"--size: expected WIDTHxHEIGHT, got {args.size!r}")
    out = args.out or args.folder / "report_html.png"
    out.unlink(missing_ok=True)
    view = {k: str(v) for k, v in (("point", args.point), ("zoom", args.zoom), ("pair", args.pair)) if v is not None}
    done = screenshot(page, out, browser, view, (width, height))
    if not out.is_file():
        return _fail(f"{browser} wrote no screenshot (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
