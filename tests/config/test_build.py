"""chainrule.config builders: data splits, model (recurrent outputs), loss, metrics, optimizer, callbacks."""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import numpy
import pytest

import chainrule
from chainrule import nn
from chainrule.config import (
    ConfigError,
    build_callbacks,
    build_data,
    build_loss,
    build_metrics,
    build_model,
    build_optimizer,
    build_trainer,
    load_config,
)
from chainrule.data import TensorDataset, digits, num_classes
from chainrule.metrics import Accuracy, F1Score, MeanAbsoluteError, R2Score
from chainrule.optim import SGD, Adam
from chainrule.optim.lr_scheduler import StepLR

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "configs"
_LINEAR = {"type": "Linear", "in_features": 64, "out_features": 10}


def _config(**sections) -> dict:
    """A hand-written config (no file): the builders check and resolve it themselves."""
    return {"model": {"layers": [_LINEAR]}, **sections}


def _labels(dataset: TensorDataset) -> numpy.ndarray:
    return dataset.tensors[-1]._data


# -- data ---------------------------------------------------------------------------------------------
def test_build_data_is_deterministic_for_a_seed_and_differs_across_seeds():
    first = build_data(load_config())
    again = build_data(load_config())
    other = build_data(load_config(None, {"seed": 1}))
    for part, same in zip(first, again, strict=True):
        numpy.testing.assert_array_equal(part.tensors[0]._data, same.tensors[0]._data)
    assert not numpy.array_equal(first[2].tensors[0]._data, other[2].tensors[0]._data)


def test_build_data_splits_class_labels_stratified():
    train, validation, test = build_data(load_config())
    assert (len(train), len(validation), len(test)) == (1293, 145, 359)
    everything = numpy.bincount(_labels(digits()), minlength=10)
    for part, fraction in ((test, 0.2), (validation, 0.8 * 0.1)):
        counts = numpy.bincount(_labels(part), minlength=10)
        assert numpy.all(numpy.abs(counts - everything * fraction) <= 1), counts  # every class, in proportion
    pooled = numpy.sort(numpy.concatenate([part.tensors[0]._data.sum(axis=1) for part in (train, validation, test)]))
    numpy.testing.assert_array_equal(pooled, numpy.sort(digits().tensors[0]._data.sum(axis=1)))  # nothing lost


def test_build_data_splits_float_targets_at_random_and_zero_gives_none():
    config = _config(data={"dataset": "sine_sequences", "options": {"n": 100}, "test_split": 0.25,
                           "validation_split": 0}, training={"loss": "MSELoss", "metrics": ["mae"]})
    train, validation, test = build_data(config)
    assert (len(train), validation, len(test)) == (75, None, 25)
    assert _labels(train).dtype == numpy.float32


def test_build_data_reads_files(tmp_path):
    x = numpy.arange(40, dtype=numpy.float32).reshape(20, 2)
    y = numpy.arange(20) % 2
    numpy.savez(tmp_path / "train.npz", images=x, labels=y)
    config = _config(data={"npz": str(tmp_path / "train.npz"), "x_key": "images", "y_key": "labels",
                           "test_split": 0.5, "validation_split": 0})
    train, _, test = build_data(config)
    assert len(train) == len(test) == 10
    assert numpy.bincount(_labels(test)).tolist() == [5, 5]


def test_build_data_reads_csv_with_its_label_column_and_delimiter(tmp_path):
    rows = "".join(f"{i};{i % 3};{2 * i}\n" for i in range(30))
    (tmp_path / "table.csv").write_text("a;species;b\n" + rows)
    config = _config(data={"csv": str(tmp_path / "table.csv"), "label_column": "species", "delimiter": ";",
                           "test_split": 0.2, "validation_split": 0.25})
    train, validation, test = build_data(config)
    assert (len(train), len(validation), len(test)) == (18, 6, 6)
    assert train.tensors[0].shape == (18, 2) and num_classes(train) == 3


def test_build_data_reads_a_headerless_csv_without_losing_its_first_row(tmp_path):
    (tmp_path / "raw.csv").write_text("".join(f"{i},{2 * i},{i % 2}\n" for i in range(20)))
    config = _config(data={"csv": str(tmp_path / "raw.csv"), "label_column": 2, "test_split": 0.5,
                           "validation_split": 0})
    train, _, test = build_data(config)
    features = numpy.concatenate([train.tensors[0]._data, test.tensors[0]._data])
    assert sorted(features[:, 0].tolist()) == list(range(20))  # row 1 (0, 0, 0) included


def test_build_data_header_true_on_a_row_of_numbers_names_the_file_and_the_fix(tmp_path):
    (tmp_path / "raw.csv").write_text("1,2,0\n3,4,1\n")
    with pytest.raises(ConfigError) as caught:
        build_data(_config(data={"csv": str(tmp_path / "raw.csv"), "label_column": -1, "header": True}))
    assert str(caught.value) == (
        "[data] csv: raw.csv: header=True, but row 1 (1, 2, 0) holds only numbers, so it looks like data, not "
        "column names; pass header=False ([data] header = false in a config) to read it as the first sample"
    )


def test_build_data_refuses_nonfinite_features_unless_allowed(tmp_path):
    (tmp_path / "train.csv").write_text("a,label\n" + "".join(f"{i},{i % 2}\n" for i in range(9)) + "nan,1\n")
    data = {"csv": str(tmp_path / "train.csv"), "test_split": 0.5, "validation_split": 0}
    with pytest.raises(ConfigError) as caught:
        build_data(_config(data=data))
    assert str(caught.value) == (
        "[data] csv: train.csv: features contain NaN or inf at row 11 column 'a'; fix or drop them, or pass "
        "allow_nonfinite=True ([data] allow_nonfinite = true in a config) to load them as they are"
    )
    train, _, test = build_data(_config(data={**data, "allow_nonfinite": True}))
    features = numpy.concatenate([train.tensors[0]._data, test.tensors[0]._data])
    assert numpy.isnan(features).sum() == 1 and len(features) == 10
    x = numpy.ones((10, 2))
    x[3, 1] = numpy.inf
    numpy.savez(tmp_path / "train.npz", x=x, y=numpy.arange(10) % 2)
    data = {"npz": str(tmp_path / "train.npz"), "test_split": 0.5, "validation_split": 0}
    with pytest.raises(ConfigError, match=r"^\[data\] npz: train\.npz\['x'\]: features contain NaN or inf at sample 3 "
                                          r"column 1; "):
        build_data(_config(data=data))
    train, _, test = build_data(_config(data={**data, "allow_nonfinite": True}))
    assert numpy.isinf(numpy.concatenate([train.tensors[0]._data, test.tensors[0]._data])).sum() == 1


def test_a_loaders_arguments_are_data_keys(tmp_path):
    (tmp_path / "train.csv").write_text("a,label\n" + "".join(f"{i},{i % 3}\n" for i in range(12)))
    data = {"csv": str(tmp_path / "train.csv"), "test_split": 0.5, "validation_split": 0}
    assert num_classes(build_data(_config(data=data))[0]) == 3
    train, _, _ = build_data(_config(data={**data, "classification": False}))  # load_csv(classification=False)
    assert num_classes(train) is None and _labels(train).dtype == numpy.float32


def test_a_loader_error_is_a_config_error_naming_the_key(tmp_path):
    numpy.savez(tmp_path / "train.npz", a=numpy.zeros((4, 2)), y=numpy.zeros(4))
    with pytest.raises(ConfigError, match=r"^\[data\] npz: train\.npz has no array 'x'; its keys are: a, y$"):
        build_data(_config(data={"npz": str(tmp_path / "train.npz")}))


def test_a_split_that_holds_out_nothing_is_an_error():
    config = _config(data={"dataset": "iris", "test_split": 0.001})
    with pytest.raises(ConfigError) as caught:
        build_data(config)
    assert str(caught.value) == ("[data] test_split: 0.001 of 150 samples holds out 0 and keeps 150; both need "
                                 "at least one sample, so change it (0 holds out nothing)")


# -- model --------------------------------------------------------------------------------------------
def test_build_model_is_a_sequential_with_torch_state_dict_keys():
    model = build_model(load_config())
    assert type(model) is nn.Sequential
    assert list(model.state_dict()) == ["0.weight", "0.bias", "3.weight", "3.bias"]
    assert model(chainrule.randn(5, 64)).shape == (5, 10)


@pytest.mark.parametrize("batch_first", [True, False])
def test_recurrent_output_last_takes_the_last_step_and_keeps_state_dict_keys(batch_first):
    lstm = {"type": "LSTM", "input_size": 3, "hidden_size": 4, "batch_first": batch_first, "output": "last"}
    model = build_model({"model": {"layers": [lstm, {"type": "Linear", "in_features": 4, "out_features": 2}]}})
    plain = nn.Sequential(nn.LSTM(3, 4, batch_first=batch_first), nn.Linear(4, 2))
    assert list(model.state_dict()) == list(plain.state_dict())
    plain.load_state_dict(model.state_dict())
    x = chainrule.randn(5, 7, 3)  # (N, L, H) with batch_first, else (L, N, H)
    output, _ = plain[0](x)
    last = output[:, -1] if batch_first else output[-1]
    numpy.testing.assert_allclose(model(x)._data, plain[1](last)._data, rtol=1e-6)


def test_recurrent_output_sequence_passes_every_step_on():
    layers = [{"type": "GRU", "input_size": 3, "hidden_size": 4, "batch_first": True},
              {"type": "Linear", "in_features": 4, "out_features": 1}]
    config = load_config(None, {"model.layers": layers, "data.dataset": "sine_sequences",
                                "training.loss": "MSELoss", "training.metrics": ["mae"]})
    assert config["model"]["layers"][0]["output"] == "sequence"
    assert build_model(config)(chainrule.randn(2, 6, 3)).shape == (2, 6, 1)


def test_an_error_from_a_layers_init_names_the_layer():
    layers = [_LINEAR, {"type": "Dropout", "p": 1.5}]
    with pytest.raises(ConfigError) as caught:
        build_model({"model": {"layers": layers}})
    assert str(caught.value) == ("[model] layers[1] (Dropout): dropout probability has to be between 0 and 1, "
                                 "but got 1.5")


def test_build_model_checks_a_hand_written_config():
    with pytest.raises(ConfigError, match=r"^\[model\] layers\[0\]: unknown layer type 'Dense'"):
        build_model({"model": {"layers": [{"type": "Dense"}]}})


# -- loss, metrics, optimizer -------------------------------------------------------------------------
def test_build_loss_takes_a_name_or_a_table_with_arguments():
    assert isinstance(build_loss(_config()), nn.CrossEntropyLoss)
    loss = build_loss(_config(training={"loss": {"type": "CrossEntropyLoss", "weight": [1.0, 2.0]}}))
    assert loss.weight._data.tolist() == [1.0, 2.0]  # a TOML array becomes the Tensor the class takes
    with pytest.raises(ConfigError) as caught:
        build_loss(_config(training={"loss": {"type": "CrossEntropyLoss", "weight": [1.0, "heavy"]}}))
    assert str(caught.value) == "[training] loss (CrossEntropyLoss): could not convert string to float: 'heavy'"


def test_build_metrics_names_them_as_they_are_logged():
    metrics = build_metrics(_config(training={"metrics": [
        "accuracy", {"type": "top_k_accuracy", "k": 3}, "f1", {"type": "f1", "average": "weighted"}]}), 10)
    assert [metric.name for metric in metrics] == ["accuracy", "top_3_accuracy", "f1", "f1_weighted"]
    assert isinstance(metrics[1], Accuracy) and metrics[1].top_k == 3
    assert isinstance(metrics[3], F1Score) and metrics[3].average == "weighted" and metrics[3].num_classes == 10
    regression = build_metrics(_config(training={"metrics": ["mae", "r2"]}), None)
    assert [type(metric) for metric in regression] == [MeanAbsoluteError, R2Score]


def test_classification_metrics_need_class_labels():
    with pytest.raises(ConfigError) as caught:
        build_metrics(_config(training={"metrics": ["mae", "f1"]}), None)
    assert str(caught.value) == ("[training] metrics[1]: f1 needs integer class labels, but the training targets "
                                 "are floats (a regression task); use mae, mse, rmse or r2")
    with pytest.raises(ConfigError, match=r"^\[training\] metrics\[0\]: k = 5 is more than the 3 classes"):
        build_metrics(_config(training={"metrics": ["top_k_accuracy"]}), 3)


def test_build_optimizer_and_scheduler():
    model = build_model(_config())
    config = _config(optimizer={"type": "SGD", "lr": 0.1, "momentum": 0.9, "nesterov": True,
                                "scheduler": {"type": "StepLR", "step_size": 10, "gamma": 0.5}})
    optimizer, scheduler = build_optimizer(config, model)
    assert isinstance(optimizer, SGD) and isinstance(scheduler, StepLR)
    assert optimizer.param_groups[0]["momentum"] == 0.9 and scheduler.step_size == 10
    adam, none = build_optimizer(_config(optimizer={"betas": [0.8, 0.9]}), model)
    assert isinstance(adam, Adam) and adam.param_groups[0]["betas"] == (0.8, 0.9) and none is None


def test_a_given_optimizer_takes_its_class_defaults():
    config = load_config(None, {"optimizer": {"type": "SGD"}})
    assert config["optimizer"] == {"type": "SGD"}  # nothing of the built-in config's Adam(lr=0.002) carried over
    optimizer, _ = build_optimizer(config, build_model(config))
    assert optimizer.param_groups[0]["lr"] == inspect.signature(SGD).parameters["lr"].default


def test_an_error_from_an_optimizers_init_names_the_section():
    model = build_model(_config())
    with pytest.raises(ConfigError) as caught:
        build_optimizer(_config(optimizer={"lr": -1.0}), model)
    assert str(caught.value) == "[optimizer] (Adam): Invalid learning rate: -1.0"


# -- callbacks ----------------------------------------------------------------------------------------
def test_build_callbacks_in_order_with_files_under_the_run_folder(tmp_path):
    from chainrule.train.callbacks.checkpoint import ModelCheckpoint
    from chainrule.train.callbacks.csv_logger import CSVLogger
    from chainrule.train.callbacks.early_stopping import EarlyStopping
    from chainrule.train.callbacks.progress import ProgressBar
    from chainrule.train.callbacks.tensorboard import TensorBoardLogger
    from chainrule.train.callbacks.terminate_on_nan import TerminateOnNaN

    config = load_config(None, {"callbacks.early_stopping": {"patience": 2}, "callbacks.tensorboard": True})
    callbacks = build_callbacks(config, tmp_path)
    assert [type(callback) for callback in callbacks] == [
        TerminateOnNaN, EarlyStopping, ModelCheckpoint, CSVLogger, TensorBoardLogger, ProgressBar]
    early_stopping, checkpoint, csv_logger = callbacks[1:4]
    assert (early_stopping.monitor, early_stopping.patience, early_stopping.restore_best_weights) == (
        "val_loss", 2, False)  # the keys left out take the class's defaults
    assert checkpoint.directory == tmp_path / "checkpoints"
    assert csv_logger.filename == tmp_path / "history.csv"
    none = load_config(None, {f"callbacks.{key}": False for key in config["callbacks"]})
    assert build_callbacks(none, tmp_path) == []


def test_an_error_from_a_callbacks_init_names_the_key(tmp_path):
    config = load_config(None, {"callbacks.model_checkpoint": {"save_best": False, "save_last": False}})
    with pytest.raises(ConfigError, match=r"^\[callbacks\] model_checkpoint: ModelCheckpoint: save_best and "):
        build_callbacks(config, tmp_path)


# -- trainer ----------------------------------------------------------------------------------------
def test_build_trainer_takes_the_training_options_and_the_device():
    config = load_config(None, {"training.clip_grad_norm": 1.5, "training.l2": 0.01, "training.diagnostics": False})
    model = build_model(config)
    trainer = build_trainer(config, model, build_loss(config), build_optimizer(config, model)[0])
    assert (trainer.clip_grad_norm, trainer.l1, trainer.l2, trainer.monitor) == (1.5, 0.0, 0.01, None)


def test_an_error_from_the_trainers_init_names_the_section():
    config = load_config(None, {"training.l1": -1})
    model = build_model(config)
    with pytest.raises(ConfigError) as caught:
        build_trainer(config, model, build_loss(config), build_optimizer(config, model)[0])
    assert str(caught.value) == "[training]: Trainer: l1 and l2 must be >= 0, got l1=-1, l2=0.0"


# -- end to end ---------------------------------------------------------------------------------------
def _train(config: dict) -> tuple[list, dict]:
    """Build everything from `config`, fit, and return the History and the test results (as the CLI does)."""
    chainrule.manual_seed(config["seed"])
    train, validation, test = build_data(config)
    model = build_model(config)
    optimizer, scheduler = build_optimizer(config, model)
    trainer = build_trainer(config, model, build_loss(config), optimizer, build_metrics(config, num_classes(train)),
                            scheduler=scheduler)
    data = config["data"]
    history = trainer.fit(train, config["training"]["epochs"], validation=validation, batch_size=data["batch_size"],
                          shuffle=data["shuffle"])
    return history, trainer.evaluate(test)


@pytest.mark.parametrize("name", ["mlp", "cnn", "lstm"])
def test_example_config_trains_one_epoch(name):
    history, results = _train(load_config(EXAMPLES / f"{name}.toml", {"training.epochs": 1}))
    assert len(history) == 1 and math.isfinite(history[0]["val_loss"])
    expected_keys = {"mlp": {"loss", "accuracy"}, "cnn": {"loss", "accuracy", "f1"}, "lstm": {"loss", "mae", "r2"}}
    assert set(results) == expected_keys[name]


def test_the_default_config_reaches_97_percent_test_accuracy():
    _, results = _train(load_config())  # 40 epochs of the MLP: about half a second
    assert results["accuracy"] >= 0.97
