"""`chainrule.autograd.Function`, PyTorch's style: the same class body runs on chainrule and on torch, and gives
the same values, gradients, second derivatives, errors and graph (`grad_fn.name()`, `next_functions`)."""

from __future__ import annotations

import re
from types import ModuleType

import numpy
import pytest

import chainrule as cr
from chainrule.autograd import Function, FunctionCtx, gradcheck, gradgradcheck
from chainrule.autograd.function import AccumulateGrad, once_differentiable


# -- the Functions, written once for both libraries ---------------------------------------------------------------
def _my_exp(lib: ModuleType) -> type:
    class MyExp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale=2.0):
            y = x.exp() * scale
            ctx.save_for_backward(y)
            ctx.scale = scale
            return y

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * y, None

    return MyExp


def _scaled_tanh_product(lib: ModuleType) -> type:
    """x * tanh(y) * c, its backward in Tensor operations (so it has second derivatives)."""

    class ScaledTanhProduct(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, c):
            ctx.save_for_backward(x, y)  # inputs (or outputs): saved intermediates would be constants to create_graph
            ctx.c = c
            return x * y.tanh() * c

        @staticmethod
        def backward(ctx, grad_output):
            x, y = ctx.saved_tensors
            t = y.tanh()
            grad_x = grad_output * t * ctx.c if ctx.needs_input_grad[0] else None
            grad_y = grad_output * x * (1 - t * t) * ctx.c if ctx.needs_input_grad[1] else None
            return grad_x, grad_y, None

    return ScaledTanhProduct


def _sort_with_indices(lib: ModuleType) -> type:
    """(sorted values, argsort indices, a 0/1 mask marked non-differentiable): three outputs."""

    class SortWithIndices(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            indices = x.argsort()
            mask = (x > 0).to(x.dtype)
            ctx.mark_non_differentiable(indices, mask)
            ctx.save_for_backward(indices)
            return x[indices], indices, mask

        @staticmethod
        def backward(ctx, grad_values, grad_indices, grad_mask):
            (indices,) = ctx.saved_tensors
            ctx.seen = (grad_indices.dtype, grad_indices.tolist(), grad_mask.tolist())
            grad = lib.zeros_like(grad_values)
            grad[indices] = grad_values
            return grad

    return SortWithIndices


def _leaf(lib: ModuleType, values, requires_grad: bool = True):
    return lib.tensor(values, dtype=lib.float64, requires_grad=requires_grad)


def _assert_close(mine, theirs) -> None:
    numpy.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


# -- values and gradients against torch ---------------------------------------------------------------------------
@pytest.mark.torch
def test_the_pytorch_example_runs_unchanged_with_the_same_values_and_gradients(torch) -> None:
    results = {}
    for lib in (cr, torch):
        x = _leaf(lib, [[0.5, -1.0], [2.0, 0.25]])
        out = _my_exp(lib).apply(x, 3.0)
        (out * out).sum().backward()
        results[lib] = out, x.grad, out.grad_fn.scale
    (out, grad, scale), (torch_out, torch_grad, torch_scale) = results[cr], results[torch]
    _assert_close(out, torch_out)
    _assert_close(grad, torch_grad)
    assert scale == torch_scale == 3.0  # ctx's attributes are readable through grad_fn, as torch's ctx is the node
    assert out.requires_grad and not out.is_leaf


@pytest.mark.torch
def test_second_derivatives_of_a_backward_written_with_tensor_ops_match_torch(torch) -> None:
    results = {}
    for lib in (cr, torch):
        x, y = _leaf(lib, [0.5, -1.5, 2.0]), _leaf(lib, [0.3, 0.9, -0.4])
        out = _scaled_tanh_product(lib).apply(x, y, 1.5)
        grad_x, grad_y = lib.autograd.grad((out * out).sum(), [x, y], create_graph=True)
        second = lib.autograd.grad((grad_x * grad_y).sum(), [x, y])
        results[lib] = (grad_x, grad_y, *second)
    for mine, theirs in zip(results[cr], results[torch], strict=True):
        _assert_close(mine, theirs)


def test_gradcheck_and_gradgradcheck_pass_on_a_custom_function() -> None:
    function = _scaled_tanh_product(cr)
    x, y = _leaf(cr, [[0.5, -1.5], [2.0, 0.1]]), _leaf(cr, [[0.3, 0.9], [-0.4, 1.2]])
    assert gradcheck(lambda a, b: function.apply(a, b, 1.5), [x, y])
    assert gradgradcheck(lambda a, b: function.apply(a, b, 1.5), [x, y])
    my_exp = _my_exp(cr)
    assert gradcheck(lambda a: my_exp.apply(a, 3.0), [x])
    assert gradgradcheck(lambda a: my_exp.apply(a, 3.0), [x])  # through the saved output


def test_keyword_arguments_are_bound_to_their_positions() -> None:
    x = _leaf(cr, [1.0, 2.0])
    my_exp = _my_exp(cr)
    numpy.testing.assert_allclose(my_exp.apply(x, scale=3.0)._data, 3 * numpy.exp([1.0, 2.0]))
    seen = []

    class Weighted(Function):
        @staticmethod
        def forward(ctx, x, w=None):
            seen.append(ctx.needs_input_grad)
            return x * w

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2, grad_output * 3

    w = _leaf(cr, [1.0, 1.0])
    Weighted.apply(x, w=w).sum().backward()
    assert seen == [(True, True)]
    assert w.grad.tolist() == [3.0, 3.0]


# -- ctx ----------------------------------------------------------------------------------------------------------
def test_needs_input_grad_and_non_tensor_arguments() -> None:
    seen = {}

    class Affine(Function):
        @staticmethod
        def forward(ctx, x, y, scale, mode):
            seen["forward"] = (ctx.needs_input_grad, type(scale), mode, cr.is_grad_enabled())
            ctx.mode = mode
            return x * scale + y

        @staticmethod
        def backward(ctx, grad_output):
            seen["backward"] = (ctx.mode, type(grad_output), cr.is_grad_enabled())
            return grad_output * 2.5, None, None, None

    x, y = _leaf(cr, [1.0, 2.0]), _leaf(cr, [3.0, 4.0], requires_grad=False)
    out = Affine.apply(x, y, 2.5, "fast")
    assert out.tolist() == [5.5, 9.0]
    out.sum().backward()
    assert seen["forward"] == ((True, False, False, False), float, "fast", False)  # forward runs under no_grad
    assert seen["backward"] == ("fast", cr.Tensor, False)
    assert x.grad.tolist() == [2.5, 2.5] and y.grad is None


def test_a_gradient_for_a_non_tensor_argument_is_an_error() -> None:
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, grad_output

    with pytest.raises(RuntimeError, match=r"function ScaleBackward returned a gradient different than None at "
                                           r"position 2, but the corresponding forward input was not a Tensor"):
        Scale.apply(_leaf(cr, [1.0]), 2.0).sum().backward()


@pytest.mark.torch
def test_none_gradients_leave_inputs_without_grad_as_in_torch(torch) -> None:
    grads = {}
    for lib in (cr, torch):
        class FirstOnly(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

            @staticmethod
            def backward(ctx, grad_output):
                return grad_output, None

        x, y = _leaf(lib, [1.0, 2.0]), _leaf(lib, [3.0, 4.0])
        FirstOnly.apply(x, y).sum().backward()
        grads[lib] = x.grad.tolist(), y.grad
    assert grads[cr] == grads[torch] == ([1.0, 1.0], None)


def test_wrong_number_of_gradients_names_the_fix() -> None:
    class Product(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    x, y = _leaf(cr, [1.0]), _leaf(cr, [2.0])
    with pytest.raises(RuntimeError, match=re.escape(
        "function ProductBackward returned an incorrect number of gradients (expected 2, got 1): backward must "
        "return one gradient per argument of forward (ctx aside), None for an argument that is not a Tensor or "
        "needs no gradient"
    )):
        Product.apply(x, y).sum().backward()

    class TrailingNones(Product):
        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, grad_output, None  # extra Nones are allowed, as in torch

    TrailingNones.apply(x, y).sum().backward()
    assert x.grad.tolist() == [1.0]


def test_a_gradient_of_the_wrong_shape_is_an_error_and_a_broadcast_one_is_summed() -> None:
    class Total(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, grad_output):
            return cr.ones(3, dtype=cr.float64)

    class Broadcast(Total):
        @staticmethod
        def backward(ctx, grad_output):
            return cr.ones((4, 2), dtype=cr.float64)  # sums back to x's (2,)

    x = _leaf(cr, [1.0, 2.0])
    with pytest.raises(RuntimeError, match=re.escape(
        "function TotalBackward returned an invalid gradient at index 0 - got [3] but expected shape compatible "
        "with [2]"
    )):
        Total.apply(x).backward()
    Broadcast.apply(x).backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_save_for_backward_takes_only_tensors() -> None:
    class SavesANumber(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 1

    with pytest.raises(TypeError, match=r"save_for_backward can only save tensors \(or None\), but argument 1 is "
                                        r"of type int; keep other values as attributes of ctx"):
        SavesANumber.apply(_leaf(cr, [1.0]))


def test_a_saved_tensor_changed_in_place_fails_as_for_chainrules_own_ops() -> None:
    class Double(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 2 + x * 0

    x = _leaf(cr, [1.0, 2.0])
    hidden = x * 1
    out = Double.apply(hidden).sum()
    with cr.no_grad():
        hidden += 1
    with pytest.raises(RuntimeError) as custom:
        out.backward()
    hidden = x.exp()
    out = hidden.log().sum()  # Log saves its input
    with cr.no_grad():
        hidden += 1
    with pytest.raises(RuntimeError) as internal:
        out.backward()
    prefix = "a tensor needed to compute gradients was modified in place: "
    suffix = (
        " was changed (t[...] = v, t += v, t.zero_(), ...) after the op used it and before backward. Use an "
        "out-of-place op, or .clone() the tensor before changing it"
    )
    assert str(custom.value) == prefix + "input 0 of Double" + suffix
    assert str(internal.value) == prefix + "input 0 of Log" + suffix


def test_a_saved_output_changed_in_place_fails_too() -> None:
    x = _leaf(cr, [1.0, 2.0])
    out = _my_exp(cr).apply(x)
    with cr.no_grad():
        out.mul_(2)
    with pytest.raises(RuntimeError, match=r"modified in place: output 0 of MyExp was changed"):
        out.sum().backward()


# -- several outputs ----------------------------------------------------------------------------------------------
@pytest.mark.torch
def test_several_outputs_with_non_differentiable_ones_match_torch(torch) -> None:
    results = {}
    for lib in (cr, torch):
        x = _leaf(lib, [0.5, -2.0, 1.5, 3.0])
        function = _sort_with_indices(lib)
        values, indices, mask = function.apply(x)
        (values * lib.arange(4, dtype=lib.float64)).sum().backward()
        ctx = values.grad_fn
        results[lib] = (values.tolist(), indices.tolist(), mask.tolist(), x.grad.tolist(),
                        indices.requires_grad, mask.requires_grad, indices.grad_fn, mask.grad_fn, ctx.seen[1:])
        assert str(ctx.seen[0]).endswith("int64")  # the indices' gradient: zeros of their dtype
    assert results[cr] == results[torch]
    assert results[cr][-1] == ([0, 0, 0, 0], [0.0, 0.0, 0.0, 0.0])


@pytest.mark.torch
@pytest.mark.parametrize("materialize", [True, False])
def test_an_output_without_gradient_gets_zeros_or_none_as_in_torch(torch, materialize: bool) -> None:
    seen = {}
    for lib in (cr, torch):
        class TwoScales(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, grad_double, grad_triple):
                ctx.seen = [None if g is None else g.tolist() for g in (grad_double, grad_triple)]
                grad = grad_double * 2
                return grad if grad_triple is None else grad + grad_triple * 3

        x = _leaf(lib, [1.0, 2.0])
        double, triple = TwoScales.apply(x)
        consumers = [(t * 1).grad_fn.next_functions[0] for t in (double, triple)]
        assert consumers[0][0] is consumers[1][0] and [index for _, index in consumers] == [0, 1]
        assert consumers[0][0].name() == "TwoScalesBackward"
        double.sum().backward()
        assert x.grad.tolist() == [2.0, 2.0]
        seen[lib] = double.grad_fn.seen
    assert seen[cr] == seen[torch] == [[1.0, 1.0], [0.0, 0.0] if materialize else None]


@pytest.mark.torch
def test_gradients_of_several_outputs_sum_and_differentiate_again_as_in_torch(torch) -> None:
    results = {}
    for lib in (cr, torch):
        class PowersOf(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                square, cube = x * x, x * x * x
                ctx.save_for_backward(x, cube)
                ctx.k = k
                return square, cube

            @staticmethod
            def backward(ctx, grad_square, grad_cube):
                x, cube = ctx.saved_tensors
                return grad_square * 2 * x + grad_cube * 3 * cube / x, None

        x = _leaf(lib, [0.5, -1.5, 2.0])
        square, cube = PowersOf.apply(x, 4)
        (of_square,) = lib.autograd.grad(square.sum(), [x], retain_graph=True)
        loss = (square * cube).sum() + cube.sum()
        (first,) = lib.autograd.grad(loss, [x], create_graph=True)
        (second,) = lib.autograd.grad((first * first).sum(), [x])
        assert square.grad_fn.k == 4
        results[lib] = first, second, of_square
    for mine, theirs in zip(results[cr], results[torch], strict=True):
        _assert_close(mine, theirs)


def test_backward_through_a_released_node_raises() -> None:
    x = _leaf(cr, [1.0, 2.0])
    out = _my_exp(cr).apply(x)
    out.sum().backward()
    assert out.grad_fn.__dict__ == {}  # ctx and saved tensors freed with the node
    with pytest.raises(RuntimeError, match=r"trying to backward through the graph a second time \(MyExp already"):
        out.sum().backward()


def test_without_grad_mode_or_inputs_that_require_grad_nothing_is_recorded() -> None:
    my_exp = _my_exp(cr)
    x = _leaf(cr, [1.0])
    with cr.no_grad():
        out = my_exp.apply(x)
    assert not out.requires_grad and out.grad_fn is None
    constant = my_exp.apply(_leaf(cr, [1.0], requires_grad=False))
    assert not constant.requires_grad and constant.grad_fn is None


# -- in place -----------------------------------------------------------------------------------------------------
def _double_in_place(lib: ModuleType) -> type:
    class DoubleInPlace(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2

    return DoubleInPlace


@pytest.mark.torch
def test_mark_dirty_gives_the_changed_input_the_nodes_history_as_in_torch(torch) -> None:
    results = {}
    for lib in (cr, torch):
        x = _leaf(lib, [1.0, -3.0])
        hidden = x * x
        out = _double_in_place(lib).apply(hidden)
        assert out is hidden
        (out * out).sum().backward()
        results[lib] = hidden.tolist(), x.grad.tolist(), hidden.grad_fn.name()
    assert results[cr] == results[torch]


def test_mark_dirty_refuses_a_leaf_that_requires_grad_and_an_input_not_returned() -> None:
    x = _leaf(cr, [1.0])
    with pytest.raises(RuntimeError, match=r"a leaf Variable that requires grad has been used in an in-place "
                                           r"operation: input 0 of DoubleInPlace \(mark_dirty\). Pass a .clone\(\)"):
        _double_in_place(cr).apply(x)

    class ReturnsACopy(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x * 1

    with pytest.raises(RuntimeError, match=r"ReturnsACopy.forward changed an input in place \(mark_dirty\) but did "
                                           r"not return it"):
        ReturnsACopy.apply(x * 1)


def test_a_dirty_input_invalidates_what_other_nodes_saved_from_it() -> None:
    x = _leaf(cr, [1.0, 2.0])
    hidden = x * 1
    logged = hidden.log()  # Log saves hidden
    _double_in_place(cr).apply(hidden)
    with pytest.raises(RuntimeError, match=r"modified in place: input 0 of Log"):
        logged.sum().backward()


# -- once_differentiable ------------------------------------------------------------------------------------------
class CubeOnce(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        assert not cr.is_grad_enabled()
        return cr.tensor(grad_output.numpy() * 3 * x.numpy() ** 2)  # leaves Tensor operations


def test_once_differentiable_gives_first_derivatives_and_refuses_second_ones() -> None:
    x = _leaf(cr, [0.5, -2.0])
    CubeOnce.apply(x).sum().backward()
    assert x.grad.tolist() == [0.75, 12.0]
    (first,) = cr.autograd.grad(CubeOnce.apply(x).sum(), [x], create_graph=True)
    assert first.tolist() == [0.75, 12.0]
    message = (r"trying to differentiate twice a function that was marked with @once_differentiable: "
               r"CubeOnce.backward computes its gradient outside Tensor operations")
    with pytest.raises(RuntimeError, match=message):
        first.sum().backward()
    with pytest.raises(RuntimeError, match=message):
        gradgradcheck(CubeOnce.apply, [x])


# -- graph inspection ---------------------------------------------------------------------------------------------
def _structure(node, leaves: list) -> object:
    """A graph as nested (name, [children]) with leaves as their position in `leaves`, and None as None."""
    if node is None:
        return None
    if hasattr(node, "variable"):
        return ("leaf", next(i for i, leaf in enumerate(leaves) if leaf is node.variable))
    return node.name(), [(_structure(child, leaves), index) for child, index in node.next_functions]


@pytest.mark.torch
def test_grad_fn_names_and_next_functions_have_torchs_structure(torch) -> None:
    structures = {}
    for lib in (cr, torch):
        a, b = _leaf(lib, [1.0, 2.0]), _leaf(lib, [0.5, 0.1])
        constant = _leaf(lib, [3.0, 4.0], requires_grad=False)
        values, _indices, _mask = _sort_with_indices(lib).apply(a * b + constant)
        mixed = _scaled_tanh_product(lib).apply(values, b.exp(), 2.0) * constant
        structures[lib] = _structure(mixed.sum().grad_fn, [a, b])
    assert structures[cr] == structures[torch]
    assert structures[cr][0] == "SumBackward0"


def test_accumulate_grad_shows_the_leaf_and_nodes_read_as_torchs() -> None:
    a = _leaf(cr, [1.0])
    node = (a * a).grad_fn
    first, second = node.next_functions
    assert isinstance(first[0], AccumulateGrad) and first[0].variable is a and first == second
    assert first[0].name() == "torch::autograd::AccumulateGrad" and first[0].next_functions == ()
    assert node.name == "Mul" and node.name() == "MulBackward0" and repr(node) == "<MulBackward>"
    out = _my_exp(cr).apply(a)
    assert out.grad_fn.name == "MyExp" and out.grad_fn.name() == "MyExpBackward"
    assert type(out.grad_fn).__name__ == "MyExpBackward" and repr(out.grad_fn) == "<MyExpBackward>"
    out.sum().backward()
    assert out.grad_fn.next_functions == ()  # released


# -- the class itself ---------------------------------------------------------------------------------------------
def test_setup_context_style_gets_inputs_with_defaults() -> None:
    class Scaled(Function):
        @staticmethod
        def forward(x, scale=2.0):
            return x * scale

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.inputs_seen = inputs
            ctx.scale = inputs[1]

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.scale, None

    x = _leaf(cr, [1.0, 2.0])
    out = Scaled.apply(x)
    assert out.grad_fn.inputs_seen == (x, 2.0)
    out.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_old_style_ops_are_pointed_to_the_internal_base_and_back() -> None:
    with pytest.raises(TypeError, match=r"Cube sets saves_inputs, which belongs to chainrule's internal array-based "
                                        r"op base: subclass chainrule.autograd.function.Function for that style"):
        class Cube(Function):
            saves_inputs = True

            def forward(self, x):
                return x * x * x

    from chainrule.autograd.function import Function as InternalFunction

    message = (r"Twice.forward is a staticmethod \(PyTorch's style\), but Twice subclasses chainrule's internal "
               r"array-based op base; subclass chainrule.autograd.Function")
    with pytest.raises(TypeError, match=message):
        class Twice(InternalFunction):
            @staticmethod
            def forward(ctx, x):
                return x * 2

    with pytest.warns(DeprecationWarning, match=r"MyExp should not be instantiated: .* call MyExp.apply\(...\)"):
        _my_exp(cr)()


def test_a_function_without_backward_says_what_to_write() -> None:
    class ForwardOnly(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    with pytest.raises(NotImplementedError, match=r"You must implement either the backward or vjp method"):
        ForwardOnly.apply(_leaf(cr, [1.0])).sum().backward()


def test_ctx_is_a_function_ctx_and_saved_tensors_outlive_forward_only_in_backward() -> None:
    kept = []

    class Keep(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            assert ctx.saved_tensors == (x,)
            kept.append(ctx)
            return x * 1

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    Keep.apply(_leaf(cr, [1.0]))
    assert isinstance(kept[0], FunctionCtx)
    with pytest.raises(RuntimeError, match=r"saved_tensors can be read in backward"):
        kept[0].saved_tensors  # noqa: B018


@pytest.mark.torch
def test_variable_is_a_detached_alias_with_the_given_requires_grad(torch) -> None:
    for lib in (cr, torch):
        t = lib.tensor([1.0, 2.0])
        v = lib.autograd.Variable(t, requires_grad=True)
        assert v is not t and v.requires_grad and not t.requires_grad and v.is_leaf
        with lib.no_grad():
            t.add_(1)
        assert v.tolist() == [2.0, 3.0]  # shares the memory
        assert isinstance(t, lib.autograd.Variable)
        hidden = lib.autograd.Variable(t, requires_grad=True) * 2
        assert lib.autograd.Variable(hidden).grad_fn is None
