"""The `chainrule` command: train from a TOML config (or the built-in default), then evaluate, predict, resume.

    chainrule train [CONFIG.toml] [--name NAME] [--seed N] [--epochs N] [--device cpu] [--overwrite]
    chainrule resume RUN [--epochs N] [--device cpu]
    chainrule evaluate RUN [--split test|validation|train] [--checkpoint best|last]
    chainrule predict RUN --input FILE [--output FILE] [--checkpoint best|last]

A run lives in `runs/<name>/`: the resolved `config.toml`, `history.csv`, `metrics.json`, `checkpoints/`,
the PNG pictures and `report.html`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy

import chainrule
from chainrule.config import (
    ConfigError,
    build_callbacks,
    build_data,
    build_loss,
    build_metrics,
    build_model,
    build_optimizer,
    load_config,
    num_classes,
    to_toml,
)
from chainrule.metrics import ConfusionMatrix
from chainrule.train import Trainer
from chainrule.train.checkpoint import load_train_state


class CLIError(Exception):
    """A problem the user can fix; printed without a traceback."""


# -- building a run from its config ---------------------------------------------------------------------------
class Run:
    """Everything a run's config builds, in a fixed order (so a resumed run rebuilds the same objects)."""

    def __init__(self, config: dict[str, Any], directory: Path, with_callbacks: bool = True) -> None:
        self.config = config
        self.directory = directory
        chainrule.manual_seed(config["seed"])
        self.train, self.validation, self.test = build_data(config)
        self.num_classes = num_classes(self.train)
        self.model = build_model(config)
        self._check_model_fits_data()
        self.optimizer, self.scheduler = build_optimizer(config, self.model)
        training = config["training"]
        callbacks = build_callbacks(config, directory) if with_callbacks else []
        self.trainer = Trainer(
            self.model, build_loss(config), self.optimizer, metrics=build_metrics(config, self.num_classes),
            callbacks=callbacks, scheduler=self.scheduler, clip_grad_norm=training.get("clip_grad_norm"),
            l1=training["l1"], l2=training["l2"], device=config["device"],
        )

    def _check_model_fits_data(self) -> None:
        """One forward pass on two samples (eval mode: no dropout draws, no running-statistics updates), so a
        layer that doesn't fit the data is reported before training, naming [model]."""
        inputs = chainrule.stack([self.train[i][0] for i in range(min(2, len(self.train)))])
        self.model.eval()
        try:
            with chainrule.no_grad():
                self.model(inputs)
        except (ValueError, RuntimeError, TypeError, IndexError) as error:
            raise CLIError(f"[model]: the layers don't fit the data (samples of shape {tuple(inputs.shape[1:])}): "
                           f"{error}") from None
        finally:
            self.model.train()

    @property
    def checkpoints(self) -> Path:
        return self.directory / "checkpoints"

    def fit(self, resume_from: Path | None = None) -> None:
        data = self.config["data"]
        self.trainer.fit(self.train, epochs=self.config["training"]["epochs"], validation=self.validation,
                         batch_size=data["batch_size"], shuffle=data["shuffle"], resume_from=resume_from)

    def load_weights(self, which: str) -> str:
        """Load the `best` or `last` checkpoint's weights into the model; say which file and epoch."""
        if which == "best" and (self.checkpoints / "best.safetensors").exists():
            path = self.checkpoints / "best.safetensors"
            self.model.load_state_dict(chainrule.load(path))
            return f"best checkpoint (epoch {chainrule.io.load_metadata(path)['epoch']})"
        path = self.checkpoints / "last.safetensors"
        if not path.exists():
            raise CLIError(f"{self.directory} has no checkpoint to load ({path.name} is missing); "
                           "train it with [callbacks] model_checkpoint enabled")
        state = load_train_state(path)
        self.model.load_state_dict(state["model"])
        return f"last checkpoint (epoch {state['trainer']['epoch']})"


# -- the commands ----------------------------------------------------------------------------------------------
def train(args: argparse.Namespace) -> Path:
    overrides = _overrides(args)
    if args.name is not None:
        overrides["name"] = args.name
    config = load_config(args.config, overrides)
    directory = Path(args.runs_dir) / config["name"]
    existing = directory.exists() and any(directory.iterdir())
    if existing and not args.overwrite:
        raise CLIError(f"{directory} already holds a run; pass --overwrite to replace it, --name for a new "
                       f"one, or `chainrule resume {directory}` to continue it")
    run = Run(config, directory)  # everything is built (and checked) before anything is written
    if existing:
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.toml").write_text(to_toml(config))
    print(f"Training {config['name']!r}: {_describe(run)}")
    run.fit()
    _finish(run)
    return directory


def resume(args: argparse.Namespace) -> Path:
    directory = _run_directory(args.run)
    checkpoint = directory / "checkpoints" / "last.safetensors"
    if not checkpoint.exists():
        raise CLIError(f"{directory} has no checkpoints/last.safetensors to resume from; start it again with "
                       "`chainrule train CONFIG --overwrite`")
    config = load_config(directory / "config.toml", _overrides(args))
    (directory / "config.toml").write_text(to_toml(config))
    run = Run(config, directory)
    state = load_train_state(checkpoint)["trainer"]
    print(f"Resuming {config['name']!r} at epoch {state['epoch']}, batch {state['batch']} "
          f"(step {state['global_step']}) of {config['training']['epochs']} epochs")
    run.fit(resume_from=checkpoint)
    _finish(run)
    return directory


def evaluate(args: argparse.Namespace) -> dict[str, float]:
    directory = _run_directory(args.run)
    run = Run(load_config(directory / "config.toml"), directory, with_callbacks=False)
    data = {"test": run.test, "validation": run.validation, "train": run.train}[args.split]
    if data is None:
        raise CLIError(f"{directory} has no {args.split} split (its [data] {args.split}_split is 0)")
    source = run.load_weights(args.checkpoint)
    results = run.trainer.evaluate(data, batch_size=run.config["data"]["batch_size"])
    print(f"{args.split} set ({len(data)} samples), {source}:")
    for name, value in results.items():
        print(f"  {name:<12} {value:.6g}")
    return results


def predict(args: argparse.Namespace) -> numpy.ndarray:
    directory = _run_directory(args.run)
    run = Run(load_config(directory / "config.toml"), directory, with_callbacks=False)
    inputs = _read_inputs(Path(args.input), tuple(run.train[0][0].shape))
    run.load_weights(args.checkpoint)
    outputs = run.trainer.predict(inputs, batch_size=run.config["data"]["batch_size"]).numpy()
    predictions = outputs.argmax(axis=1) if run.num_classes is not None else outputs
    if args.output is None:
        for row in predictions:
            print(row if numpy.ndim(row) == 0 else " ".join(f"{value:.6g}" for value in numpy.ravel(row)))
    elif args.output.endswith(".npy"):
        numpy.save(args.output, outputs)
    else:
        numpy.savetxt(args.output, predictions.reshape(len(predictions), -1),
                      fmt="%d" if run.num_classes is not None else "%.8g", delimiter=",")
    return predictions


# -- helpers ---------------------------------------------------------------------------------------------------
def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides = {"seed": getattr(args, "seed", None), "training.epochs": args.epochs, "device": args.device}
    return {key: value for key, value in overrides.items() if value is not None}


def _run_directory(run: str) -> Path:
    for candidate in (Path(run), Path("runs") / run):
        if (candidate / "config.toml").is_file():
            return candidate
    raise CLIError(f"no run at {run!r} (looked for {run}/config.toml and runs/{run}/config.toml); "
                   "pass the run directory `chainrule train` printed")


def _describe(run: Run) -> str:
    sizes = [f"{len(run.train)} training"]
    sizes += [f"{len(split)} {name}" for name, split in (("validation", run.validation), ("test", run.test)) if split]
    parameters = sum(p.numel() for p in run.model.parameters())
    return f"{', '.join(sizes)} samples; {parameters:,} parameters; {run.config['training']['epochs']} epochs"


def _finish(run: Run) -> None:
    """Evaluate the kept model on the test set and write history.csv, metrics.json, the pictures, report.html."""
    from chainrule.report import plot_confusion_matrix, plot_curves, plot_learning_rate, write_report

    trainer, directory = run.trainer, run.directory
    history = trainer.history
    history.to_csv(directory / "history.csv")
    source = run.load_weights("best") if (run.checkpoints / "best.safetensors").exists() else "final weights"
    final: dict[str, Any] = {}
    images = {"learning curves": plot_curves(history.epochs, directory / "curves.png"),
              "learning rate": plot_learning_rate(history.epochs, directory / "learning_rate.png")}
    if run.test is not None:
        final = {f"test_{key}": value for key, value in trainer.evaluate(run.test).items()}
        if run.num_classes is not None:
            matrix = ConfusionMatrix(run.num_classes)
            matrix.update(trainer.predict(run.test), run.test.tensors[-1])  # build_data gives TensorDatasets
            images["confusion matrix (test set)"] = plot_confusion_matrix(matrix.compute(),
                                                                          directory / "confusion_matrix.png")
    last = history[-1] if len(history) else {}
    metrics = {"model": source, "epochs": trainer.epoch, "global_step": trainer.global_step,
               "stop_reason": trainer.stop_reason, "test": final,
               "last_epoch": {key: value for key, value in last.items() if isinstance(value, int | float)},
               "input_shape": list(run.train[0][0].shape), "num_classes": run.num_classes}
    (directory / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    final_table = {"model": source, **final, **{key: last[key] for key in last if key.startswith("val_")}}
    write_report(directory / "report.html", f"chainrule run {run.config['name']}", run.config, history.epochs,
                 final_table, images)
    summary = ", ".join(f"{key} {value:.4f}" for key, value in final.items())
    print(f"Done: {summary or 'no test split'} ({source}).")
    print(f"Run saved in {directory}/: report.html, metrics.json, history.csv, config.toml, checkpoints/, *.png")


def _read_inputs(path: Path, sample_shape: tuple[int, ...]) -> numpy.ndarray:
    """Samples from a .npy, .npz (key 'x' or its only array) or .csv (numbers, optional header) file."""
    if not path.is_file():
        raise CLIError(f"--input: no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        array = numpy.load(path)
    elif suffix == ".npz":
        with numpy.load(path) as archive:
            keys = list(archive.keys())
            if "x" not in keys and len(keys) != 1:
                raise CLIError(f"--input: {path} holds arrays {keys}; name the inputs 'x'")
            array = archive["x" if "x" in keys else keys[0]]
    elif suffix in (".csv", ".txt"):
        array = _read_csv(path)
    else:
        raise CLIError(f"--input: can't read {path.suffix!r} files; give a .npy, .npz or .csv file")
    array = numpy.asarray(array, dtype=numpy.float32)
    if array.shape == sample_shape:
        array = array[None]
    if array.shape[1:] != sample_shape:
        if array.ndim == 2 and int(numpy.prod(sample_shape)) == array.shape[1]:
            return array.reshape(len(array), *sample_shape)
        raise CLIError(f"--input: the model takes samples of shape {sample_shape}, but {path} holds an array of "
                       f"shape {array.shape}; give one sample per row")
    return array


def _read_csv(path: Path) -> numpy.ndarray:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    try:
        float(lines[0].split(",")[0])
    except ValueError:
        lines = lines[1:]  # a header row
    except IndexError:
        raise CLIError(f"--input: {path} is empty") from None
    try:
        return numpy.array([[float(value) for value in line.split(",")] for line in lines], dtype=numpy.float32)
    except ValueError as error:
        raise CLIError(f"--input: {path} has a value that is not a number ({error}); rows must be numbers only, "
                       "without a label column") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chainrule", description="Train and use neural networks with chainrule.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(command: argparse.ArgumentParser, seed: bool) -> None:
        command.add_argument("--epochs", type=int, help="train this many epochs in all (overrides the config)")
        command.add_argument("--device", help="cpu, cuda or cuda:N (overrides the config)")
        if seed:
            command.add_argument("--seed", type=int, help="random seed (overrides the config)")

    train_command = commands.add_parser("train", help="train from a config file, or the built-in default")
    train_command.add_argument("config", nargs="?", help="a TOML config (default: an MLP on scikit-learn's digits)")
    train_command.add_argument("--name", help="run name (default: the config's name)")
    train_command.add_argument("--runs-dir", default="runs", help="where run directories go (default: runs)")
    train_command.add_argument("--overwrite", action="store_true", help="replace an existing run of the same name")
    common(train_command, seed=True)

    resume_command = commands.add_parser("resume", help="continue a run from its last checkpoint")
    resume_command.add_argument("run", help="the run directory (or its name under runs/)")
    common(resume_command, seed=False)

    evaluate_command = commands.add_parser("evaluate", help="a run's loss and metrics on one of its data splits")
    evaluate_command.add_argument("run")
    evaluate_command.add_argument("--split", choices=("test", "validation", "train"), default="test")
    evaluate_command.add_argument("--checkpoint", choices=("best", "last"), default="best")

    predict_command = commands.add_parser("predict", help="a run's model applied to the samples of a file")
    predict_command.add_argument("run")
    predict_command.add_argument("--input", required=True, help=".npy, .npz (key 'x') or .csv of samples")
    predict_command.add_argument("--output", help=".csv (predictions) or .npy (raw outputs); default: print")
    predict_command.add_argument("--checkpoint", choices=("best", "last"), default="best")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `chainrule` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    command = {"train": train, "resume": resume, "evaluate": evaluate, "predict": predict}[args.command]
    try:
        command(args)
    except (CLIError, ConfigError, ImportError) as error:
        print(f"chainrule {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"chainrule {args.command}: interrupted; continue with `chainrule resume RUN`", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
