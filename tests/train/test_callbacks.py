"""Callbacks: EarlyStopping on a scripted monitored sequence, restore_best_weights, TerminateOnNaN."""

from __future__ import annotations

import numpy
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.train import Callback, EarlyStopping, TerminateOnNaN, Trainer


class FeedScore(Callback):
    """Writes a scripted `score` into each epoch's logs (listed before EarlyStopping, so it sees them)."""

    def __init__(self, values: list[float]) -> None:
        self.values = values

    def on_epoch_end(self, trainer, epoch, logs):
        logs["score"] = self.values[epoch - 1]


def _data(n: int = 32) -> tuple[numpy.ndarray, numpy.ndarray]:
    generator = numpy.random.default_rng(0)
    x = generator.normal(size=(n, 2)).astype(numpy.float32)
    return x, (x[:, 0] > 0).astype(numpy.int64)


def _trainer(callbacks, lr: float = 0.1, model: nn.Module | None = None) -> Trainer:
    chainrule.manual_seed(0)
    model = model or nn.Sequential(nn.Linear(2, 2))
    return Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=lr), callbacks=callbacks)


@pytest.mark.parametrize(
    ("values", "mode", "patience", "min_delta", "stopped"),
    [
        ([5, 4, 3, 3.5, 3.2, 2, 1, 0], "min", 2, 0.0, 5),  # no improvement on epochs 4 and 5
        ([5, 4, 3, 3.5, 3.2, 2, 1, 0], "min", 0, 0.0, 4),
        ([5, 4, 3, 3.5, 2.9, 2, 1, 0], "min", 2, 0.5, 5),  # 2.9 is not better than 3 by 0.5
        ([0.1, 0.5, 0.4, 0.45, 0.3, 0.6, 0.7, 0.8], "max", 3, 0.0, 5),
        ([5, 4, 3, 2, 1, 0, -1, -2], "min", 0, 0.0, None),  # always improving: runs every epoch
    ],
)
def test_early_stopping_stops_at_the_right_epoch(values, mode, patience, min_delta, stopped) -> None:
    stopper = EarlyStopping("score", patience=patience, min_delta=min_delta, mode=mode)
    trainer = _trainer([FeedScore(values), stopper])
    history = trainer.fit(_data(), epochs=8)
    assert stopper.stopped_epoch == stopped
    assert len(history) == (stopped or 8)
    if stopped:
        assert trainer.stop_reason.startswith(f"EarlyStopping: score did not improve for {patience or 1} epochs")


def test_early_stopping_resets_on_fit_start_and_auto_mode() -> None:
    stopper = EarlyStopping("score", patience=1)
    trainer = _trainer([FeedScore([3, 4, 5, 1, 2, 3]), stopper])
    trainer.fit(_data(), epochs=5)
    assert stopper.stopped_epoch == 2 and stopper.mode == "min"
    trainer.fit(_data(), epochs=5)  # epochs 3..: best restarts at 5 (epoch 3), improves to 1, then stops
    assert (stopper.best_epoch, stopper.stopped_epoch) == (4, 5)
    assert EarlyStopping("val_accuracy").mode == "max" and EarlyStopping("val_loss").mode == "min"


def test_restore_best_weights_restores_the_best_epoch() -> None:
    snapshots = {}

    class Snapshot(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            snapshots[epoch] = [p.detach().numpy().copy() for p in trainer.model.parameters()]

    stopper = EarlyStopping("score", patience=2, restore_best_weights=True)
    trainer = _trainer([Snapshot(), FeedScore([3, 1, 2, 2, 0]), stopper])
    trainer.fit(_data(), epochs=5)
    assert stopper.stopped_epoch == 4 and stopper.best_epoch == 2
    assert not numpy.allclose(snapshots[4][0], snapshots[2][0])
    for parameter, best in zip(trainer.model.parameters(), snapshots[2], strict=True):
        numpy.testing.assert_array_equal(parameter.detach().numpy(), best)


def test_early_stopping_errors() -> None:
    trainer = _trainer([EarlyStopping("val_loss")])
    with pytest.raises(ValueError, match=r"EarlyStopping: monitor 'val_loss' is not in the epoch logs; available "
                                         r"keys: \['epoch', 'loss', 'lr', 'samples_per_second', 'seconds'\]"):
        trainer.fit(_data(), epochs=2)
    with pytest.raises(ValueError, match="EarlyStopping: mode must be 'auto', 'min' or 'max', got 'lowest'"):
        EarlyStopping(mode="lowest")
    with pytest.raises(ValueError, match="EarlyStopping: patience must be >= 0, got -1"):
        EarlyStopping(patience=-1)


class NaNAfter(nn.Module):
    """A linear model whose output turns NaN from the `start`-th forward call on."""

    def __init__(self, start: int) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 2)
        self.start = start
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        output = self.linear(x)
        return output * float("nan") if self.calls >= self.start else output


@pytest.mark.filterwarnings("ignore::chainrule.diagnostics.GradientWarning")
def test_terminate_on_nan_stops_and_names_epoch_and_batch(capsys: pytest.CaptureFixture[str]) -> None:
    seen = []

    class Batches(Callback):
        def on_batch_end(self, trainer, batch, logs):
            seen.append((trainer.epoch, batch))

    # 32 samples in batches of 4: 8 batches an epoch; call 19 is epoch 3, batch 3.
    trainer = _trainer([TerminateOnNaN(), Batches()], model=NaNAfter(start=19))
    history = trainer.fit(_data(), epochs=5, batch_size=4, shuffle=False)
    message = "TerminateOnNaN: loss is nan at epoch 3, batch 3; stopping"
    assert capsys.readouterr().out.strip() == message
    # the Trainer's own guard then names the op and the line; the NaN batch never reaches the optimizer step
    assert trainer.stop_training and trainer.stop_reason.startswith("non-finite loss: the loss became NaN or "
                                                                     "infinite at epoch 3, batch 3")
    assert ("the first came from MulScalar (forward) in the NaNAfter model, called at tests/train/test_callbacks.py:"
            "104 in forward") in trainer.stop_reason
    assert "it produced nan in 8 of 8 elements of its output from finite values" in trainer.stop_reason
    assert seen[-1] == (3, 2) and len(history) == 3


@pytest.mark.filterwarnings("ignore::chainrule.diagnostics.GradientWarning")
def test_terminate_on_nan_catches_a_diverging_lr(capsys: pytest.CaptureFixture[str]) -> None:
    x = numpy.linspace(-1, 1, 32, dtype=numpy.float32).reshape(-1, 1) * 1e3
    chainrule.manual_seed(0)
    model = nn.Linear(1, 1)
    trainer = Trainer(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e3), callbacks=[TerminateOnNaN()])
    trainer.fit((x, 3 * x), epochs=50, batch_size=8)
    printed = capsys.readouterr().out
    assert printed.startswith("TerminateOnNaN: loss is ")
    assert printed.split("loss is ")[1].split(" ")[0] in ("nan", "inf")
    assert "; stopping" in printed
    assert trainer.stop_reason.startswith("non-finite loss: the loss became NaN or infinite")
    assert all(numpy.isfinite(parameter.numpy()).all() for parameter in model.parameters())


# -- declared order ---------------------------------------------------------------------------------------
def test_callbacks_run_by_priority_then_in_the_order_given(tmp_path) -> None:
    from chainrule.train import CSVLogger, ModelCheckpoint, ProgressBar

    calls: list[str] = []

    class Spy(Callback):
        def __init__(self, name: str, priority: int | None = None) -> None:
            self.name = name
            if priority is not None:
                self.priority = priority

        def on_epoch_end(self, trainer, epoch, logs):
            calls.append(self.name)

    checkpoint = ModelCheckpoint(tmp_path, monitor="loss")
    csv = CSVLogger(tmp_path / "history.csv")
    bar = ProgressBar(file=open(tmp_path / "bar.txt", "w"))  # noqa: SIM115 - closed with the test's tmp_path
    for callback, name in ((checkpoint, "checkpoint"), (csv, "csv"), (bar, "bar")):
        callback.on_epoch_end = lambda trainer, epoch, logs, _name=name, _hook=callback.on_epoch_end: (
            calls.append(_name), _hook(trainer, epoch, logs))
    trainer = _trainer([checkpoint, Spy("late", priority=-1), csv, Spy("first"), bar, Spy("second")])
    trainer.fit(_data(), epochs=1)
    assert calls == ["first", "second", "csv", "bar", "checkpoint", "late"]
    assert [type(callback).__name__ for callback in trainer.callbacks][:2] == ["ModelCheckpoint", "Spy"]  # as given


def test_a_checkpoint_listed_first_still_saves_the_state_of_callbacks_after_it(tmp_path) -> None:
    from chainrule.train import ModelCheckpoint
    from chainrule.train.checkpoint import load_train_state

    class Counter(Callback):
        def on_fit_start(self, trainer):
            self.count = 0

        def on_epoch_end(self, trainer, epoch, logs):
            self.count += 1

        def state_dict(self):
            return {"count": self.count}

    trainer = _trainer([ModelCheckpoint(tmp_path, monitor="loss"), Counter()])
    trainer.fit(_data(), epochs=3)
    state = load_train_state(tmp_path / "last.safetensors")
    assert state["callbacks"][1]["state"] == {"count": 3} and state["trainer"]["epoch"] == 3


# -- one mechanism for the learning rate --------------------------------------------------------------------
def test_a_scheduler_in_the_trainer_or_in_a_callback_gives_the_same_learning_rates() -> None:
    from chainrule.train import LearningRateScheduler

    def rates(use_callback: bool) -> list[float]:
        chainrule.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 2))
        optimizer = optim.SGD(model.parameters(), lr=0.1)
        scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        if use_callback:
            trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, callbacks=[LearningRateScheduler(scheduler)])
        else:
            trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, scheduler=scheduler)
        return trainer.fit(_data(), epochs=5)["lr"]

    assert rates(True) == rates(False) == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_trainer_state_round_trips_and_counts_batches() -> None:
    from chainrule.train.state import TrainerState

    state = TrainerState()
    state.start_epoch()
    state.add_batch(2.0, 4)
    state.add_batch(1.0, 4)
    assert (state.epoch, state.batch, state.global_step, state.running_loss) == (1, 2, 2, 1.5)
    saved = state.state_dict()
    assert saved["running"]["seconds"] >= 0 and "_clock" not in saved
    restored = TrainerState()
    restored.load_state_dict(saved)
    assert restored.state_dict() | {"running": None} == saved | {"running": None}
    assert restored.running == saved["running"]
