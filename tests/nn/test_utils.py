"""chainrule.nn.utils: gradient clipping against torch.nn.utils, L1/L2 penalties and their gradients,
parameters_to_vector / vector_to_parameters."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr
from chainrule.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    l1_penalty,
    l2_penalty,
    parameters_to_vector,
    vector_to_parameters,
)
from tests.conftest import to_numpy as _numpy

SHAPES = [(4, 5), (5,), (2, 3, 3)]



def _grads(scale: float, dtype: str = "float32") -> list[numpy.ndarray]:
    rng = numpy.random.default_rng(1)
    return [(scale * rng.standard_normal(shape)).astype(dtype) for shape in SHAPES]


def _chainrule_params(grads: list[numpy.ndarray], device: str = "cpu") -> list[cr.Tensor]:
    params = []
    for grad in grads:
        param = cr.zeros(grad.shape, dtype=grad.dtype, device=device, requires_grad=True)
        param.grad = cr.tensor(grad, device=device)
        params.append(param)
    return params


def _torch_params(torch, grads: list[numpy.ndarray]) -> list:
    params = []
    for grad in grads:
        param = torch.zeros(grad.shape, dtype=getattr(torch, str(grad.dtype)), requires_grad=True)
        param.grad = torch.from_numpy(grad.copy())
        params.append(param)
    return params


@pytest.mark.torch
@pytest.mark.parametrize("scale", [10.0, 0.01], ids=["clipped", "below-max"])
@pytest.mark.parametrize("norm_type", [2.0, 1, float("inf"), 3.0])
def test_clip_grad_norm_matches_torch(norm_type: float, scale: float, device: str, torch) -> None:
    grads = _grads(scale)
    params = _chainrule_params(grads, device)
    arrays = [p.grad._data for p in params]

    total = clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    expected_total = torch.nn.utils.clip_grad_norm_(_torch_params(torch, grads), 1.0, norm_type)

    assert isinstance(total, cr.Tensor) and total.shape == () and total.dtype == cr.float32
    assert total.item() == pytest.approx(expected_total.item(), rel=1e-5)
    expected = _torch_params(torch, grads)
    torch.nn.utils.clip_grad_norm_(expected, 1.0, norm_type)
    for param, reference, array in zip(params, expected, arrays, strict=True):
        assert param.grad._data is array, "gradients must be scaled in place"
        numpy.testing.assert_allclose(_numpy(param.grad), reference.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_leaves_small_gradients_unchanged_and_clips_large_ones_to_max_norm() -> None:
    grads = _grads(0.01)
    params = _chainrule_params(grads)
    total = clip_grad_norm_(params, max_norm=5.0)
    expected_norm = numpy.sqrt(sum((g.astype("float64") ** 2).sum() for g in grads))
    assert total.item() == pytest.approx(expected_norm, rel=1e-6)
    for param, grad in zip(params, grads, strict=True):
        numpy.testing.assert_array_equal(_numpy(param.grad), grad)

    params = _chainrule_params(_grads(10.0))
    clip_grad_norm_(params, max_norm=0.5)
    norm = numpy.sqrt(sum((_numpy(p.grad).astype("float64") ** 2).sum() for p in params))
    assert norm == pytest.approx(0.5, rel=1e-5)


def test_clip_grad_norm_accepts_one_tensor_and_skips_parameters_without_grad() -> None:
    param = _chainrule_params([numpy.array([3.0, 4.0], dtype="float32")])[0]
    no_grad = cr.zeros(3, requires_grad=True)
    total = clip_grad_norm_([param, no_grad], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    assert no_grad.grad is None
    numpy.testing.assert_allclose(_numpy(param.grad), [0.6, 0.8], rtol=1e-5)

    alone = _chainrule_params([numpy.array([3.0, 4.0], dtype="float32")])[0]
    assert clip_grad_norm_(alone, max_norm=10.0).item() == pytest.approx(5.0)
    assert clip_grad_norm_(iter([param]), max_norm=10.0).item() == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_without_gradients_returns_zero() -> None:
    total = clip_grad_norm_([cr.zeros(3, requires_grad=True)], max_norm=1.0)
    assert total.item() == 0.0 and total.shape == () and total.dtype == cr.float32


@pytest.mark.filterwarnings("ignore:invalid value encountered in multiply:RuntimeWarning")  # inf * 0
def test_clip_grad_norm_error_if_nonfinite(torch) -> None:
    grads = _grads(1.0)
    grads[1][2] = numpy.inf
    with pytest.raises(RuntimeError, match=r"The total norm of order 2.0 for gradients from `parameters` is "
                                           r"non-finite \(inf\), so it cannot be clipped.*error_if_nonfinite=False"):
        clip_grad_norm_(_chainrule_params(grads), 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="The total norm of order inf"):
        clip_grad_norm_(_chainrule_params(grads), 1.0, norm_type="inf", error_if_nonfinite=True)

    params = _chainrule_params(grads)  # by default the non-finite norm scales anyway, as in PyTorch
    total = clip_grad_norm_(params, 1.0)
    expected = _torch_params(torch, grads)
    assert total.item() == torch.nn.utils.clip_grad_norm_(expected, 1.0).item() == numpy.inf
    for param, reference in zip(params, expected, strict=True):
        numpy.testing.assert_array_equal(_numpy(param.grad), reference.grad.numpy())


def test_clip_grad_value_matches_torch(device: str, torch) -> None:
    grads = _grads(2.0)
    params = _chainrule_params(grads, device)
    arrays = [p.grad._data for p in params]
    assert clip_grad_value_(params, 1.5) is None
    expected = _torch_params(torch, grads)
    torch.nn.utils.clip_grad_value_(expected, 1.5)
    for param, reference, array in zip(params, expected, arrays, strict=True):
        assert param.grad._data is array
        numpy.testing.assert_array_equal(_numpy(param.grad), reference.grad.numpy())
    single = _chainrule_params([numpy.array([-3.0, 0.2, 3.0], dtype="float32")])[0]
    clip_grad_value_(single, 1)
    numpy.testing.assert_array_equal(_numpy(single.grad), numpy.array([-1.0, 0.2, 1.0], dtype="float32"))


def test_l1_penalty_value_and_gradient_sign() -> None:
    weight = cr.tensor([[1.5, -2.0], [0.0, 0.25]], requires_grad=True)
    bias = cr.tensor([-0.5, 3.0], requires_grad=True)
    penalty = l1_penalty([weight, bias])
    assert penalty.shape == () and penalty.item() == pytest.approx(7.25)
    (0.1 * penalty).backward()
    numpy.testing.assert_allclose(_numpy(weight.grad), 0.1 * numpy.array([[1.0, -1.0], [0.0, 1.0]]), rtol=1e-6)
    numpy.testing.assert_allclose(_numpy(bias.grad), 0.1 * numpy.array([-1.0, 1.0]), rtol=1e-6)


def test_l2_penalty_value_and_gradient_2p() -> None:
    weight = cr.tensor([[1.5, -2.0], [0.0, 0.25]], requires_grad=True)
    bias = cr.tensor([-0.5, 3.0], requires_grad=True)
    penalty = l2_penalty(iter([weight, bias]))
    assert penalty.item() == pytest.approx(2.25 + 4.0 + 0.0625 + 0.25 + 9.0)
    penalty.backward()
    numpy.testing.assert_allclose(_numpy(weight.grad), 2 * _numpy(weight), rtol=1e-6)
    numpy.testing.assert_allclose(_numpy(bias.grad), 2 * _numpy(bias), rtol=1e-6)


def test_half_l2_penalty_gradient_is_weight_decay_times_p() -> None:
    weight = cr.tensor([1.0, -3.0], requires_grad=True)
    weight_decay = 0.01
    (weight_decay / 2 * l2_penalty(weight)).backward()
    numpy.testing.assert_allclose(_numpy(weight.grad), weight_decay * _numpy(weight), rtol=1e-6)


def test_penalty_errors() -> None:
    with pytest.raises(ValueError, match=r"l1_penalty got no parameters; pass e.g. model.parameters\(\)"):
        l1_penalty([])
    with pytest.raises(TypeError, match=r"l2_penalty expects Tensors \(e.g. model.parameters\(\)\), got ndarray"):
        l2_penalty([numpy.ones(3)])


def test_parameters_to_vector_matches_torch_and_is_differentiable(torch) -> None:
    values = [numpy.arange(numpy.prod(shape), dtype="float32").reshape(shape) - 3 for shape in SHAPES]
    params = [cr.tensor(v, requires_grad=True) for v in values]
    vector = parameters_to_vector(params)
    expected = torch.nn.utils.parameters_to_vector([torch.from_numpy(v) for v in values])
    numpy.testing.assert_array_equal(_numpy(vector), expected.numpy())

    (vector * 3.0).sum().backward()
    for param in params:
        numpy.testing.assert_array_equal(_numpy(param.grad), numpy.full(param.shape, 3.0, dtype="float32"))


def test_vector_to_parameters_round_trip_in_place(device: str) -> None:
    params = [cr.zeros(shape, device=device, requires_grad=True) for shape in SHAPES]
    arrays = [p._data for p in params]
    versions = [p._version[0] for p in params]
    vector = cr.arange(20 + 5 + 18, dtype="float32", device=device)

    vector_to_parameters(vector, params)

    numpy.testing.assert_array_equal(_numpy(parameters_to_vector(params)), _numpy(vector))
    numpy.testing.assert_array_equal(_numpy(params[1]), numpy.arange(20, 25, dtype="float32"))
    for param, array, version in zip(params, arrays, versions, strict=True):
        assert param._data is array and param._version[0] > version and param.grad_fn is None


def test_vector_to_parameters_errors() -> None:
    params = [cr.zeros(shape) for shape in SHAPES]
    with pytest.raises(ValueError, match="vector_to_parameters: vec has 40 elements but the parameters hold 43"):
        vector_to_parameters(cr.zeros(40), params)
    with pytest.raises(ValueError, match=r"vector_to_parameters expects a 1-D vec, got shape \(43, 1\)"):
        vector_to_parameters(cr.zeros(43, 1), params)
    with pytest.raises(TypeError, match="vector_to_parameters expects vec to be a chainrule Tensor, got list"):
        vector_to_parameters([0.0] * 43, params)
    with pytest.raises(ValueError, match="parameters_to_vector got no parameters"):
        parameters_to_vector([])
