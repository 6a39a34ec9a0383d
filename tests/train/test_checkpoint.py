"""ModelCheckpoint (best weights, last state, NaN guard) and the training-checkpoint file's errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy
import pytest

pytest.importorskip("safetensors", reason="checkpoints are safetensors files: pip install 'chainrule[safetensors]'")

import chainrule
from chainrule import nn, optim
from chainrule.metrics import Accuracy
from chainrule.train import Callback, EarlyStopping, ModelCheckpoint, TerminateOnNaN, Trainer
from chainrule.train.checkpoint import load_train_state


def _data(n: int = 64) -> tuple[numpy.ndarray, numpy.ndarray]:
    generator = numpy.random.default_rng(0)
    x = generator.normal(size=(n, 3)).astype(numpy.float32)
    return x, (x[:, 0] > 0).astype(numpy.int64)


def _trainer(callbacks, lr: float = 0.1, metrics=()) -> Trainer:
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))
    return Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=lr), metrics=list(metrics),
                   callbacks=callbacks)


class _RecordWeights(Callback):
    def on_fit_start(self, trainer):
        self.weights = {}

    def on_epoch_end(self, trainer, epoch, logs):
        self.weights[epoch] = {key: t.numpy().copy() for key, t in trainer.model.state_dict().items()}


def test_best_file_holds_the_best_epochs_weights(tmp_path: Path) -> None:
    record = _RecordWeights()
    folder = tmp_path / "new" / "folder"  # created when first needed
    checkpoint = ModelCheckpoint(folder, monitor="val_accuracy")
    trainer = _trainer([record, checkpoint], metrics=[Accuracy()])
    x, y = _data()
    history = trainer.fit((x, y), epochs=6, validation=(x[:16], y[:16]), batch_size=8)
    best = history.best("val_accuracy", "max")["epoch"]  # the first epoch reaching the highest value
    assert checkpoint.mode == "max" and checkpoint.best_epoch == best
    saved = chainrule.load(folder / "best.safetensors")
    for key, value in record.weights[best].items():
        assert numpy.array_equal(saved[key].numpy(), value)
    metadata = chainrule.io.load_metadata(folder / "best.safetensors")
    assert metadata["epoch"] == str(best) and metadata["monitor"] == "val_accuracy"
    last = load_train_state(folder / "last.safetensors")
    assert last["trainer"]["epoch"] == 6 and len(last["history"]) == 6


def test_best_file_loads_in_pytorch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is the reference: pip install 'chainrule[test]'")
    from safetensors.torch import load_file

    trainer = _trainer([ModelCheckpoint(tmp_path, monitor="loss", save_last=False)])
    trainer.fit(_data(), epochs=2, batch_size=16)
    reference = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    reference.load_state_dict(load_file(tmp_path / "best.safetensors"))
    x = _data()[0]
    with chainrule.no_grad():
        ours = trainer.model(chainrule.tensor(x)).numpy()
    numpy.testing.assert_allclose(reference(torch.from_numpy(x)).detach().numpy(), ours, rtol=1e-5, atol=1e-6)


class _PoisonAt(Callback):
    """Put a NaN into a weight at the start of an epoch, as a diverging run would."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_start(self, trainer, epoch):
        if epoch == self.epoch:
            trainer.model[0].weight.data[0, 0] = math.nan


def test_nan_never_overwrites_the_last_good_checkpoint(tmp_path: Path, capsys) -> None:
    checkpoint = ModelCheckpoint(tmp_path, monitor="loss", every_n_steps=2)
    trainer = _trainer([_PoisonAt(3), checkpoint, TerminateOnNaN()])
    trainer.fit(_data(), epochs=5, batch_size=16)
    assert trainer.stop_training and "epoch 3, batch 1" in trainer.stop_reason
    last = load_train_state(tmp_path / "last.safetensors")
    assert last["trainer"]["epoch"] == 2 and not last["trainer"]["in_epoch"]
    assert all(numpy.isfinite(t.numpy()).all() for t in last["model"].values())
    assert checkpoint.best_epoch == 2 and checkpoint.skipped == ["epoch 3"]
    assert "TerminateOnNaN: loss is nan at epoch 3, batch 1" in capsys.readouterr().out


def test_monitor_missing_from_the_logs_says_what_to_do(tmp_path: Path) -> None:
    trainer = _trainer([ModelCheckpoint(tmp_path)])
    with pytest.raises(ValueError, match=r"monitor 'val_loss' is not in the epoch logs .*pass validation data"):
        trainer.fit(_data(), epochs=1)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"every_n_steps": -1}, "every_n_steps must be an integer >= 0, got -1"),
    ({"every_n_steps": 2.5}, "every_n_steps must be an integer >= 0, got 2.5"),
    ({"save_best": False, "save_last": False}, "save_best and save_last are both False"),
    ({"mode": "lowest"}, "ModelCheckpoint: mode must be 'auto', 'min' or 'max', got 'lowest'"),
])
def test_model_checkpoint_rejects_bad_arguments(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ModelCheckpoint(tmp_path, **kwargs)


def test_resume_from_a_weights_file_or_a_missing_file_is_refused(tmp_path: Path) -> None:
    trainer = _trainer([])
    chainrule.save(trainer.model.state_dict(), tmp_path / "weights.safetensors")
    with pytest.raises(ValueError, match=r"holds model weights, not a training checkpoint; load them with "
                                         r"model.load_state_dict\(chainrule.load\(path\)\)"):
        trainer.fit(_data(), epochs=1, resume_from=tmp_path / "weights.safetensors")
    with pytest.raises(FileNotFoundError, match=r"training checkpoint not found: .*nothing\.safetensors"):
        trainer.fit(_data(), epochs=1, resume_from=tmp_path / "nothing.safetensors")


def test_resume_with_other_callbacks_is_refused_before_anything_changes(tmp_path: Path) -> None:
    trainer = _trainer([EarlyStopping("loss", patience=5)])
    trainer.fit(_data(), epochs=2)
    trainer.save_checkpoint(tmp_path / "state.safetensors")
    other = _trainer([TerminateOnNaN()])
    before = {key: t.numpy().copy() for key, t in other.model.state_dict().items()}
    with pytest.raises(ValueError, match=r"the checkpoint's callbacks are \['EarlyStopping'\], the trainer's "
                                         r"\['TerminateOnNaN'\].*build the Trainer and its data as the "
                                         r"checkpointed run did"):
        other.fit(_data(), epochs=2, resume_from=tmp_path / "state.safetensors")
    assert all(numpy.array_equal(t.numpy(), before[key]) for key, t in other.model.state_dict().items())


def test_resume_on_other_training_data_is_refused(tmp_path: Path) -> None:
    trainer = _trainer([])
    trainer.fit(_data(), epochs=1)
    trainer.save_checkpoint(tmp_path / "state.safetensors")
    with pytest.raises(ValueError, match="the checkpoint was trained on 64 samples, this fit's training data has 48"):
        _trainer([]).fit(_data(48), epochs=2, resume_from=tmp_path / "state.safetensors")


def test_resuming_a_finished_fit_trains_no_more_and_a_new_fit_continues_the_history(tmp_path: Path) -> None:
    trainer = _trainer([])
    trainer.fit(_data(), epochs=3)
    trainer.save_checkpoint(tmp_path / "state.safetensors")
    resumed = _trainer([])
    history = resumed.fit(_data(), epochs=3, resume_from=tmp_path / "state.safetensors")
    assert history["epoch"] == [1, 2, 3] and resumed.global_step == trainer.global_step
    assert history["loss"] == trainer.history["loss"]
    history = resumed.fit(_data(), epochs=2)
    assert history["epoch"] == [1, 2, 3, 4, 5]


def test_rng_state_round_trip() -> None:
    chainrule.manual_seed(3)
    state = chainrule.get_rng_state()
    first = chainrule.rand(5).numpy()
    chainrule.set_rng_state(state)
    assert numpy.array_equal(chainrule.rand(5).numpy(), first)
    with pytest.raises(ValueError, match="set_rng_state: unknown bit generator 'Nope'"):
        chainrule.set_rng_state({"bit_generator": "Nope"})
