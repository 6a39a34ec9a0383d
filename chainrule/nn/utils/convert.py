"""One flat vector for all parameters and back, as `torch.nn.utils.parameters_to_vector`/`vector_to_parameters`."""

from __future__ import annotations

from collections.abc import Iterable

from chainrule import backend, ops
from chainrule.tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and concatenated, in order, into one 1-D Tensor (differentiable).

        >>> vec = parameters_to_vector(model.parameters())
    """
    parameters = list(parameters)
    if not parameters:
        raise ValueError("parameters_to_vector got no parameters; pass e.g. model.parameters()")
    device = parameters[0].device
    for p in parameters:
        if p.device != device:
            raise TypeError(f"parameters_to_vector: found parameters on different devices ({device} and "
                            f"{p.device}); move them to one device first")
    return ops.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D `vec` into the parameters' memory, in place (no graph recorded).

        >>> vector_to_parameters(vec, model.parameters())
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters expects vec to be a chainrule Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters expects a 1-D vec, got shape {tuple(vec.shape)}")
    parameters = list(parameters)
    total = sum(p._data.size for p in parameters)
    if vec.shape[0] != total:
        raise ValueError(
            f"vector_to_parameters: vec has {vec.shape[0]} elements but the parameters hold {total} in all"
        )
    offset = 0
    for p in parameters:
        size = p._data.size
        piece = backend.move(vec._data[offset:offset + size], p.device)
        p._data[...] = piece.reshape(p.shape)
        p._bump_version()
        offset += size
