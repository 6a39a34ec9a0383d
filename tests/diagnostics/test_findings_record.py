"""Findings reach the History, and a checkpoint without diagnostics state (written before they existed, or with
them off) resumes under a Trainer that has them."""

from __future__ import annotations

import warnings

import numpy

import chainrule
from chainrule import nn, optim
from chainrule.diagnostics import GradientWarning
from chainrule.train import Trainer


def _dead_relu_trainer(diagnostics: bool = True) -> Trainer:
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    with chainrule.no_grad():
        model[0].bias.fill_(-10.0)  # every unit starts (and stays) dead
    return Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), diagnostics=diagnostics)


def _data() -> tuple[numpy.ndarray, numpy.ndarray]:
    generator = numpy.random.default_rng(0)
    return generator.normal(size=(64, 4)).astype(numpy.float32), generator.integers(0, 2, 64)


def test_history_carries_the_findings_of_the_fit() -> None:
    trainer = _dead_relu_trainer()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = trainer.fit(_data(), epochs=3, batch_size=16)
    assert [finding["kind"] for finding in history.findings] == ["dead"]
    assert history.findings[0]["layers"] == ["1"] and history.findings[0]["numbers"]["fraction"] == 1.0
    assert history.findings[0]["message"].startswith("dead ReLU units in 1 (since epoch 1): 100% of 1's units")
    assert [str(warning.message) for warning in caught if warning.category is GradientWarning] == [
        history.findings[0]["message"]]


def test_a_checkpoint_without_diagnostics_resumes_with_them(tmp_path) -> None:
    before = _dead_relu_trainer(diagnostics=False)
    before.fit(_data(), epochs=1, batch_size=16)
    before.save_checkpoint(tmp_path / "old.safetensors")
    resumed = _dead_relu_trainer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GradientWarning)
        history = resumed.fit(_data(), epochs=3, batch_size=16, resume_from=tmp_path / "old.safetensors")
    assert resumed.epoch == 3 and len(history) == 3
    assert "grad_norm/total" not in history[0] and "dead/1" in history[2]  # the monitor starts at the resume
    assert [finding["kind"] for finding in history.findings] == ["dead"]
