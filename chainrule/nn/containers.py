"""Containers of modules: `Sequential` (a pipeline) and `RecurrentSequential` (one that passes on recurrent layers'
outputs), `ModuleList` and `ModuleDict` (registered collections)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from chainrule.nn.module import Module


def _index(index: Any, length: int, kind: str) -> int:
    position = operator.index(index)
    if not -length <= position < length:
        raise IndexError(f"{kind} index {index} is out of range for {length} modules")
    return position % length


class Sequential(Module):
    """Modules applied one after another: `Sequential(Linear(4, 8), ReLU(), Linear(8, 2))`.

    Also takes an OrderedDict of names to modules; supports indexing, slicing, len, iteration and append.
    """

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[_index(index, len(self), "Sequential")]

    def __setitem__(self, index: int, module: Module) -> None:
        key = list(self._modules)[_index(index, len(self), "Sequential")]
        self.add_module(key, module)

    def __delitem__(self, index: int | slice) -> None:
        keys = list(self._modules)
        doomed = keys[index] if isinstance(index, slice) else [keys[_index(index, len(self), "Sequential")]]
        for key in doomed:
            del self._modules[key]
        modules = list(self._modules.values())  # renumber 0..n-1, as PyTorch does
        self._modules.clear()
        for position, module in enumerate(modules):
            self._modules[str(position)] = module

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        for position, each in enumerate(modules):
            self.add_module(str(position), each)
        return self


class RecurrentSequential(Sequential):
    """A Sequential for recurrent layers: it passes on only the output of a layer that returns (output, hidden
    state) — RNN, LSTM, GRU, LSTMCell — and, after the layers named in `last_step`, only the last time step.

    The state_dict keys are a plain Sequential's (`0.weight_ih_l0`, `1.weight`, ...), so its weights load into
    one. Example: (N, L, 1) inputs to (N, 1) outputs:

        >>> model = RecurrentSequential(LSTM(1, 32, batch_first=True), Linear(32, 1), last_step={"0"})
    """

    def __init__(self, *modules: Module | Mapping[str, Module], last_step: Iterable[str] = ()) -> None:
        super().__init__(*modules)
        self.last_step = frozenset(last_step)
        unknown = sorted(self.last_step - set(self._modules))
        if unknown:
            raise ValueError(f"RecurrentSequential: last_step names {unknown}, which are not among its modules "
                             f"{list(self._modules)}")

    def forward(self, input: Any) -> Any:
        for name, module in self._modules.items():
            input = module(input)
            if isinstance(input, tuple):
                input = input[0]  # the hidden state stays behind
            if name in self.last_step:
                batch_is_first = getattr(module, "batch_first", False) and input.ndim == 3
                input = input[:, -1] if batch_is_first else input[-1]
        return input

    def extra_repr(self) -> str:
        return f"last_step={sorted(self.last_step)}" if self.last_step else ""


class ModuleList(Module):
    """A list of modules whose parameters the parent registers: `ModuleList([Linear(4, 4) for _ in range(3)])`."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[str(_index(index, len(self), "ModuleList"))]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(_index(index, len(self), "ModuleList")), module)

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else _index(index, len(self), "ModuleList")]
        self._modules.clear()
        self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        self.extend(modules)

    def forward(self, *args: Any) -> Any:
        raise TypeError("ModuleList is a container, not a layer: call the modules it holds, e.g. `for m in list: ...`")


class ModuleDict(Module):
    """A dict of modules whose parameters the parent registers: `ModuleDict({'encoder': ..., 'head': ...})`."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no module {key!r}; it has {list(self._modules)}")
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self.add_module(key, module)

    def pop(self, key: str) -> Module:
        module = self[key]
        del self._modules[key]
        return module

    def clear(self) -> None:
        self._modules.clear()

    def forward(self, *args: Any) -> Any:
        raise TypeError("ModuleDict is a container, not a layer: call the modules it holds, e.g. `d['head'](x)`")
