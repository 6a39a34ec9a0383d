"""Each diagnosis demonstrated on the digits: a broken setup is flagged (the kind, the layers, the numbers and
the epoch it reports, warned once), and the same setup repaired, or a healthy one, is not flagged at all.

Each case that once exposed a rule's miss or false alarm keeps its test, with the numbers that showed it.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import tomllib
import warnings
from pathlib import Path

import numpy
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.autograd import AnomalyError, detect_anomaly
from chainrule.data import datasets
from chainrule.diagnostics import GradientMonitor, GradientWarning, rules
from chainrule.metrics import Accuracy
from chainrule.nn import functional as F
from chainrule.train import Callback, ModelCheckpoint, Trainer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def digits() -> tuple[chainrule.Tensor, chainrule.Tensor]:
    """1797 digits: x (1797, 64) in [0, 1], y (1797,) in 0..9."""
    return datasets.digits().tensors


# -- helpers ------------------------------------------------------------------------------------------
def fit_catching(trainer: Trainer, *args, **kwargs) -> list[warnings.WarningMessage]:
    """Fit, returning the GradientWarnings issued (also when fit raises: in `trainer.caught`)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            trainer.fit(*args, **kwargs)
        finally:
            trainer.caught = [warning for warning in caught if issubclass(warning.category, GradientWarning)]
    return trainer.caught


def fit(trainer: Trainer, *args, **kwargs) -> list[warnings.WarningMessage]:
    """Fit, and check that every finding was warned exactly once, from this file: return the warnings."""
    issued = fit_catching(trainer, *args, **kwargs)
    assert sorted(str(warning.message) for warning in issued) == sorted(f.message for f in trainer.findings)
    kinds = [finding.kind for finding in trainer.findings]
    assert len(kinds) == len(set(kinds)), kinds
    assert all(warning.filename == __file__ for warning in issued)  # pointing at the caller of fit
    return issued


def only(trainer: Trainer, kind: str):
    """The finding of `kind` (there is exactly one)."""
    (finding,) = [finding for finding in trainer.findings if finding.kind == kind]
    return finding


def mlp(sizes: list[int], activation: type[nn.Module], init=None, bias: float = 0.0) -> nn.Sequential:
    """Linear layers of `sizes` with `activation` between them; `init(weight)` and a constant `bias` if given."""
    layers: list[nn.Module] = []
    for index, (inputs, outputs) in enumerate(itertools.pairwise(sizes)):
        linear = nn.Linear(inputs, outputs)
        if init is not None:
            init(linear.weight)
            nn.init.constant_(linear.bias, bias)
        layers.append(linear)
        if index < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def line_of(marker: str) -> int:
    """The line of this file that ends with `marker` (a comment), counted from 1."""
    lines = Path(__file__).read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.rstrip().endswith(marker))


def columns(trainer: Trainer) -> list[dict[str, float]]:
    """The monitor's columns of each History row."""
    return [{key: value for key, value in row.items() if "/" in key} for row in trainer.history]


# -- 1. vanishing -------------------------------------------------------------------------------------
def deep_mlp(activation: type[nn.Module], init) -> nn.Sequential:
    """Ten Linear layers of width 64 (weights 0, 2, ..., 18) with `activation` between them, zero biases."""
    return mlp([64] * 10 + [10], activation, init=init)


def test_deep_sigmoid_mlp_with_small_weights_is_flagged_vanishing(digits) -> None:
    model = deep_mlp(nn.Sigmoid, lambda weight: nn.init.normal_(weight, 0.0, 0.01))
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.002))
    fit(trainer, digits, epochs=3)

    assert [finding.kind for finding in trainer.findings] == ["vanishing"]
    finding = trainer.findings[0]
    assert finding.epoch == 1  # the condition held from the first epoch, fired at the second
    assert finding.layers[0] == "0.weight"
    early = [f"{index}.weight" for index in range(0, 14, 2)]
    assert set(finding.layers) <= set(early) and len(finding.layers) >= 5
    assert finding.numbers["ratio"] < rules.VANISHING_RATIO
    assert "18.weight's" in finding.evidence  # the strongest layer is the last
    for row in columns(trainer):  # the first layer's gradient is 10 orders of magnitude below the last's
        assert row["grad_norm/0.weight"] < 1e-8 * row["grad_norm/18.weight"]
    assert trainer.history[-1]["loss"] > 2.2  # and it didn't learn: ln(10) = 2.30


def test_the_same_network_with_relu_and_he_init_is_not_flagged(digits) -> None:
    model = deep_mlp(nn.ReLU, nn.init.kaiming_normal_)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.002), metrics=[Accuracy()])
    assert fit(trainer, digits, epochs=3) == []
    assert trainer.findings == []
    assert trainer.history[-1]["accuracy"] > 0.9
    for row in columns(trainer):
        assert 0.1 < row["grad_norm/0.weight"] / row["grad_norm/18.weight"] < 10


# -- 2. learning rate too high ------------------------------------------------------------------------
def tanh_mlp() -> nn.Sequential:
    return mlp([64, 128, 10], nn.Tanh)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sgd_lr_2_is_flagged_lr_high_and_the_suggested_lr_or_clipping_trains_well(digits, seed: int) -> None:
    chainrule.manual_seed(seed)
    model = tanh_mlp()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=2.0), metrics=[Accuracy()])
    fit(trainer, digits, epochs=6, validation_split=0.1)
    finding = only(trainer, "lr_high")
    assert finding.layers == ["2.weight"]
    assert finding.epoch == 2
    assert finding.numbers["ratio"] > 2 * rules.LR_HIGH_RATIO  # a step moves the output layer by 40-60% of its size
    assert {f.kind for f in trainer.findings} <= {"lr_high", "saturated", "exploding"}  # tanh saturates too
    assert trainer.history[-1]["val_accuracy"] < 0.3
    suggested = float(re.search(r"\(e\.g\. ([0-9.e+-]+)\)", finding.suggestion).group(1))
    assert suggested == pytest.approx(0.2)

    chainrule.manual_seed(seed)
    model = tanh_mlp()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=suggested), metrics=[Accuracy()])
    assert fit(trainer, digits, epochs=20, validation_split=0.1) == []
    assert trainer.history[-1]["val_accuracy"] >= 0.95

    chainrule.manual_seed(seed)
    model = tanh_mlp()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=2.0), metrics=[Accuracy()],
                      clip_grad_norm=1.0)
    assert fit(trainer, digits, epochs=20, validation_split=0.1) == []
    assert trainer.history[-1]["val_accuracy"] >= 0.95


# -- 3. a loss that becomes NaN -----------------------------------------------------------------------
def handmade_cross_entropy(outputs: chainrule.Tensor, targets: chainrule.Tensor) -> chainrule.Tensor:
    """-sum(one_hot * log(softmax)): CrossEntropyLoss written the naive way; softmax underflows to 0 (log: -inf)
    once the logits are 100 apart."""
    probabilities = F.softmax(outputs, dim=1)
    return -(F.one_hot(targets, 10).float() * probabilities.log()).sum(dim=1).mean()  # NAN-LINE


class StepRecorder(Callback):
    """The weights after each step, and the last batch seen; runs before the monitor."""

    priority = GradientMonitor.priority + 1

    def on_fit_start(self, trainer) -> None:
        self.weights, self.batch = [], None

    def on_after_backward(self, trainer, batch) -> None:
        self.batch = batch

    def on_batch_end(self, trainer, batch, logs) -> None:
        self.weights.append([parameter.numpy().copy() for parameter in trainer.model.parameters()])


def test_a_nan_loss_stops_before_the_step_naming_log_and_the_line(digits) -> None:
    model = mlp([64, 128, 10], nn.ReLU)
    recorder = StepRecorder()
    trainer = Trainer(model, handmade_cross_entropy, optim.SGD(model.parameters(), lr=20.0), callbacks=[recorder])
    fit(trainer, digits, epochs=3)

    steps = trainer.global_step
    assert 1 <= steps == len(recorder.weights) < trainer.batches_per_epoch  # a few steps in, then stopped
    for parameter, last in zip(model.parameters(), recorder.weights[-1], strict=True):
        assert numpy.array_equal(parameter.numpy(), last)  # the weights of the last finite step
        assert numpy.isfinite(last).all()
    assert [finding.kind for finding in trainer.findings] == ["nonfinite"]
    finding = trainer.findings[0]
    assert (finding.epoch, finding.step) == (1, steps + 1)
    line = f"{Path(__file__).name}:{line_of('# NAN-LINE')}"
    for text in (trainer.stop_reason, finding.evidence):
        assert f"the loss became NaN or infinite at epoch 1, batch {steps + 1}" in text
        assert "Log (forward)" in text
        assert f"{line} in handmade_cross_entropy" in text
    assert trainer.stop_reason == finding.message

    # The same forward and backward, by hand, under detect_anomaly: the same op and line.
    inputs, targets = recorder.batch
    with pytest.raises(AnomalyError) as raised, detect_anomaly(), numpy.errstate(divide="ignore"):
        handmade_cross_entropy(model(*inputs), targets).backward()
    assert (raised.value.op, raised.value.phase, raised.value.cause) == ("Log", "forward", "op")
    assert raised.value.nonfinite == "inf"
    assert f"{line} in handmade_cross_entropy" in raised.value.source
    assert "Log" in str(raised.value)


class LogOfClamped(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(64, 10)

    def forward(self, x: chainrule.Tensor) -> chainrule.Tensor:
        return self.linear(x).clamp(min=0).log()  # CLAMP-LOG-LINE


def test_a_nan_loss_at_the_first_step_with_metrics_is_found(digits) -> None:
    model = LogOfClamped()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), metrics=[Accuracy()])
    fit(trainer, digits, epochs=2)
    assert trainer.global_step == 0
    assert [finding.kind for finding in trainer.findings] == ["nonfinite"]
    assert f"{Path(__file__).name}:{line_of('# CLAMP-LOG-LINE')}" in trainer.stop_reason


# -- 4. overfitting -----------------------------------------------------------------------------------
def with_wrong_labels(y: chainrule.Tensor, count: int) -> chainrule.Tensor:
    """`y` with its first `count` labels changed to another class, as a noisy dataset has them."""
    labels = y.numpy().copy()
    labels[:count] = (labels[:count] + 1 + numpy.arange(count) % 9) % 10
    return chainrule.tensor(labels)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_big_model_memorising_60_noisy_samples_is_flagged_overfitting_the_epoch_after_its_best(
        digits, seed: int) -> None:
    x, y = digits
    chainrule.manual_seed(seed)
    model = mlp([64, 512, 512, 10], nn.ReLU)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.001))
    fit(trainer, (x[:60], with_wrong_labels(y[:60], 12)), epochs=40, validation=(x[60:360], y[60:360]))

    assert [finding.kind for finding in trainer.findings] == ["overfitting"]
    finding = trainer.findings[0]
    fired = finding.step // trainer.batches_per_epoch  # the epoch at whose end it fired
    validation = trainer.history["val_loss"]
    best = int(numpy.argmin(validation[:fired])) + 1
    assert best == int(numpy.argmin(validation)) + 1  # and it never came back down
    assert finding.epoch == finding.numbers["began"] == best + 1
    assert fired >= best + rules.OVERFIT_PATIENCE
    assert finding.numbers["best"] == validation[best - 1]
    assert f"stop at epoch {best}" in finding.suggestion
    assert validation[-1] > 1.3 * validation[best - 1]
    assert trainer.history["loss"][-1] < 0.2 * trainer.history["loss"][best - 1]  # memorising, wrong labels too


def test_a_validation_loss_that_spikes_then_settles_above_its_best_is_flagged_overfitting(digits) -> None:
    x, y = digits
    model = mlp([64, 512, 512, 10], nn.ReLU)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01))
    fit(trainer, (x[:60], y[:60]), epochs=40, validation=(x[60:360], y[60:360]))
    validation = trainer.history["val_loss"]
    best = int(numpy.argmin(validation)) + 1
    assert min(validation[-10:]) > 1.15 * validation[best - 1]  # the setup: settled well above the best
    assert only(trainer, "overfitting").epoch == best + 1


# -- 5. dead ReLU units -------------------------------------------------------------------------------
def relu_mlp_with_negative_bias() -> tuple[nn.Module, optim.Optimizer]:
    model = mlp([64, 128, 10], nn.ReLU)
    nn.init.constant_(model[0].bias, -10.0)  # pre-activations are at most ~+2 on digits: every unit is off
    return model, optim.Adam(model.parameters(), lr=0.001)


def relu_mlp_with_adam_lr_1() -> tuple[nn.Module, optim.Optimizer]:
    model = mlp([64, 128, 10], nn.ReLU)
    return model, optim.Adam(model.parameters(), lr=1.0)  # the first steps throw the units off for good


@pytest.mark.parametrize("setup", [relu_mlp_with_negative_bias, relu_mlp_with_adam_lr_1])
def test_dead_relu_units_are_flagged_naming_the_relu(digits, setup) -> None:
    model, optimizer = setup()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer)
    fit(trainer, digits, epochs=3)
    finding = only(trainer, "dead")
    assert finding.layers == ["1"]
    assert finding.epoch in (1, 2)
    assert finding.numbers["fraction"] >= max(0.5, rules.DEAD_FRACTION)
    assert trainer.history["dead/1"][-1] >= 0.99
    assert "units output 0 for every sampled input" in finding.evidence
    assert trainer.history["loss"][-1] > 2.2  # nothing learnt


def test_a_dead_network_is_not_told_to_raise_its_learning_rate(digits) -> None:
    model, optimizer = relu_mlp_with_negative_bias()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer)
    fit(trainer, digits, epochs=3)
    assert [finding.kind for finding in trainer.findings] == ["dead"]


# -- 6. learning rate too low -------------------------------------------------------------------------
def test_sgd_lr_1e_6_is_flagged_lr_low(digits) -> None:
    model = mlp([64, 128, 10], nn.ReLU)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1e-6))
    fit(trainer, digits, epochs=3)
    assert [finding.kind for finding in trainer.findings] == ["lr_low"]
    finding = trainer.findings[0]
    assert finding.layers == []
    assert finding.epoch == 2  # the first epoch with a previous one to compare
    assert finding.numbers["ratio"] < rules.LR_LOW_RATIO / 10  # ~2e-7
    assert abs(finding.numbers["progress"]) < 1e-4
    assert "raise the learning rate by 10x (e.g. 1e-05)" in finding.suggestion
    assert max(row["update_ratio/0.weight"] for row in columns(trainer)) < 1e-6


# -- 7. saturated units -------------------------------------------------------------------------------
def tanh_mlp_scaled(scale: float) -> nn.Sequential:
    model = mlp([64, 64, 10], nn.Tanh)
    with chainrule.no_grad():
        model[0].weight.mul_(scale)
    return model


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_tanh_layer_with_weights_scaled_200x_is_flagged_saturated(digits, seed: int) -> None:
    chainrule.manual_seed(seed)
    model = tanh_mlp_scaled(200.0)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.001))
    fit(trainer, digits, epochs=3)
    assert [finding.kind for finding in trainer.findings] == ["saturated"]
    finding = trainer.findings[0]
    assert finding.layers == ["1"]
    assert finding.epoch == 1
    assert finding.numbers["fraction"] >= 0.9
    assert min(trainer.history["saturated/1"]) >= rules.SATURATED_FRACTION


def test_a_tanh_layer_with_weights_scaled_50x_is_flagged_saturated(digits) -> None:
    model = tanh_mlp_scaled(50.0)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.001))
    fit(trainer, digits, epochs=3)
    assert [finding.kind for finding in trainer.findings] == ["saturated"]


def test_a_sigmoid_output_layer_of_a_well_trained_binary_classifier_is_not_flagged(digits) -> None:
    x, y = digits
    is_zero = chainrule.tensor((y.numpy() == 0).astype(numpy.float32)[:, None])
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
    trainer = Trainer(model, nn.BCELoss(), optim.Adam(model.parameters(), lr=0.01))
    assert fit(trainer, (x, is_zero), epochs=12, validation_split=0.1) == []
    assert trainer.findings == []
    assert trainer.history[-1]["val_loss"] < 0.01
    assert trainer.monitor.output_modules == {"3"}
    # The output is saturated, as a confident classifier's is: the rule would fire, were the layer not left out.
    assert trainer.history["saturated/3"][-3:] == [1.0, 1.0, 1.0]


# -- 8. no false alarms -------------------------------------------------------------------------------
class LastStep(nn.Module):
    """An LSTM whose last step's output goes through a Linear layer."""

    def __init__(self, input_size: int, hidden_size: int, outputs: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, outputs)

    def forward(self, x: chainrule.Tensor) -> chainrule.Tensor:
        output, _ = self.lstm(x)
        return self.head(output[:, -1])


def _default_config_mlp():
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
    return model, optim.Adam(model.parameters(), lr=0.002)


def _relu_mlp(optimizer: type[optim.Optimizer], **options):
    def build():
        model = mlp([64, 128, 10], nn.ReLU)
        return model, optimizer(model.parameters(), **options)
    return build


def _gelu_layernorm_mlp():
    model = nn.Sequential(nn.Linear(64, 128), nn.LayerNorm(128), nn.GELU(), nn.Linear(128, 10))
    return model, optim.Adam(model.parameters(), lr=0.002)


def _batchnorm_mlp():
    model = nn.Sequential(nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, 10))
    return model, optim.Adam(model.parameters(), lr=0.002)


HEALTHY_MLPS = {
    "default_config_mlp": _default_config_mlp,  # the false alarm
    "sgd_momentum": _relu_mlp(optim.SGD, lr=0.05, momentum=0.9),
    "plain_sgd": _relu_mlp(optim.SGD, lr=0.1),
    "rmsprop": _relu_mlp(optim.RMSprop, lr=0.001),
    "adamw": _relu_mlp(optim.AdamW, lr=0.002, weight_decay=0.01),
    "gelu_layernorm": _gelu_layernorm_mlp,
    "batchnorm": _batchnorm_mlp,
}


@pytest.mark.parametrize("name", list(HEALTHY_MLPS))
def test_healthy_mlps_train_40_epochs_without_findings(digits, name: str) -> None:
    model, optimizer = HEALTHY_MLPS[name]()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, metrics=[Accuracy()])
    assert fit(trainer, digits, epochs=40, batch_size=32, validation_split=0.1) == []
    assert trainer.findings == []
    assert trainer.history[-1]["val_accuracy"] >= 0.95
    last = columns(trainer)[-1]  # what the rules saw
    assert "grad_norm/total" in last and any(key.startswith("update_ratio/") for key in last)


def test_a_small_cnn_on_digit_images_has_no_findings() -> None:
    x, y = datasets.digits(images=True).tensors
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128, 10))
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.003), metrics=[Accuracy()])
    assert fit(trainer, (x, y), epochs=20, batch_size=64, validation_split=0.1) == []
    assert trainer.findings == []
    assert trainer.history[-1]["val_accuracy"] >= 0.97
    assert {"dead/1", "dead/4", "update_ratio/0.weight"} <= set(columns(trainer)[-1])


def test_an_lstm_regressing_sine_waves_has_no_findings() -> None:
    x, y = datasets.sine_sequences(n=256, length=20).tensors
    model = LastStep(1, 32, 1)
    trainer = Trainer(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.01), clip_grad_norm=1.0)
    assert fit(trainer, (x, y), epochs=20, validation_split=0.1) == []
    assert trainer.findings == []
    assert trainer.history[-1]["val_loss"] < 0.02  # the targets' variance is about 0.3
    # update ratios are measured without activation modules too, and the LSTM's gates are watched
    assert {"grad_norm/lstm.weight_ih_l0", "grad_norm/lstm.weight_hh_l0", "update_ratio/lstm.weight_ih_l0",
            "saturated/lstm"} <= set(columns(trainer)[-1])


CONFIGS = sorted((ROOT / "examples" / "configs").glob("*.toml"))


@pytest.mark.slow
@pytest.mark.parametrize("config", CONFIGS, ids=[path.stem for path in CONFIGS])
def test_every_example_config_trains_through_the_cli_without_findings(config: Path, tmp_path: Path) -> None:
    from chainrule.cli import main

    assert main(["train", str(config), "--runs-dir", str(tmp_path)]) == 0
    (path,) = tmp_path.glob("*/metrics.json")
    metrics = json.loads(path.read_text())
    assert metrics["findings"] == []
    assert metrics["stop_reason"] is None
    assert metrics["last_epoch"]["epoch"] == tomllib.loads(config.read_text())["training"]["epochs"]
    assert "grad_norm/total" in metrics["last_epoch"]


def _run_example(name: str) -> dict:
    """Run examples/<name>.py as a module (its `main` not called): its globals."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return vars(example)


def test_why_not_learning_example_flags_its_sigmoid_network_only(tmp_path: Path, monkeypatch, capsys) -> None:
    pytest.importorskip("matplotlib", reason="the example draws heatmaps (pip install -e '.[test]')")
    example = _run_example("why_not_learning")
    monkeypatch.setitem(example, "IMAGES", tmp_path)  # not docs/images
    sigmoid, relu = example["main"]()
    assert [finding.kind for finding in sigmoid.findings] == ["vanishing"]
    assert sigmoid.findings[0].layers[0] == "0.weight"
    assert relu.findings == []
    assert "no findings: healthy" in capsys.readouterr().out
    assert sorted(path.name for path in tmp_path.iterdir()) == ["gradient_flow_relu.png", "gradient_flow_sigmoid.png",
                                                                "lr_find.png"]


# The other examples train with their own loops, so the monitor never sees them: their model, data, optimizer
# and budget, trained by the Trainer, must raise no alarm either.
def test_spirals_example_setup_has_no_findings() -> None:
    points, labels = _run_example("spirals")["two_spirals"]()
    model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2))  # as main()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), metrics=[Accuracy()])
    assert fit(trainer, (points, labels), epochs=1000, batch_size=len(points), shuffle=False) == []  # 1000 steps
    assert trainer.findings == []
    assert trainer.history[-1]["accuracy"] >= 0.98


def test_xor_example_setup_has_no_findings() -> None:
    x = chainrule.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = chainrule.tensor([[0.0], [1.0], [1.0], [0.0]])
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))  # as examples/xor.py
    trainer = Trainer(model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.5, momentum=0.9))
    fit(trainer, (x, y), epochs=500, batch_size=4, shuffle=False)
    assert trainer.history[-1]["loss"] < 0.01
    assert trainer.findings == []


@pytest.mark.slow
def test_digits_cnn_example_setup_has_no_findings() -> None:
    example = _run_example("digits_cnn")
    train_x, test_x, train_y, test_y = example["load_digits"]()
    model = example["make_model"]()
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=40)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, metrics=[Accuracy()], scheduler=scheduler)
    assert fit(trainer, (train_x, train_y), epochs=40, batch_size=64, validation=(test_x, test_y)) == []
    assert trainer.findings == []
    assert trainer.history[-1]["val_accuracy"] >= 0.97


@pytest.mark.slow
def test_sequence_example_setup_has_no_findings() -> None:
    example = _run_example("sequence")
    inputs, targets = example["adding_problem"](64 * 250, 30, numpy.random.default_rng(0))
    model = example["Adder"]()
    trainer = Trainer(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=1e-2), clip_grad_norm=1.0)
    assert fit(trainer, (inputs, targets), epochs=6, batch_size=64) == []  # 1500 steps, as main()
    assert trainer.findings == []
    assert trainer.history[-1]["loss"] < 0.01  # always answering 1.0 scores 0.167


# -- 9. resume ----------------------------------------------------------------------------------------
class Interrupt(Callback):
    """Raise KeyboardInterrupt after optimizer step `step` (None: never), as Ctrl-C would."""

    def __init__(self, step: int | None) -> None:
        self.step = step

    def on_batch_end(self, trainer, batch, logs) -> None:
        if trainer.global_step == self.step:
            raise KeyboardInterrupt


def _resumable_run(directory: Path, interrupt_at: int | None) -> Trainer:
    """SGD at lr 2 on a tanh MLP with input dropout: saturated and lr_high fire at the end of epoch 3 (step
    45). 15 steps an epoch, a checkpoint every 5 steps."""
    model = nn.Sequential(nn.Dropout(0.1), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))
    callbacks = [ModelCheckpoint(directory, every_n_steps=5), Interrupt(interrupt_at)]
    return Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=2.0), callbacks=callbacks)


@pytest.mark.parametrize("interrupt_at", [38, 68], ids=["before_the_findings", "after_the_findings"])
def test_a_resumed_run_ends_with_the_same_columns_and_findings(digits, tmp_path: Path, interrupt_at: int) -> None:
    pytest.importorskip("safetensors", reason="checkpoints are safetensors files: pip install 'chainrule[safetensors]'")
    x, y = digits
    data = {"train": (x[:480], y[:480]), "epochs": 8, "validation": (x[480:600], y[480:600]), "batch_size": 32}

    chainrule.manual_seed(0)
    uninterrupted = _resumable_run(tmp_path / "a", None)
    warned = fit(uninterrupted, **data)

    chainrule.manual_seed(0)
    interrupted = _resumable_run(tmp_path / "b", interrupt_at)
    with pytest.raises(KeyboardInterrupt):
        fit_catching(interrupted, **data)
    chainrule.manual_seed(123)  # the checkpoint restores the random state
    resumed = _resumable_run(tmp_path / "b", None)
    fit_catching(resumed, **data, resume_from=tmp_path / "b" / "last.safetensors")

    assert {finding.kind for finding in uninterrupted.findings} == {"saturated", "lr_high"}
    assert [f.to_dict() for f in resumed.findings] == [f.to_dict() for f in uninterrupted.findings]
    assert columns(resumed) == columns(uninterrupted)  # every float, bitwise
    assert len(columns(resumed)) == 8
    # each finding warned once over the two fits: before the interruption or after it, not both
    assert [len(interrupted.caught), len(resumed.caught)] == ([0, 2] if interrupt_at < 45 else [2, 0])
    assert sorted(str(w.message) for w in interrupted.caught + resumed.caught) == \
        sorted(str(w.message) for w in warned)
