"""Version counters: changing in place a tensor that backward needs makes backward refuse, naming the op;
in-place ops on tensors that require grad are allowed only outside grad mode."""

from __future__ import annotations

import pytest

import chainrule as cr

MODIFIED = r"modified in place: {} of {} was changed"


def _change(tensor: cr.Tensor, how: str) -> None:
    with cr.no_grad():
        if how == "setitem":
            tensor[...] = 5.0
        elif how == "iadd":
            tensor += 1.0
        elif how == "fill_":
            tensor.fill_(2.0)
        elif how == "zero_":
            tensor.zero_()
        elif how == "copy_":
            tensor.copy_(cr.full(tensor.shape, 3.0))
        elif how == "mul_":
            tensor.mul_(2.0)


HOW = ["setitem", "iadd", "fill_", "zero_", "copy_", "mul_"]


@pytest.mark.parametrize("how", HOW)
def test_changing_a_saved_input_of_mul_makes_backward_raise(how):
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    w = cr.tensor([3.0, 4.0])
    loss = (x * w).sum()
    _change(w, how)
    with pytest.raises(RuntimeError, match=MODIFIED.format("input 1", "Mul")):
        loss.backward()


@pytest.mark.parametrize("how", ["setitem", "iadd", "zero_"])
def test_changing_a_saved_leaf_requiring_grad_under_no_grad_makes_backward_raise(how):
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    w = cr.tensor([3.0, 4.0], requires_grad=True)
    loss = (x * w).sum()
    _change(x, how)
    with pytest.raises(RuntimeError, match=MODIFIED.format("input 0", "Mul")):
        loss.backward()


@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid"])
@pytest.mark.parametrize("how", HOW)
def test_changing_a_saved_output_makes_backward_raise(op, how):
    x = cr.tensor([0.5, -0.5], requires_grad=True)
    y = getattr(x, op)()
    loss = y.sum()
    _change(y, how)
    name = {"exp": "Exp", "tanh": "Tanh", "sigmoid": "Sigmoid"}[op]
    with pytest.raises(RuntimeError, match=MODIFIED.format("its output", name)):
        loss.backward()


def test_error_message_says_how_to_fix_it():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    w = cr.tensor([3.0, 4.0])
    loss = (x * w).sum()
    w[0] = 0.0
    with pytest.raises(RuntimeError, match=r"out-of-place op, or \.clone\(\)"):
        loss.backward()


@pytest.mark.parametrize("view", ["slice", "index", "view", "transpose"])
def test_changing_a_view_of_a_saved_tensor_makes_backward_raise(view):
    x = cr.ones(2, 3, requires_grad=True)
    w = cr.ones(2, 3)
    loss = (x * w).sum()
    part = {"slice": lambda: w[:, 1:], "index": lambda: w[0], "view": lambda: w.view(6),
            "transpose": lambda: w.T}[view]()
    part.fill_(0.0)
    assert w.sum().item() < 6.0  # the view wrote into the saved memory
    with pytest.raises(RuntimeError, match=MODIFIED.format("input 1", "Mul")):
        loss.backward()


def test_changing_the_base_of_a_saved_view_makes_backward_raise():
    x = cr.ones(2, 3, requires_grad=True)
    w = cr.ones(2, 3)
    row = w[1]
    loss = (x[1] * row).sum()
    w.zero_()
    with pytest.raises(RuntimeError, match=MODIFIED.format("input 1", "Mul")):
        loss.backward()


def test_changing_a_detached_alias_of_a_saved_tensor_makes_backward_raise():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    loss = y.sum()
    y.detach().zero_()
    with pytest.raises(RuntimeError, match=MODIFIED.format("its output", "Exp")):
        loss.backward()


@pytest.mark.parametrize("how", HOW)
def test_changing_a_tensor_that_was_not_saved_is_fine(how):
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    w = cr.tensor([3.0, 4.0])
    loss = (x + w).sum()  # Add keeps only shapes
    _change(w, how)
    loss.backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_change_before_the_op_is_fine():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    w = cr.tensor([3.0, 4.0])
    w[0] = 10.0
    (x * w).sum().backward()
    assert x.grad.tolist() == [10.0, 4.0]


IN_PLACE = {
    "iadd": lambda t: t.__iadd__(1.0),
    "isub": lambda t: t.__isub__(1.0),
    "imul": lambda t: t.__imul__(2.0),
    "itruediv": lambda t: t.__itruediv__(2.0),
    "add_": lambda t: t.add_(1.0),
    "sub_": lambda t: t.sub_(1.0),
    "mul_": lambda t: t.mul_(2.0),
    "div_": lambda t: t.div_(2.0),
    "fill_": lambda t: t.fill_(0.0),
    "zero_": lambda t: t.zero_(),
    "copy_": lambda t: t.copy_(cr.zeros(2)),
    "setitem": lambda t: t.__setitem__(0, 1.0),
}


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_on_leaf_requiring_grad_in_grad_mode_raises_suggesting_no_grad(name):
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad in place.*chainrule\.no_grad\(\)"):
        IN_PLACE[name](x)
    assert x.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("name", ["iadd", "mul_", "setitem"])
def test_in_place_on_non_leaf_in_grad_mode_raises(name):
    y = cr.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"a tensor in the graph in place.*no_grad"):
        IN_PLACE[name](y)


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_under_no_grad_works(name):
    x = cr.tensor([4.0, 2.0], requires_grad=True)
    with cr.no_grad():
        result = IN_PLACE[name](x)
    expected = {"iadd": [5.0, 3.0], "isub": [3.0, 1.0], "imul": [8.0, 4.0], "itruediv": [2.0, 1.0],
                "add_": [5.0, 3.0], "sub_": [3.0, 1.0], "mul_": [8.0, 4.0], "div_": [2.0, 1.0],
                "fill_": [0.0, 0.0], "zero_": [0.0, 0.0], "copy_": [0.0, 0.0], "setitem": [1.0, 2.0]}[name]
    assert x.tolist() == expected
    assert x.requires_grad and x.is_leaf
    if name != "setitem":
        assert result is x


def test_readme_parameter_update_pattern():
    w = cr.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(2):
        loss = (w * w).sum()
        loss.backward()
        with cr.no_grad():
            w -= 0.25 * w.grad
            w.grad = None
    assert w.tolist() == [0.25, -0.5]  # each step halves w
    assert w.requires_grad and w.is_leaf
    (w * w).sum().backward()  # a graph built after the update is unaffected by it
    assert w.grad.tolist() == [0.5, -1.0]
