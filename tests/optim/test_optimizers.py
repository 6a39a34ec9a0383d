"""Optimizers: parameter trajectories equal PyTorch's for every option; groups, state_dict, zero_grad, closure,
in-place updates and the error messages of the public API."""

from __future__ import annotations

import copy
import re

import numpy
import pytest

import chainrule as cr
from chainrule import optim

_rng = numpy.random.default_rng(1234)
W0, B0, X = _rng.standard_normal((3, 4)), _rng.standard_normal(4), _rng.standard_normal((5, 3))
TORCH_ONLY_OPTIONS = {"foreach", "differentiable", "fused", "capturable"}

# (optimizer, options): every row's 20-step trajectory must equal PyTorch's.
CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.2, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "maximize": True}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.9), "eps": 1e-6, "amsgrad": True, "weight_decay": 0.3, "maximize": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.5}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.5, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "maximize": True, "betas": (0.5, 0.99)}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "alpha": 0.9}),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.1, "eps": 1e-4}),
    ("RMSprop", {"lr": 0.01, "maximize": True, "centered": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.05, "maximize": True, "eps": 1e-4}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.05, "maximize": True, "eps": 1e-4}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4}),
    ("Adadelta", {"lr": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-5}),
    ("Adagrad", {"lr": 0.1, "maximize": True, "lr_decay": 0.05}),
]
# One stateful configuration per optimizer, for the tests of state and in-place updates.
STATEFUL = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.1}),
    ("Adadelta", {"lr": 0.5, "weight_decay": 0.1}),
]


def _case_id(case: tuple[str, dict]) -> str:
    name, options = case
    return name + "".join(f"-{key}={value}" for key, value in options.items())


def _params(module, device: str = "cpu") -> list:
    """The model's weight (3, 4) and bias (4,), float64, in chainrule or torch."""
    if module is cr:
        return [cr.tensor(W0, device=device, requires_grad=True), cr.tensor(B0, device=device, requires_grad=True)]
    return [module.tensor(W0, requires_grad=True), module.tensor(B0, requires_grad=True)]


def _loss(module, params: list, device: str = "cpu"):
    weight, bias = params
    x = cr.tensor(X, dtype=weight.dtype, device=device) if module is cr else module.tensor(X)
    return ((x @ weight + bias).tanh() ** 2).sum()


def _train(module, optimizer, params: list, steps: int, device: str = "cpu") -> list[list[numpy.ndarray]]:
    """Run `steps` steps; return the parameters' values after each one."""
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        _loss(module, params, device).backward()
        optimizer.step()
        trajectory.append([numpy.array(p.detach().cpu().numpy()) for p in params])
    return trajectory


def _torch_trajectory(torch, name: str, options: dict, steps: int = 20, groups=None) -> list:
    params = _params(torch)
    optimizer = getattr(torch.optim, name)(groups(params) if groups else params, foreach=False, **options)
    return _train(torch, optimizer, params, steps)


def _assert_same_trajectory(ours: list, theirs: list) -> None:
    assert len(ours) == len(theirs)
    for step, (our_params, their_params) in enumerate(zip(ours, theirs, strict=True)):
        for index, (mine, reference) in enumerate(zip(our_params, their_params, strict=True)):
            numpy.testing.assert_allclose(
                mine, reference, rtol=1e-10, atol=1e-12, err_msg=f"parameter {index} after step {step + 1}"
            )


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_trajectory_matches_torch(torch, case):
    name, options = case
    params = _params(cr)
    ours = _train(cr, getattr(optim, name)(params, **options), params, 20)
    _assert_same_trajectory(ours, _torch_trajectory(torch, name, options))


@pytest.mark.torch
@pytest.mark.parametrize("case", STATEFUL, ids=_case_id)
def test_trajectory_on_each_device_matches_torch(torch, device, case):
    name, options = case
    params = _params(cr, device)
    ours = _train(cr, getattr(optim, name)(params, **options), params, 20, device)
    _assert_same_trajectory(ours, _torch_trajectory(torch, name, options))


@pytest.mark.torch
@pytest.mark.parametrize("case", STATEFUL, ids=_case_id)
def test_param_groups_with_their_own_options_match_torch(torch, case):
    name, options = case

    def groups(params):
        second = {"params": [params[1]], "lr": options.get("lr", 0.01) / 10, "weight_decay": 0.2}
        return [{"params": [params[0]]}, second]

    params = _params(cr)
    optimizer = getattr(optim, name)(groups(params), **options)
    assert [group["lr"] for group in optimizer.param_groups] == [options.get("lr", 0.01), options.get("lr", 0.01) / 10]
    ours = _train(cr, optimizer, params, 20)
    _assert_same_trajectory(ours, _torch_trajectory(torch, name, options, groups=groups))


@pytest.mark.parametrize("case", STATEFUL, ids=_case_id)
def test_state_dict_round_trip_resumes_identically(case):
    name, options = case
    params = _params(cr)
    uninterrupted = _train(cr, getattr(optim, name)(params, **options), params, 20)

    params = _params(cr)
    optimizer = getattr(optim, name)(params, **options)
    first_half = _train(cr, optimizer, params, 10)
    saved = copy.deepcopy(optimizer.state_dict())
    resumed_params = [cr.tensor(p._data, requires_grad=True) for p in params]
    resumed = getattr(optim, name)(resumed_params, **options)
    resumed.load_state_dict(saved)
    second_half = _train(cr, resumed, resumed_params, 10)
    for ours, reference in zip(first_half + second_half, uninterrupted, strict=True):
        for mine, expected in zip(ours, reference, strict=True):
            numpy.testing.assert_array_equal(mine, expected)


@pytest.mark.torch
@pytest.mark.parametrize("case", STATEFUL, ids=_case_id)
def test_state_dict_layout_matches_torch(torch, case):
    name, options = case
    params, torch_params = _params(cr), _params(torch)
    optimizer = getattr(optim, name)(params, **options)
    torch_optimizer = getattr(torch.optim, name)(torch_params, **options)
    _train(cr, optimizer, params, 3)
    _train(torch, torch_optimizer, torch_params, 3)
    ours, theirs = optimizer.state_dict(), torch_optimizer.state_dict()

    assert ours["state"].keys() == theirs["state"].keys() == {0, 1}
    for index in (0, 1):
        assert list(ours["state"][index]) == list(theirs["state"][index])
        for key, value in ours["state"][index].items():
            if key == "step":
                assert value == 3 and type(value) is int  # PyTorch keeps a 0-d tensor
            else:
                assert isinstance(value, cr.Tensor)
                numpy.testing.assert_allclose(value.numpy(), theirs["state"][index][key].numpy(), rtol=1e-10)
    [our_group], [their_group] = ours["param_groups"], theirs["param_groups"]
    assert our_group["params"] == their_group["params"] == [0, 1]
    assert our_group == {key: value for key, value in their_group.items() if key not in TORCH_ONLY_OPTIONS}


def test_state_dict_shares_memory_and_load_state_dict_copies():
    params = _params(cr)
    optimizer = optim.SGD(params, lr=0.1, momentum=0.9)
    _train(cr, optimizer, params, 2)
    buffer = optimizer.state[params[0]]["momentum_buffer"]
    saved = optimizer.state_dict()
    assert saved["state"][0]["momentum_buffer"]._data is buffer

    other = optim.SGD(_params(cr), lr=0.5, momentum=0.1)
    other.load_state_dict(saved)
    loaded = other.state[other.param_groups[0]["params"][0]]["momentum_buffer"]
    assert loaded is not buffer and not numpy.shares_memory(loaded, buffer)
    numpy.testing.assert_array_equal(loaded, buffer)
    assert other.param_groups[0]["lr"] == 0.1 and other.param_groups[0]["momentum"] == 0.9
    saved["param_groups"][0]["lr"] = 7.0
    assert other.param_groups[0]["lr"] == 0.1


def test_load_state_dict_casts_state_to_the_parameters_dtype():
    params = _params(cr)
    optimizer = optim.Adam(params)
    _train(cr, optimizer, params, 1)
    single = [cr.tensor(W0, dtype=cr.float32, requires_grad=True), cr.tensor(B0, dtype=cr.float32, requires_grad=True)]
    other = optim.Adam(single)
    other.load_state_dict(optimizer.state_dict())
    assert other.state[single[0]]["exp_avg"].dtype == numpy.float32
    assert other.state[single[0]]["step"] == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda sd: sd["param_groups"].append({"params": []}),
         "loaded state dict has 2 parameter groups, but the optimizer has 1"),
        (lambda sd: sd["param_groups"][0]["params"].pop(),
         "loaded state dict's parameter group 0 has 1 parameters, but the optimizer's group 0 has 2"),
        (lambda sd: sd["state"][0].update(exp_avg=cr.zeros(4, dtype=cr.float64)),
         "loaded state 'exp_avg' of parameter 0 has shape (4,), but the parameter has shape (3, 4)"),
        (lambda sd: sd["state"].update({5: {}}),
         "loaded state dict has state for parameter 5, which is in none of its parameter groups"),
        (lambda sd: sd.pop("state"),
         "optimizer state_dict must have the keys 'state' and 'param_groups', got ['param_groups']"),
    ],
)
def test_load_state_dict_rejects_a_mismatched_state_dict(change, message):
    params = _params(cr)
    optimizer = optim.Adam(params)
    _train(cr, optimizer, params, 1)
    saved = optimizer.state_dict()
    change(saved)
    with pytest.raises(ValueError, match=re.escape(message)):
        optim.Adam(_params(cr)).load_state_dict(saved)


@pytest.mark.parametrize("case", STATEFUL, ids=_case_id)
def test_updates_are_in_place_and_state_is_allocated_once(case):
    name, options = case
    params = _params(cr)
    arrays = [p._data for p in params]
    optimizer = getattr(optim, name)(params, **options)
    _train(cr, optimizer, params, 1)
    state_arrays = {key: value for key, value in optimizer.state[params[0]].items() if key != "step"}
    assert state_arrays
    trajectory = _train(cr, optimizer, params, 3)
    assert all(p._data is array for p, array in zip(params, arrays, strict=True))
    numpy.testing.assert_array_equal(arrays[0], trajectory[-1][0])
    for key, array in state_arrays.items():
        assert optimizer.state[params[0]][key] is array, key


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_step_leaves_the_gradients_alone(case):
    name, options = case
    params = _params(cr)
    optimizer = getattr(optim, name)(params, **options)
    for _ in range(2):
        optimizer.zero_grad(set_to_none=False)
        _loss(cr, params).backward()
        grads = [p.grad._data.copy() for p in params]
        optimizer.step()
        for param, grad in zip(params, grads, strict=True):
            numpy.testing.assert_array_equal(param.grad._data, grad)
            for value in optimizer.state[param].values():
                assert not numpy.shares_memory(value, param.grad._data)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_float32_parameters_and_state_stay_float32(name):
    params = [cr.tensor(W0, dtype=cr.float32, requires_grad=True), cr.tensor(B0, dtype=cr.float32, requires_grad=True)]
    optimizer = getattr(optim, name)(params, lr=0.01)
    _train(cr, optimizer, params, 2)
    assert [p.dtype for p in params] == [numpy.float32, numpy.float32]
    for value in optimizer.state[params[0]].values():
        assert not hasattr(value, "dtype") or value.dtype == numpy.float32


def test_step_makes_a_graph_recorded_before_it_refuse_backward():
    params = _params(cr)
    optimizer = optim.SGD(params, lr=0.1)
    _loss(cr, params).backward()
    stale = _loss(cr, params)
    optimizer.step()
    with pytest.raises(RuntimeError, match="modified in place"):
        stale.backward()


def test_parameters_without_a_gradient_are_skipped():
    params = _params(cr)
    unused = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    optimizer = optim.Adam([*params, unused], lr=0.1)
    _train(cr, optimizer, params, 3)
    numpy.testing.assert_array_equal(unused.numpy(), [1.0, 2.0])
    assert unused not in optimizer.state
    assert list(optimizer.state_dict()["state"]) == [0, 1]


def test_zero_grad_sets_to_none_or_fills_zeros_in_place():
    params = _params(cr)
    optimizer = optim.SGD(params, lr=0.1)
    _loss(cr, params).backward()
    grad_array = params[0].grad._data
    optimizer.zero_grad(set_to_none=False)
    assert params[0].grad._data is grad_array
    assert not grad_array.any() and not params[1].grad._data.any()
    optimizer.zero_grad()
    assert params[0].grad is None and params[1].grad is None


def test_step_runs_the_closure_with_grad_enabled_and_returns_its_loss():
    params = _params(cr)
    optimizer = optim.SGD(params, lr=0.1)
    calls = []

    def closure():
        optimizer.zero_grad()
        loss = _loss(cr, params)
        loss.backward()
        calls.append(loss.item())
        return loss

    with cr.no_grad():
        loss = optimizer.step(closure)
    assert calls == [loss.item()]
    assert loss.item() == pytest.approx(float(((numpy.tanh(X @ W0 + B0)) ** 2).sum()))
    assert not numpy.array_equal(params[0].numpy(), W0)
    assert optimizer.step() is None


def test_add_param_group_fills_in_the_defaults():
    weight, bias = _params(cr)
    optimizer = optim.SGD([weight], lr=0.1, momentum=0.9)
    optimizer.add_param_group({"params": bias, "lr": 0.01})
    assert optimizer.param_groups[1]["params"] == [bias]
    assert optimizer.param_groups[1]["lr"] == 0.01 and optimizer.param_groups[1]["momentum"] == 0.9


def test_repr_lists_each_group_options():
    optimizer = optim.SGD([{"params": _params(cr)[:1]}, {"params": _params(cr)[1:], "lr": 0.5}], lr=0.1)
    text = repr(optimizer)
    assert text.startswith("SGD (\nParameter Group 0\n    dampening: 0\n")
    assert "Parameter Group 1\n" in text and "    lr: 0.5\n" in text and text.endswith(")")


HYPERPARAMETER_ERRORS = [
    ("SGD", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("SGD", {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("SGD", {"weight_decay": -1}, "Invalid weight_decay value: -1"),
    ("SGD", {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
     "Nesterov momentum requires a momentum and zero dampening"),
    ("Adam", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("Adam", {"lr": float("nan")}, "Invalid learning rate: nan"),
    ("Adam", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ("Adam", {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ("Adam", {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    ("AdamW", {"lr": -2.0}, "Invalid learning rate: -2.0"),
    ("AdamW", {"betas": (0.9, 1.5)}, "Invalid beta parameter at index 1: 1.5"),
    ("AdamW", {"weight_decay": -0.01}, "Invalid weight_decay value: -0.01"),
    ("RMSprop", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("RMSprop", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("RMSprop", {"momentum": -1.0}, "Invalid momentum value: -1.0"),
    ("RMSprop", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("RMSprop", {"alpha": -0.5}, "Invalid alpha value: -0.5"),
    ("Adagrad", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("Adagrad", {"lr_decay": -1.0}, "Invalid lr_decay value: -1.0"),
    ("Adagrad", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("Adagrad", {"initial_accumulator_value": -1.0}, "Invalid initial_accumulator_value value: -1.0"),
    ("Adagrad", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
]


@pytest.mark.parametrize(("name", "options", "message"), HYPERPARAMETER_ERRORS)
def test_invalid_hyperparameters_raise_value_error(name, options, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        getattr(optim, name)(_params(cr), **options)


@pytest.mark.torch
@pytest.mark.parametrize(("name", "options", "message"), HYPERPARAMETER_ERRORS)
def test_invalid_hyperparameter_messages_are_torchs(torch, name, options, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        getattr(torch.optim, name)(_params(torch), **options)


def _non_leaf() -> list:
    return [cr.tensor([1.0], requires_grad=True) * 2]


def _one_parameter_in_two_groups() -> list:
    param = cr.tensor([1.0], requires_grad=True)
    return [{"params": [param]}, {"params": [param]}]


def _one_parameter_twice() -> list:
    param = cr.tensor([1.0], requires_grad=True)
    return [param, param]


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        (lambda: [], ValueError, "optimizer got an empty parameter list"),
        (lambda: cr.tensor([1.0], requires_grad=True), TypeError,
         "params argument given to the optimizer should be an iterable of Tensors or dicts, but got a Tensor"),
        (lambda: [numpy.zeros(3)], TypeError,
         "optimizer can only optimize Tensors, but parameter 0 of group 0 is a ndarray"),
        (_non_leaf, ValueError,
         "can't optimize a non-leaf Tensor (parameter 0 of group 0 was computed by "),
        (lambda: {cr.tensor([1.0], requires_grad=True)}, TypeError,
         "optimizer parameters need to be organized in ordered collections"),
        (_one_parameter_in_two_groups, ValueError, "some parameters appear in more than one parameter group"),
        (_one_parameter_twice, ValueError, "parameter group 0 contains the same parameter more than once"),
        (lambda: [{"params": [cr.tensor([1.0], requires_grad=True)]}, [cr.tensor([1.0], requires_grad=True)]],
         TypeError, "param_group must be a dict, but got list"),
    ],
    ids=["empty", "tensor", "not-tensor", "non-leaf", "set", "two-groups", "twice", "not-dict"],
)
def test_invalid_parameters_raise(params, error, message):
    with pytest.raises(error, match=re.escape(message)):
        optim.SGD(params(), lr=0.1)


def test_frozen_parameters_are_accepted_and_left_alone():
    """As PyTorch: `optim.SGD(model.parameters())` with some layers frozen just skips those (they get no grad)."""
    trained = cr.tensor([1.0, 2.0], requires_grad=True)
    frozen = cr.tensor([3.0, 4.0])
    optimizer = optim.SGD([trained, frozen], lr=0.5)
    (trained * frozen).sum().backward()
    optimizer.step()
    numpy.testing.assert_array_equal(trained._data, [1.0 - 0.5 * 3.0, 2.0 - 0.5 * 4.0])
    numpy.testing.assert_array_equal(frozen._data, [3.0, 4.0])
