"""Study test support: a small study file and fast, deterministic stand-ins for ``measure_job``
(top-level, so processes and Dask can pickle them)."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from hwcost.study.accuracy import AccuracyJob, AccuracyOutcome

SMALL = """\
name: small
description: Two schemes at two widths, two arrays, measured with a fake.
schemes: [lsq, asymmetric]
bits: [2, 4]
zero_point: [scheme, fold]
archs:
  - template: mac_array
    name: ws
    pe_rows: [8, 16]
nodes: [45nm]
workloads: [resnet20]
accuracy:
  source: both
  measured: {model: mlp, dataset: digits, epochs: 1, fp_epochs: 1, seeds: [0, 1]}
  table: literature
objectives:
  - maximise: accuracy_measured_pct
  - minimise: energy_pj
  - minimise: area_um2
"""


def fake_accuracy(job: AccuracyJob) -> AccuracyOutcome:
    """A made-up accuracy that rises with the bits and depends on scheme and seed."""
    s = job.scheme
    acc = 97.0 - 30.0 / (s.weights.bits + s.activations.bits) - 0.1 * job.seed - 0.2 * len(s.name)
    if s.zero_point_realisation.value != "fold":
        acc -= 0.05
    return AccuracyOutcome(acc, 97.5, acc - 0.01)


def fake_cim_accuracy(job: AccuracyJob) -> AccuracyOutcome:
    """``fake_accuracy`` for digital jobs; on a CIM macro, lower with fewer ADC bits, a fixed
    range and noise, higher with stage 2 (digital accuracy 97.0)."""
    c = job.cim
    if c is None:
        return AccuracyOutcome(98.0 - 0.1 * job.seed, 98.5, 98.0)
    acc = 97.0 - (20.0 if c.adc_range.value == "fixed" else 4.0) / c.adc_bits - 30.0 * c.noise_sigma - 0.1 * job.seed
    acc += 2.0 + 0.1 * c.stage2_epochs if c.two_stage else 0.0
    return AccuracyOutcome(acc, 98.5, math.nan, 97.0)


def slow_fake_accuracy(job: AccuracyJob) -> AccuracyOutcome:
    """``fake_accuracy`` after a pause, leaving a marker file per call in $FAKE_CALLS_DIR. With
    $FAKE_BLOCK_AFTER = n, every call after the first n never returns (until killed): a run
    killed part-way then has exactly n results, however slow the machine."""
    calls = os.environ.get("FAKE_CALLS_DIR")
    block_after = os.environ.get("FAKE_BLOCK_AFTER")
    if calls:
        started = sum(1 for _ in Path(calls).glob("*-*-*"))
        Path(calls, f"{job.key}-{os.getpid()}-{time.monotonic_ns()}").touch()
        if block_after is not None and started >= int(block_after):
            time.sleep(3600)
    time.sleep(float(os.environ.get("FAKE_DELAY_S", "0.3")))
    return fake_accuracy(job)


class Counting:
    """In-process measure that counts calls and can fail after ``fail_after`` of them."""

    def __init__(self, fail_after: int | None = None):
        self.calls: list[str] = []
        self.fail_after = fail_after

    def __call__(self, job: AccuracyJob) -> AccuracyOutcome:
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise RuntimeError("simulated crash")
        self.calls.append(job.key)
        return fake_accuracy(job)
