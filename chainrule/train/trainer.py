"""Trainer: the fit loop — epochs, batches, callback hooks, `try/finally` — plus evaluate and predict.

Features of training (early stopping, checkpoints, progress) are callbacks, not branches in this loop.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy

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
from chainrule.train.checkpoint import load_train_state, restore_train_state, save_train_state, train_state
from chainrule.train.history import History


class Trainer:
    """Train `model` on `loss(model(inputs), targets)` with `optimizer`, calling `callbacks` at fixed points.

    Args:
        metrics: `chainrule.metrics.Metric`s, logged under `metric.name.lower()` (and `val_` + that).
        scheduler: stepped once per epoch; a `ReduceLROnPlateau` is given the epoch's `val_loss`.
        clip_grad_norm: rescale the gradients to at most this total 2-norm before each step.
        l1, l2: add `l1 * l1_penalty(params) + l2 * l2_penalty(params)` to the training loss (all
            parameters); the logged `loss` includes it, `val_loss` does not.
        device: move the model and every batch there (`'cpu'`, `'cuda'`).

        >>> trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()), metrics=[Accuracy()])
        >>> history = trainer.fit((x, y), epochs=20, validation_split=0.2)
        >>> trainer.evaluate((x_test, y_test))["accuracy"]
    """

    def __init__(self, model: Module, loss: Any, optimizer: Optimizer, metrics: Iterable[Metric] = (),
                 callbacks: Iterable[Callback] = (), scheduler: Any = None, clip_grad_norm: float | None = None,
                 l1: float = 0.0, l2: float = 0.0, device: Any = None) -> None:
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
        self.epoch = 0  # the epoch in progress, or the last one run; the next fit() continues from here
        self.epochs = 0  # the last epoch of the fit in progress
        self.batch = 0  # batches of the current epoch done
        self.batches_per_epoch = 0
        self.global_step = 0  # optimizer steps over this trainer's life
        self.stop_training = False
        self.stop_reason: str | None = None
        self.train_loader: DataLoader | None = None
        self._fit_start_epoch = 0
        self._in_epoch = False
        self._running: dict[str, float] = {}
        self._clock = time.perf_counter()
        self._deferred: list[Callable[[], None]] = []

    # -- the loop -----------------------------------------------------------------------------------
    def fit(self, train: Any, epochs: int, validation: Any = None, validation_split: float | None = None,
            batch_size: int = 32, shuffle: bool = True, resume_from: str | os.PathLike | None = None) -> History:
        """Train for `epochs` more epochs and return the History (shared by every fit() of this Trainer).

        `train` and `validation` are a DataLoader, a Dataset of `(inputs..., target)` samples, or a tuple
        `(x, y)` of Tensors or arrays. `validation_split` holds out that fraction of `train` (a random split
        seeded with 0). Epochs and batches are counted from 1.

        `resume_from`: a training checkpoint (`save_checkpoint`, `ModelCheckpoint`'s `last.safetensors`) of
        this same call. Everything is restored — weights, optimizer, scheduler, history, callbacks, random
        state and the loader's position — and the interrupted fit continues where it stopped, even mid-epoch,
        ending exactly as an uninterrupted run would (`epochs` still counts from the interrupted fit's start).
        """
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"Trainer.fit: epochs must be a positive integer, got {epochs!r}")
        if validation is not None and validation_split is not None:
            raise ValueError("Trainer.fit: pass either validation or validation_split, not both")
        if validation_split is not None:
            train, validation = self._split(train, validation_split)
        if isinstance(self.scheduler, ReduceLROnPlateau) and validation is None:
            raise ValueError(
                "Trainer.fit: ReduceLROnPlateau is stepped with val_loss; pass validation or validation_split"
            )
        state = None if resume_from is None else load_train_state(resume_from)
        train_loader = self._loader(train, batch_size, shuffle, "train")
        validation_loader = None if validation is None else self._loader(validation, batch_size, False, "validation")
        self.train_loader = train_loader
        self.batches_per_epoch = len(train_loader)
        self.stop_training = False
        self.stop_reason = None
        self._fit_start_epoch = self.epoch
        self._in_epoch = False
        self._deferred.clear()
        self._call("on_fit_start")
        if state is not None:
            self.load_state_dict(state)
        self.epochs = self._fit_start_epoch + epochs
        try:
            while not self.stop_training and (self._in_epoch or self.epoch < self.epochs):
                if not self._in_epoch:
                    self._start_epoch()
                self._call("on_epoch_start", self.epoch)
                if self.batch == 0:  # the lr this epoch trains with, once callbacks set it (a resume keeps its own)
                    self._running["lr"] = self.optimizer.param_groups[0]["lr"]
                logs = self._run_epoch(train_loader, validation_loader)
                self.history.append(logs)
                self._call("on_epoch_end", self.epoch, logs)
        finally:
            self._call("on_fit_end")
        return self.history

    def _start_epoch(self) -> None:
        self.epoch += 1
        self.batch = 0
        self._in_epoch = True
        self._running = {"loss_sum": 0.0, "samples": 0, "seconds": 0.0, "lr": 0.0}
        for metric in self.metrics:
            metric.reset()

    def _run_epoch(self, train_loader: DataLoader, validation_loader: DataLoader | None) -> dict[str, Any]:
        running = self._running
        self._clock = time.perf_counter() - running["seconds"]  # the epoch's time so far survives a resume
        self.model.train()
        batches = iter(train_loader) if self.batch < self.batches_per_epoch else iter(())
        for batch in batches:
            inputs, targets = self._split_batch(batch)
            self.optimizer.zero_grad()
            outputs = self.model(*inputs)
            loss = self._penalised(self.loss(outputs, targets))
            loss.backward()
            if self.clip_grad_norm is not None:
                clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
            self.optimizer.step()
            self.global_step += 1
            self.batch += 1
            batch_loss, batch_size = loss.item(), len(targets)
            running["loss_sum"] += batch_loss * batch_size
            running["samples"] += batch_size
            for metric in self.metrics:
                metric.update(outputs.detach(), targets)
            self._call("on_batch_end", self.batch, {"loss": batch_loss, "batch_size": batch_size})
            if self.stop_training:
                break
        samples = running["samples"]
        logs: dict[str, Any] = {"epoch": self.epoch, "loss": self.running_loss}
        logs.update(self._computed_metrics(""))
        if validation_loader is not None:
            logs.update(self._evaluate(validation_loader, prefix="val_"))
        if isinstance(self.scheduler, ReduceLROnPlateau):
            self.scheduler.step(logs["val_loss"])
        elif self.scheduler is not None:
            self.scheduler.step()
        seconds = self.epoch_seconds()
        logs.update(lr=running["lr"], seconds=seconds, samples_per_second=samples / seconds)
        self._in_epoch = False
        return logs

    def epoch_seconds(self) -> float:
        """Seconds spent in the current epoch so far (across a resume)."""
        return time.perf_counter() - self._clock

    @property
    def running_loss(self) -> float:
        """The mean training loss of the current epoch's batches so far (across a resume); NaN before the first."""
        samples = self._running.get("samples", 0)
        return self._running["loss_sum"] / samples if samples else math.nan

    @property
    def epoch_samples(self) -> int:
        """Training samples seen in the current epoch so far (across a resume)."""
        return self._running.get("samples", 0)

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
        for callback in self.callbacks:
            getattr(callback, hook)(self, *args)
        while self._deferred:
            self._deferred.pop(0)()

    def after_callbacks(self, action: Callable[[], None]) -> None:
        """Run `action` once every callback has handled the current event (how checkpoints see all their states)."""
        self._deferred.append(action)

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
