"""GradientMonitor's columns against values computed by hand, its sampling, the off switch, the non-finite
gradient stop, and the rules' noise estimate and overfitting test on synthetic series."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.diagnostics import GradientMonitor, GradientWarning, rules
from chainrule.train import Callback, Trainer


class Recorder(Callback):
    """Each step's gradients and weights before the optimizer step (on_after_backward) and after it
    (on_batch_end), as NumPy copies keyed by parameter name. Runs before the monitor, which may stop the step."""

    priority = GradientMonitor.priority + 1

    def on_fit_start(self, trainer) -> None:
        self.grads, self.before, self.after, self.losses = [], [], [], []

    def on_after_backward(self, trainer, batch) -> None:
        parameters = list(trainer.model.named_parameters())
        self.grads.append({name: p.grad.numpy().astype(numpy.float64) for name, p in parameters})
        self.before.append({name: p.numpy().astype(numpy.float64) for name, p in parameters})
        self.losses.append(trainer.last_loss)

    def on_batch_end(self, trainer, batch, logs) -> None:
        self.after.append({name: p.numpy().astype(numpy.float64) for name, p in trainer.model.named_parameters()})


def _fit(trainer: Trainer, *args, **kwargs) -> list[warnings.WarningMessage]:
    """Fit, returning the GradientWarnings issued."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.fit(*args, **kwargs)
    return [warning for warning in caught if issubclass(warning.category, GradientWarning)]


def _monitor_columns(trainer: Trainer) -> set[str]:
    """The History's column names that the monitor wrote (History iterates over rows, not keys)."""
    names = trainer.history.keys()
    return {name for name in names if "/" in name}


def _line_of(marker: str) -> int:
    """The line of this file that holds `marker` (a comment), counted from 1."""
    lines = Path(__file__).read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.rstrip().endswith(marker))


def _tiny_model() -> nn.Sequential:
    """Linear(4, 3) - ReLU - Linear(3, 4) - Tanh - Linear(4, 2) with known dead and saturated units: ReLU unit 0
    never fires (bias -100, inputs in [0, 1)), Tanh units 0 and 1 sit at +-1 (bias +-100)."""
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    with chainrule.no_grad():
        model[0].weight.copy_(chainrule.tensor([[0.3, 0.2, 0.1, 0.4], [0.5, 0.1, 0.2, 0.3], [0.2, 0.4, 0.3, 0.1]]))
        model[0].bias.copy_(chainrule.tensor([-100.0, 0.1, 0.1]))
        model[2].weight.mul_(0.1)
        model[2].bias.copy_(chainrule.tensor([100.0, -100.0, 0.0, 0.0]))
    return model


def _tiny_data(n: int = 16) -> tuple[numpy.ndarray, numpy.ndarray]:
    generator = numpy.random.default_rng(0)
    x = generator.uniform(0.0, 1.0, size=(n, 4)).astype(numpy.float32)
    return x, (x[:, 0] > x[:, 1]).astype(numpy.int64)


# -- the columns ----------------------------------------------------------------------------------------
def test_columns_are_the_medians_of_what_a_callback_sees_each_step() -> None:
    model = _tiny_model()
    recorder = Recorder()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.05), callbacks=[recorder])
    trainer.monitor = GradientMonitor(sample_every=2)
    _fit(trainer, _tiny_data(), epochs=2, batch_size=4, shuffle=False)  # 4 steps an epoch; steps 2, 4, 6, 8 sampled

    weights = ["0.weight", "2.weight", "4.weight"]
    expected_columns = {"grad_norm/total", *(f"grad_norm/{name}" for name in weights),
                        *(f"update_ratio/{name}" for name in weights), "dead/1", "saturated/3"}
    assert _monitor_columns(trainer) == expected_columns
    for epoch in (1, 2):
        row = trainer.history[epoch - 1]
        steps = range(4 * (epoch - 1), 4 * epoch)
        totals = [math.sqrt(sum(float(numpy.sum(grad**2)) for grad in recorder.grads[step].values())) for step in steps]
        assert row["grad_norm/total"] == pytest.approx(numpy.median(totals), rel=1e-5)
        for name in weights:
            norms = [numpy.linalg.norm(recorder.grads[step][name]) for step in steps]
            assert row[f"grad_norm/{name}"] == pytest.approx(numpy.median(norms), rel=1e-5), name
            sampled = [step for step in steps if (step + 1) % 2 == 0]
            ratios = [numpy.linalg.norm(recorder.after[step][name] - recorder.before[step][name])
                      / numpy.linalg.norm(recorder.before[step][name]) for step in sampled]
            assert row[f"update_ratio/{name}"] == pytest.approx(numpy.median(ratios), rel=1e-4), name
        assert row["dead/1"] == pytest.approx(1 / 3)  # ReLU unit 0 of 3
        assert row["saturated/3"] == 0.5  # Tanh units 0 and 1 of 4
    # what the rules read is what the History shows
    assert [summary["columns"]["grad_norm/total"] for summary in trainer.monitor.epochs] == \
        trainer.history["grad_norm/total"]


def test_weights_are_the_parameters_of_two_or_more_dimensions() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.BatchNorm1d(8), nn.Linear(8, 3))
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01))
    generator = numpy.random.default_rng(0)
    x = generator.normal(size=(8, 1, 4, 4)).astype(numpy.float32)
    _fit(trainer, (x, numpy.arange(8) % 3), epochs=1, batch_size=4)
    assert _monitor_columns(trainer) == {"grad_norm/total", "grad_norm/0.weight", "grad_norm/4.weight", "dead/1",
                       "update_ratio/0.weight", "update_ratio/4.weight"}  # not the biases, not BatchNorm


def test_update_ratios_are_measured_for_a_model_without_activation_modules() -> None:
    model = nn.Sequential(nn.Linear(4, 2))
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1))
    _fit(trainer, _tiny_data(), epochs=2, batch_size=4)
    assert "update_ratio/0.weight" in _monitor_columns(trainer)


def test_a_hidden_tanh_followed_by_dropout_is_not_taken_for_the_output_layer() -> None:
    from chainrule.data import datasets

    x, y = datasets.digits().tensors
    model = nn.Sequential(nn.Linear(64, 64), nn.Tanh(), nn.Dropout(0.2), nn.Linear(64, 10))
    with chainrule.no_grad():
        model[0].weight.mul_(200.0)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.001))
    _fit(trainer, (x[:512], y[:512]), epochs=3, batch_size=32)
    assert min(trainer.history["saturated/1"]) >= 0.9
    assert trainer.monitor.output_modules == set()
    assert [finding.kind for finding in trainer.findings] == ["saturated"]


# -- sampling -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("batches", "interval"), [(1, 1), (3, 3), (8, 8), (10, 8), (48, 8), (49, 9), (57, 10),
                                                   (100, 17), (1000, 167)])
def test_sample_interval_aims_at_6_samples_an_epoch_at_most_every_8th_step(batches: int, interval: int) -> None:
    monitor = GradientMonitor()
    assert monitor.sample_interval(SimpleNamespace(batches_per_epoch=batches)) == interval
    assert GradientMonitor(sample_every=7).sample_interval(SimpleNamespace(batches_per_epoch=batches)) == 7


@pytest.mark.parametrize("sample_every", [0, -1, 2.5, "4"])
def test_sample_every_must_be_a_positive_integer(sample_every) -> None:
    with pytest.raises(ValueError, match="sample_every must be a positive integer or None, got"):
        GradientMonitor(sample_every=sample_every)


def _batch_dependent_relu() -> tuple[nn.Sequential, numpy.ndarray, numpy.ndarray]:
    """A ReLU whose unit 0 never fires, unit 1 fires only for the first batch's samples (feature 3 is 1 there,
    0 elsewhere) and unit 2 always fires; 24 samples, 6 batches of 4 in order."""
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with chainrule.no_grad():
        model[0].weight.copy_(chainrule.tensor([[0.1, 0.1, 0.1, 0.0], [0.0, 0.0, 0.0, 1.0], [0.3, 0.2, 0.1, 0.0]]))
        model[0].bias.copy_(chainrule.tensor([-100.0, -0.5, 0.1]))
    x, y = _tiny_data(24)
    x[:, 3] = 0.0
    x[:4, 3] = 1.0
    return model, x, y


@pytest.mark.parametrize(("sample_every", "dead", "ratios"), [(1, 1 / 3, 6), (3, 2 / 3, 2)])
def test_update_ratios_and_activations_are_measured_on_sampled_steps_only(sample_every, dead, ratios) -> None:
    model, x, y = _batch_dependent_relu()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01))
    trainer.monitor = GradientMonitor(sample_every=sample_every)
    _fit(trainer, (x, y), epochs=1, batch_size=4, shuffle=False)
    # every 3rd step (3 and 6) does not see the first batch, in which alone unit 1 fires
    assert trainer.history[0]["dead/1"] == pytest.approx(dead)
    assert len(trainer.monitor.state_dict()["epoch_ratios"]) == ratios
    assert trainer.monitor.epochs[0]["steps"] == 6  # gradient norms: every step


# -- the off switch -------------------------------------------------------------------------------------
def test_diagnostics_false_adds_no_monitor_and_no_columns() -> None:
    model = _tiny_model()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.05), diagnostics=False)
    caught = _fit(trainer, _tiny_data(), epochs=3, batch_size=4)
    assert trainer.monitor is None
    assert trainer.findings == []
    assert caught == []  # the saturated Tanh units would be reported with the monitor on
    assert _monitor_columns(trainer) == set()
    assert set(trainer.history.keys()) == {"epoch", "loss", "lr", "seconds", "samples_per_second"}


def test_the_monitor_reports_the_saturated_units_of_the_tiny_model() -> None:
    # the control of the test above: the same run with the monitor on reports them
    model = _tiny_model()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.05))
    caught = _fit(trainer, _tiny_data(), epochs=3, batch_size=4)
    assert [finding.kind for finding in trainer.findings] == ["saturated"]
    finding = trainer.findings[0]
    assert finding.layers == ["3"]
    assert finding.numbers == {"fraction": 0.5}
    assert finding.epoch == 1
    assert [str(warning.message) for warning in caught] == [finding.message]
    assert caught[0].filename == __file__  # the warning points at the caller of fit


# -- a NaN gradient with a finite loss ------------------------------------------------------------------
class Gated(nn.Module):
    """A linear layer scaled by sqrt(gain * sum(x)): finite forward, but a sample of zeros makes the gradient of
    `gain` 0 * inf = NaN while the loss stays finite."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)
        self.gain = nn.Parameter(chainrule.ones(1))

    def forward(self, x: chainrule.Tensor) -> chainrule.Tensor:
        return self.linear(x) * (x.sum(1, keepdim=True) * self.gain).sqrt()  # SQRT-LINE


def test_a_nan_gradient_with_a_finite_loss_stops_before_the_step() -> None:
    x, y = _tiny_data()
    x[9] = 0.0  # in the third batch of 4
    model = Gated()
    recorder = Recorder()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), callbacks=[recorder])
    caught = _fit(trainer, (x, y), epochs=2, batch_size=4, shuffle=False)

    assert trainer.global_step == 2  # steps 1 and 2 taken, step 3 stopped
    assert math.isfinite(recorder.losses[-1])  # the loss of the stopped step was finite
    assert not numpy.isfinite(recorder.grads[-1]["gain"]).all()
    for name, parameter in model.named_parameters():  # the weights of step 2, not touched by step 3
        assert numpy.array_equal(parameter.numpy(), recorder.after[-1][name].astype(numpy.float32)), name
    assert [finding.kind for finding in trainer.findings] == ["nonfinite"]
    finding = trainer.findings[0]
    assert (finding.epoch, finding.step) == (1, 3)
    line = _line_of("# SQRT-LINE")
    for text in (trainer.stop_reason, finding.evidence):
        assert "the gradient became NaN or infinite at epoch 1, batch 3" in text
        assert "Sqrt (backward) in the Gated model" in text
        assert f"{Path(__file__).name}:{line} in forward" in text
    assert trainer.stop_reason == finding.message
    assert [str(warning.message) for warning in caught] == [finding.message]
    assert len(trainer.history) == 1  # the stopped epoch's row, with what its 2 steps saw
    assert math.isfinite(trainer.history[0]["grad_norm/total"])


def test_without_diagnostics_a_nan_loss_still_stops_and_is_found() -> None:
    class LogOfLinear(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(4, 2)

        def forward(self, x: chainrule.Tensor) -> chainrule.Tensor:
            return self.linear(x).clamp(min=0).log()  # LOG-LINE

    model = LogOfLinear()
    before = [parameter.numpy().copy() for parameter in model.parameters()]
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), diagnostics=False)
    caught = _fit(trainer, _tiny_data(), epochs=2, batch_size=16)
    assert trainer.global_step == 0
    assert all(numpy.array_equal(old, new.numpy()) for old, new in zip(before, model.parameters(), strict=True))
    assert [finding.kind for finding in trainer.findings] == ["nonfinite"]
    assert "the loss became NaN or infinite at epoch 1, batch 1" in trainer.stop_reason
    assert "Log (forward) in the LogOfLinear model" in trainer.stop_reason
    assert f"{Path(__file__).name}:{_line_of('# LOG-LINE')} in forward" in trainer.stop_reason
    assert [str(warning.message) for warning in caught] == [trainer.findings[0].message]


# -- the rules on synthetic series ----------------------------------------------------------------------
def test_noise_level_measures_the_noise_not_the_trend() -> None:
    generator = numpy.random.default_rng(0)
    epochs = numpy.arange(200)
    noise = generator.normal(0.0, 0.02, size=200)
    assert rules.noise_level(list(1.0 - 0.004 * epochs + noise)) == pytest.approx(0.02, rel=0.15)
    assert rules.noise_level(list(5.0 + noise)) == pytest.approx(0.02, rel=0.15)
    assert rules.noise_level(list(1.0 - 0.004 * epochs)) < 1e-12  # a straight line has no noise
    assert rules.noise_level(list(10.0 * noise)) == pytest.approx(0.2, rel=0.15)  # it scales with the noise
    assert rules.noise_level([1.0, 0.5]) == 0.0  # too short to tell


def _summaries(validation: list[float]) -> list[dict]:
    """Per-epoch summaries as GradientMonitor keeps them, for the overfitting rule: a training loss that keeps
    falling, and `validation`."""
    return [{"epoch": epoch, "loss": 2.0 * 0.9**epoch, "val_loss": value}
            for epoch, value in enumerate(validation, 1)]


# The issue's run: the validation loss settles near 0.059 by epoch 25, is 0.0576 at epoch 36 and 0.0605 at 40.
ISSUE_VALIDATION = [0.059 + 2.0 * math.exp(-0.35 * epoch) for epoch in range(25)] + [
    0.0601, 0.0594, 0.0609, 0.0590, 0.0598, 0.0587, 0.0603, 0.0592, 0.0585, 0.0597,  # epochs 26-35
    0.0576, 0.0593, 0.0589, 0.0601, 0.0605,  # epochs 36-40
]


def test_overfitting_rule_is_quiet_on_the_issues_noisy_plateau() -> None:
    assert int(numpy.argmin(ISSUE_VALIDATION)) + 1 == 36 and ISSUE_VALIDATION[39] == 0.0605
    plateau = [*ISSUE_VALIDATION, 0.0598, 0.0604, 0.0591, 0.0606, 0.0600]  # and 5 more epochs of it
    for epochs in range(1, len(plateau) + 1):
        assert rules.overfitting(_summaries(plateau[:epochs]), GradientMonitor()) is None, epochs


def test_overfitting_rule_fires_when_the_plateau_turns_into_a_rise() -> None:
    rising = ISSUE_VALIDATION[:36] + [0.0576 + 0.004 * step for step in range(1, 11)]  # epochs 37-46
    fired = [epochs for epochs in range(1, len(rising) + 1)
             if rules.overfitting(_summaries(rising[:epochs]), GradientMonitor()) is not None]
    assert fired and fired[0] >= 36 + rules.OVERFIT_PATIENCE  # patience, then
    layers, evidence, suggestion, numbers = rules.overfitting(_summaries(rising), GradientMonitor())
    assert layers == []
    assert numbers["began"] == 37
    assert numbers["best"] == 0.0576
    assert "stop at epoch 36" in suggestion
    assert "rose from 0.0576 at epoch 36" in evidence
