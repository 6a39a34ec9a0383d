"""Embedding lookup: rows of a weight matrix picked by integer indices; gradients add up per row."""

from __future__ import annotations

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.tensor import Tensor, _wrap


def _scatter_rows(grad, indices, padding_idx, shape):
    """Sum the gradient of each picked position into its row; the padding row gets none."""
    xp = backend.array_module(grad)
    result = xp.zeros(shape, dtype=grad.dtype)
    xp.add.at(result, indices.reshape(-1), grad.reshape((-1, shape[1])))
    if padding_idx is not None:
        result[padding_idx] = 0
    return result


class Embedding(Function):
    """y = weight[indices]; d weight[i] = sum of the gradients of the positions that picked row i."""

    def __init__(self, indices, padding_idx):
        self.indices, self.padding_idx = indices, padding_idx

    def forward(self, weight):
        self.shape = weight.shape
        return weight[self.indices]

    def backward(self, grad):
        return _scatter_rows(grad, self.indices, self.padding_idx, self.shape)

    def vjp(self, grad):
        return EmbeddingBackward(self.indices, self.padding_idx, self.shape).apply(grad)


class EmbeddingBackward(Function):
    """Embedding's scatter-add as an op of its own, so that it can be differentiated again."""

    def __init__(self, indices, padding_idx, shape):
        self.indices, self.padding_idx, self.shape = indices, padding_idx, shape

    def _kept(self, dtype):
        return (self.indices != self.padding_idx)[..., None].astype(dtype)

    def forward(self, grad):
        return _scatter_rows(grad, self.indices, self.padding_idx, self.shape)

    def backward(self, grad):
        picked = grad[self.indices]
        return picked if self.padding_idx is None else picked * self._kept(grad.dtype)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` (num_embeddings, embedding_dim) at the integer positions in `input`."""
    if not isinstance(input, Tensor) or input.dtype.kind not in "iu":
        kind = backend.dtype_name(input.dtype) if isinstance(input, Tensor) else type(input).__name__
        raise TypeError(f"embedding: indices must be an integer tensor (int64), got {kind}; use .long()")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got {weight.shape}")
    count = weight.shape[0]
    indices = input._data
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= count):
        bad = int(indices.max()) if int(indices.max()) >= count else int(indices.min())
        raise IndexError(
            f"embedding: index {bad} is out of range for {count} embeddings (indices must be in [0, {count - 1}])"
        )
    if padding_idx is not None:
        if not -count <= padding_idx < count:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings {count}")
        padding_idx %= count
    return Embedding(indices, padding_idx).apply(weight)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding with a new last dimension of size `num_classes` (max + 1 when -1)."""
    if not isinstance(tensor, Tensor) or tensor.dtype.kind not in "iu":
        raise TypeError("one_hot: expects an integer (int64) tensor of class indices")
    xp = backend.array_module(tensor._data)
    labels = tensor._data
    if labels.size and int(labels.min()) < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(labels.min())}")
    largest = int(labels.max()) if labels.size else -1
    if num_classes == -1:
        num_classes = largest + 1
    elif largest >= num_classes:
        raise ValueError(f"one_hot: class value {largest} is out of range for num_classes={num_classes}")
    result = (labels[..., None] == xp.arange(num_classes)).astype(backend.int64)
    return _wrap(result, False, None)
