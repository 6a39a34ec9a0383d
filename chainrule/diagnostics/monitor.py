"""GradientMonitor: the statistics of gradient health, gathered while `Trainer.fit` runs, judged by `rules`.

Every step costs one squared norm per parameter gradient (a BLAS dot product), which also serves as the
cheap NaN guard. Every `sample_every`-th step, and only then, it also measures how far the optimizer moved
each weight (the update-to-weight ratio) and what the activation modules put out (dead and saturated units):
those need a copy of the weights or a pass over the activations, so they are sampled.

Per epoch it writes summary columns into the logs (so History, history.csv, TensorBoard and the report get
them): `grad_norm/total` (the median total gradient norm), `grad_norm/<weight>` and `update_ratio/<weight>`
(medians over the epoch, weights being the parameters of 2 or more dimensions), `dead/<module>` and
`saturated/<module>` (fractions of units). Its statistics travel in checkpoints, so a resumed run continues
them exactly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from chainrule import backend
from chainrule.diagnostics import rules
from chainrule.diagnostics.findings import Finding
from chainrule.diagnostics.gates import gate_saturation
from chainrule.nn import GELU, ReLU, Sigmoid, SiLU, Tanh
from chainrule.nn.layers.recurrent import RNNBase
from chainrule.train.callbacks.base import Callback

# ReLU-like units die (output 0 for every input, so no gradient ever flows back); sigmoid and tanh saturate.
_DYING = (ReLU, GELU, SiLU)
_SIGMOID, _TANH = (0.01, 0.99), (-0.99, 0.99)  # outside (low, high) is the flat region


def _watch(module: Any) -> tuple[str, Any] | None:
    """What to measure of a module: ("dead", None), ("saturated", (low, high)) of its output, ("gates", None)
    of a one-layer LSTM/GRU, or None (not an activation)."""
    if isinstance(module, _DYING):
        return "dead", None
    if isinstance(module, Sigmoid | Tanh):
        return "saturated", _SIGMOID if isinstance(module, Sigmoid) else _TANH
    if isinstance(module, RNNBase):
        if module.mode in ("LSTM", "GRU"):
            return ("gates", None) if module.num_layers == 1 else None
        return ("saturated", _TANH) if module.mode == "RNN_TANH" else ("dead", None)
    return None
# Sampled steps an epoch aims for, at most every 8th step: a sampled step copies the weights and passes over
# the activations, which for the 784-256-256-10 MLP costs about two-tenths of a step.
_SAMPLES_PER_EPOCH = 6
_MIN_INTERVAL = 8


class GradientMonitor(Callback):
    """Watch gradient norms, update ratios and activations during training; warn with a GradientWarning and
    record a `Finding` when a rule (see `chainrule.diagnostics.rules`) sees a problem persist.

    On by default in `Trainer` (`Trainer(..., diagnostics=False)` turns it off); `trainer.findings` lists
    what it found. Example:

        >>> trainer = Trainer(model, loss, optimizer)          # a GradientMonitor is included
        >>> trainer.fit((x, y), epochs=5)
        >>> [finding.title for finding in trainer.findings]    # [] on a healthy run
    """

    priority = Callback.STATE + 50  # before the callbacks that read or write the logs it adds to

    def __init__(self, sample_every: int | None = None) -> None:
        if sample_every is not None and (not isinstance(sample_every, int) or sample_every < 1):
            raise ValueError(f"GradientMonitor: sample_every must be a positive integer or None, got {sample_every!r}")
        self.sample_every = sample_every
        self._hooks: list[Any] = []
        self._sampling = False  # the step in progress is a sampled one
        self._outputs: dict[str, Any] = {}
        self._reset()

    def _reset(self) -> None:
        self.findings: list[Finding] = []
        self.epochs: list[dict[str, Any]] = []  # one summary per epoch, what the rules read
        self.baseline: list[float] = []  # the total gradient norms of the first epoch's steps
        self._epoch_norms: list[list[float]] = []  # per step, the squared gradient norm of each parameter
        self._epoch_ratios: list[list[float]] = []  # per sampled step, the update ratio of each weight
        self._activations: dict[str, dict[str, Any]] = {}  # per module, this epoch's unit statistics
        self._before: list[Any] | None = None  # the weights before a sampled step's update
        self._streaks: dict[str, int] = {}  # consecutive epochs each rule's condition has held

    # -- what is watched ---------------------------------------------------------------------------------
    def on_fit_start(self, trainer: Any) -> None:
        self._reset()
        named = [(name, parameter) for name, parameter in trainer.model.named_parameters() if parameter.requires_grad]
        self.parameters = [parameter for _, parameter in named]
        self.weight_names = [name for name, parameter in named if parameter.ndim >= 2]
        self._weight_index = [index for index, (_, parameter) in enumerate(named) if parameter.ndim >= 2]
        embeddings = {f"{name}.weight" if name else "weight" for name, module in trainer.model.named_modules()
                      if type(module).__name__ == "Embedding"}
        # Weights whose gradient is a fair measure of depth: an embedding's is sparse (only the rows used)
        self.deep_weights = [name for name in self.weight_names if name not in embeddings]
        self.modules = {name or type(module).__name__: module for name, module in trainer.model.named_modules()
                        if _watch(module) is not None}
        self.watch = {name: _watch(module) for name, module in self.modules.items()}
        self.model = trainer.model
        self.output_modules: set[str] = set()  # activation modules whose output is the model's (left out)
        self._outputs: dict[str, Any] = {}

    def sample_interval(self, trainer: Any) -> int:
        """Steps between sampled steps: `sample_every`, or about _SAMPLES_PER_EPOCH an epoch, at most every 8th
        step (an epoch of fewer batches gets one)."""
        if self.sample_every is not None:
            return self.sample_every
        batches = max(trainer.batches_per_epoch, 1)
        return max(min(_MIN_INTERVAL, batches), math.ceil(batches / _SAMPLES_PER_EPOCH))

    def _sampled(self, trainer: Any) -> bool:
        """Whether the step about to run (global step + 1) is sampled."""
        return (trainer.global_step + 1) % self._interval == 0

    # -- the hooks --------------------------------------------------------------------------------------
    def on_epoch_start(self, trainer: Any, epoch: int) -> None:
        if trainer.batch == 0:
            self._epoch_norms, self._epoch_ratios, self._activations = [], [], {}
        self._interval = self.sample_interval(trainer)
        self._vdot = backend.array_module(self.parameters[0]._data).vdot if self.parameters else None
        self._arm(trainer)

    def on_after_backward(self, trainer: Any, batch: Any) -> None:
        vdot = self._vdot
        norms = [0.0 if (grad := parameter.grad) is None else float(vdot(grad._data, grad._data))
                 for parameter in self.parameters]
        if not math.isfinite(trainer.last_loss):
            return  # the Trainer's own guard stops on a non-finite loss
        if not math.isfinite(sum(norms)) and self._truly_nonfinite():
            trainer.stop_on_nonfinite("gradient", batch, grad_norms=self._recent_totals(10))
            return
        self._epoch_norms.append(norms)
        if self._sampling:  # activations were recorded during its forward; its update is measured next
            self._disarm()
            self._before = [_sample_of(self.parameters[index]._data).copy() for index in self._weight_index]

    def on_batch_end(self, trainer: Any, batch: int, logs: dict[str, Any]) -> None:
        if self._before is not None:
            ratios, vdot = [], self._vdot
            for index, before in zip(self._weight_index, self._before, strict=True):
                scale = float(vdot(before, before))
                before -= _sample_of(self.parameters[index]._data)  # the copy becomes the update (sign aside)
                ratios.append(math.sqrt(float(vdot(before, before)) / scale) if scale > 0 else math.nan)
            self._epoch_ratios.append(ratios)
            self._before = None
        if (trainer.global_step + 1) % self._interval == 0 and trainer.batch < trainer.batches_per_epoch:
            self._arm(trainer)

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        self._disarm()
        summary = self._summarise(epoch, logs)
        self.epochs.append(summary)
        logs.update(summary["columns"])
        for finding in rules.evaluate(self, epoch, trainer.global_step):
            self.add(finding)

    def on_fit_end(self, trainer: Any) -> None:
        self._disarm()

    def add(self, finding: Finding) -> None:
        """Record a finding and warn, once per kind for the fit."""
        if any(existing.kind == finding.kind for existing in self.findings):
            return
        self.findings.append(finding)
        finding.warn()

    # -- activations ------------------------------------------------------------------------------------
    def _arm(self, trainer: Any) -> None:
        """Make the next step a sampled one if its turn has come: hooks on the activation modules for its
        forward, and (in on_after_backward) the weights kept to measure its update."""
        if self._sampling or not self._sampled(trainer):
            return
        self._sampling = True
        if self.modules:
            for name, module in self.modules.items():
                self._hooks.append(module.register_forward_hook(self._recorder(name)))
            self._hooks.append(self.model.register_forward_hook(self._note_output))

    def _disarm(self) -> None:
        for handle in self._hooks:
            handle.remove()
        self._hooks, self._sampling, self._outputs = [], False, {}

    def _recorder(self, name: str) -> Any:
        def record(module: Any, inputs: tuple, output: Any) -> None:
            if module.training:
                self._outputs[name] = output  # kept alive until the model returns: compared by identity
                self._record(name, module, inputs, output)
        return record

    def _note_output(self, model: Any, inputs: tuple, output: Any) -> None:
        """Which activation's output the model returns: a sigmoid output layer saturates by design."""
        self.output_modules.update(name for name, kept in self._outputs.items() if kept is output)
        self._outputs = {}

    def _record(self, name: str, module: Any, inputs: tuple, output: Any) -> None:
        """Fold one batch of a module's outputs into its units' statistics (units: channels of an (N, C, H, W)
        output, the last dimension otherwise; a recurrent layer's gate units)."""
        kind, limits = self.watch[name]
        stats = self._activations.get(name)
        if stats is None:
            stats = self._activations[name] = {"active": None, "saturated": None, "count": 0}
        if kind == "gates":
            measured = gate_saturation(module, inputs, output)
            if measured is not None:
                flat, count = measured
                stats["saturated"] = flat if stats["saturated"] is None else stats["saturated"] + flat
                stats["count"] += count
            return
        array = (output[0] if isinstance(output, tuple) else output)._data  # an RNN's (output, h_n)
        if array.ndim < 2:
            return
        axes = tuple(axis for axis in range(array.ndim) if axis != (1 if array.ndim >= 4 else array.ndim - 1))
        if kind == "dead":
            active = backend.move((array > 0).any(axis=axes), backend.CPU)
            stats["active"] = active if stats["active"] is None else stats["active"] | active
        else:
            low, high = limits
            flat = backend.move(((array <= low) | (array >= high)).sum(axis=axes), backend.CPU)
            stats["saturated"] = flat if stats["saturated"] is None else stats["saturated"] + flat
            stats["count"] += array.size // flat.size

    # -- per epoch -------------------------------------------------------------------------------------
    def _summarise(self, epoch: int, logs: dict[str, Any]) -> dict[str, Any]:
        norms = numpy.sqrt(numpy.asarray(self._epoch_norms, dtype=numpy.float64).reshape(-1, len(self.parameters)))
        totals = numpy.sqrt((norms**2).sum(axis=1)) if len(norms) else numpy.zeros(0)
        if not self.baseline:
            self.baseline = totals.tolist()
        weights = norms[:, self._weight_index] if len(norms) else numpy.zeros((0, len(self._weight_index)))
        ratios = numpy.asarray(self._epoch_ratios, dtype=numpy.float64).reshape(-1, len(self._weight_index))
        sizes = [self.parameters[index].numel() for index in self._weight_index]
        columns: dict[str, float] = {"grad_norm/total": _median(totals)}
        grad_rms, update_ratio, used = {}, {}, {}
        for column, name in enumerate(self.weight_names):
            median = _median(weights[:, column])
            columns[f"grad_norm/{name}"] = median
            grad_rms[name] = median / math.sqrt(sizes[column])
            used[name] = bool(len(weights)) and bool((weights[:, column] > 0).any())
            update_ratio[name] = _median(ratios[:, column]) if len(ratios) else math.nan
            if len(ratios):
                columns[f"update_ratio/{name}"] = update_ratio[name]
        dead, saturated = {}, {}
        for name in self.modules:
            stats = self._activations.get(name)
            if stats is None:
                continue
            if self.watch[name][0] == "dead" and stats["active"] is not None:
                dead[name] = float(1.0 - stats["active"].mean())
                columns[f"dead/{name}"] = dead[name]
            elif stats["saturated"] is not None and stats["count"]:
                fraction = stats["saturated"] / stats["count"]
                saturated[name] = float((fraction >= rules.UNIT_SATURATED).mean())
                columns[f"saturated/{name}"] = saturated[name]
        return {"epoch": epoch, "steps": len(totals), "columns": columns, "totals": totals.tolist(),
                "grad_rms": grad_rms, "used": used, "update_ratio": update_ratio, "dead": dead,
                "saturated": saturated, "loss": logs.get("loss"), "val_loss": logs.get("val_loss"),
                "lr": logs.get("lr")}

    def _recent_totals(self, count: int) -> list[float]:
        """The total gradient norms of the last `count` finite steps (this epoch and the summaries before)."""
        recent = [math.sqrt(sum(norms)) for norms in self._epoch_norms[-count:]]
        for summary in reversed(self.epochs):
            if len(recent) >= count:
                break
            recent = summary["totals"][-(count - len(recent)):] + recent
        return recent

    def _truly_nonfinite(self) -> bool:
        """Whether a gradient holds NaN or Inf (a float32 squared norm past 3.4e38 overflows while finite)."""
        for parameter in self.parameters:
            grad = parameter.grad
            if grad is not None and not bool(backend.array_module(grad._data).isfinite(grad._data).all()):
                return True
        return False

    # -- checkpoints -----------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "findings": [finding.to_dict() for finding in self.findings],
            "epochs": self.epochs,
            "baseline": self.baseline,
            "epoch_norms": self._epoch_norms,
            "epoch_ratios": self._epoch_ratios,
            "activations": {name: {key: value.tolist() if isinstance(value, numpy.ndarray) else value
                                   for key, value in stats.items()}
                            for name, stats in self._activations.items()},
            "streaks": self._streaks,
            "output_modules": sorted(self.output_modules),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.findings = [Finding.from_dict(values) for values in state["findings"]]
        self.epochs = list(state["epochs"])
        self.baseline = list(state["baseline"])
        self._epoch_norms = [list(norms) for norms in state["epoch_norms"]]
        self._epoch_ratios = [list(ratios) for ratios in state["epoch_ratios"]]
        self._activations = {
            name: {"active": None if stats["active"] is None else numpy.asarray(stats["active"], dtype=bool),
                   "saturated": None if stats["saturated"] is None else numpy.asarray(stats["saturated"]),
                   "count": stats["count"]}
            for name, stats in state["activations"].items()}
        self._streaks = dict(state["streaks"])
        self.output_modules = set(state["output_modules"])


_RATIO_ELEMENTS = 16384  # a weight's update ratio is measured on about this many of its elements


def _sample_of(weight: Any) -> Any:
    """Every k-th element of a big weight (a view), all of a small one: the ratio of two norms over 16k evenly
    spread elements is within a few percent of the whole's, for a copy 16x to 100x smaller."""
    flat = weight.reshape(-1)
    stride = flat.size // _RATIO_ELEMENTS
    return flat[::stride] if stride > 1 else flat


def _median(values: Any) -> float:
    values = numpy.asarray(values, dtype=numpy.float64)
    values = values[numpy.isfinite(values)]
    return float(numpy.median(values)) if len(values) else math.nan
