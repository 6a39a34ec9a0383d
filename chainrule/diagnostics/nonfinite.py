"""Where a NaN came from: replay the step that produced a non-finite loss or gradient under detect_anomaly.

The Trainer's always-on guard is one `math.isfinite` on the loss it already reads (and, with a monitor, on
the gradient norms the monitor already computes). Only when it trips is the step replayed — same batch, same
weights (the optimizer has not stepped), same random state — with every op's result checked, so the stop can
name the op that produced the first NaN or Inf, the module it ran in and the line that called it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chainrule import backend
from chainrule.autograd import AnomalyError, detect_anomaly
from chainrule.diagnostics import rules
from chainrule.diagnostics.findings import Finding

_NAN_FIX = ("look at the named op's inputs: clamp what goes into log/sqrt/division (e.g. log(x + 1e-8) or "
            "x.clamp(min=1e-8)), use the fused losses (CrossEntropyLoss, BCEWithLogitsLoss) instead of log(softmax) "
            "or log(sigmoid), lower the learning rate or clip gradients (clip_grad_norm)")


def explain_nonfinite(trainer: Any, what: str, batch: tuple[Sequence[Any], Any],
                      grad_norms: Sequence[float] = ()) -> list[Finding]:
    """The findings for a non-finite `what` ("loss" or "gradient") at the current step: "nonfinite", naming
    the op found by replaying `batch`, and "exploding" too when the gradient norms grew before it."""
    epoch, step = trainer.epoch, trainer.global_step + 1
    located = _replay(trainer, batch)
    evidence = f"the {what} became NaN or infinite at epoch {epoch}, batch {trainer.batch + 1}"
    evidence += f"; {located}" if located else "; replaying the step under detect_anomaly did not reproduce it"
    findings = [Finding("nonfinite", [], evidence + ". Training stopped before the optimizer step, so the weights "
                        "are those of the last finite step", _NAN_FIX, epoch, step, label=f"non-finite {what}")]
    finite = [value for value in grad_norms if value == value and value != float("inf")]
    if len(finite) >= 2 and finite[-1] > rules.EXPLODING_GROWTH * min(finite):
        clip = rules.clip_suggestion(trainer.monitor.baseline if trainer.monitor is not None else finite)
        findings.append(Finding(
            "exploding", [], f"the gradient norm grew from {min(finite):.3g} to {finite[-1]:.3g} over the last "
            f"{len(finite)} steps before the {what} became non-finite",
            f"lower the learning rate (e.g. by 10x) and clip gradients: clip_grad_norm = {clip:.3g}", epoch, step,
            {"now": finite[-1], "clip": clip}))
    return findings


def _replay(trainer: Any, batch: tuple[Sequence[Any], Any]) -> str | None:
    """Run the step's forward and backward again under detect_anomaly; where the first non-finite value
    came from in words, or None when the replay stays finite."""
    inputs, targets = batch
    scopes = _ModuleScopes(trainer.model, trainer.loss)
    generator = backend.cpu_generator().bit_generator
    now = generator.state
    grads = [(parameter, parameter.grad) for parameter in trainer.model.parameters()]
    if trainer.rng_before_step is not None:
        generator.state = trainer.rng_before_step
    try:
        with detect_anomaly(), scopes:
            trainer.optimizer.zero_grad()
            loss = trainer._penalised(trainer.loss(trainer.model(*inputs), targets))
            loss.backward()
    except AnomalyError as error:
        module = scopes.module_of(error)
        where = f" in {module}" if module else ""
        line = f", called at {error.source}" if error.source else ""
        if error.cause == "input":
            what = (f"its input {error.nonfinite_input} already held {error.nonfinite}: the batch or a parameter is "
                    "non-finite")
        else:
            values = "gradient" if error.phase == "backward" else "output"
            what = (f"it produced {error.nonfinite} in {error.count} of {error.size} elements of its {values} from "
                    "finite values")
        return f"the first came from {error.op} ({error.phase}){where}{line}; {what}"
    finally:
        generator.state = now
        for parameter, grad in grads:  # the gradients as the failed step left them, for the callbacks after
            parameter.grad = grad
    return None


class _ModuleScopes:
    """The graph nodes each module's forward created (their creation numbers), so that an op can be named by
    the innermost module it ran in: the stack of modules running when a forward op failed, or the module
    whose range of node numbers holds a failing backward node."""

    def __init__(self, model: Any, loss: Any) -> None:
        self.modules = [("", model), *([("loss", loss)] if hasattr(loss, "register_forward_hook") else [])]
        self.stack: list[str] = []
        self.ranges: list[tuple[int, int, str]] = []  # (first, last) node numbers created inside a module
        self.failed_in: str | None = None
        self._starts: list[int] = []
        self._handles: list[Any] = []

    def __enter__(self) -> _ModuleScopes:
        for prefix, root in self.modules:
            for name, module in root.named_modules(prefix=prefix):
                label = f"module {name} ({type(module).__name__})" if name else f"the {type(module).__name__} model"
                self._handles.append(module.register_forward_pre_hook(self._enter(label)))
                self._handles.append(module.register_forward_hook(self._leave(label)))
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if error is not None and self.stack:
            self.failed_in = self.stack[-1]  # the innermost module whose forward was running
        for handle in self._handles:
            handle.remove()

    def _enter(self, label: str) -> Any:
        def hook(module: Any, inputs: tuple) -> None:
            self.stack.append(label)
            self._starts.append(backend.next_sequence())
        return hook

    def _leave(self, label: str) -> Any:
        def hook(module: Any, inputs: tuple, output: Any) -> None:
            self.ranges.append((self._starts.pop(), backend.next_sequence(), label))
            self.stack.pop()
        return hook

    def module_of(self, error: AnomalyError) -> str | None:
        if error.phase == "forward":
            return self.failed_in
        sequence = getattr(getattr(error, "node", None), "_seq", None)
        if sequence is None:
            return None
        holding = [(last - first, label) for first, last, label in self.ranges if first < sequence < last]
        return min(holding)[1] if holding else None  # the narrowest range: the innermost module

