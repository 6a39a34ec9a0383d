"""ModelCheckpoint (best weights, last state, NaN guard) and the training-checkpoint file's errors: a damaged
or malformed checkpoint raises CheckpointError naming the file and the field, never a KeyError or TypeError."""

from __future__ import annotations

import math
from pathlib import Path

import numpy
import pytest

pytest.importorskip("safetensors", reason="checkpoints are safetensors files: pip install 'chainrule[safetensors]'")

import chainrule
from chainrule import nn, optim
from chainrule.io import CheckpointError
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
            trainer.model[0].weight._data[0, 0] = math.nan


@pytest.mark.filterwarnings("ignore::chainrule.diagnostics.GradientWarning")
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
    with pytest.raises(CheckpointError, match=r"holds model weights, not a training checkpoint; load them with "
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


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """A real mid-epoch checkpoint of a trainer with a metric, a scheduler and two callbacks."""
    folder = tmp_path_factory.mktemp("checkpoint")
    trainer = _checkpointing_trainer(folder)
    trainer.fit(_data(), epochs=2, batch_size=16)
    return folder / "last.safetensors"


def _checkpointing_trainer(folder: Path) -> Trainer:
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    return Trainer(model, nn.CrossEntropyLoss(), optimizer, scheduler=optim.lr_scheduler.StepLR(optimizer, 1),
                   metrics=[Accuracy()], callbacks=[ModelCheckpoint(folder, monitor="loss", every_n_steps=3),
                                                    EarlyStopping("loss", patience=5)])


def test_a_flipped_bit_in_a_callback_key_is_a_checkpoint_error_on_resume(checkpoint: Path, tmp_path: Path) -> None:
    """The issue's case: one bit of the 'best' key made `chainrule resume` die with KeyError: 'best'."""
    raw = checkpoint.read_bytes()
    position = raw.index(b'[\\"best\\"')  # in the JSON string of the "__chainrule__" metadata entry
    damaged = tmp_path / "last.safetensors"
    damaged.write_bytes(raw[:position + 3] + bytes([raw[position + 3] ^ 0x04]) + raw[position + 4:])  # 'best' -> 'fest'
    message = (rf"chainrule.load: '{damaged}' is corrupted: the metadata entry '__chainrule__' \(the stored structure "
               r"and plain values\) has changed since chainrule.save wrote it \(checksum mismatch\)")
    with pytest.raises(CheckpointError, match=message):
        load_train_state(damaged)
    with pytest.raises(CheckpointError, match=message):
        _checkpointing_trainer(tmp_path).fit(_data(), epochs=2, batch_size=16, resume_from=damaged)


def _rename(mapping: dict, old: str, new: str) -> None:
    mapping[new] = mapping.pop(old)


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda s: _rename(s["callbacks"][0], "state", "stat"), r"callbacks\[0\] lacks \['state'\]"),
    (lambda s: s["callbacks"][1].update(state=[1]), r"callbacks\[1\].state should be a dict with str keys, got a list"),
    (lambda s: s["trainer"].update(epoch="abc"), r"trainer.epoch should be an integer >= 0, got 'abc'"),
    (lambda s: s["trainer"].update(batch=-1), r"trainer.batch should be an integer >= 0, got -1"),
    (lambda s: s["trainer"].update(global_step=2**70), r"trainer.global_step should be an integer >= 0, got 1180591"),
    (lambda s: s["trainer"].update(in_epoch=1), r"trainer.in_epoch should be True or False, got 1"),
    (lambda s: s["trainer"].pop("stop_reason"), r"trainer lacks \['stop_reason'\]"),
    (lambda s: s["trainer"].update(in_epoch=True, running={}),
     r"trainer.running lacks \['loss_sum', 'samples', 'seconds', 'lr'\]"),
    (lambda s: s["trainer"]["running"].update(samples="40"), r"trainer.running.samples should be a number, got '40'"),
    (lambda s: s["model"].update({"0.weight": 1.5}), r"model\['0.weight'\] should be a tensor, got 1.5"),
    (lambda s: s["optimizer"]["state"].update({7: {}}),
     r"optimizer.state key 7 should be the index of a parameter in param_groups, got 7"),
    (lambda s: s["optimizer"]["param_groups"][0].update(params=[0, "1"]),
     r"optimizer.param_groups\[0\].params should be a list of parameter indices, got a list"),
    (lambda s: s["optimizer"]["state"][0].update(step=None), r"optimizer.state\[0\].step should be a tensor or a "
                                                             r"number, got None"),
    (lambda s: s.update(scheduler=3), r"scheduler should be a dict with str keys, got 3"),
    (lambda s: s["metrics"][0].pop("num_updates"), r"metrics\[0\] lacks \['num_updates'\]"),
    (lambda s: s["metrics"][0].update(correct=2**64), r"metrics\[0\].correct should be a number or a list of "
                                                      r"numbers, got 18446744073709551616"),
    (lambda s: s.update(history={"loss": [1.0]}), r"history should be a list, got a dict"),
    (lambda s: s["history"].append(3), r"history\[2\] should be a dict with str keys, got 3"),
    (lambda s: s["random"]["cpu"]["state"].update(state=-1), r"random.cpu is not a valid PCG64 state \(Python "
                                                             r"integer -1 out of bounds for uint64\)"),
    (lambda s: s["random"]["cpu"].update(bit_generator="Nope"),
     r"random.cpu.bit_generator should be the name of a NumPy bit generator, got 'Nope'"),
    (lambda s: s["loader"].pop("generator_state"), r"loader lacks \['generator_state'\]"),
    (lambda s: s["loader"].update(batches_yielded=1.5), r"loader.batches_yielded should be an integer >= 0, got 1.5"),
    (lambda s: s.pop("random"), r"the checkpoint lacks \['random'\]"),
])
def test_a_malformed_checkpoint_names_the_field(checkpoint: Path, tmp_path: Path, edit, problem: str) -> None:
    """Well-formed files (their checksums match) whose fields are not what train_state writes."""
    state = load_train_state(checkpoint)
    edit(state)
    path = tmp_path / "edited.safetensors"
    chainrule.save(state, path)
    with pytest.raises(CheckpointError, match=rf"^{path}: corrupt training checkpoint: {problem}"):
        load_train_state(path)


def test_a_checkpoint_of_another_version_is_refused(checkpoint: Path, tmp_path: Path) -> None:
    state = load_train_state(checkpoint)
    state["version"] = 7
    chainrule.save(state, tmp_path / "v7.safetensors")
    with pytest.raises(CheckpointError, match=r"is a training checkpoint of version 7; this chainrule reads version 1"):
        load_train_state(tmp_path / "v7.safetensors")



def test_a_callback_state_without_its_keys_is_a_checkpoint_error_naming_the_callback(tmp_path) -> None:
    from chainrule.io import CheckpointError
    from chainrule.train import ModelCheckpoint
    from chainrule.train.checkpoint import restore_train_state, train_state

    def trainer() -> Trainer:
        chainrule.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 2))
        return Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                       callbacks=[ModelCheckpoint(tmp_path, monitor="loss")])

    x = numpy.zeros((8, 2), numpy.float32)
    y = numpy.zeros(8, numpy.int64)
    source = trainer()
    source.fit((x, y), epochs=1)
    state = train_state(source)
    state["callbacks"][0]["state"] = {"bets": 0.5, "best_epoch": 1}  # what a renamed key looks like
    with pytest.raises(CheckpointError, match=r"the checkpoint's callbacks\[0\] \(ModelCheckpoint\) state doesn't "
                                              r"fit this trainer's \(KeyError: 'best'\)"):
        restore_train_state(trainer(), state)


def test_fit_resumes_from_a_state_already_read(tmp_path) -> None:
    from chainrule.train.checkpoint import load_train_state

    def trainer() -> Trainer:
        chainrule.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 2))
        return Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1))

    x = numpy.random.default_rng(0).normal(size=(8, 2)).astype(numpy.float32)
    y = (x[:, 0] > 0).astype(numpy.int64)
    first = trainer()
    first.fit((x, y), epochs=1, batch_size=4)
    first.save_checkpoint(tmp_path / "last.safetensors")
    from_path, from_state = trainer(), trainer()
    from_path.fit((x, y), epochs=2, batch_size=4, resume_from=tmp_path / "last.safetensors")
    from_state.fit((x, y), epochs=2, batch_size=4, resume_from=load_train_state(tmp_path / "last.safetensors"))
    assert from_path.history.epochs[1]["loss"] == from_state.history.epochs[1]["loss"]
    for a, b in zip(from_path.model.parameters(), from_state.model.parameters(), strict=True):
        assert numpy.array_equal(a.numpy(), b.numpy())
