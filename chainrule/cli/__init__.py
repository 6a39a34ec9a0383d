"""The `chainrule` command: train from a TOML config (or the built-in default), then evaluate, predict, resume;
diagnose a config's gradient health and find its learning rate (chainrule.cli.diagnose).

    chainrule train [CONFIG.toml] [--name NAME] [--seed N] [--epochs N] [--device cpu] [--overwrite]
    chainrule resume RUN [--epochs N] [--device cpu]
    chainrule evaluate RUN [--split test|validation|train] [--checkpoint best|last]
    chainrule predict RUN --input FILE [--output FILE] [--checkpoint best|last]
    chainrule diagnose [CONFIG.toml] [--steps 300] [--output DIR]
    chainrule lr-find [CONFIG.toml] [--start-lr 1e-7] [--end-lr 10] [--num-steps 100] [--plot lr_find.png]

A run lives in `runs/<name>/` (see `chainrule.run.RunDirectory`): the resolved `config.toml`, `history.csv`,
`metrics.json`, `checkpoints/`, the PNG pictures and `report.html`. A user's mistake is one line on stderr
naming the file or flag and the fix, with exit status 2 (usage, config) or 1 (a failure while running);
`--debug` (or CHAINRULE_DEBUG=1) shows the traceback instead.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy

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
    to_toml,
)
from chainrule.data import num_classes
from chainrule.data.files import read_csv_features
from chainrule.io import write_atomically
from chainrule.metrics import ConfusionMatrix
from chainrule.run import RunDirectory, RunInUseError
from chainrule.train import Callback
from chainrule.train.checkpoint import load_train_state


class CLIError(Exception):
    """A usage or config problem the user can fix; printed as one line, exit status 2."""


class _Interrupted(Exception):
    """Ctrl-C, with what it means for the run (whether anything was written, how to go on)."""


# -- building a run from its config ---------------------------------------------------------------------------
class _ReplaceAfterFirstStep(Callback):
    """Drop the run that `train --overwrite` set aside once the new run has trained its first step; until then
    a failure or a kill leaves the old run to be put back (`RunDirectory.restore_replaced`)."""

    def __init__(self, directory: RunDirectory) -> None:
        self.directory = directory
        self.pending = True

    def on_fit_start(self, trainer: Any) -> None:
        self.pending = True

    def on_batch_end(self, trainer: Any, batch: int, logs: dict[str, Any]) -> None:
        if self.pending:
            self.directory.drop_replaced()
            self.pending = False


class Run:
    """Everything a run's config builds, in a fixed order (so a resumed run rebuilds the same objects)."""

    def __init__(self, config: dict[str, Any], directory: RunDirectory, with_callbacks: bool = True) -> None:
        self.config = config
        self.directory = directory
        chainrule.manual_seed(config["seed"])
        self.train, self.validation, self.test = build_data(config)
        self.num_classes = num_classes(self.train)
        self.model = build_model(config)
        self.loss = build_loss(config)
        self._check_model_fits_data()
        self.optimizer, self.scheduler = build_optimizer(config, self.model)
        callbacks = [*build_callbacks(config, directory), _ReplaceAfterFirstStep(directory)] if with_callbacks else []
        self.trainer = build_trainer(config, self.model, self.loss, self.optimizer,
                                     build_metrics(config, self.num_classes), callbacks, self.scheduler)

    def _check_model_fits_data(self) -> None:
        """One forward pass and the loss on two samples (eval mode: no dropout draws, no running-statistics
        updates), so a model or loss that doesn't fit the data is reported before anything is written."""
        samples = [self.train[i] for i in range(min(2, len(self.train)))]
        inputs = chainrule.stack([sample[0] for sample in samples])
        targets = chainrule.stack([sample[-1] for sample in samples])
        self.model.eval()
        try:
            with chainrule.no_grad():
                try:
                    outputs = self.model(inputs)
                except (ValueError, RuntimeError, TypeError, IndexError) as error:
                    raise ConfigError(f"[model]: the layers don't fit the data (samples of shape "
                                      f"{tuple(inputs.shape[1:])}): {error}") from None
                self._check_outputs_fit_classes(outputs)
                try:
                    self.loss(outputs, targets)
                except (ValueError, RuntimeError, TypeError, IndexError) as error:
                    kind = (f"class labels 0..{self.num_classes - 1}" if self.num_classes is not None
                            else f"float targets of shape {tuple(targets.shape[1:])}")
                    hint = ("; for class labels use CrossEntropyLoss" if self.num_classes is not None
                            and not isinstance(self.loss, nn.CrossEntropyLoss | nn.NLLLoss) else "")
                    raise ConfigError(f"[training] loss ({type(self.loss).__name__}): it doesn't fit the model's "
                                      f"outputs of shape {tuple(outputs.shape[1:])} and the data's {kind}: "
                                      f"{error}{hint}") from None
        finally:
            self.model.train()

    def _check_outputs_fit_classes(self, outputs: Any) -> None:
        """A classification loss needs one output per class: K labels 0..K-1 need K outputs."""
        if self.num_classes is None or not isinstance(self.loss, nn.CrossEntropyLoss | nn.NLLLoss):
            return
        outputs_per_sample = outputs.shape[1] if outputs.ndim > 1 else outputs.shape[0]
        if outputs_per_sample < self.num_classes:
            raise ConfigError(
                f"[model]: the last layer gives {outputs_per_sample} outputs per sample, but the training labels "
                f"go up to {self.num_classes - 1}, so {type(self.loss).__name__} needs {self.num_classes} (one per "
                f"class 0..{self.num_classes - 1}); give the last layer out_features = {self.num_classes}, or "
                "renumber the labels to start at 0"
            )

    def fit(self, resume_from: dict[str, Any] | None = None) -> None:
        data = self.config["data"]
        self.trainer.fit(self.train, epochs=self.config["training"]["epochs"], validation=self.validation,
                         batch_size=data["batch_size"], shuffle=data["shuffle"], resume_from=resume_from)

    def load_weights(self, which: str) -> str:
        """Load the `best` or `last` checkpoint's weights into the model; say which file and epoch."""
        best, last = self.directory.best_checkpoint, self.directory.last_checkpoint
        if which == "best" and best.exists():
            state = chainrule.load(best)
            self._load_model_state(state, best)
            return f"best checkpoint (epoch {chainrule.io.load_metadata(best).get('epoch', '?')})"
        if not last.exists():
            raise CLIError(f"{self.directory.path} has no checkpoint to load ({last.name} is missing); "
                           "train it with [callbacks] model_checkpoint enabled")
        state = load_train_state(last)
        self._load_model_state(state["model"], last)
        return f"last checkpoint (epoch {state['trainer']['epoch']})"

    def _load_model_state(self, state: dict[str, Any], path: Path) -> None:
        try:
            self.model.load_state_dict(state)
        except (KeyError, RuntimeError, ValueError) as error:
            reason = "; ".join(line.strip() for line in str(error).splitlines() if line.strip())
            raise CLIError(f"{path} doesn't fit the model that {self.directory.config} describes ({reason}); was "
                           "[model] edited after training? Undo the edit, or train a new run with it") from None


# -- the commands ----------------------------------------------------------------------------------------------
def train(args: argparse.Namespace) -> Path:
    overrides = _overrides(args)
    if args.name is not None:
        overrides["name"] = args.name
    config = _load_config(args.config, overrides)
    directory = RunDirectory(_runs_dir(args.runs_dir) / config["name"])
    _check_replaceable(directory, args.overwrite)  # fail fast, before building; checked again under the lock
    with _config_source(args.config):
        run = Run(config, directory)  # everything is built (and checked) before anything is written
    directory.path.parent.mkdir(parents=True, exist_ok=True)
    with directory.lock("train"):
        if directory.restore_replaced():
            print(f"Put back the run in {directory.path} that an interrupted --overwrite had set aside")
        replacing = _check_replaceable(directory, args.overwrite)
        replaced = directory.set_aside() if replacing else None
        directory.path.mkdir(parents=True, exist_ok=True)
        if replaced is None:
            directory.write_marker(name=config["name"])
        else:
            directory.write_marker(name=config["name"], replaces=replaced.name)
        try:
            directory.write_text(directory.config, to_toml(config))
            print(f"Training {config['name']!r}: {_describe(run)}")
            args.training = directory.path
            run.fit()
        except BaseException:
            if directory.restore_replaced():
                print(f"The new run failed before its first step; the previous run is back in {directory.path}")
            raise
        _finish(run)
    return directory.path


def resume(args: argparse.Namespace) -> Path:
    directory = _run_directory(args.run)
    with directory.lock("resume"):
        if directory.restore_replaced():
            print(f"Put back the run in {directory.path} that an interrupted `train --overwrite` had set aside")
        directory.clean_temporary_files()
        checkpoint = directory.last_checkpoint
        if not checkpoint.exists():
            raise CLIError(f"{directory.path} has no checkpoints/last.safetensors to resume from; start it again "
                           "with `chainrule train CONFIG --overwrite`")
        state = load_train_state(checkpoint)
        counters = state["trainer"]
        overrides = {key: value for key, value in _overrides(args).items() if key != "training.epochs"}
        config = _load_config(directory.config, overrides)
        config["training"]["epochs"] = _epochs_to_resume(args.epochs, counters, config["training"]["epochs"])
        with _config_source(directory.config):
            run = Run(config, directory)
        run._load_model_state(state["model"], checkpoint)  # an edited [model] is refused before anything changes
        directory.write_text(directory.config, to_toml(config))
        epochs = config["training"]["epochs"]
        if counters["stop_training"] or (counters["epoch"] >= epochs and not counters["in_epoch"]):
            reason = counters["stop_reason"] or f"it trained all {counters['epoch']} epochs"
            print(f"Nothing left to train in {config['name']!r} ({reason}); writing its report again. "
                  "Pass --epochs N to train on until epoch N")
        else:
            print(f"Resuming {config['name']!r} at epoch {counters['epoch']}, batch {counters['batch']} "
                  f"(step {counters['global_step']}), training until epoch {epochs}")
        args.training = directory.path
        run.fit(resume_from=state)  # read and checked once, above
        _finish(run)
    return directory.path


def evaluate(args: argparse.Namespace) -> dict[str, float]:
    directory = _run_directory(args.run)
    run = _existing_run(directory)
    data = {"test": run.test, "validation": run.validation, "train": run.train}[args.split]
    if data is None:
        raise CLIError(f"{directory.path} has no {args.split} split (its [data] {args.split}_split is 0)")
    source = run.load_weights(args.checkpoint)
    results = run.trainer.evaluate(data, batch_size=run.config["data"]["batch_size"])
    print(f"{args.split} set ({len(data)} samples), {source}:")
    for name, value in results.items():
        print(f"  {name:<12} {value:.6g}")
    return results


def predict(args: argparse.Namespace) -> numpy.ndarray:
    directory = _run_directory(args.run)
    if args.output is not None:
        _check_output(Path(args.output))
    run = _existing_run(directory)
    inputs = _read_inputs(Path(args.input), tuple(run.train[0][0].shape))
    run.load_weights(args.checkpoint)
    outputs = run.trainer.predict(inputs, batch_size=run.config["data"]["batch_size"]).numpy()
    predictions = outputs.argmax(axis=1) if run.num_classes is not None else outputs
    if args.output is None:
        for row in predictions:
            print(row if numpy.ndim(row) == 0 else " ".join(f"{value:.6g}" for value in numpy.ravel(row)))
    elif args.output.endswith(".npy"):
        buffer = io.BytesIO()
        numpy.save(buffer, outputs)
        write_atomically(args.output, buffer.getvalue())
    else:
        text = io.StringIO()
        numpy.savetxt(text, predictions.reshape(len(predictions), -1),
                      fmt="%d" if run.num_classes is not None else "%.8g", delimiter=",")
        write_atomically(args.output, text.getvalue().encode("utf-8"))
    return predictions


# -- helpers ---------------------------------------------------------------------------------------------------
def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides = {"seed": getattr(args, "seed", None), "training.epochs": args.epochs, "device": args.device}
    return {key: value for key, value in overrides.items() if value is not None}


def _load_config(path: str | os.PathLike | None, overrides: dict[str, Any]) -> dict[str, Any]:
    config = load_config(path, overrides)
    if config["device"] != "cpu":
        try:
            chainrule.backend.array_module_of_device(chainrule.backend.to_device(config["device"]))
        except (RuntimeError, ValueError, ImportError) as error:
            flag = "--device" if "device" in overrides else f"{path or 'the config'}: device"
            raise CLIError(f"{flag} {config['device']!r}: {error}; or train on the CPU with --device cpu") from None
    return config


@contextlib.contextmanager
def _config_source(path: str | os.PathLike | None) -> Any:
    """Name the config file in the errors its builders raise (they see the resolved dict, not the file)."""
    try:
        yield
    except ConfigError as error:
        if error.source is None:
            raise ConfigError(error.problems, os.fspath(path) if path else "the built-in config") from None
        raise


def _runs_dir(given: str) -> Path:
    """`--runs-dir` if it is (or can become) a folder we may write in; checked before anything is written."""
    path = Path(given)
    if path.exists() and not path.is_dir():
        raise CLIError(f"--runs-dir {given}: is a file, not a folder; give a folder for the runs")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise CLIError(f"--runs-dir {given}: can't create it, {existing} is a file; give a folder for the runs")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CLIError(f"--runs-dir {given}: no permission to write in {existing}; give a folder you can write in")
    return path


def _check_replaceable(directory: RunDirectory, overwrite: bool) -> bool:
    """Whether `directory` holds a run that `--overwrite` will replace; refuse anything else by name."""
    if directory.is_empty():
        return False
    if not directory.path.is_dir():
        raise CLIError(f"{directory.path} is a file, not a run folder; choose another --name or --runs-dir")
    if not directory.is_run():
        raise CLIError(f"{directory.path} exists and is not a chainrule run (it has no {directory.marker.name}), "
                       "so chainrule won't write into it or replace it, even with --overwrite; choose another "
                       "--name or --runs-dir")
    if not overwrite:
        raise CLIError(f"{directory.path} already holds a run; pass --overwrite to replace it, --name for a new "
                       f"one, or `chainrule resume {directory.path}` to continue it")
    return True


def _epochs_to_resume(given: int | None, counters: dict[str, Any], configured: int) -> int:
    """`resume --epochs N` trains until epoch N (in all, counted from the run's start); N must lie ahead."""
    if given is None:
        return max(configured, counters["epoch"])
    done, in_epoch = counters["epoch"], counters["in_epoch"]
    if given < done or (given == done and not in_epoch):
        where = f"is in epoch {done}" if in_epoch else f"has trained {done} epochs"
        raise CLIError(f"--epochs {given}: the run {where} already; --epochs is the epoch to train until (in all), "
                       f"so give more than {done - 1 if in_epoch else done}")
    return given


def _run_directory(run: str) -> RunDirectory:
    for candidate in (Path(run), Path("runs") / run):
        if (candidate / "config.toml").is_file():
            return RunDirectory(candidate)
    raise CLIError(f"no run at {run!r} (looked for {run}/config.toml and runs/{run}/config.toml); "
                   "pass the run directory `chainrule train` printed")


def _existing_run(directory: RunDirectory) -> Run:
    with _config_source(directory.config):
        return Run(_load_config(directory.config, {}), directory, with_callbacks=False)


def _check_output(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CLIError(f"--output {path}: the folder {folder} doesn't exist; create it first or write elsewhere")
    if path.is_dir():
        raise CLIError(f"--output {path}: is a folder; give a file name (.csv or .npy)")
    if not os.access(folder, os.W_OK):
        raise CLIError(f"--output {path}: no permission to write in {folder}")


def _describe(run: Run) -> str:
    sizes = [f"{len(run.train)} training"]
    sizes += [f"{len(split)} {name}" for name, split in (("validation", run.validation), ("test", run.test)) if split]
    parameters = sum(p.numel() for p in run.model.parameters())
    return f"{', '.join(sizes)} samples; {parameters:,} parameters; {run.config['training']['epochs']} epochs"


def _finish(run: Run) -> None:
    """Evaluate the kept model on the test set and write history.csv, metrics.json, the pictures, report.html."""
    from chainrule.diagnostics import rules
    from chainrule.report import (
        plot_confusion_matrix,
        plot_curves,
        plot_gradient_heatmap,
        plot_learning_rate,
        plot_unit_health,
        write_report,
    )

    trainer, directory = run.trainer, run.directory
    history = trainer.history
    history.to_csv(directory.history)
    source = run.load_weights("best") if directory.best_checkpoint.exists() else "final weights"
    final: dict[str, Any] = {}
    images = {"learning curves": plot_curves(history.epochs, directory.picture("curves")),
              "learning rate": plot_learning_rate(history.epochs, directory.picture("learning_rate"))}
    thresholds = {"dead": rules.DEAD_FRACTION, "saturated": rules.SATURATED_FRACTION}
    for caption, picture in (
            ("gradient flow", plot_gradient_heatmap(history.epochs, directory.picture("gradient_flow"))),
            ("dead and saturated units", plot_unit_health(history.epochs, directory.picture("units"), thresholds))):
        if picture is not None:
            images[caption] = picture
    if run.test is not None:
        final = {f"test_{key}": value for key, value in trainer.evaluate(run.test).items()}
        if run.num_classes is not None:
            matrix = ConfusionMatrix(run.num_classes)
            matrix.update(trainer.predict(run.test), run.test.tensors[-1])  # build_data gives TensorDatasets
            images["confusion matrix (test set)"] = plot_confusion_matrix(matrix.compute(),
                                                                          directory.picture("confusion_matrix"))
    last = history[-1] if len(history) else {}
    metrics = {"model": source, "epochs": trainer.epoch, "global_step": trainer.global_step,
               "stop_reason": trainer.stop_reason, "test": final,
               "last_epoch": {key: value for key, value in last.items() if isinstance(value, int | float)},
               "input_shape": list(run.train[0][0].shape), "num_classes": run.num_classes,
               "findings": None if trainer.monitor is None else [finding.to_dict() for finding in trainer.findings]}
    directory.write_json(directory.metrics, metrics)
    final_table = {"model": source, **final, **{key: last[key] for key in last if key.startswith("val_")}}
    write_report(directory.report, f"chainrule run {run.config['name']}", run.config, history.epochs,
                 final_table, images, metrics["findings"])
    summary = ", ".join(f"{key} {value:.4f}" for key, value in final.items())
    print(f"Done: {summary or 'no test split'} ({source}).")
    print(f"Run saved in {directory.path}/: report.html, metrics.json, history.csv, config.toml, checkpoints/, *.png")


def _read_inputs(path: Path, sample_shape: tuple[int, ...]) -> numpy.ndarray:
    """Samples from a .npy, .npz (key 'x' or its only array) or .csv (numbers, optional header) file, as
    finite float32 numbers: a non-numeric, empty or non-finite input is refused, naming the rows."""
    if not path.is_file():
        raise CLIError(f"--input: no such file: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            array = numpy.load(path, allow_pickle=False)
        elif suffix == ".npz":
            with numpy.load(path, allow_pickle=False) as archive:
                keys = list(archive.keys())
                if "x" not in keys and len(keys) != 1:
                    raise CLIError(f"--input: {path} holds arrays {keys}; name the inputs 'x'")
                array = archive["x" if "x" in keys else keys[0]]
        elif suffix in (".csv", ".txt"):
            array = read_csv_features(path)
        else:
            raise CLIError(f"--input: can't read {path.suffix!r} files; give a .npy, .npz or .csv file")
    except (ValueError, OSError, EOFError) as error:  # a corrupt file, an object array, a cell that isn't a number
        raise CLIError(f"--input: can't read {path} as {suffix} samples ({error}); give numbers only, one sample "
                       "per row, without a label column") from None
    if array.dtype.kind not in "biuf":
        raise CLIError(f"--input: {path} holds {array.dtype} values, not numbers; save the samples as a float "
                       "array")
    array = numpy.asarray(array, dtype=numpy.float32)
    if array.size == 0:
        raise CLIError(f"--input: {path} holds no samples (an array of shape {array.shape})")
    if array.shape == sample_shape:
        array = array[None]
    if array.shape[1:] != sample_shape:
        if array.ndim == 2 and int(numpy.prod(sample_shape)) == array.shape[1]:
            array = array.reshape(len(array), *sample_shape)
        else:
            raise CLIError(f"--input: the model takes samples of shape {sample_shape}, but {path} holds an array "
                           f"of shape {array.shape}; give one sample per row")
    finite = numpy.isfinite(array.reshape(len(array), -1)).all(axis=1)
    if not finite.all():
        rows = numpy.flatnonzero(~finite)
        shown = ", ".join(str(row) for row in rows[:10]) + (f" (and {len(rows) - 10} more)" if len(rows) > 10 else "")
        raise CLIError(f"--input: {path} has NaN or infinite values in {len(rows)} sample(s), at row(s) {shown} "
                       "(counting from 0); a model's prediction for them would be meaningless, so fix or drop them")
    return array


def _parser() -> argparse.ArgumentParser:
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show the traceback of an error (also: CHAINRULE_DEBUG=1)")
    parser = argparse.ArgumentParser(prog="chainrule", description="Train and use neural networks with chainrule.",
                                     parents=[debug])
    parser.set_defaults(debug=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(command: argparse.ArgumentParser, seed: bool) -> None:
        command.add_argument("--epochs", type=int, help=(
            "train until this epoch, counted from the run's start (overrides the config; on resume it must lie "
            "ahead of the epochs already trained)"))
        command.add_argument("--device", help="cpu, cuda or cuda:N (overrides the config)")
        if seed:
            command.add_argument("--seed", type=int, help="random seed (overrides the config)")

    train_command = commands.add_parser(
        "train", parents=[debug], help="train from a config file, or the built-in default")
    train_command.add_argument("config", nargs="?", help="a TOML config (default: an MLP on scikit-learn's digits)")
    train_command.add_argument("--name", help="run name (default: the config's name)")
    train_command.add_argument("--runs-dir", default="runs", help="where run directories go (default: runs)")
    train_command.add_argument("--overwrite", action="store_true", help="replace an existing run of the same name")
    common(train_command, seed=True)

    resume_command = commands.add_parser("resume", parents=[debug], help="continue a run from its last checkpoint")
    resume_command.add_argument("run", help="the run directory (or its name under runs/)")
    common(resume_command, seed=False)

    evaluate_command = commands.add_parser(
        "evaluate", parents=[debug], help="a run's loss and metrics on one of its data splits")
    evaluate_command.add_argument("run")
    evaluate_command.add_argument("--split", choices=("test", "validation", "train"), default="test")
    evaluate_command.add_argument("--checkpoint", choices=("best", "last"), default="best")

    predict_command = commands.add_parser(
        "predict", parents=[debug], help="a run's model applied to the samples of a file")
    predict_command.add_argument("run")
    predict_command.add_argument("--input", required=True, help=".npy, .npz (key 'x') or .csv of samples")
    predict_command.add_argument("--output", help=".csv (predictions) or .npy (raw outputs); default: print")
    predict_command.add_argument("--checkpoint", choices=("best", "last"), default="best")

    from chainrule.cli.diagnose import add_commands

    add_commands(commands, debug)
    return parser


def _diagnose(args: argparse.Namespace) -> int:
    from chainrule.cli.diagnose import diagnose

    return diagnose(args)


def _lr_find(args: argparse.Namespace) -> float | None:
    from chainrule.cli.diagnose import find_lr

    return find_lr(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `chainrule` console script; returns the exit status (0, 1 failure, 2 usage, 130 Ctrl-C)."""
    try:
        args = _parser().parse_args(argv)
    except KeyboardInterrupt:  # Ctrl-C while the parser is built (it imports argparse's locale, ...)
        print("chainrule: interrupted before starting; nothing was changed", file=sys.stderr)
        return 130
    debug = args.debug or os.environ.get("CHAINRULE_DEBUG", "") not in ("", "0")
    command = {"train": train, "resume": resume, "evaluate": evaluate, "predict": predict, "diagnose": _diagnose,
               "lr-find": _lr_find}[args.command]
    try:
        result = command(args)
    except KeyboardInterrupt:
        started = getattr(args, "training", None)
        if started is None:
            print(f"chainrule {args.command}: interrupted before training; no run was changed", file=sys.stderr)
        else:
            print(f"chainrule {args.command}: interrupted; continue from the last checkpoint with "
                  f"`chainrule resume {started}`", file=sys.stderr)
        return 130
    except (CLIError, ConfigError) as error:
        return _report(args.command, error, 2, debug)
    except ImportError as error:  # an optional library the command needs, named with its extra
        return _report(args.command, error, 2, debug)
    except Exception as error:  # a failure while running: one line unless --debug
        return _report(args.command, error, 1, debug)
    return result if args.command == "diagnose" else 0  # diagnose: 1 when it found something


def _report(command: str, error: BaseException, status: int, debug: bool) -> int:
    if debug:
        traceback.print_exception(error)
    message = str(error) or type(error).__name__
    if not isinstance(error, CLIError | ConfigError | ImportError | RunInUseError | ValueError):
        message = f"{type(error).__name__}: {message}"
    hint = "" if debug or status == 2 or isinstance(error, RunInUseError) else " (run with --debug to see where)"
    print(f"chainrule {command}: error: {message}{hint}", file=sys.stderr)
    return status


