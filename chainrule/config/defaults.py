"""The built-in run configuration, and the keys (with their defaults) that each section of a config takes.

DEFAULT_CONFIG is what `chainrule train` runs without a file: an MLP on scikit-learn's 8x8 digits that
reaches about 98% test accuracy in under a second of training on a CPU. A user's file takes these same
values for the keys it leaves out, except [model], which it must give, and the data source.
"""

from __future__ import annotations

from typing import Any

DEFAULT_CONFIG: dict[str, Any] = {
    "name": "default",
    "seed": 0,
    "device": "cpu",
    "data": {
        "dataset": "digits", "options": {}, "test_split": 0.2, "validation_split": 0.1, "batch_size": 32,
        "shuffle": True,
    },
    "model": {
        "layers": [
            {"type": "Linear", "in_features": 64, "out_features": 128},
            {"type": "ReLU"},
            {"type": "Dropout", "p": 0.2},
            {"type": "Linear", "in_features": 128, "out_features": 10},
        ],
    },
    "optimizer": {"type": "Adam", "lr": 0.002},
    "training": {"epochs": 40, "loss": "CrossEntropyLoss", "metrics": ["accuracy"], "l1": 0.0, "l2": 0.0},
    "callbacks": {
        "terminate_on_nan": True,
        "early_stopping": False,
        "model_checkpoint": True,  # its defaults below; it monitors "loss" when there is no validation set
        "csv_logger": True,
        "tensorboard": False,
        "progress_bar": True,
    },
}

TOP_LEVEL_KEYS = ("name", "seed", "device")

DATA_SOURCES = ("dataset", "npz", "npy", "csv", "idx")
# The keys that go with each data source, and their defaults.
SOURCE_KEYS: dict[str, dict[str, Any]] = {
    "dataset": {"options": {}},
    "npz": {"x_key": "x", "y_key": "y"},
    "npy": {},
    "csv": {"label_column": "label", "delimiter": ",", "header": None},  # None: detected (the key left out)
    "idx": {},
}
FILE_SOURCES = ("npz", "npy", "csv", "idx")  # their paths are relative to the config file's folder
FILE_KEYS: dict[str, Any] = {"allow_nonfinite": False}  # keys of every file source, and their defaults
SPLIT_KEYS = ("test_split", "validation_split", "batch_size", "shuffle")

TRAINING_KEYS = ("epochs", "loss", "metrics", "clip_grad_norm", "l1", "l2")

CALLBACK_SWITCHES = ("terminate_on_nan", "csv_logger", "progress_bar")  # true or false
# Callbacks written as a table, as true (these defaults) or as false (off).
CALLBACK_TABLES: dict[str, dict[str, Any]] = {
    "early_stopping": {"monitor": "val_loss", "patience": 5, "min_delta": 0.0, "mode": "auto",
                       "restore_best_weights": True},
    "model_checkpoint": {"monitor": "val_loss", "mode": "auto", "save_best": True, "save_last": True,
                         "every_n_steps": 0},
    "tensorboard": {"every_n_steps": 50},
}
MONITOR_MODES = ("auto", "min", "max")

# Metric name -> its options and their defaults.
METRIC_OPTIONS: dict[str, dict[str, Any]] = {
    "accuracy": {"threshold": 0.5},
    "top_k_accuracy": {"k": 5},
    "precision": {"average": "macro", "threshold": 0.5},
    "recall": {"average": "macro", "threshold": 0.5},
    "f1": {"average": "macro", "threshold": 0.5},
    "mae": {}, "mse": {}, "rmse": {}, "r2": {},
}
CLASSIFICATION_METRICS = ("accuracy", "top_k_accuracy", "precision", "recall", "f1")  # need class labels
AVERAGES = ("macro", "micro", "weighted", "binary")
CLASSIFICATION_LOSSES = ("CrossEntropyLoss", "NLLLoss")

# Every key each section takes ([optimizer] also takes its optimizer's arguments), for "it belongs in" hints.
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "data": (*DATA_SOURCES, *(key for keys in SOURCE_KEYS.values() for key in keys), *FILE_KEYS, *SPLIT_KEYS),
    "model": ("layers",),
    "optimizer": ("type", "lr", "scheduler"),
    "training": TRAINING_KEYS,
    "callbacks": (*CALLBACK_SWITCHES, *CALLBACK_TABLES),
}


def metric_name(entry: str | dict[str, Any]) -> str:
    """The name a metric entry is logged under: 'accuracy', 'top_3_accuracy', 'f1', 'f1_weighted', ..."""
    if isinstance(entry, str):
        kind, options = entry, METRIC_OPTIONS.get(entry, {})
    else:
        kind, options = entry["type"], {**METRIC_OPTIONS.get(entry["type"], {}), **entry}
    if kind == "top_k_accuracy":
        return f"top_{options['k']}_accuracy"
    if kind in ("precision", "recall", "f1") and options["average"] != "macro":
        return f"{kind}_{options['average']}"
    return kind
