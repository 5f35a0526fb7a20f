"""Training shows its progress on a terminal, one bar over every batch naming the epoch, and is
quiet when stderr is not a terminal (``accuracy measure --model cnn`` runs for tens of seconds)."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from hwcost.accuracy.models import build_model
from hwcost.accuracy.train import TrainSettings, train


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 64)).astype(np.float32), rng.integers(0, 10, size=40)


def _train(monkeypatch: pytest.MonkeyPatch, stream: io.StringIO) -> str:
    monkeypatch.setattr(sys, "stderr", stream)
    x, y = _data()
    net = build_model("mlp", (64,), 10, False, np.random.default_rng(0))
    train(net, x, y, TrainSettings(epochs=3, lr=0.01, batch_size=8), np.random.default_rng(1), "full precision")
    return stream.getvalue()


def test_a_terminal_sees_each_epoch_and_the_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = _train(monkeypatch, Terminal())
    assert "full precision epoch 1/3" in shown and "full precision epoch 3/3" in shown
    assert "/15 [" in shown  # the bar counts batches: 40 // 8 = 5 per epoch, 3 epochs


def test_quiet_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _train(monkeypatch, io.StringIO()) == ""


def test_the_torch_loop_reports_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch  # hwcost[torch], in the dev extra: CI runs this, never skips it
    from hwcost.accuracy.torch_backend.models import build_torch_model
    from hwcost.accuracy.torch_backend.train import train_torch

    monkeypatch.setattr(sys, "stderr", Terminal())
    x, y = _data()
    net = build_torch_model("mlp", (64,), 10, False, np.random.default_rng(0))
    train_torch(net, x, y, TrainSettings(epochs=2, lr=0.01, batch_size=8), np.random.default_rng(1), torch.device("cpu"),
                "QAT lsq")
    shown = sys.stderr.getvalue()
    assert "QAT lsq epoch 1/2" in shown and "QAT lsq epoch 2/2" in shown and "/10 [" in shown
