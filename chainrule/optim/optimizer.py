"""`Optimizer`: parameter groups, per-parameter state, `step` and `state_dict`, as PyTorch's.

A subclass writes one method, `_update(param, grad, state, group)`, that changes the arrays `param` and the
ones in `state` in place; the base class loops over the groups and skips parameters without a gradient.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from chainrule import backend
from chainrule.autograd.grad_mode import enable_grad
from chainrule.backend import array_module
from chainrule.tensor import Tensor, _wrap

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]
_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


def check_hyperparameters(**values: Any) -> None:
    """PyTorch's checks of an optimizer's hyperparameters, in the order given, with its messages: each must be
    >= 0 ("Invalid learning rate: -1"), except `betas`, each of which must lie in [0, 1)."""
    for name, value in values.items():
        if name == "betas":
            for index, beta in enumerate(value):
                if not 0.0 <= beta < 1.0:
                    raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
        elif not value >= 0.0:
            raise ValueError(f"Invalid {_LABELS.get(name, f'{name} value')}: {value}")


class Optimizer:
    """Base class of the optimizers: holds `param_groups`, `state` and `defaults`, and runs the updates.

    `params` is an iterable of Tensors, or of dicts (parameter groups) with a `"params"` entry and any
    options that override `defaults` for that group:

        >>> optimizer = SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1, momentum=0.9)
        >>> loss.backward(); optimizer.step(); optimizer.zero_grad()

    `state[p]` maps names to the arrays (NumPy or CuPy, on the parameter's device) and Python numbers an
    optimizer keeps for parameter `p`; they are created on its first step. The step counter is an int, where
    PyTorch 2 keeps a 0-d tensor.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got a "
                "Tensor; wrap it in a list: [tensor]"
            )
        _check_ordered(params)
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._scratch_buffers: dict[tuple, Any] = {}
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (the others come from `defaults`).

        Example (unfreezing a layer during fine-tuning): `optimizer.add_param_group({"params": head.parameters(),
        "lr": 1e-4})`.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        _check_ordered(params)
        params = [params] if isinstance(params, Tensor) else list(params)
        index = len(self.param_groups)
        for position, param in enumerate(params):
            _check_parameter(param, f"parameter {position} of group {index}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"parameter group {index} contains the same parameter more than once")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set `.grad` to None (the default), or fill the gradient arrays with zeros."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    param.grad._data.fill(0)
                    param.grad._bump_version()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place; return `closure()`'s loss (or None).

        `closure` re-evaluates the model and returns the loss; it runs with gradient recording on, before
        the update.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                self._update(param._data, param.grad._data, self.state[param], group)
                param._bump_version()
        return loss

    def _scratch(self, like: Any) -> Any:
        """A work array shaped like `like`, reused across parameters and steps, so updates make no temporaries.

        One buffer per dtype and device, grown to the largest parameter; its contents are garbage on entry.
        """
        key = (like.dtype, array_module(like).__name__, getattr(getattr(like, "device", None), "id", None))
        buffer = self._scratch_buffers.get(key)
        if buffer is None or buffer.size < like.size:
            buffer = self._scratch_buffers[key] = array_module(like).empty(like.size, dtype=like.dtype)
        return buffer[: like.size].reshape(like.shape)

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Change the array `param` (and the arrays in `state`) in place, given the gradient array `grad`."""
        raise NotImplementedError(f"{type(self).__name__} must define _update")

    # -- saving and loading ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout, parameters replaced by their index across all groups.

        `{"state": {index: {name: Tensor or number}}, "param_groups": [{option: value, "params": [index]}]}`.
        The Tensors share memory with the optimizer's state arrays (as PyTorch's do): save or copy them.
        """
        indices = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [indices.setdefault(id(p), len(indices)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for param in group["params"]:
                if self.state.get(param):
                    state[indices[id(param)]] = {name: _as_tensor(value) for name, value in self.state[param].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by `state_dict()`; the arrays are copied, never shared.

        The groups must match this optimizer's in number and size; state arrays are cast to their parameter's
        dtype and moved to its device.
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            found = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"optimizer state_dict must have the keys 'state' and 'param_groups', got {found}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, but the optimizer has "
                f"{len(self.param_groups)}"
            )
        params_by_index = {}
        for number, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict's parameter group {number} has {len(saved['params'])} parameters, but "
                    f"the optimizer's group {number} has {len(group['params'])}"
                )
            params_by_index.update(zip(saved["params"], group["params"], strict=True))
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for index, values in state_dict["state"].items():
            if index not in params_by_index:
                raise ValueError(
                    f"loaded state dict has state for parameter {index}, which is in none of its parameter groups"
                )
            param = params_by_index[index]
            state[param] = {name: _copy_state(value, param, index, name) for name, value in values.items()}
        self.state = state
        for number, saved in enumerate(saved_groups):
            options = {key: copy.deepcopy(value) for key, value in saved.items() if key != "params"}
            old = self.param_groups[number]
            self.param_groups[number] = {**old, **options, "params": old["params"]}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        lines.append(")")
        return "\n".join(lines)


def _check_ordered(params: Any) -> None:
    if isinstance(params, set):
        raise TypeError(
            "optimizer parameters need to be organized in ordered collections, but the ordering of tensors in "
            "sets will change between runs. Please use a list instead."
        )


def _check_parameter(param: Any, where: str) -> None:
    if not isinstance(param, Tensor):
        raise TypeError(f"optimizer can only optimize Tensors, but {where} is a {type(param).__name__}")
    if not param.is_leaf:
        raise ValueError(f"can't optimize a non-leaf Tensor ({where} was computed by {param.grad_fn.name})")


def _as_tensor(value: Any) -> Any:
    """A state value as `state_dict` gives it: arrays wrapped in Tensors (sharing memory), numbers as they are."""
    if isinstance(value, int | float | bool) or value is None:
        return value
    return _wrap(value, False, None)


def _copy_state(value: Any, param: Tensor, index: int, name: str) -> Any:
    """A private copy of a saved state value, on the parameter's device, floating arrays in its dtype."""
    if not isinstance(value, Tensor) and not hasattr(value, "shape"):
        return copy.deepcopy(value)
    array = value._data if isinstance(value, Tensor) else value
    if array.shape != param.shape and array.ndim != 0:
        raise ValueError(
            f"loaded state {name!r} of parameter {index} has shape {tuple(array.shape)}, but the parameter has "
            f"shape {param.shape}"
        )
    xp = backend.array_module(param._data)
    dtype = param.dtype if array.dtype.kind == "f" else array.dtype
    return xp.array(backend.move(array, param.device), dtype=dtype)
