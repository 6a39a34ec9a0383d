"""ProgressBar, CSVLogger, TensorBoardLogger and LearningRateScheduler, on a fake trainer and on real fits."""

from __future__ import annotations

import csv
import io
import math
import re
import struct
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.metrics import Accuracy
from chainrule.train import Callback, Trainer
from chainrule.train.callbacks import progress
from chainrule.train.callbacks.csv_logger import CSVLogger
from chainrule.train.callbacks.lr_scheduler import LearningRateScheduler
from chainrule.train.callbacks.progress import ProgressBar
from chainrule.train.callbacks.tensorboard import TensorBoardLogger
from chainrule.train.history import History

EPOCH_LOGS = {"epoch": 3, "loss": 0.41234, "accuracy": 0.875, "val_loss": 0.50117, "val_accuracy": 0.84,
              "lr": 0.001, "seconds": 0.84, "samples_per_second": 1203.4}


def _data(n: int = 32) -> tuple[numpy.ndarray, numpy.ndarray]:
    generator = numpy.random.default_rng(0)
    x = generator.normal(size=(n, 4)).astype(numpy.float32)
    return x, (x[:, 0] > 0).astype(numpy.int64) + (x[:, 1] > 1).astype(numpy.int64)


def _trainer(callbacks: list[Callback], lr: float = 0.1) -> Trainer:
    chainrule.manual_seed(0)
    model = nn.Linear(4, 3)
    return Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=lr), metrics=[Accuracy()],
                   callbacks=callbacks)


def _fake_trainer(**attributes: Any) -> SimpleNamespace:
    """The trainer attributes callbacks read, without a model: for driving hooks by hand."""
    defaults = {"epoch": 1, "epochs": 20, "batch": 0, "batches_per_epoch": 4, "global_step": 0, "metrics": [],
                "history": History(), "optimizer": SimpleNamespace(param_groups=[{"lr": 0.1}]),
                "stop_training": False, "stop_reason": None, "running_loss": 0.5, "epoch_samples": 8,
                "epoch_seconds": lambda: 0.01}
    return SimpleNamespace(**{**defaults, **attributes})


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Crash(Callback):
    """Save a training checkpoint at global step `step`, then raise, as a killed run would stop."""

    def __init__(self, step: int | None = None, path: Path | None = None) -> None:
        self.step, self.path = step, path

    def on_batch_end(self, trainer, batch, logs):
        if trainer.global_step == self.step:
            trainer.save_checkpoint(self.path)
            raise RuntimeError("simulated crash")


class LrSpy(Callback):
    """Records (epoch, batch, lr of every param group) at each batch end."""

    def on_fit_start(self, trainer):
        self.seen = []

    def on_batch_end(self, trainer, batch, logs):
        self.seen.append((trainer.epoch, batch, [group["lr"] for group in trainer.optimizer.param_groups]))


# -- ProgressBar --------------------------------------------------------------------------------------
def test_progress_bar_off_a_terminal_prints_one_plain_line_per_epoch() -> None:
    out = io.StringIO()
    bar = ProgressBar(file=out)
    trainer = _fake_trainer(epoch=3)
    bar.on_fit_start(trainer)
    bar.on_epoch_start(trainer, 3)
    bar.on_batch_end(trainer, 1, {"loss": 0.5, "batch_size": 8})
    bar.on_epoch_end(trainer, 3, EPOCH_LOGS)
    tiny = {"epoch": 4, "loss": 2.5e-05, "confusion": numpy.eye(2), "lr": 1e-4, "seconds": 12.0,
            "samples_per_second": 99.6}
    bar.on_epoch_end(trainer, 4, tiny)  # tiny values in e-notation; arrays left out
    bar.on_epoch_end(trainer, 5, {"epoch": 5, "loss": 0.25, "seconds": 0.0153})  # short epochs in ms
    bar.on_fit_end(trainer)
    assert out.getvalue() == (
        "Epoch 3/20  loss 0.4123  accuracy 0.8750  val_loss 0.5012  val_accuracy 0.8400  lr 0.001  "
        "1203 samples/s  0.8 s\n"
        "Epoch 4/20  loss 2.5000e-05  lr 0.0001  100 samples/s  12.0 s\n"
        "Epoch 5/20  loss 0.2500  15 ms\n"
    )


def test_progress_bar_off_a_terminal_in_a_real_fit() -> None:
    out = io.StringIO()
    x, y = _data()
    _trainer([ProgressBar(file=out)]).fit((x, y), epochs=3, batch_size=8, validation=(x[:8], y[:8]))
    lines = out.getvalue().split("\n")
    assert "\r" not in out.getvalue() and lines[-1] == ""
    assert len(lines) == 4
    for epoch, line in enumerate(lines[:3], start=1):
        assert re.fullmatch(rf"Epoch {epoch}/3  loss \d\.\d{{4}}  accuracy \d\.\d{{4}}  val_loss \d\.\d{{4}}  "
                            r"val_accuracy \d\.\d{4}  lr 0\.1  \d+ samples/s  (\d+\.\d s|\d+ ms)", line), line


def test_progress_bar_force_false_prints_lines_even_on_a_terminal() -> None:
    out = Terminal()
    trainer = _fake_trainer(epoch=3)
    bar = ProgressBar(file=out, force=False)
    bar.on_fit_start(trainer)
    bar.on_epoch_start(trainer, 3)
    bar.on_epoch_end(trainer, 3, EPOCH_LOGS)
    assert out.getvalue().startswith("Epoch 3/20  loss 0.4123  accuracy 0.8750") and "\r" not in out.getvalue()


def _final_bars(output: str) -> list[str]:
    """Each bar's last drawing: tqdm redraws after a carriage return and ends a closed bar with a newline."""
    return [line.split("\r")[-1] for line in output.split("\n") if line]


def test_progress_bar_on_a_terminal_draws_one_bar_per_epoch_ending_at_total(monkeypatch) -> None:
    monkeypatch.setattr(progress, "_REFRESH_SECONDS", 0.0)  # redraw at every batch, so the running values show
    out = Terminal()
    x, y = _data()
    trainer = _trainer([ProgressBar(file=out)])
    trainer.fit((x, y), epochs=2, batch_size=8, validation=(x[:8], y[:8]))
    bars = _final_bars(out.getvalue())
    assert len(bars) == 2
    for epoch, bar in enumerate(bars, start=1):
        logs = trainer.history[epoch - 1]
        assert bar.startswith(f"Epoch {epoch}/2: 100%") and "| 4/4 [" in bar, bar
        assert (f"loss={logs['loss']:.4f}, accuracy={logs['accuracy']:.4f}, val_loss={logs['val_loss']:.4f}, "
                f"val_accuracy={logs['val_accuracy']:.4f}, lr=0.1, samples/s=") in bar, bar
    running = [drawing for drawing in out.getvalue().split("\r") if "Epoch 1/2:  50%" in drawing]
    assert running and re.search(r"loss=\d\.\d{4}, accuracy=\d\.\d{4}, samples/s=\d+", running[-1]), running


def test_progress_bar_forced_on_a_file_and_resumed_mid_epoch_starts_at_the_batch_done() -> None:
    out = io.StringIO()
    trainer = _fake_trainer(epoch=3, batch=2, batches_per_epoch=5)
    bar = ProgressBar(file=out, force=True)
    bar.on_fit_start(trainer)
    bar.on_epoch_start(trainer, 3)
    assert "Epoch 3/20:  40%" in out.getvalue() and "2/5" in out.getvalue()
    for batch in (3, 4, 5):
        bar.on_batch_end(trainer, batch, {"loss": 0.5, "batch_size": 8})
    bar.on_epoch_end(trainer, 3, EPOCH_LOGS)
    bar.on_fit_end(trainer)
    (final,) = _final_bars(out.getvalue())
    assert final.startswith("Epoch 3/20: 100%") and "| 5/5 [" in final
    assert final.endswith("loss=0.4123, accuracy=0.8750, val_loss=0.5012, val_accuracy=0.8400, lr=0.001, "
                          "samples/s=1203]")


def test_progress_bar_prints_the_stop_reason_and_closes_the_bar_when_fit_raises() -> None:
    out = io.StringIO()
    trainer = _fake_trainer(stop_reason="EarlyStopping: val_loss did not improve for 3 epochs")
    bar = ProgressBar(file=out)
    bar.on_fit_start(trainer)
    bar.on_fit_end(trainer)
    assert out.getvalue() == "EarlyStopping: val_loss did not improve for 3 epochs\n"

    class Fail(Callback):
        def on_batch_end(self, trainer, batch, logs):
            if batch == 2:
                raise RuntimeError("boom")

    out = io.StringIO()
    bar = ProgressBar(file=out, force=True)
    with pytest.raises(RuntimeError, match="boom"):
        _trainer([bar, Fail()]).fit(_data(), epochs=2, batch_size=8)
    assert bar._bar is None
    # Fail (a state callback) runs before the bar (a writer), so the bar last showed batch 1
    assert out.getvalue().endswith("\n") and "| 1/4 [" in _final_bars(out.getvalue())[-1]


def test_progress_bar_without_tqdm_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(ImportError, match=re.escape("ProgressBar needs tqdm: pip install 'chainrule[progress]'")):
        ProgressBar()


# -- CSVLogger ----------------------------------------------------------------------------------------
def _read_csv(path: Path, separator: str = ",") -> list[dict[str, str]]:
    with open(path, newline="") as file:
        return list(csv.DictReader(file, delimiter=separator))


def _assert_csv_equals_history(path: Path, history: History) -> None:
    rows = _read_csv(path)
    assert list(rows[0]) == history.keys()
    assert len(rows) == len(history)
    for row, logs in zip(rows, history, strict=True):
        assert {key: float(text) for key, text in row.items()} == logs  # str(float) round-trips exactly


def test_csv_logger_writes_the_whole_history_after_every_epoch(tmp_path) -> None:
    path = tmp_path / "runs" / "exp1" / "history.csv"  # parent directories are created
    x, y = _data()
    trainer = _trainer([CSVLogger(path)])
    trainer.fit((x, y), epochs=2, batch_size=8, validation=(x[:8], y[:8]))
    _assert_csv_equals_history(path, trainer.history)
    trainer.fit((x, y), epochs=2, batch_size=8, validation=(x[:8], y[:8]))  # the file is rewritten, not appended
    _assert_csv_equals_history(path, trainer.history)
    assert [row["epoch"] for row in _read_csv(path)] == ["1", "2", "3", "4"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["history.csv"]  # no temporary file left


def test_csv_logger_leaves_missing_keys_empty_and_uses_the_separator(tmp_path) -> None:
    history = History([{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.25, "val_loss": 0.75}])
    trainer = _fake_trainer(history=history)
    CSVLogger(tmp_path / "a.csv").on_epoch_end(trainer, 2, history[1])
    CSVLogger(tmp_path / "b.tsv", separator="\t").on_epoch_end(trainer, 2, history[1])
    assert (tmp_path / "a.csv").read_bytes() == b"epoch,loss,val_loss\r\n1,0.5,\r\n2,0.25,0.75\r\n"
    assert (tmp_path / "b.tsv").read_bytes() == b"epoch\tloss\tval_loss\r\n1\t0.5\t\r\n2\t0.25\t0.75\r\n"


def test_csv_logger_keeps_the_previous_file_when_a_write_fails(tmp_path) -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("cannot format")

    path = tmp_path / "history.csv"
    history = History([{"epoch": 1, "loss": 0.5}])
    trainer = _fake_trainer(history=history)
    logger = CSVLogger(path)
    logger.on_epoch_end(trainer, 1, history[0])
    before = path.read_bytes()
    history.append({"epoch": 2, "loss": Unprintable()})
    with pytest.raises(RuntimeError, match="cannot format"):
        logger.on_epoch_end(trainer, 2, history[1])
    assert path.read_bytes() == before == b"epoch,loss\r\n1,0.5\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["history.csv"]


@pytest.mark.parametrize("separator", ["", ";;", '"', "\n", 9])
def test_csv_logger_rejects_a_bad_separator(separator) -> None:
    with pytest.raises(ValueError, match=re.escape(
            f"CSVLogger: separator must be a single character other than a quote or a line break, got {separator!r}")):
        CSVLogger("history.csv", separator=separator)


# -- TensorBoardLogger --------------------------------------------------------------------------------
def _read_scalars(log_dir: Path) -> dict[tuple[str, int], float]:
    """Every scalar in every event file under `log_dir`, read through the TFRecord framing by hand."""
    event_pb2 = pytest.importorskip("tensorboardX.proto.event_pb2")
    scalars = {}
    for path in sorted(log_dir.glob("events.out.tfevents.*")):
        data = path.read_bytes()
        offset = 0
        while offset < len(data):
            (length,) = struct.unpack_from("<Q", data, offset)
            offset += 8 + 4  # the length, then the masked crc of the length
            event = event_pb2.Event.FromString(data[offset:offset + length])
            offset += length + 4  # the event, then the masked crc of the event
            for value in event.summary.value:
                assert (value.tag, event.step) not in scalars, f"{value.tag} logged twice at step {event.step}"
                scalars[value.tag, event.step] = value.simple_value
        assert offset == len(data)
    return scalars


def test_tensorboard_logger_writes_epoch_and_batch_scalars(tmp_path) -> None:
    pytest.importorskip("tensorboardX", reason="TensorBoardLogger needs tensorboardX (pip install -e '.[test]')")

    class BatchLosses(Callback):
        def __init__(self) -> None:
            self.losses = {}

        def on_batch_end(self, trainer, batch, logs):
            self.losses[trainer.global_step] = logs["loss"]

    spy = BatchLosses()
    x, y = _data()
    trainer = _trainer([TensorBoardLogger(tmp_path, every_n_steps=3), spy])
    trainer.fit((x, y), epochs=2, batch_size=8, validation=(x[:8], y[:8]))
    trainer.fit((x, y), epochs=1, batch_size=8, validation=(x[:8], y[:8]))  # reopened: a second event file
    assert len(list(tmp_path.glob("events.out.tfevents.*"))) == 2

    expected = {("batch/loss", step): spy.losses[step] for step in (3, 6, 9, 12)}
    tags = {"loss": "train/loss", "accuracy": "train/accuracy", "val_loss": "validation/loss",
            "val_accuracy": "validation/accuracy", "lr": "lr", "seconds": "time/epoch_seconds",
            "samples_per_second": "throughput/samples_per_second"}
    for logs in trainer.history:
        expected.update({(tag, logs["epoch"]): logs[key] for key, tag in tags.items()})
        # the GradientMonitor's per-layer columns, under diagnostics/
        expected.update({("diagnostics/" + key, logs["epoch"]): value for key, value in logs.items() if "/" in key})
    assert ("diagnostics/grad_norm/weight", 1) in expected
    scalars = _read_scalars(tmp_path)
    assert scalars.keys() == expected.keys()
    for key, value in expected.items():
        assert scalars[key] == numpy.float32(value), key  # event files hold float32


def test_tensorboard_logger_errors(monkeypatch) -> None:
    pytest.importorskip("tensorboardX", reason="TensorBoardLogger needs tensorboardX (pip install -e '.[test]')")
    with pytest.raises(ValueError, match=re.escape(
            "TensorBoardLogger: every_n_steps must be an integer >= 0 (0 logs no batches), got -1")):
        TensorBoardLogger("runs", every_n_steps=-1)
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=re.escape(
            "TensorBoardLogger needs tensorboardX: pip install 'chainrule[tensorboard]'")):
        TensorBoardLogger("runs")


# -- LearningRateScheduler ----------------------------------------------------------------------------
def test_lr_scheduler_sets_every_group_from_epoch_1() -> None:
    calls = []

    def schedule(epoch: int, lr: float) -> float:
        calls.append((epoch, lr))
        return 0.2 * 0.5 ** (epoch - 1)

    spy = LrSpy()
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 3))
    sgd = optim.SGD([{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 0.7}], lr=0.1)
    trainer = Trainer(model, nn.CrossEntropyLoss(), sgd, callbacks=[LearningRateScheduler(schedule), spy])
    trainer.fit(_data(), epochs=3, batch_size=16)
    assert calls == [(1, 0.1), (2, 0.2), (3, 0.1)]
    assert spy.seen == [(1, 1, [0.2, 0.2]), (1, 2, [0.2, 0.2]), (2, 1, [0.1, 0.1]), (2, 2, [0.1, 0.1]),
                        (3, 1, [0.05, 0.05]), (3, 2, [0.05, 0.05])]


def test_lr_scheduler_rate_is_the_one_the_history_logs() -> None:
    """The epoch row's lr is the rate the epoch trained with, so it must be read after on_epoch_start."""
    scheduler = LearningRateScheduler(lambda epoch, lr: 0.2 * 0.5 ** (epoch - 1))
    history = _trainer([scheduler]).fit(_data(), epochs=3, batch_size=16)
    assert history["lr"] == [0.2, 0.1, 0.05], "Trainer logged the lr from before on_epoch_start changed it"


def test_lr_scheduler_is_not_applied_again_when_a_resumed_run_continues_mid_epoch(tmp_path) -> None:
    halve = LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    trainer = _fake_trainer(epoch=2, batch=3)
    halve.on_epoch_start(trainer, 2)
    assert trainer.optimizer.param_groups[0]["lr"] == 0.1
    trainer.batch = 0
    halve.on_epoch_start(trainer, 3)
    assert trainer.optimizer.param_groups[0]["lr"] == 0.05

    # A real run killed at epoch 2, batch 2 and resumed sees exactly the learning rates of an unbroken run.
    x, y = _data()
    checkpoint = tmp_path / "last.safetensors"
    unbroken = LrSpy()
    _trainer([LearningRateScheduler(lambda epoch, lr: lr * 0.5), unbroken, Crash()]).fit(
        (x, y), epochs=3, batch_size=8)
    with pytest.raises(RuntimeError, match="simulated crash"):
        _trainer([LearningRateScheduler(lambda epoch, lr: lr * 0.5), LrSpy(), Crash(6, checkpoint)]).fit(
            (x, y), epochs=3, batch_size=8)
    resumed = LrSpy()
    _trainer([LearningRateScheduler(lambda epoch, lr: lr * 0.5), resumed, Crash()]).fit(
        (x, y), epochs=3, batch_size=8, resume_from=checkpoint)
    assert resumed.seen == unbroken.seen[6:]
    assert resumed.seen[0] == (2, 3, [0.025])


def test_lr_scheduler_verbose_prints_the_new_rate(capsys) -> None:
    trainer = _fake_trainer(epoch=3)
    LearningRateScheduler(lambda epoch, lr: 0.0005, verbose=True).on_epoch_start(trainer, 3)
    assert capsys.readouterr().out == "Epoch 3: LearningRateScheduler set the learning rate to 0.0005\n"


@pytest.mark.parametrize("value", [math.nan, -0.001, math.inf, "0.1", None, True])
def test_lr_scheduler_rejects_a_bad_learning_rate(value) -> None:
    trainer = _fake_trainer(epoch=4)
    with pytest.raises(ValueError, match=re.escape(
            f"LearningRateScheduler: schedule returned {value!r} for epoch 4; it must return a finite number >= 0")):
        LearningRateScheduler(lambda epoch, lr: value).on_epoch_start(trainer, 4)
    assert trainer.optimizer.param_groups[0]["lr"] == 0.1


def test_lr_scheduler_needs_a_function() -> None:
    with pytest.raises(TypeError, match=re.escape(
            "LearningRateScheduler: schedule must be a learning-rate scheduler (chainrule.optim.lr_scheduler) or a "
            "function (epoch, lr) -> new lr, got float")):
        LearningRateScheduler(0.1)
