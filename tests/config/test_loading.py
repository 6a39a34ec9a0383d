"""chainrule.config loading: defaults, overrides, path resolution, to_toml, and every error message."""

from __future__ import annotations

import copy
import inspect
import tomllib
from pathlib import Path

import pytest

from chainrule.config import DEFAULT_CONFIG, ConfigError, load_config, to_toml
from chainrule.data.split import train_validation_test_split
from chainrule.metrics import F1Score
from chainrule.train import Trainer
from chainrule.train.callbacks import EarlyStopping, TensorBoardLogger

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "configs"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.toml"))

_MODEL = '[model]\nlayers = [{ type = "Linear", in_features = 64, out_features = 10 }]\n'


def _write(tmp_path: Path, text: str, name: str = "run.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _error(tmp_path: Path, text: str, overrides: dict | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text), overrides)
    return caught.value


# -- defaults -----------------------------------------------------------------------------------------
def test_default_config_resolves_with_every_default():
    config = load_config()
    assert config["name"] == "default" and config["seed"] == 0 and config["device"] == "cpu"
    assert config["data"] == {"dataset": "digits", "options": {}, "test_split": 0.2, "validation_split": 0.1,
                              "batch_size": 32, "shuffle": True}
    assert config["model"] == DEFAULT_CONFIG["model"]
    assert config["optimizer"] == {"type": "Adam", "lr": 0.002}
    assert config["training"]["metrics"] == ["accuracy"] and "clip_grad_norm" not in config["training"]
    assert config["callbacks"]["model_checkpoint"] == {
        "monitor": "val_loss", "mode": "auto", "save_best": True, "save_last": True, "every_n_steps": 0,
    }
    assert config["callbacks"]["early_stopping"] is False


def test_user_file_takes_the_defaults_it_leaves_out(tmp_path):
    config = load_config(_write(tmp_path, _MODEL, "my-run.toml"))
    assert config["name"] == "my-run"  # the file's stem
    assert config["data"] == load_config()["data"]  # no [data]: the digits
    assert config["optimizer"] == DEFAULT_CONFIG["optimizer"]
    assert config["training"]["epochs"] == DEFAULT_CONFIG["training"]["epochs"]


def test_arguments_left_out_take_the_class_defaults(tmp_path):
    text = '[callbacks]\nearly_stopping = true\ntensorboard = {}\n[training]\nmetrics = [{ type = "f1" }]\n' + _MODEL
    config = load_config(_write(tmp_path, text))

    def defaults(cls, *given):
        return {name: parameter.default for name, parameter in inspect.signature(cls).parameters.items()
                if name not in given}

    assert config["callbacks"]["early_stopping"] == defaults(EarlyStopping)  # patience 0, restore_best_weights false
    assert config["callbacks"]["tensorboard"] == defaults(TensorBoardLogger, "log_dir")
    assert config["training"]["metrics"] == [{"type": "f1", **defaults(F1Score, "num_classes", "name")}]
    assert config["callbacks"]["terminate_on_nan"] is True  # no arguments: on


def test_own_keys_left_out_take_the_defaults_of_the_signature_that_takes_them(tmp_path):
    config = load_config(_write(tmp_path, "[data]\nshuffle = false\n[training]\nepochs = 3\n" + _MODEL))

    def default(function, name):
        return inspect.signature(function).parameters[name].default

    assert config["seed"] == 0 and config["device"] == "cpu"  # no signature takes them all: a small typed one
    assert config["data"]["test_split"] == default(train_validation_test_split, "test_split")
    assert config["data"]["batch_size"] == default(Trainer.fit, "batch_size") and config["data"]["shuffle"] is False
    for key in ("l1", "l2", "diagnostics"):
        assert config["training"][key] == default(Trainer, key), key
    assert config["training"]["loss"] == DEFAULT_CONFIG["training"]["loss"]  # no signature: the built-in run's
    assert "l1" not in DEFAULT_CONFIG["training"] and "batch_size" not in DEFAULT_CONFIG["data"]


def test_a_file_without_model_is_an_error_naming_the_section(tmp_path):
    error = _error(tmp_path, "seed = 1\n")
    assert error.problems == [
        '[model]: missing section; a config must define the model, e.g. [model] layers = '
        '[{ type = "Linear", in_features = 64, out_features = 10 }]'
    ]


def test_without_validation_the_checkpoint_monitors_the_training_loss(tmp_path):
    config = load_config(_write(tmp_path, "[data]\nvalidation_split = 0\n" + _MODEL))
    assert config["callbacks"]["model_checkpoint"]["monitor"] == "loss"


# -- overrides ----------------------------------------------------------------------------------------
def test_overrides_set_dotted_key_paths():
    config = load_config(None, {"seed": 3, "training.epochs": 2, "device": "cpu", "data.options.images": True,
                                "model.layers.3.out_features": 10, "optimizer.momentum": None})
    assert config["seed"] == 3 and config["training"]["epochs"] == 2
    assert config["data"]["options"] == {"images": True}
    assert "momentum" not in config["optimizer"]  # None leaves a key alone
    assert DEFAULT_CONFIG["data"] == {"dataset": "digits"} and "seed" not in DEFAULT_CONFIG  # not mutated


def test_overrides_are_validated_and_named_in_the_message(tmp_path):
    error = _error(tmp_path, "seed = 1\n" + _MODEL, {"training.epochs": 0, "seed.x": 1, "device.x": 1})
    assert error.problems == [
        "seed: is 1 (an integer), not a table, so override seed.x can't be set",
        "device: expected a string, got { x = 1 } (a table) (from override device.x = 1)",
        "[training] epochs: expected an integer >= 1, got 0 (from override training.epochs = 0)",
    ]


def test_an_override_naming_a_data_source_replaces_the_files_source(tmp_path):
    (tmp_path / "train.csv").write_text("a,label\n1,0\n")
    path = _write(tmp_path, '[data]\ndataset = "spirals"\noptions = { n = 10 }\n' + _MODEL)
    config = load_config(path, {"data.csv": str(tmp_path / "train.csv")})
    assert config["data"]["csv"] == str(tmp_path / "train.csv")
    assert "dataset" not in config["data"] and "options" not in config["data"]


def test_an_override_of_a_data_path_is_relative_to_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "here").mkdir()
    (tmp_path / "here" / "train.csv").write_text("a,label\n1,0\n")
    monkeypatch.chdir(tmp_path / "here")
    config = load_config(None, {"data.csv": "train.csv"})
    assert config["data"]["csv"] == str(tmp_path / "here" / "train.csv")


# -- paths --------------------------------------------------------------------------------------------
def test_data_paths_are_relative_to_the_config_folder_and_made_absolute(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    for name in ("x.npy", "y.npy"):
        (tmp_path / "data" / name).write_bytes(b"")
    path = _write(tmp_path, '[data]\nnpy = ["data/x.npy", "data/y.npy"]\n' + _MODEL)
    monkeypatch.chdir(tmp_path / "data")  # not where the config is
    config = load_config(path)
    assert config["data"]["npy"] == [str(tmp_path / "data" / "x.npy"), str(tmp_path / "data" / "y.npy")]
    assert "dataset" not in config["data"] and "options" not in config["data"]


# -- to_toml ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [None, *EXAMPLE_FILES], ids=lambda path: path.name if path else "default")
def test_to_toml_round_trips_to_the_same_resolved_config(path, tmp_path):
    config = load_config(path)
    text = to_toml(config)
    assert tomllib.loads(text) == config
    assert load_config(_write(tmp_path, text)) == config  # and reloading it reproduces the run


def test_the_mlp_example_is_the_built_in_config_written_out():
    example, default = load_config(EXAMPLES / "mlp.toml"), load_config()
    assert {**example, "name": "default"} == default


def test_diagnostics_is_on_unless_turned_off(tmp_path):
    assert load_config()["training"]["diagnostics"] is True
    assert load_config(None, {"training.diagnostics": False})["training"]["diagnostics"] is False
    error = _error(tmp_path, '[training]\ndiagnostics = "off"\n' + _MODEL)
    assert error.problems == ['[training] diagnostics: expected a boolean, got "off" (a string)']


def test_example_configs_load():
    names = {path.stem: load_config(path)["name"] for path in EXAMPLE_FILES}
    assert names == {"cnn": "digits-cnn", "lstm": "sine-lstm", "mlp": "digits-mlp"}


# -- errors -------------------------------------------------------------------------------------------
# (file text, the problem it must report); each case is one problem, reported with its key path and fix.
ERROR_CASES = {
    "unknown section": (
        "[trainng]\nepochs = 3\n" + _MODEL,
        "[trainng]: unknown section; did you mean [training]? Sections: data, model, optimizer, training, callbacks",
    ),
    "unknown key": (
        "[training]\nepoch = 3\n" + _MODEL,
        "[training] epoch: unknown key; did you mean 'epochs'?",
    ),
    "key in the wrong section": (
        "epochs = 3\n" + _MODEL,
        "epochs: unknown key; it belongs in [training]",
    ),
    "wrong type": (
        '[optimizer]\nlr = "fast"\n' + _MODEL,
        '[optimizer] lr: expected a number, got "fast" (a string)',
    ),
    "wrong type of a schema key": (
        "[data]\nshuffle = 1\n" + _MODEL,
        "[data] shuffle: expected a boolean, got 1 (an integer)",
    ),
    "unknown layer type": (
        '[model]\nlayers = [{ type = "Linaer", in_features = 4, out_features = 2 }]\n',
        "[model] layers[0]: unknown layer type 'Linaer'; did you mean 'Linear'?",
    ),
    "unknown layer argument": (
        '[model]\nlayers = [{ type = "ReLU" }, { type = "Linear", in_feature = 4, in_features = 4, '
        "out_features = 2 }]\n",
        "[model] layers[1] (Linear): unknown argument 'in_feature'; did you mean 'in_features'?",
    ),
    "missing layer argument": (
        '[model]\nlayers = [{ type = "Linear", in_features = 4 }]\n',
        "[model] layers[0] (Linear): missing required argument 'out_features'",
    ),
    "layer argument of the wrong type": (
        '[model]\nlayers = [{ type = "Linear", in_features = "4", out_features = 2 }]\n',
        '[model] layers[0] (Linear) in_features: expected an integer, got "4" (a string)',
    ),
    "output on a layer that is not recurrent": (
        '[model]\nlayers = [{ type = "ReLU", output = "last" }]\n',
        "[model] layers[0] (ReLU): unknown argument 'output'; only RNN, LSTM and GRU take it (which part of "
        "their result the next layer gets)",
    ),
    "unknown optimizer argument": (
        "[optimizer]\nmomentum = 0.9\n" + _MODEL,
        "[optimizer]: unknown argument 'momentum' of Adam; it takes: lr, betas, eps, weight_decay, amsgrad, "
        "maximize, decoupled_weight_decay",
    ),
    "scheduler that needs a function": (
        '[optimizer]\nscheduler = { type = "LambdaLR" }\n' + _MODEL,
        "[optimizer] scheduler: LambdaLR takes Python functions or other schedulers, which a TOML file can't give; "
        "use one of: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, OneCycleLR, ReduceLROnPlateau",
    ),
    "scheduler that needs other schedulers": (
        '[optimizer]\nscheduler = { type = "SequentialLR", milestones = [2] }\n' + _MODEL,
        "[optimizer] scheduler: SequentialLR takes Python functions or other schedulers, which a TOML file can't "
        "give; use one of: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, OneCycleLR, "
        "ReduceLROnPlateau",
    ),
    "a value its Literal type hint leaves out": (
        '[optimizer]\nscheduler = { type = "OneCycleLR", max_lr = 0.1, total_steps = 10, anneal_strategy = "cosine" }\n'
        + _MODEL,
        '[optimizer] scheduler (OneCycleLR) anneal_strategy: expected "cos" or "linear", got "cosine" (a string); did '
        'you mean "cos"?',
    ),
    "a callback argument of the wrong type": (
        '[callbacks]\nearly_stopping = { patience = 2.5 }\n' + _MODEL,
        "[callbacks] early_stopping.patience: expected an integer, got 2.5 (a float)",
    ),
    "unknown callback argument": (
        '[callbacks]\nearly_stopping = { patiense = 2 }\n' + _MODEL,
        "[callbacks] early_stopping: unknown argument 'patiense' of EarlyStopping; did you mean 'patience'?",
    ),
    "two data sources": (
        '[data]\ndataset = "iris"\ncsv = "train.csv"\n' + _MODEL,
        "[data]: give exactly one data source, got dataset and csv; keep one of them",
    ),
    "a split of 1": (
        "[data]\ntest_split = 1.0\n" + _MODEL,
        "[data] test_split: expected a fraction in [0, 1), got 1.0; 0 holds out nothing",
    ),
    "a negative split": (
        "[data]\nvalidation_split = -0.1\n" + _MODEL,
        "[data] validation_split: expected a fraction in [0, 1), got -0.1; 0 holds out nothing",
    ),
    "a key of another data source": (
        '[data]\ndataset = "iris"\nx_key = "images"\n' + _MODEL,
        "[data] x_key: only used with npz; this [data] reads the built-in dataset 'iris'",
    ),
    "a key of data files with a built-in dataset": (
        '[data]\ndataset = "iris"\nallow_nonfinite = true\n' + _MODEL,
        "[data] allow_nonfinite: only used with a data file (npz, npy, csv, idx); this [data] reads the built-in "
        "dataset 'iris'",
    ),
    "unknown dataset option": (
        '[data]\ndataset = "spirals"\noptions = { nn = 10 }\n' + _MODEL,
        "[data] options (spirals): unknown argument 'nn'; did you mean 'n'?",
    ),
    "f1 on float targets": (
        '[data]\ndataset = "sine_sequences"\n[training]\nloss = "MSELoss"\nmetrics = ["mae", "f1"]\n' + _MODEL,
        "[training] metrics[1]: f1 needs integer class labels, but sine_sequences has float targets (regression); "
        "use mae, mse, rmse or r2",
    ),
    "a loss that is not one number": (
        '[training]\nloss = { type = "CrossEntropyLoss", reduction = "none" }\n' + _MODEL,
        '[training] loss (CrossEntropyLoss) reduction: expected "mean" or "sum" (training minimises one number), '
        'got "none" (a string)',
    ),
    "confusion matrix as a metric": (
        '[training]\nmetrics = ["confusion_matrix"]\n' + _MODEL,
        "[training] metrics[0]: confusion_matrix is a matrix, not a number an epoch can log; leave it out",
    ),
    "a metric listed twice": (
        '[training]\nmetrics = ["f1", { type = "f1", average = "macro" }]\n' + _MODEL,
        "[training] metrics[1]: 'f1' is listed twice; it is logged under one name, keep one",
    ),
    "monitor that needs validation": (
        "[data]\nvalidation_split = 0\n[callbacks]\nearly_stopping = { monitor = \"val_accuracy\" }\n" + _MODEL,
        '[callbacks] early_stopping.monitor: "val_accuracy" needs a validation set, but [data] validation_split = '
        '0; set validation_split > 0 or monitor "accuracy"',
    ),
    "monitor that is not logged": (
        '[callbacks]\nmodel_checkpoint = { monitor = "val_acc" }\n' + _MODEL,
        '[callbacks] model_checkpoint.monitor: "val_acc" is not logged; did you mean "val_accuracy"? (the logs '
        "have: loss, accuracy, val_loss, val_accuracy)",
    ),
    "ReduceLROnPlateau without validation": (
        '[data]\nvalidation_split = 0\n[optimizer]\nscheduler = { type = "ReduceLROnPlateau" }\n' + _MODEL,
        "[optimizer] scheduler (ReduceLROnPlateau): steps on val_loss, which needs a validation set; set [data] "
        "validation_split > 0",
    ),
    "bad choice": (
        '[callbacks]\nearly_stopping = { mode = "maximum" }\n' + _MODEL,
        '[callbacks] early_stopping.mode: expected one of "auto", "min", "max", got "maximum" (a string); did you '
        'mean "max"?',
    ),
    "bad device": (
        'device = "gpu"\n' + _MODEL,
        'device: unknown device "gpu"; expected "cpu", "cuda" or "cuda:N"',
    ),
}


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_each_problem_is_reported_with_its_key_path_and_fix(case, tmp_path):
    text, expected = ERROR_CASES[case]
    error = _error(tmp_path, text)
    assert error.problems == [expected]
    assert str(error) == f"{tmp_path / 'run.toml'}: {expected}"  # every line names the file


def test_csv_keys_default_to_a_detected_header_and_finite_features(tmp_path):
    (tmp_path / "train.csv").write_text("1,2,0\n3,4,1\n")
    config = load_config(_write(tmp_path, '[data]\ncsv = "train.csv"\nlabel_column = -1\n' + _MODEL))
    assert "header" not in config["data"]  # left out: detected (TOML has no null to write)
    assert config["data"]["allow_nonfinite"] is False
    assert load_config(_write(tmp_path, to_toml(config))) == config
    text = '[data]\ncsv = "train.csv"\nheader = false\nallow_nonfinite = true\n' + _MODEL
    config = load_config(_write(tmp_path, text))
    assert (config["data"]["header"], config["data"]["allow_nonfinite"]) == (False, True)


def test_data_file_switches_must_be_booleans(tmp_path):
    (tmp_path / "train.csv").write_text("1,2,0\n3,4,1\n")
    error = _error(tmp_path, '[data]\ncsv = "train.csv"\nheader = 1\nallow_nonfinite = "yes"\n' + _MODEL)
    assert error.problems == ["[data] header: expected a boolean, got 1 (an integer)",
                              '[data] allow_nonfinite: expected a boolean, got "yes" (a string)']


def test_a_missing_data_file_names_the_absolute_path_looked_in(tmp_path):
    error = _error(tmp_path, '[data]\nnpz = "train.npz"\n' + _MODEL)
    assert error.problems == [f"[data] npz: file 'train.npz' not found (looked in {tmp_path / 'train.npz'})"]


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path):
    error = _error(tmp_path, "seed = 1\n[data\nbatch_size = 3\n")
    assert str(error) == (f"{tmp_path / 'run.toml'}: invalid TOML: Expected ']' at the end of a table declaration "
                          "(at line 2, column 6)")


def test_a_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found \(looked in .*nope\.toml\)"):
        load_config(tmp_path / "nope.toml")


def test_every_problem_is_reported_together_one_per_line(tmp_path):
    text = (
        "seed = -1\n[trainng]\nepochs = 3\n"
        '[model]\nlayers = [{ type = "Linear", in_feature = 64, out_features = 10 }]\n'
        '[optimizer]\nlr = "fast"\n'
    )
    error = _error(tmp_path, text)
    assert error.problems == [
        "[trainng]: unknown section; did you mean [training]? Sections: data, model, optimizer, training, callbacks",
        "seed: expected an integer >= 0, got -1",
        "[model] layers[0] (Linear): unknown argument 'in_feature'; did you mean 'in_features'?",
        "[model] layers[0] (Linear): missing required argument 'in_features'",
        '[optimizer] lr: expected a number, got "fast" (a string)',
    ]
    assert str(error).splitlines() == [f"{tmp_path / 'run.toml'}: {line}" for line in error.problems]


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)
    assert str(ConfigError(["a", "b"], "x.toml")) == "x.toml: a\nx.toml: b"


def test_load_config_does_not_change_the_default():
    before = copy.deepcopy(DEFAULT_CONFIG)
    load_config(None, {"training.epochs": 1, "model.layers.0.out_features": 3, "model.layers.3.in_features": 3})
    assert before == DEFAULT_CONFIG
