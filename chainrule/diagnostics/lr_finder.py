"""The learning-rate range test: grow the lr geometrically over a short run, watch the loss, suggest an lr.

The test is Leslie Smith's ("Cyclical Learning Rates for Training Neural Networks", 2017), as fastai's and
PyTorch Lightning's `lr_find` run it. Step `i` of `num_steps` trains one batch with

    lr_i = start_lr * (end_lr / start_lr) ** (i / (num_steps - 1))

on every parameter group (groups with different lrs keep their ratios; `lrs` records the largest group's),
cycling through the data as often as needed, with the Trainer's `clip_grad_norm`, `l1` and `l2` when given a
Trainer. The loss of each step is the loss of its batch before the update, as `Trainer.fit` logs it. The
smoothed loss is an exponentially weighted average, bias-corrected as Adam's moments are:

    average_i = (1 - smoothing) * average_{i-1} + smoothing * loss_i
    smoothed_i = average_i / (1 - (1 - smoothing) ** (i + 1))

The run stops early (diverges) at the first step whose loss or smoothed loss is not finite, or whose smoothed
loss exceeds the best smoothed loss so far by more than `(diverge_factor - 1)` times its size (for a positive
loss: `smoothed > diverge_factor * best`). Afterwards the model's parameters, buffers, gradients and train/eval
modes, the optimizer (state and lrs) and the random generators are exactly as they were.

How the lr is suggested (on the steps before divergence, `h = max(2, num_steps // 20)` steps a half-window):

1. Noise: `noise` is the batch-to-batch spread of the raw loss, `1.4826 * MAD(diff(losses)) / sqrt(2)` (a
   robust standard deviation that a trend or a few outliers do not inflate). A change of the smoothed loss
   counts only if it exceeds `tolerance = max(3 * noise, 1% of the starting loss)`, where the starting loss is
   the median of the first `2h + 1` raw losses. With 3 noise units, pure noise (normal, heavy-tailed t3 or
   skewed exponential; 20, 100 or 300 steps; 2000 runs each) gave a suggestion in at most 0.2% of runs; the 1%
   floor stops a noiseless but flat curve (noise 0) from counting rounding errors as a descent.
2. The end of the descent: the first point where the smoothed loss, having fallen by more than the tolerance,
   rises by more than the tolerance above its lowest value so far; that lowest point ends the descent. Without
   such a rise, the minimum of the smoothed loss before divergence ends it.
3. No clear minimum (suggestion None): the smoothed loss at the end of the descent is not below the starting
   loss by more than the tolerance — the loss did not respond to the lr in this range — or the descent ends
   within the first `2h` steps (the range starts past the useful lrs), or diverged that early.
4. Otherwise the slope d(smoothed loss)/d(log10 lr) is fitted by least squares over each window of `2h + 1`
   steps lying wholly before the end of the descent, and the suggestion is the lr at the centre of the steepest
   window — the lr at which the loss fell fastest — taken as the first window whose slope is at least 90% of
   the steepest one: the slope profile is usually flat-topped, its exact extreme is placed by noise (on the
   digits MLP it jumped between 0.02 and 0.1 across seeds), and of lrs that learn equally fast the smaller is
   the safer. It lies before the end of the descent, so before the minimum and any rise, by construction.

Why the steepest point rather than a tenth of the lr at the minimum: the minimum of the smoothed loss sits where
the run has started to become unstable, so its position is set by a few noisy batches and by the averaging's
lag (on the default digits MLP it moved by a factor of 2.5 between seeds, while the steepest point stayed put).
The steepest descent is fixed by the whole falling part of the curve, and is where training still makes the
most progress per step.

    >>> result = lr_find(trainer, (x, y))
    >>> result.suggestion, result.reason
    >>> result.plot("lr_find.png")
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy

from chainrule import backend
from chainrule.autograd import enable_grad, no_grad
from chainrule.creation import as_tensor
from chainrule.data import DataLoader, Dataset, TensorDataset
from chainrule.nn import Module
from chainrule.nn.utils import clip_grad_norm_, l1_penalty, l2_penalty
from chainrule.optim import Optimizer
from chainrule.report.plots import plot_lr_find
from chainrule.tensor import Tensor
from chainrule.train import Trainer

_WINDOW_FRACTION = 0.05  # half-window of the slope fit, as a fraction of num_steps (5 steps of 100)
_NOISE_MULTIPLE = 3.0  # a change must exceed this many noise units...
_RELATIVE_FLOOR = 0.01  # ...and this fraction of the starting loss
_STEEPEST_SHARE = 0.9  # windows falling at least this share as fast as the steepest count as steepest


@dataclass
class LRFinderResult:
    """What the range test saw: the lr and loss of each step, the smoothed loss, and the suggested lr.

    `suggestion` is None when the curve shows no clear minimum; `reason` says in words why, or how the
    suggestion was chosen. `diverged_at` is the lr at which the run stopped early (None if it ran to end_lr);
    that step is the last one recorded.
    """

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    suggestion: float | None
    reason: str
    diverged_at: float | None

    def plot(self, path: str | Path) -> str | Path:
        """Write a PNG of the loss against the lr (log axis), with the suggestion marked; returns `path`."""
        return plot_lr_find(self, path)


def lr_find(trainer_or_parts: Trainer | tuple[Module, Any, Optimizer], data: Any, start_lr: float = 1e-7,
            end_lr: float = 10.0, num_steps: int = 100, batch_size: int = 32, smoothing: float = 0.05,
            diverge_factor: float = 4.0) -> LRFinderResult:
    """Run the learning-rate range test (see the module docstring) and put everything back as it was.

    Args:
        trainer_or_parts: a `Trainer` (its clip_grad_norm, l1, l2 and device apply), or `(model, loss, optimizer)`.
        data: what `Trainer.fit` trains on — a DataLoader (its dataset, batch size and collate function are used,
            the loader itself is left untouched), a Dataset of `(inputs..., target)` samples, or `(x, y)`.
        batch_size: the batch size when `data` is not a DataLoader.
        smoothing: the weight of the newest loss in the exponentially weighted average, in (0, 1].
        diverge_factor: stop once the smoothed loss exceeds this multiple of the best one so far, > 1.

        >>> result = lr_find((model, nn.CrossEntropyLoss(), optim.Adam(model.parameters())), (x, y))
        >>> print(result.reason)
        >>> result.plot("lr_find.png")
    """
    _check_arguments(start_lr, end_lr, num_steps, batch_size, smoothing, diverge_factor)
    model, loss_function, optimizer, extras = _parts(trainer_or_parts)
    lrs = [float(lr) for lr in numpy.geomspace(start_lr, end_lr, num_steps)]
    with _restored(model, optimizer):
        loader = _loader(data, batch_size)  # its shuffling generator is seeded from the (restored) CPU generator
        losses, smoothed, stop = _run(model, loss_function, optimizer, extras, loader, lrs, smoothing,
                                      diverge_factor)
    lrs = lrs[: len(losses)]
    diverged_at = lrs[stop] if stop < len(losses) else None
    suggestion, reason = _suggest(lrs, losses, smoothed, stop, _half_window(num_steps))
    if diverged_at is not None:
        reason += f"; the loss diverged at lr={diverged_at:.2e}, which ended the run"
    return LRFinderResult(lrs, losses, smoothed, suggestion, reason, diverged_at)


# -- the run ----------------------------------------------------------------------------------------------
def _run(model: Module, loss_function: Any, optimizer: Optimizer, extras: dict[str, Any], loader: DataLoader,
         lrs: list[float], smoothing: float, diverge_factor: float) -> tuple[list[float], list[float], int]:
    """Train one batch per lr; return the raw and smoothed losses and the index of the diverging step
    (`len(losses)` when none diverged)."""
    ratios = _group_ratios(optimizer)
    device = extras["device"]
    losses: list[float] = []
    smoothed: list[float] = []
    average, best = 0.0, math.inf
    batches = _cycle(loader)
    model.train()
    for step, lr in enumerate(lrs):
        for group, ratio in zip(optimizer.param_groups, ratios, strict=True):
            group["lr"] = lr * ratio
        inputs, targets = _split_batch(next(batches), device)
        optimizer.zero_grad()
        loss = loss_function(model(*inputs), targets)
        if extras["l1"]:
            loss = loss + extras["l1"] * l1_penalty(model.parameters())
        if extras["l2"]:
            loss = loss + extras["l2"] * l2_penalty(model.parameters())
        value = loss.item()
        average = (1.0 - smoothing) * average + smoothing * value
        smooth = average / (1.0 - (1.0 - smoothing) ** (step + 1))
        losses.append(value)
        smoothed.append(smooth)
        if not (math.isfinite(value) and math.isfinite(smooth)) or smooth > best + (diverge_factor - 1) * abs(best):
            return losses, smoothed, step
        best = min(best, smooth)
        if not loss.requires_grad:
            raise ValueError("lr_find: the loss doesn't depend on any parameter that requires grad, so no lr can "
                             "change it; unfreeze the parameters (requires_grad_(True)) you want to train")
        loss.backward()
        if extras["clip_grad_norm"] is not None:
            clip_grad_norm_(model.parameters(), extras["clip_grad_norm"])
        optimizer.step()
    return losses, smoothed, len(losses)


def _group_ratios(optimizer: Optimizer) -> list[float]:
    """Each group's lr over the largest one, so the schedule keeps the groups' proportions (all 1 if all are 0)."""
    group_lrs = [float(group["lr"]) for group in optimizer.param_groups]
    largest = max(group_lrs)
    return [group_lr / largest if largest > 0 else 1.0 for group_lr in group_lrs]


def _cycle(loader: DataLoader) -> Iterator[Any]:
    while True:
        yield from loader


def _split_batch(batch: Any, device: backend.Device) -> tuple[list[Any], Any]:
    if not isinstance(batch, tuple | list) or len(batch) < 2:
        raise ValueError(f"lr_find: each batch must be a tuple (inputs..., targets), got {type(batch).__name__}; "
                         "make the dataset return (x, y) samples")
    moved = [item.to(device) if isinstance(item, Tensor) and item.device != device else item for item in batch]
    return moved[:-1], moved[-1]


# -- the suggestion ---------------------------------------------------------------------------------------
def _half_window(num_steps: int) -> int:
    return max(2, int(num_steps * _WINDOW_FRACTION))


def _suggest(lrs: Sequence[float], losses: Sequence[float], smoothed: Sequence[float], stop: int,
             half_window: int) -> tuple[float | None, str]:
    """(suggested lr or None, the reason in words) from the steps before `stop`, by the rule of the module
    docstring."""
    window = 2 * half_window + 1
    if stop < window and stop < len(losses):
        return None, (f"no clear minimum: the loss diverged after {stop} steps, too few to see a descent; lower "
                      f"start_lr (now {lrs[0]:.2e})")
    if stop < window:
        return None, (f"no clear minimum: {stop} steps are too few to fit a slope over {window}; raise num_steps "
                      "(100 is typical)")
    raw = numpy.asarray(losses[:stop], dtype=float)
    smooth = numpy.asarray(smoothed[:stop], dtype=float)
    start = float(numpy.median(raw[:window]))
    differences = numpy.diff(raw)
    noise = 1.4826 * float(numpy.median(numpy.abs(differences - numpy.median(differences)))) / math.sqrt(2)
    tolerance = max(_NOISE_MULTIPLE * noise, _RELATIVE_FLOOR * abs(start))
    end, rose = _end_of_descent(smooth, start, tolerance)
    drop = start - smooth[end]
    if not drop > tolerance:
        return None, (f"no clear minimum: the smoothed loss fell by {max(drop, 0.0):.3g} at most (from {start:.4g}), "
                      f"not more than the noise tolerance {tolerance:.3g} (3 x the batch-to-batch noise "
                      f"{noise:.3g}, at least 1% of the loss); the loss didn't respond to lrs in "
                      f"[{lrs[0]:.2e}, {lrs[stop - 1]:.2e}] — raise end_lr, check that the parameters train, or "
                      "use a larger batch_size to lower the noise")
    if end < window - 1:
        return None, (f"no clear minimum: the smoothed loss is lowest at lr={lrs[end]:.2e}, within the first "
                      f"{window - 1} steps, so the range starts past the useful lrs; lower start_lr")
    spacing = math.log10(lrs[1] / lrs[0])
    offsets = numpy.arange(-half_window, half_window + 1)
    # Least-squares slope of each window over uniformly spaced log10(lr): sum(k * y_k) / (spacing * sum(k^2)).
    slopes = numpy.correlate(smooth[: end + 1], offsets, mode="valid") / (spacing * float(offsets @ offsets))
    if not slopes.min() < 0:
        return None, (f"no clear minimum: the smoothed loss fell by {drop:.3g}, but in no window of {window} steps "
                      f"before lr={lrs[end]:.2e} did it fall steadily; raise num_steps")
    # Of the windows falling nearly as fast as the steepest, the first: a flat-topped slope profile (the usual
    # shape) has its extreme at a place set by noise, and of lrs that learn equally fast the smaller is safer.
    steepest = int(numpy.argmax(slopes <= _STEEPEST_SHARE * slopes.min()))
    centre = steepest + half_window
    ending = "the loss started to rise after it" if rose else "its minimum"
    return lrs[centre], (f"steepest descent of the smoothed loss at lr={lrs[centre]:.2e} "
                         f"({slopes[steepest]:.3g} per decade of lr), before {ending} at lr={lrs[end]:.2e} "
                         f"(smoothed loss {smooth[end]:.4g}, from {start:.4g})")


def _end_of_descent(smooth: numpy.ndarray, start: float, tolerance: float) -> tuple[int, bool]:
    """(index of the lowest smoothed loss before it first rose by more than `tolerance` after a descent of more
    than `tolerance`, True) — or (index of the overall minimum, False) when it never did."""
    lowest = 0
    for index, value in enumerate(smooth):
        if value < smooth[lowest]:
            lowest = index
        if start - smooth[lowest] > tolerance and value > smooth[lowest] + tolerance:
            return lowest, True
    return int(numpy.argmin(smooth)), False


# -- boundary: arguments, parts, data ---------------------------------------------------------------------
def _check_arguments(start_lr: float, end_lr: float, num_steps: int, batch_size: int, smoothing: float,
                     diverge_factor: float) -> None:
    if not isinstance(num_steps, int) or isinstance(num_steps, bool) or num_steps < 2:
        raise ValueError(f"lr_find: num_steps must be an integer of at least 2, got {num_steps!r}; the test needs "
                         "many steps to see the loss fall (100 is typical)")
    for name, lr in (("start_lr", start_lr), ("end_lr", end_lr)):
        if not (isinstance(lr, int | float) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr_find: {name} must be a positive finite number, got {lr!r}; the lr grows "
                             "geometrically, so both ends must be > 0 (e.g. start_lr=1e-7, end_lr=10)")
    if start_lr >= end_lr:
        raise ValueError(f"lr_find: start_lr ({start_lr:g}) must be smaller than end_lr ({end_lr:g}); the lr grows "
                         "from start_lr to end_lr, e.g. start_lr=1e-7, end_lr=10")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"lr_find: batch_size must be a positive integer, got {batch_size!r}")
    if not 0 < smoothing <= 1:
        raise ValueError(f"lr_find: smoothing must be in (0, 1], got {smoothing!r}; it is the newest loss's weight "
                         "in the average (0.05 averages over about 20 steps, 1 doesn't smooth)")
    if not diverge_factor > 1:
        raise ValueError(f"lr_find: diverge_factor must be greater than 1, got {diverge_factor!r}; the run stops "
                         "when the smoothed loss exceeds this multiple of its best value (4 is typical)")


def _parts(trainer_or_parts: Any) -> tuple[Module, Any, Optimizer, dict[str, Any]]:
    """(model, loss, optimizer, {clip_grad_norm, l1, l2, device}) of a Trainer or a (model, loss, optimizer)."""
    if isinstance(trainer_or_parts, Trainer):
        trainer = trainer_or_parts
        model, loss_function, optimizer = trainer.model, trainer.loss, trainer.optimizer
        extras = {"clip_grad_norm": trainer.clip_grad_norm, "l1": trainer.l1, "l2": trainer.l2,
                  "device": trainer.device}
    elif isinstance(trainer_or_parts, tuple) and len(trainer_or_parts) == 3:
        model, loss_function, optimizer = trainer_or_parts
        extras = {"clip_grad_norm": None, "l1": 0.0, "l2": 0.0, "device": None}
    else:
        raise TypeError(f"lr_find: expected a Trainer or a tuple (model, loss, optimizer), got "
                        f"{type(trainer_or_parts).__name__}")
    if not isinstance(model, Module) or not isinstance(optimizer, Optimizer) or not callable(loss_function):
        raise TypeError(f"lr_find: expected (model, loss, optimizer) as (Module, callable, Optimizer), got "
                        f"({type(model).__name__}, {type(loss_function).__name__}, {type(optimizer).__name__})")
    parameters = [*model.parameters(), *model.buffers()]
    device = extras["device"]
    if device is None:
        device = parameters[0].device if parameters else backend.CPU
    extras["device"] = backend.to_device(device)
    return model, loss_function, optimizer, extras


def _loader(data: Any, batch_size: int) -> DataLoader:
    """A fresh shuffling DataLoader over `data` (a given DataLoader's settings kept, the loader itself unused)."""
    if isinstance(data, DataLoader):
        loader = DataLoader(data.dataset, batch_size=data.batch_size, shuffle=data.shuffle, drop_last=data.drop_last,
                            collate_fn=data.collate_fn)
        if len(loader) == 0:
            raise ValueError(f"lr_find: the DataLoader yields no batches ({len(data.dataset)} samples, batch_size "
                             f"{data.batch_size}, drop_last=True); lower its batch_size or set drop_last=False")
        return loader
    if isinstance(data, tuple):
        if len(data) != 2:
            raise ValueError(f"lr_find: data as a tuple must be (x, y), got a tuple of {len(data)}")
        x, y = (item if isinstance(item, Tensor) else as_tensor(item) for item in data)
        if len(x) != len(y):
            raise ValueError(f"lr_find: x has {len(x)} samples but y has {len(y)}; pass one target per input")
        data = TensorDataset(x, y)
    elif not (isinstance(data, Dataset) or (hasattr(data, "__getitem__") and hasattr(data, "__len__"))):
        raise TypeError(f"lr_find: data must be a DataLoader, a Dataset or a tuple (x, y), got {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("lr_find: the data is empty (0 samples); pass the training data Trainer.fit would use")
    return DataLoader(data, batch_size=batch_size, shuffle=True)


# -- putting everything back -------------------------------------------------------------------------------
class _restored:
    """A context that snapshots the model, optimizer and random generators on entry and restores them on exit,
    bit for bit, whether the body finished or raised."""

    def __init__(self, model: Module, optimizer: Optimizer) -> None:
        self.model = model
        self.optimizer = optimizer

    def __enter__(self) -> None:
        model = self.model
        optimized = [param for group in self.optimizer.param_groups for param in group["params"]]
        parameters = list({id(param): param for param in (*model.parameters(), *optimized)}.values())
        with no_grad():
            self.tensors = [(tensor, tensor.detach().clone()) for tensor in (*parameters, *model.buffers())]
        self.gradients = [(param, param.grad) for param in parameters]
        for param in parameters:
            param.grad = None  # the saved gradients stay out of reach of backward's accumulation
        self.modes = [(module, module.training) for module in model.modules()]
        self.optimizer_state = _copied(self.optimizer.state_dict())
        self.cpu_random = backend.get_rng_state()
        self.cuda_random = _swap_cuda_generators(tensor.device for tensor, _ in self.tensors)
        self.grad_mode = enable_grad()
        self.grad_mode.__enter__()

    def __exit__(self, *exc_info: Any) -> None:
        self.grad_mode.__exit__(*exc_info)
        with no_grad():
            for tensor, saved in self.tensors:
                tensor.copy_(saved)
        for param, gradient in self.gradients:
            param.grad = gradient
        for module, training in self.modes:
            module.training = training
        self.optimizer.load_state_dict(self.optimizer_state)
        backend.set_rng_state(self.cpu_random)
        _restore_cuda_generators(self.cuda_random)


def _copied(state: Any) -> Any:
    """A deep copy of an optimizer state_dict whose tensors share memory with the live state."""
    if isinstance(state, Tensor):
        return state.detach().clone()
    if isinstance(state, dict):
        return {key: _copied(value) for key, value in state.items()}
    if isinstance(state, list | tuple):
        return type(state)(_copied(value) for value in state)
    return state


def _swap_cuda_generators(devices: Iterator[backend.Device]) -> list[tuple[Any, Any]]:
    """Give each CUDA device of the model a fresh CuPy generator for the test, keeping the current one aside
    untouched (CuPy has no state to save and restore, so the old generator is simply put back afterwards)."""
    swapped = []
    for device in {device for device in devices if device.type == "cuda"}:
        cupy = backend.array_module_of_device(device)
        with cupy.cuda.Device(device.index):
            swapped.append((device, cupy.random.get_random_state()))
            seed = int(backend.cpu_generator().integers(2**63))  # the CPU generator is restored afterwards
            cupy.random.set_random_state(cupy.random.RandomState(seed))
    return swapped


def _restore_cuda_generators(swapped: list[tuple[Any, Any]]) -> None:
    for device, generator in swapped:
        cupy = backend.array_module_of_device(device)
        with cupy.cuda.Device(device.index):
            cupy.random.set_random_state(generator)
