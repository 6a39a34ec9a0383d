"""The backward engine: accumulation, freeing the graph, root-gradient checks, deep and branching graphs,
leaf gradients that never alias, grad modes, detach and retain_grad."""

from __future__ import annotations

import math
import sys

import numpy
import pytest

import chainrule as cr
from chainrule.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled


def _values(tensor: cr.Tensor) -> list:
    return tensor.tolist()


# -- accumulation and the lifetime of the graph ------------------------------------------------------
def test_gradients_accumulate_across_backward_calls():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    assert _values(x.grad) == [2.0, 4.0, 6.0]
    (x * 3).sum().backward()
    assert _values(x.grad) == [5.0, 7.0, 9.0]


def test_second_backward_through_freed_graph_raises_naming_retain_graph():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


def test_second_backward_through_a_freed_inner_node_raises():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    hidden = x.exp()
    hidden.sum().backward()
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph"):
        (hidden * 2).sum().backward()


def test_retain_graph_allows_a_second_backward_and_grads_double():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x * x).sum()
    loss.backward(retain_graph=True)
    assert _values(x.grad) == [3.0, 12.0]
    loss.backward()
    assert _values(x.grad) == [6.0, 24.0]


# -- the root gradient ---------------------------------------------------------------------------------
def test_non_scalar_backward_without_gradient_names_the_shape():
    x = cr.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar output, got shape \(2, 3\).*gradient="):
        (x * 2).backward()


def test_gradient_of_wrong_shape_raises_naming_both_shapes():
    x = cr.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\) but the output has shape \(2, 3\)"):
        (x * 2).backward(cr.ones(3))


def test_non_scalar_backward_with_gradient_computes_the_vector_jacobian_product():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(cr.tensor([1.0, 0.5, 0.0]))
    assert _values(x.grad) == [2.0, 2.0, 0.0]


def test_backward_on_tensor_not_requiring_grad_raises():
    x = cr.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * 2).sum().backward()


# -- deep and branching graphs -----------------------------------------------------------------------------
def test_chain_of_100000_multiplications_has_no_recursion_and_the_right_gradient():
    assert sys.getrecursionlimit() < 100_000  # a recursive engine could not walk this chain
    x = cr.tensor(1.0, dtype=cr.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0000001**100_000, rel=1e-9)


def test_chain_of_100000_additions_of_the_same_leaf_sums_every_path():
    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + x
    y.sum().backward()
    assert _values(x.grad) == [100_001.0, 100_001.0]


def test_diamond_with_the_leaf_used_twice_in_one_op():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x + x).sum().backward()
    assert _values(x.grad) == [3.0, 5.0, 7.0]


def test_leaf_used_in_many_branches_sums_them():
    x = cr.tensor([1.0, -1.0], requires_grad=True)
    total = x * 1
    for k in range(2, 11):
        total = total + x * k
    total.sum().backward()
    assert _values(x.grad) == [55.0, 55.0]


def test_diamond_through_a_shared_intermediate():
    x = cr.tensor([0.3, -0.7], dtype=cr.float64, requires_grad=True)
    a = x * 2
    (a.exp() + a.sin()).sum().backward()
    expected = [2 * (math.exp(2 * v) + math.cos(2 * v)) for v in (0.3, -0.7)]
    assert _values(x.grad) == pytest.approx(expected, rel=1e-12)


def test_several_roots_in_one_backward_call():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    cr.autograd.backward([(x * x).sum(), (x * 3).sum()])
    assert _values(x.grad) == [5.0, 7.0]


# -- leaf gradients never alias each other (or the user's gradient) --------------------------------------
GRAPHS = {
    "sum": lambda x, y: (x + y).sum(),
    "scaled": lambda x, y: ((x + y) * 2).sum(),
    "broadcast": lambda x, y: (x + y.reshape(1, 3)).sum(),
    "clone": lambda x, y: (x + y).clone().sum(),
    "shifted": lambda x, y: ((x + y) + 1.0).sum(),
}


@pytest.mark.parametrize("graph", list(GRAPHS.values()), ids=list(GRAPHS))
def test_leaf_grads_are_distinct_arrays(graph):
    x = cr.ones(2, 3, requires_grad=True)
    y = cr.ones(3, requires_grad=True) if graph is GRAPHS["broadcast"] else cr.ones(2, 3, requires_grad=True)
    graph(x, y).backward()
    assert not numpy.shares_memory(x.grad.numpy(), y.grad.numpy())
    y_before = y.grad.numpy().copy()
    x.grad._data += 1
    numpy.testing.assert_array_equal(y.grad.numpy(), y_before)
    x.grad._data *= 10  # in-place scaling of one leaf's gradient leaves the other alone
    numpy.testing.assert_array_equal(y.grad.numpy(), y_before)


def test_leaf_grads_stay_separate_over_two_backward_passes():
    x = cr.tensor([1.0, 1.0], requires_grad=True)
    y = cr.tensor([1.0, 1.0], requires_grad=True)
    (x + y).sum().backward()
    x.grad._data += 1
    assert _values(x.grad) == [2.0, 2.0]
    assert _values(y.grad) == [1.0, 1.0]
    (x + y).sum().backward()
    assert _values(x.grad) == [3.0, 3.0]
    assert _values(y.grad) == [2.0, 2.0]
    x.grad.mul_(2)
    assert _values(x.grad) == [6.0, 6.0]
    assert _values(y.grad) == [2.0, 2.0]


def test_leaf_grads_do_not_alias_the_given_gradient():
    x = cr.zeros(3, requires_grad=True)
    y = cr.zeros(3, requires_grad=True)
    seed = cr.tensor([1.0, 2.0, 3.0])
    (x + y).backward(seed)
    x.grad._data *= 0
    assert _values(seed) == [1.0, 2.0, 3.0]
    assert _values(y.grad) == [1.0, 2.0, 3.0]


def test_leaf_backward_with_gradient_copies_it():
    x = cr.zeros(2, requires_grad=True)
    seed = cr.tensor([4.0, 5.0])
    x.backward(seed)
    x.grad._data += 1
    assert _values(seed) == [4.0, 5.0]
    assert _values(x.grad) == [5.0, 6.0]


def test_unused_leaf_gets_no_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    unused = cr.tensor([3.0], requires_grad=True)
    (x * 2).sum().backward()
    assert _values(x.grad) == [2.0, 2.0]
    assert unused.grad is None


def test_input_not_requiring_grad_gets_no_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    constant = cr.tensor([3.0, 4.0])
    (x * constant).sum().backward()
    assert _values(x.grad) == [3.0, 4.0]
    assert constant.grad is None


# -- grad modes ------------------------------------------------------------------------------------------
def test_ops_under_no_grad_are_not_recorded():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = (x * 2).exp().sum()
    assert y.requires_grad is False
    assert y.grad_fn is None
    assert y.is_leaf


def test_no_grad_as_context_manager_restores_the_mode_even_on_error():
    with no_grad():
        assert is_grad_enabled() is False
    assert is_grad_enabled() is True
    with pytest.raises(KeyError), no_grad():
        raise KeyError("boom")
    assert is_grad_enabled() is True


def test_no_grad_as_decorator():
    x = cr.tensor([1.0], requires_grad=True)

    @no_grad()
    def evaluate(t):
        return t * 2, is_grad_enabled()

    y, mode_inside = evaluate(x)
    assert mode_inside is False
    assert y.requires_grad is False
    assert is_grad_enabled() is True
    assert evaluate.__name__ == "evaluate"


def test_enable_grad_inside_no_grad_as_context_manager_and_decorator():
    x = cr.tensor([1.0], requires_grad=True)

    @enable_grad()
    def record(t):
        return t * 2

    with no_grad():
        with enable_grad():
            inner = x * 2
            assert is_grad_enabled() is True
        assert is_grad_enabled() is False
        decorated = record(x)
        assert is_grad_enabled() is False
    assert is_grad_enabled() is True
    assert inner.requires_grad and inner.grad_fn is not None
    assert decorated.requires_grad and decorated.grad_fn is not None


def test_set_grad_enabled_as_context_manager():
    x = cr.tensor([1.0], requires_grad=True)
    with set_grad_enabled(False):
        assert is_grad_enabled() is False
        y = x * 2
        with set_grad_enabled(True):
            z = x * 2
        assert is_grad_enabled() is False
    assert is_grad_enabled() is True
    assert y.requires_grad is False
    assert z.requires_grad is True


def test_set_grad_enabled_as_decorator_does_not_change_the_mode_at_definition():
    @set_grad_enabled(False)
    def evaluate():
        return is_grad_enabled()

    assert is_grad_enabled() is True
    assert evaluate() is False
    assert is_grad_enabled() is True


def test_set_grad_enabled_as_a_plain_call_switches_now():
    set_grad_enabled(False)
    assert is_grad_enabled() is False
    set_grad_enabled(True)
    assert is_grad_enabled() is True


def test_nested_modes_restore_in_order():
    states = []
    with no_grad():
        states.append(is_grad_enabled())
        with enable_grad():
            states.append(is_grad_enabled())
            with no_grad():
                states.append(is_grad_enabled())
            states.append(is_grad_enabled())
        states.append(is_grad_enabled())
    states.append(is_grad_enabled())
    assert states == [False, True, False, True, False, True]


# -- leaves, detach, retain_grad ---------------------------------------------------------------------------
def test_detach_shares_memory_and_leaves_the_graph():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert d.requires_grad is False
    assert d.grad_fn is None
    assert numpy.shares_memory(d.numpy(), x.numpy())
    d[0] = 7.0
    assert _values(x) == [7.0, 2.0]


def test_detached_result_stops_the_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * x.detach()).sum().backward()
    assert _values(x.grad) == [1.0, 2.0]


def test_requires_grad_():
    w = cr.tensor([1.0, 2.0])
    assert w.requires_grad_() is w
    assert w.requires_grad is True
    w.requires_grad_(False)
    assert w.requires_grad is False


def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(RuntimeError, match=r"only floating-point.*chainrule\.int64.*\.float\(\)"):
        cr.tensor([1, 2]).requires_grad_()


def test_requires_grad_false_on_non_leaf_raises():
    y = cr.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"leaf tensors.*detach\(\)"):
        y.requires_grad_(False)


def test_is_leaf():
    x = cr.tensor([1.0], requires_grad=True)
    constant = cr.tensor([1.0])
    assert x.is_leaf
    assert (x * 2).is_leaf is False
    assert (constant * 2).is_leaf  # not recorded, so a leaf (as PyTorch)


def test_retain_grad_fills_grad_of_a_non_leaf():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    assert _values(y.grad) == [6.0, 12.0]
    assert _values(x.grad) == [18.0, 36.0]


def test_non_leaf_gets_no_grad_without_retain_grad():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = y.exp()
    z.sum().backward()
    assert y.grad is None
    assert z.grad is None
    assert x.grad is not None


def test_retain_grad_on_tensor_not_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require grad"):
        cr.tensor([1.0]).retain_grad()
