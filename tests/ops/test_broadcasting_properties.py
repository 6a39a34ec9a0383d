"""Broadcasting, for random shape pairs: the result has NumPy's broadcast shape, and each input's gradient
has that input's shape and equals the upstream gradient times the local derivative, summed over the
axes broadcasting added or stretched (the reference below is written out with NumPy, not the library's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import chainrule as cr
from tests.ops.op_table import HIGH_LATTICE, LOW_LATTICE, NONZERO, REAL, Domain


@dataclass(frozen=True)
class Binary:
    """op(x, y) in chainrule, in NumPy, and its partial derivatives d/dx and d/dy in NumPy."""

    name: str
    op: Callable
    forward: Callable
    derivatives: Callable  # (x, y) -> (d op/dx, d op/dy), broadcast to the result's shape
    domains: tuple[Domain, Domain] = (REAL, REAL)


BINARY = [
    Binary("add", cr.add, numpy.add, lambda x, y: (numpy.ones_like(x + y), numpy.ones_like(x + y))),
    Binary("sub", cr.sub, numpy.subtract, lambda x, y: (numpy.ones_like(x + y), -numpy.ones_like(x + y))),
    Binary("mul", cr.mul, numpy.multiply, lambda x, y: (y + 0 * x, x + 0 * y)),
    Binary("div", cr.div, numpy.divide, lambda x, y: (1 / y + 0 * x, -x / y**2), (REAL, NONZERO)),
    Binary("maximum", cr.maximum, numpy.maximum, lambda x, y: ((x > y) * 1.0, (y > x) * 1.0),
           (LOW_LATTICE, HIGH_LATTICE)),
    Binary("minimum", cr.minimum, numpy.minimum, lambda x, y: ((x < y) * 1.0, (y < x) * 1.0),
           (LOW_LATTICE, HIGH_LATTICE)),
]
SETTINGS = settings(max_examples=40, deadline=None)


def _reduce_to(grad: numpy.ndarray, shape: tuple) -> numpy.ndarray:
    """Sum over the leading axes broadcasting added, then over the axes it stretched from size 1."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def _leaf(values: numpy.ndarray) -> cr.Tensor:
    return cr.tensor(values, dtype=cr.float64, requires_grad=True)


@pytest.mark.parametrize("case", BINARY, ids=lambda case: case.name)
@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4), seed=st.integers(0, 2**32 - 1))
def test_binary_op_broadcasts_values_and_gradients(case: Binary, shapes, seed: int) -> None:
    rng = numpy.random.default_rng(seed)
    (x_shape, y_shape), result_shape = shapes
    x_values = case.domains[0].sample(x_shape, rng)
    y_values = case.domains[1].sample(y_shape, rng)
    x, y = _leaf(x_values), _leaf(y_values)

    out = case.op(x, y)
    assert out.shape == result_shape == numpy.broadcast_shapes(x_shape, y_shape)
    numpy.testing.assert_allclose(out.numpy(), case.forward(x_values, y_values), rtol=1e-14)

    upstream = rng.standard_normal(result_shape)
    out.backward(cr.tensor(upstream))
    d_x, d_y = case.derivatives(x_values, y_values)
    assert x.grad.shape == x_shape
    assert y.grad.shape == y_shape
    numpy.testing.assert_allclose(x.grad.numpy(), _reduce_to(upstream * d_x, x_shape), rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(y.grad.numpy(), _reduce_to(upstream * d_y, y_shape), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=4, max_side=4), seed=st.integers(0, 2**32 - 1))
def test_where_broadcasts_condition_values_and_gradients(shapes, seed: int) -> None:
    rng = numpy.random.default_rng(seed)
    (condition_shape, x_shape, y_shape), result_shape = shapes
    condition = numpy.asarray(rng.random(condition_shape) < 0.5)
    x_values, y_values = rng.standard_normal(x_shape), rng.standard_normal(y_shape)
    x, y = _leaf(x_values), _leaf(y_values)

    out = cr.where(cr.tensor(condition), x, y)
    assert out.shape == result_shape == numpy.broadcast_shapes(condition_shape, x_shape, y_shape)
    numpy.testing.assert_array_equal(out.numpy(), numpy.where(condition, x_values, y_values))

    upstream = rng.standard_normal(result_shape)
    out.backward(cr.tensor(upstream))
    chosen = numpy.broadcast_to(condition, result_shape)
    assert x.grad.shape == x_shape
    assert y.grad.shape == y_shape
    numpy.testing.assert_allclose(x.grad.numpy(), _reduce_to(upstream * chosen, x_shape), rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(y.grad.numpy(), _reduce_to(upstream * ~chosen, y_shape), rtol=1e-12, atol=1e-12)
