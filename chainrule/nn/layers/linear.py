"""Linear, Identity, Flatten, Unflatten: thin modules over the functional forms."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from chainrule.creation import empty
from chainrule.nn import init
from chainrule.nn.module import Module, Parameter
from chainrule.ops import flatten, reshape
from chainrule.ops.linalg import linear
from chainrule.tensor import Tensor


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to remove a layer); ignores any arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features), initialised as PyTorch's Linear.

    Example: `Linear(784, 10)(cr.randn(64, 784)).shape == (64, 10)`.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"Linear: {name} must be a non-negative int, got {value!r}")
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: W ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform_ with a=sqrt(5)), b likewise."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise RuntimeError(
                f"Linear({self.in_features}, {self.out_features}) expected input with last dimension "
                f"{self.in_features}, got {input.shape}"
            )
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Merge dimensions start_dim..end_dim (by default all but the batch dimension)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension `dim` into `unflattened_size`: Unflatten(1, (2, 5)) turns (N, 10) into (N, 2, 5)."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim % input.ndim if input.ndim else 0
        size = input.shape[dim] if input.ndim else 1
        if math.prod(s for s in self.unflattened_size if s != -1) and -1 not in self.unflattened_size and \
                math.prod(self.unflattened_size) != size:
            raise ValueError(
                f"Unflatten: unflattened_size {self.unflattened_size} must multiply to the size {size} of dimension "
                f"{self.dim} (input shape {input.shape})"
            )
        return reshape(input, input.shape[:dim] + self.unflattened_size + input.shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


