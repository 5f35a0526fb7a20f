"""The per-layer figure: its bars are the report's layer energies and utilisations."""

from __future__ import annotations

from pathlib import Path

import pytest

import hwcost
from hwcost.cli import main
from hwcost.layer_plot import layer_figure


def test_bars_stack_each_layers_energy_and_show_its_utilisation() -> None:
    report = hwcost.evaluate("lsq", 4)
    fig = layer_figure(report)
    energy_ax, util_ax = fig.axes
    n = len(report.layers)
    stacked = [0.0] * n
    for container in energy_ax.containers:
        for i, bar in enumerate(container):
            stacked[i] += bar.get_height()
    unit = energy_ax.get_ylabel().split("(")[1].rstrip(")")
    divisor = {"uJ": 1e6, "nJ": 1e3, "pJ": 1.0}[unit]
    assert stacked == pytest.approx([layer.energy_pj / divisor for layer in report.layers], rel=1e-12)
    heights = [bar.get_height() for bar in util_ax.containers[0]]
    assert heights == pytest.approx([100 * layer.utilisation for layer in report.layers])
    assert [t.get_text() for t in util_ax.get_xticklabels()] == [layer.name for layer in report.layers]


def test_cli_writes_the_figure_and_refuses_a_file_as_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--scheme", "lsq", "--bits", "4", "--plot", str(tmp_path / "figs")]) == 0
    assert (tmp_path / "figs" / "layers.png").stat().st_size > 0 and (tmp_path / "figs" / "layers.svg").exists()
    capsys.readouterr()
    afile = tmp_path / "a.txt"
    afile.write_text("x")
    assert main(["evaluate", "--plot", str(afile)]) == 2
    assert f"--plot: {afile} exists and is not a folder" in capsys.readouterr().err
    assert main(["validate", "--plot", str(afile)]) == 2
