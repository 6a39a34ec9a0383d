"""Trainer: the fit loop — epochs, batches, callback hooks, `try/finally` — plus evaluate and predict.

Features of training (early stopping, checkpoints, progress) are callbacks, not branches in this loop.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy

from chainrule import backend
from chainrule.autograd import no_grad
from chainrule.creation import as_tensor
from chainrule.data import DataLoader, Dataset, TensorDataset, random_split
from chainrule.metrics import Metric
from chainrule.nn import Module
from chainrule.nn.utils import clip_grad_norm_, l1_penalty, l2_penalty
from chainrule.ops import cat
from chainrule.optim import Optimizer
from chainrule.optim.lr_scheduler import ReduceLROnPlateau
from chainrule.tensor import Tensor
from chainrule.train.callbacks.base import Callback
from chainrule.train.callbacks.lr_scheduler import LearningRateScheduler
from chainrule.train.checkpoint import load_train_state, restore_train_state, save_train_state, train_state
from chainrule.train.history import History
from chainrule.train.state import TrainerState


class Trainer:
    """Train `model` on `loss(model(inputs), targets)` with `optimizer`, calling `callbacks` at fixed points.

    Args:
        metrics: `chainrule.metrics.Metric`s, logged under `metric.name.lower()` (and `val_` + that).
        scheduler: stepped at each epoch's end (a `ReduceLROnPlateau` with the epoch's `val_loss`) by a
            `LearningRateScheduler`, the one mechanism that changes the lr during a fit; its state is saved
            under the checkpoint's `scheduler` entry.
        clip_grad_norm: rescale the gradients to at most this total 2-norm before each step.
        l1, l2: add `l1 * l1_penalty(params) + l2 * l2_penalty(params)` to the training loss (all
            parameters); the logged `loss` includes it, `val_loss` does not.
        device: move the model and every batch there (`'cpu'`, `'cuda'`).
        diagnostics: watch gradient health with a `chainrule.diagnostics.GradientMonitor` (the default), which
            warns about vanishing/exploding gradients, dead or saturated units, a learning rate too high or
            too low and overfitting; `trainer.findings` lists what it found.

    A loss (or, with diagnostics, a gradient) that is NaN or infinite stops the fit before the optimizer
    step, so the weights stay finite: the batch is replayed under `chainrule.autograd.detect_anomaly`, and
    `stop_reason` names the op that produced the first non-finite value and the line that called it.

        >>> trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()), metrics=[Accuracy()])
        >>> history = trainer.fit((x, y), epochs=20, validation_split=0.2)
        >>> trainer.evaluate((x_test, y_test))["accuracy"]
    """

    def __init__(self, model: Module, loss: Any, optimizer: Optimizer, metrics: Iterable[Metric] = (),
                 callbacks: Iterable[Callback] = (), scheduler: Any = None, clip_grad_norm: float | None = None,
                 l1: float = 0.0, l2: float = 0.0, device: Any = None, diagnostics: bool = True) -> None:
        if clip_grad_norm is not None and clip_grad_norm <= 0:
            raise ValueError(f"Trainer: clip_grad_norm must be positive or None, got {clip_grad_norm}")
        if l1 < 0 or l2 < 0:
            raise ValueError(f"Trainer: l1 and l2 must be >= 0, got l1={l1}, l2={l2}")
        self.model = model if device is None else model.to(device)
        self.loss = loss
        self.optimizer = optimizer
        self.metrics = list(metrics)
        self.callbacks = list(callbacks)
        self.scheduler = scheduler
        self.clip_grad_norm = clip_grad_norm
        self.l1 = l1
        self.l2 = l2
        self.device = device
        self.history = History()
        self.state = TrainerState()  # counters and the epoch in progress: what a checkpoint saves of the loop
        self.epochs = 0  # the last epoch of the fit in progress
        self.batches_per_epoch = 0
        self.train_loader: DataLoader | None = None
        self._ordered_callbacks: list[Callback] = []
        self.last_loss = math.nan  # the current step's loss, read after backward (on_after_backward sees it)
        self.rng_before_step: dict[str, Any] | None = None  # the random state the current step started from
        self._findings: list[Any] = []  # the non-finite stops found without a monitor
        if diagnostics:
            from chainrule.diagnostics.monitor import GradientMonitor  # diagnostics imports train: import here

            self.monitor: Any = GradientMonitor()
        else:
            self.monitor = None

    @property
    def scheduler(self) -> Any:
        """The lr scheduler stepped at each epoch's end, by a LearningRateScheduler (the one lr mechanism)."""
        return self._scheduler

    @scheduler.setter
    def scheduler(self, scheduler: Any) -> None:
        self._scheduler = scheduler
        self._scheduler_callback = None if scheduler is None else LearningRateScheduler(scheduler)

    # The counters callbacks read and set (`trainer.stop_training = True`), kept in `state`.
    epoch = property(lambda self: self.state.epoch, doc="The epoch in progress, or the last one run (from 1).")
    batch = property(lambda self: self.state.batch, doc="Batches of the current epoch done.")
    global_step = property(lambda self: self.state.global_step, doc="Optimizer steps over this trainer's life.")

    @property
    def stop_training(self) -> bool:
        """Set it to True in a callback to stop after the current batch or epoch."""
        return self.state.stop_training

    @stop_training.setter
    def stop_training(self, value: bool) -> None:
        self.state.stop_training = value

    @property
    def stop_reason(self) -> str | None:
        """Why the fit stopped early, in words (set by the callback that stopped it)."""
        return self.state.stop_reason

    @stop_reason.setter
    def stop_reason(self, value: str | None) -> None:
        self.state.stop_reason = value

    # -- the loop -----------------------------------------------------------------------------------
    def fit(self, train: Any, epochs: int, validation: Any = None, validation_split: float | None = None,
            batch_size: int = 32, shuffle: bool = True,
            resume_from: str | os.PathLike | dict[str, Any] | None = None) -> History:
        """Train for `epochs` more epochs and return the History (shared by every fit() of this Trainer).

        `train` and `validation` are a DataLoader, a Dataset of `(inputs..., target)` samples, or a tuple
        `(x, y)` of Tensors or arrays. `validation_split` holds out that fraction of `train` (a random split
        seeded with 0). Epochs and batches are counted from 1.

        `resume_from`: a training checkpoint (`save_checkpoint`, `ModelCheckpoint`'s `last.safetensors`) of
        this same call, or the dict `load_train_state` read from one (for a caller that has read it already).
        Everything is restored — weights, optimizer, scheduler, history, callbacks, random state and the
        loader's position — and the interrupted fit continues where it stopped, even mid-epoch, ending exactly
        as an uninterrupted run would (`epochs` still counts from the interrupted fit's start).
        """
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"Trainer.fit: epochs must be a positive integer, got {epochs!r}")
        if validation is not None and validation_split is not None:
            raise ValueError("Trainer.fit: pass either validation or validation_split, not both")
        if validation_split is not None:
            train, validation = self._split(train, validation_split)
        plateau = any(isinstance(getattr(callback, "schedule", None), ReduceLROnPlateau)
                      for callback in self._all_callbacks())
        if plateau and validation is None:
            raise ValueError(
                "Trainer.fit: ReduceLROnPlateau is stepped with val_loss; pass validation or validation_split"
            )
        state = resume_from if resume_from is None or isinstance(resume_from, dict) else load_train_state(resume_from)
        train_loader = self._loader(train, batch_size, shuffle, "train")
        validation_loader = None if validation is None else self._loader(validation, batch_size, False, "validation")
        self.train_loader = train_loader
        self.batches_per_epoch = len(train_loader)
        self.state.stop_training = False
        self.state.stop_reason = None
        self.state.fit_start_epoch = self.state.epoch
        self.state.in_epoch = False
        # Callbacks run by descending priority (ties in the order given): those that change the training state,
        # then writers, then ModelCheckpoint, which so saves every callback's state after the event.
        self._ordered_callbacks = sorted(self._all_callbacks(), key=lambda callback: -callback.priority)
        self._call("on_fit_start")
        if state is not None:
            self.load_state_dict(state)
        self.epochs = self.state.fit_start_epoch + epochs
        # NumPy's overflow/invalid warnings would point into chainrule's ops; the non-finite guard below turns
        # their consequence (an Inf or NaN loss or gradient) into a finding that names the op and the line.
        errors = numpy.errstate(all="ignore")
        errors.__enter__()
        try:
            while not self.state.stop_training and (self.state.in_epoch or self.state.epoch < self.epochs):
                if not self.state.in_epoch:
                    self._start_epoch()
                self._call("on_epoch_start", self.epoch)
                if self.batch == 0:  # the lr this epoch trains with, once callbacks set it (a resume keeps its own)
                    self.state.running["lr"] = self.optimizer.param_groups[0]["lr"]
                logs = self._run_epoch(train_loader, validation_loader)
                self.history.append(logs)
                self._call("on_epoch_end", self.epoch, logs)
        finally:
            errors.__exit__(None, None, None)
            self._call("on_fit_end")
            self.history.findings = [finding.to_dict() for finding in self.findings]
        return self.history

    def _all_callbacks(self) -> list[Callback]:
        scheduler = [] if self._scheduler_callback is None else [self._scheduler_callback]
        monitor = [] if self.monitor is None else [self.monitor]
        return [*self.callbacks, *scheduler, *monitor]

    @property
    def findings(self) -> list[Any]:
        """What gradient diagnostics found in this trainer's fits (`chainrule.diagnostics.Finding`s)."""
        return self._findings if self.monitor is None else self.monitor.findings

    def stop_on_nonfinite(self, what: str, batch: tuple[Sequence[Any], Any], grad_norms: Sequence[float] = ()) -> None:
        """Stop before the optimizer step because the `what` ("loss" or "gradient") of `batch` is not finite:
        replay the batch under detect_anomaly to find the op, record the finding, warn, and set stop_reason."""
        from chainrule.diagnostics.nonfinite import explain_nonfinite

        findings = explain_nonfinite(self, what, batch, grad_norms)
        for finding in findings:
            if self.monitor is not None:
                self.monitor.add(finding)
            elif all(existing.kind != finding.kind for existing in self._findings):
                self._findings.append(finding)
                finding.warn()
        self.stop_training = True
        self.stop_reason = findings[0].message

    def _start_epoch(self) -> None:
        self.state.start_epoch()
        for metric in self.metrics:
            metric.reset()

    def _run_epoch(self, train_loader: DataLoader, validation_loader: DataLoader | None) -> dict[str, Any]:
        state = self.state
        state.start_clock()  # the epoch's time so far survives a resume
        self.model.train()
        batches = iter(train_loader) if self.batch < self.batches_per_epoch else iter(())
        generator = backend.cpu_generator().bit_generator
        for batch in batches:
            inputs, targets = self._split_batch(batch)
            self.rng_before_step = generator.state  # ~1 us: a non-finite step is replayed with the same dropout
            self.optimizer.zero_grad()
            outputs = self.model(*inputs)
            loss = self._penalised(self.loss(outputs, targets))
            loss.backward()
            batch_loss, batch_size = loss.item(), len(targets)
            self.last_loss = batch_loss
            self._call("on_after_backward", (inputs, targets))
            if not math.isfinite(batch_loss):  # the always-on guard: one isfinite on a float we read anyway
                self.stop_on_nonfinite("loss", (inputs, targets))
            if state.stop_training:
                break  # stopped before the step (a non-finite loss or gradient): the weights stay as they were
            if self.clip_grad_norm is not None:
                clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
            self.optimizer.step()
            state.add_batch(batch_loss, batch_size)
            for metric in self.metrics:
                metric.update(outputs.detach(), targets)
            self._call("on_batch_end", self.batch, {"loss": batch_loss, "batch_size": batch_size})
            if state.stop_training:
                break
        samples = state.running["samples"]
        logs: dict[str, Any] = {"epoch": state.epoch, "loss": state.running_loss}
        if samples:
            logs.update(self._computed_metrics(""))
        else:  # stopped before the epoch's first step (a non-finite loss): nothing to measure
            logs.update({metric.name.lower(): math.nan for metric in self.metrics})
        if validation_loader is not None:
            logs.update(self._evaluate(validation_loader, prefix="val_"))
        seconds = self.epoch_seconds()
        logs.update(lr=state.running["lr"], seconds=seconds, samples_per_second=samples / seconds)
        state.in_epoch = False
        return logs

    def epoch_seconds(self) -> float:
        """Seconds spent in the current epoch so far (across a resume)."""
        return self.state.epoch_seconds()

    @property
    def running_loss(self) -> float:
        """The mean training loss of the current epoch's batches so far (across a resume); NaN before the first."""
        return self.state.running_loss

    @property
    def epoch_samples(self) -> int:
        """Training samples seen in the current epoch so far (across a resume)."""
        return self.state.running.get("samples", 0)

    def _penalised(self, loss: Tensor) -> Tensor:
        if self.l1:
            loss = loss + self.l1 * l1_penalty(self.model.parameters())
        if self.l2:
            loss = loss + self.l2 * l2_penalty(self.model.parameters())
        return loss

    # -- evaluate and predict -----------------------------------------------------------------------
    def evaluate(self, data: Any, batch_size: int = 32) -> dict[str, float]:
        """The mean loss (without l1/l2) and every metric on `data`, in eval mode without gradients."""
        return self._evaluate(self._loader(data, batch_size, False, "evaluate"), prefix="")

    def _evaluate(self, loader: DataLoader, prefix: str) -> dict[str, float]:
        was_training = self.model.training
        self.model.eval()
        for metric in self.metrics:
            metric.reset()
        total_loss, samples = 0.0, 0
        try:
            with no_grad():
                for batch in loader:
                    inputs, targets = self._split_batch(batch)
                    outputs = self.model(*inputs)
                    total_loss += self.loss(outputs, targets).item() * len(targets)
                    samples += len(targets)
                    for metric in self.metrics:
                        metric.update(outputs, targets)
        finally:
            self.model.train(was_training)
        return {f"{prefix}loss": total_loss / samples, **self._computed_metrics(prefix)}

    def predict(self, data: Any, batch_size: int = 32) -> Tensor:
        """The model's outputs on `data` concatenated along the first dimension, in eval mode without gradients.

        `data` is inputs alone (a Tensor or array), `(x, y)`, a Dataset or a DataLoader; when batches hold
        several tensors, the last is taken to be the target and left out.
        """
        if isinstance(data, Tensor | numpy.ndarray):
            data = TensorDataset(data)
        loader = self._loader(data, batch_size, False, "predict")
        was_training = self.model.training
        self.model.eval()
        outputs = []
        try:
            with no_grad():
                for batch in loader:
                    batch = tuple(batch) if isinstance(batch, tuple | list) else (batch,)
                    inputs = batch if len(batch) == 1 else batch[:-1]
                    outputs.append(self.model(*(self._to_device(t) for t in inputs)))
        finally:
            self.model.train(was_training)
        return cat(outputs, 0)

    # -- helpers ------------------------------------------------------------------------------------
    def _call(self, hook: str, *args: Any) -> None:
        for callback in self._ordered_callbacks:
            getattr(callback, hook)(self, *args)

    # -- checkpoints --------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything a resume needs: model, optimizer, scheduler, history, counters, metrics, callbacks,
        random state and the training loader's position (see `chainrule.train.checkpoint`)."""
        return train_state(self)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore `state_dict()`; inside `fit(resume_from=...)` the loader's position too."""
        restore_train_state(self, state)

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Write `state_dict()` to `path` atomically (a safetensors file); resume with `fit(..., resume_from=path)`."""
        save_train_state(self, path)

    def _computed_metrics(self, prefix: str) -> dict[str, Any]:
        return {f"{prefix}{metric.name.lower()}": metric.compute() for metric in self.metrics}

    def _to_device(self, tensor: Any) -> Any:
        if self.device is None or not isinstance(tensor, Tensor):
            return tensor
        return tensor.to(self.device)

    def _split_batch(self, batch: Any) -> tuple[Sequence[Any], Any]:
        if not isinstance(batch, tuple | list) or len(batch) < 2:
            raise ValueError(
                f"Trainer: each batch must be a tuple (inputs..., targets), got {type(batch).__name__}; "
                "make the dataset return (x, y) samples"
            )
        batch = [self._to_device(t) for t in batch]
        return batch[:-1], batch[-1]

    @staticmethod
    def _dataset(data: Any, role: str) -> Any:
        """A Dataset from a Dataset or an (x, y) tuple of Tensors/arrays."""
        if isinstance(data, tuple):
            if len(data) != 2:
                raise ValueError(f"Trainer: {role} data as a tuple must be (x, y), got a tuple of {len(data)}")
            x, y = (t if isinstance(t, Tensor) else as_tensor(t) for t in data)
            if len(x) != len(y):
                raise ValueError(
                    f"Trainer: {role} x has {len(x)} samples but y has {len(y)}; pass one target per input"
                )
            return TensorDataset(x, y)
        if isinstance(data, Dataset) or (hasattr(data, "__getitem__") and hasattr(data, "__len__")):
            return data
        raise TypeError(
            f"Trainer: {role} data must be a DataLoader, a Dataset or a tuple (x, y), got {type(data).__name__}"
        )

    def _loader(self, data: Any, batch_size: int, shuffle: bool, role: str) -> DataLoader:
        if isinstance(data, DataLoader):
            return data
        return DataLoader(self._dataset(data, role), batch_size=batch_size, shuffle=shuffle)

    def _split(self, train: Any, fraction: float) -> tuple[Any, Any]:
        """Hold out `fraction` of the training samples at random (seed 0) for validation."""
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"Trainer.fit: validation_split must be between 0 and 1 (exclusive), got {fraction}")
        if isinstance(train, DataLoader):
            raise ValueError(
                "Trainer.fit: validation_split needs a Dataset or (x, y), not a DataLoader; pass validation= instead"
            )
        dataset = self._dataset(train, "train")
        held_out = round(len(dataset) * fraction)
        if not 0 < held_out < len(dataset):
            raise ValueError(
                f"Trainer.fit: validation_split={fraction} of {len(dataset)} samples leaves "
                f"{held_out} for validation and {len(dataset) - held_out} for training; both need at least one"
            )
        return tuple(random_split(dataset, [len(dataset) - held_out, held_out], numpy.random.default_rng(0)))
