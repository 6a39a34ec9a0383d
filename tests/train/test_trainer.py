"""Trainer.fit / evaluate / predict: learning, the History, penalties, clipping, schedulers and input errors."""

from __future__ import annotations

import json
import math

import numpy
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.data import DataLoader, TensorDataset, spirals
from chainrule.metrics import Accuracy
from chainrule.nn.utils import l1_penalty, l2_penalty
from chainrule.optim.lr_scheduler import ReduceLROnPlateau, StepLR
from chainrule.train import Callback, History, Trainer


def _mlp(hidden: int) -> nn.Module:
    return nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 2))


def _toy(n: int = 64, seed: int = 0) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Linearly separable points: label 1 where x0 + x1 > 0."""
    generator = numpy.random.default_rng(seed)
    x = generator.normal(size=(n, 2)).astype(numpy.float32)
    return x, (x.sum(axis=1) > 0).astype(numpy.int64)


def _trainer(lr: float = 0.1, **kwargs) -> Trainer:
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2))
    return Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=lr), **kwargs)


def test_fit_learns_spirals_with_validation_metrics() -> None:
    chainrule.manual_seed(0)
    model = _mlp(hidden=64)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), metrics=[Accuracy()])
    history = trainer.fit(spirals(n=400, noise=0.03), epochs=150, validation_split=0.2, batch_size=16)
    assert isinstance(history, History)
    assert len(history) == 150 and history["epoch"] == list(range(1, 151))
    keys = history.keys()
    assert {key for key in keys if "/" not in key} == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr",
                                                       "seconds", "samples_per_second"}
    # the GradientMonitor's columns: per weight (2-D parameters) and per activation module
    assert {key for key in keys if "/" in key} == {"grad_norm/total", "grad_norm/0.weight", "grad_norm/2.weight",
                                                   "grad_norm/4.weight", "update_ratio/0.weight",
                                                   "update_ratio/2.weight", "update_ratio/4.weight", "saturated/1",
                                                   "saturated/3"}
    assert trainer.findings == []
    assert all(len(history[key]) == 150 for key in keys)
    assert history["accuracy"][-1] >= 0.98 and history["val_accuracy"][-1] >= 0.95
    assert history["loss"][-1] < history["loss"][0]
    assert all(value > 0 for value in history["samples_per_second"])
    assert history.best("val_accuracy", "max")["val_accuracy"] == max(history["val_accuracy"])


def test_evaluate_and_predict_shapes_and_modes() -> None:
    x, y = _toy()
    trainer = _trainer(metrics=[Accuracy()])
    trainer.fit((x, y), epochs=20, batch_size=16)
    results = trainer.evaluate((x, y))
    assert set(results) == {"loss", "accuracy"} and results["accuracy"] >= 0.9
    assert trainer.model.training
    for data in (x, chainrule.from_numpy(x), (x, y), TensorDataset(x, y), DataLoader(TensorDataset(x), batch_size=5)):
        outputs = trainer.predict(data, batch_size=10)
        assert outputs.shape == (64, 2) and not outputs.requires_grad
    expected = trainer.model(chainrule.from_numpy(x)).detach().numpy()
    numpy.testing.assert_allclose(trainer.predict(x).numpy(), expected, rtol=1e-6)


def test_eval_mode_is_used_for_validation_and_train_mode_for_training() -> None:
    modes = []
    x, y = _toy(8)
    trainer = _trainer()
    trainer.model.register_forward_hook(lambda module, inputs, output: modes.append(module.training))
    trainer.fit((x, y), epochs=1, validation=(x, y), batch_size=8)
    assert modes == [True, False]


@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.01), (0.003, 0.0), (0.002, 0.05)])
def test_l1_and_l2_add_exactly_their_penalty_and_its_gradient(l1: float, l2: float) -> None:
    x, y = _toy(16)
    reference = _trainer(lr=0.5)
    model = reference.model
    criterion = nn.CrossEntropyLoss()
    manual = criterion(model(chainrule.from_numpy(x)), chainrule.from_numpy(y))
    manual = manual + l1 * l1_penalty(model.parameters()) + l2 * l2_penalty(model.parameters())
    manual.backward()
    expected = [(p - 0.5 * p.grad).detach().numpy() for p in model.parameters()]

    trainer = _trainer(lr=0.5, l1=l1, l2=l2)
    history = trainer.fit((x, y), epochs=1, batch_size=16, shuffle=False)
    assert history["loss"][0] == pytest.approx(manual.item(), rel=1e-6)
    for parameter, value in zip(trainer.model.parameters(), expected, strict=True):
        numpy.testing.assert_allclose(parameter.detach().numpy(), value, rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_bounds_the_step() -> None:
    x, y = _toy(16)
    trainer = _trainer(lr=1.0, clip_grad_norm=1e-3)
    before = [p.detach().numpy().copy() for p in trainer.model.parameters()]
    trainer.fit((x, y), epochs=1, batch_size=16)
    step = math.sqrt(sum(float(((p.detach().numpy() - b) ** 2).sum())
                         for p, b in zip(trainer.model.parameters(), before, strict=True)))
    assert step == pytest.approx(1e-3, rel=1e-2)  # lr 1: the step is the clipped gradient


def test_step_lr_is_stepped_once_per_epoch_and_logged() -> None:
    x, y = _toy(16)
    trainer = _trainer(lr=0.1)
    trainer.scheduler = StepLR(trainer.optimizer, step_size=2, gamma=0.5)
    history = trainer.fit((x, y), epochs=5, batch_size=4)
    assert history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_reduce_lr_on_plateau_gets_val_loss() -> None:
    x, y = _toy(16)
    trainer = _trainer(lr=0.1)
    seen = []
    trainer.scheduler = ReduceLROnPlateau(trainer.optimizer, patience=0)
    original = trainer.scheduler.step
    trainer.scheduler.step = lambda metric: (seen.append(metric), original(metric))
    history = trainer.fit((x, y), epochs=3, validation=(x, y))
    assert seen == history["val_loss"]
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau is stepped with val_loss; pass validation or "
                                         r"validation_split"):
        trainer.fit((x, y), epochs=1)


def test_repeated_fit_continues_the_history_and_epoch_numbers() -> None:
    x, y = _toy(16)
    trainer = _trainer()
    trainer.fit((x, y), epochs=2)
    history = trainer.fit((x, y), epochs=3)
    assert history is trainer.history and history["epoch"] == [1, 2, 3, 4, 5]


def test_on_fit_end_runs_when_the_loop_raises() -> None:
    events = []

    class Recorder(Callback):
        def on_batch_end(self, trainer, batch, logs):
            raise RuntimeError("boom in batch")

        def on_fit_end(self, trainer):
            events.append("fit_end")

    x, y = _toy(16)
    trainer = _trainer(callbacks=[Recorder()])
    with pytest.raises(RuntimeError, match="boom in batch"):
        trainer.fit((x, y), epochs=2)
    assert events == ["fit_end"]


def test_hooks_are_called_in_order_with_counts_from_one() -> None:
    events = []

    class Recorder(Callback):
        def on_fit_start(self, trainer):
            events.append("fit_start")

        def on_epoch_start(self, trainer, epoch):
            events.append(f"epoch_start {epoch}")

        def on_after_backward(self, trainer, batch):
            _, targets = batch
            grads_set = all(parameter.grad is not None for parameter in trainer.model.parameters())
            events.append(f"after_backward {trainer.batch + 1} size {len(targets)} grads {grads_set}")

        def on_batch_end(self, trainer, batch, logs):
            events.append(f"batch {batch} size {logs['batch_size']}")

        def on_epoch_end(self, trainer, epoch, logs):
            events.append(f"epoch_end {epoch} {sorted(logs)}")

        def on_fit_end(self, trainer):
            events.append("fit_end")

    x, y = _toy(6)
    _trainer(callbacks=[Recorder()], diagnostics=False).fit((x, y), epochs=1, batch_size=4)
    keys = ["epoch", "loss", "lr", "samples_per_second", "seconds"]
    assert events == ["fit_start", "epoch_start 1", "after_backward 1 size 4 grads True", "batch 1 size 4",
                      "after_backward 2 size 2 grads True", "batch 2 size 2", f"epoch_end 1 {keys}", "fit_end"]


def test_history_saves_csv_and_json(tmp_path) -> None:
    history = History([{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.25, "val_loss": 0.3}])
    history.to_csv(tmp_path / "h.csv")
    assert (tmp_path / "h.csv").read_text().splitlines() == ["epoch,loss,val_loss", "1,0.5,", "2,0.25,0.3"]
    history.to_json(tmp_path / "h.json")
    assert json.loads((tmp_path / "h.json").read_text()) == history.epochs
    assert history["val_loss"] == [None, 0.3] and history[0] == {"epoch": 1, "loss": 0.5}
    assert history.best("loss")["epoch"] == 2 and history.best("loss", "max")["epoch"] == 1
    with pytest.raises(KeyError, match=r"History has no key 'acc'; available keys: \['epoch', 'loss', 'val_loss'\]"):
        history["acc"]
    with pytest.raises(ValueError, match=r"History.best: mode must be 'min' or 'max', got 'low'"):
        history.best("loss", "low")
    with pytest.raises(ValueError, match=r"History.best: no epoch has a finite 'acc'"):
        history.best("acc")


def test_input_errors_name_the_problem() -> None:
    x, y = _toy(16)
    trainer = _trainer()
    with pytest.raises(ValueError, match="Trainer: train x has 16 samples but y has 15; pass one target per input"):
        trainer.fit((x, y[:15]), epochs=1)
    with pytest.raises(ValueError, match="Trainer: validation x has 16 samples but y has 3"):
        trainer.fit((x, y), epochs=1, validation=(x, y[:3]))
    with pytest.raises(ValueError, match=r"Trainer.fit: pass either validation or validation_split, not both"):
        trainer.fit((x, y), epochs=1, validation=(x, y), validation_split=0.2)
    for epochs in (0, -1, 1.5):
        with pytest.raises(ValueError, match=f"Trainer.fit: epochs must be a positive integer, got {epochs}"):
            trainer.fit((x, y), epochs=epochs)
    with pytest.raises(ValueError, match=r"Trainer.fit: validation_split must be between 0 and 1 \(exclusive\), "
                                         r"got 1.0"):
        trainer.fit((x, y), epochs=1, validation_split=1.0)
    with pytest.raises(ValueError, match=r"validation_split=0.01 of 16 samples leaves 0 for validation and 16 for "
                                         r"training; both need at least one"):
        trainer.fit((x, y), epochs=1, validation_split=0.01)
    with pytest.raises(ValueError, match="validation_split needs a Dataset or \\(x, y\\), not a DataLoader"):
        trainer.fit(DataLoader(TensorDataset(x, y)), epochs=1, validation_split=0.5)
    with pytest.raises(ValueError, match=r"Trainer: train data as a tuple must be \(x, y\), got a tuple of 3"):
        trainer.fit((x, y, y), epochs=1)
    with pytest.raises(TypeError, match="Trainer: train data must be a DataLoader, a Dataset or a tuple \\(x, y\\), "
                                        "got int"):
        trainer.fit(3, epochs=1)
    with pytest.raises(ValueError, match=r"Trainer: each batch must be a tuple \(inputs..., targets\), got tuple; "):
        trainer.fit(TensorDataset(x), epochs=1)
    assert trainer.history.epochs == []


def test_constructor_errors() -> None:
    with pytest.raises(ValueError, match="Trainer: clip_grad_norm must be positive or None, got 0"):
        _trainer(clip_grad_norm=0)
    with pytest.raises(ValueError, match=r"Trainer: l1 and l2 must be >= 0, got l1=-1.0, l2=0.0"):
        _trainer(l1=-1.0)
