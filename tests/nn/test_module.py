"""`Module` and `Parameter`: registration, traversal, modes, to(), state_dict, hooks, repr; PyTorch as the oracle."""

from __future__ import annotations

from collections import OrderedDict
from types import SimpleNamespace

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import Module, Parameter


def define_modules(nn_namespace, lib) -> SimpleNamespace:
    """The same small module classes built on chainrule (`cr.nn`, `cr`) or on PyTorch (`torch.nn`, `torch`).

    Net's tree: gain (own parameter, registered after the children), step (buffer),
    encoder = Block(affine = Affine(3, 4), norm = Norm(4)), head = Affine(4, 2, bias=False).
    """

    class Affine(nn_namespace.Module):
        def __init__(self, in_features, out_features, bias=True, weight=None):
            super().__init__()
            self.in_features, self.out_features = in_features, out_features
            if weight is None:
                weight = nn_namespace.Parameter(lib.randn(out_features, in_features))
            self.weight = weight
            if bias:
                self.bias = nn_namespace.Parameter(lib.randn(out_features))
            else:
                self.register_parameter("bias", None)

        def forward(self, x):
            y = x @ self.weight.T
            return y if self.bias is None else y + self.bias

        def extra_repr(self):
            return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    class Norm(nn_namespace.Module):
        def __init__(self, features):
            super().__init__()
            self.scale = nn_namespace.Parameter(lib.ones(features))
            self.register_buffer("running_mean", lib.zeros(features))
            self.register_buffer("num_batches", lib.tensor(0))
            self.register_buffer("cache", lib.zeros(features), persistent=False)

        def forward(self, x):
            return (x - self.running_mean) * self.scale

    class Block(nn_namespace.Module):
        def __init__(self):
            super().__init__()
            self.affine = Affine(3, 4)
            self.norm = Norm(4)

        def forward(self, x):
            return self.norm(self.affine(x))

    class Net(nn_namespace.Module):
        def __init__(self):
            super().__init__()
            self.encoder = Block()
            self.register_buffer("step", lib.zeros(1))
            self.head = Affine(4, 2, bias=False)
            self.gain = nn_namespace.Parameter(lib.ones(1))

        def forward(self, x):
            return self.head(self.encoder(x)) * self.gain

    class Tied(nn_namespace.Module):
        """One parameter in two modules, and one module under two names."""

        def __init__(self):
            super().__init__()
            self.encoder = Affine(3, 3)
            self.decoder = Affine(3, 3, weight=self.encoder.weight)
            self.again = self.encoder

    return SimpleNamespace(Affine=Affine, Norm=Norm, Block=Block, Net=Net, Tied=Tied)


CR = define_modules(nn, cr)
Affine, Norm, Net, Tied = CR.Affine, CR.Norm, CR.Net, CR.Tied

NET_PARAMETERS = ["gain", "encoder.affine.weight", "encoder.affine.bias", "encoder.norm.scale", "head.weight"]
NET_STATE_KEYS = [
    "gain", "step", "encoder.affine.weight", "encoder.affine.bias", "encoder.norm.scale",
    "encoder.norm.running_mean", "encoder.norm.num_batches", "head.weight",
]


@pytest.fixture
def torch_modules(torch) -> SimpleNamespace:
    return define_modules(torch.nn, torch)


def names(pairs) -> list[str]:
    return [name for name, _ in pairs]


def values_of(module: Module) -> dict[str, np.ndarray]:
    return {key: value.numpy().copy() for key, value in module.state_dict().items()}


def backward_once(net: Module) -> None:
    net(cr.randn(5, 3)).sum().backward()


# -- Parameter -------------------------------------------------------------------------------------------------


@pytest.mark.torch
def test_parameter_repr_matches_pytorch(torch):
    parameter = Parameter(cr.tensor([1.0, 2.0]))
    assert repr(parameter).startswith("Parameter containing:\n")
    assert repr(parameter) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert repr(parameter) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"


def test_parameter_shares_memory_with_the_tensor_it_wraps():
    tensor = cr.zeros(3)
    parameter = Parameter(tensor)
    assert np.shares_memory(parameter.numpy(), tensor.numpy())
    tensor.add_(2.0)
    assert parameter.tolist() == [2.0, 2.0, 2.0]


def test_parameter_requires_grad_by_default_and_is_a_leaf():
    parameter = Parameter(cr.ones(2))
    assert isinstance(parameter, cr.Tensor)
    assert parameter.requires_grad is True
    assert parameter.is_leaf is True
    assert parameter.grad is None
    assert Parameter(cr.ones(2), requires_grad=False).requires_grad is False


def test_parameter_accepts_arrays_and_defaults_to_an_empty_float_tensor():
    assert Parameter(np.array([1.0, 3.0])).tolist() == [1.0, 3.0]
    empty = Parameter()
    assert empty.shape == (0,)
    assert empty.dtype == cr.float32


def test_integer_parameter_cannot_require_grad():
    with pytest.raises(RuntimeError) as excinfo:
        Parameter(cr.tensor([1, 2]))
    assert str(excinfo.value) == (
        "only floating-point tensors can require gradients, got chainrule.int64; convert with .float() first"
    )
    frozen = Parameter(cr.tensor([1, 2]), requires_grad=False)
    assert frozen.requires_grad is False
    assert frozen.tolist() == [1, 2]


# -- registration ----------------------------------------------------------------------------------------------


def test_attributes_register_as_parameters_children_and_buffers():
    norm = Norm(4)
    assert names(norm.named_parameters(recurse=False)) == ["scale"]
    assert names(norm.named_buffers(recurse=False)) == ["running_mean", "num_batches", "cache"]
    assert list(norm.named_children()) == []
    block = CR.Block()
    assert names(block.named_children()) == ["affine", "norm"]
    assert block.affine.in_features == 3  # plain attributes stay plain
    assert names(block.named_parameters(recurse=False)) == []


def test_plain_tensor_attribute_is_not_registered():
    module = Module()
    module.constant = cr.ones(2)
    assert module.constant.tolist() == [1.0, 1.0]
    assert list(module.parameters()) == []
    assert list(module.buffers()) == []
    assert list(module.state_dict()) == []


def test_registered_parameter_can_be_reached_as_attribute_and_replaced_by_a_parameter():
    affine = Affine(3, 2)
    new_weight = Parameter(cr.zeros(2, 3))
    affine.weight = new_weight
    assert affine.weight is new_weight
    assert dict(affine.named_parameters())["weight"] is new_weight


@pytest.mark.torch
def test_replacing_a_parameter_keeps_its_place_in_the_order_like_pytorch(torch, torch_modules):
    affine, torch_affine = Affine(3, 2), torch_modules.Affine(3, 2)
    affine.weight = Parameter(cr.zeros(2, 3))
    torch_affine.weight = torch.nn.Parameter(torch.zeros(2, 3))
    assert names(affine.named_parameters()) == names(torch_affine.named_parameters()) == ["weight", "bias"]
    assert list(affine.state_dict()) == list(torch_affine.state_dict())


def test_register_parameter_none_is_a_placeholder_left_out_of_parameters_and_state_dict():
    head = Affine(4, 2, bias=False)
    assert head.bias is None
    assert names(head.named_parameters()) == ["weight"]
    assert list(head.state_dict()) == ["weight"]
    head.bias = Parameter(cr.zeros(2))
    assert names(head.named_parameters()) == ["weight", "bias"]


def test_assigning_a_plain_tensor_to_a_parameter_name_raises_and_suggests_parameter():
    affine = Affine(3, 2)
    with pytest.raises(TypeError) as excinfo:
        affine.weight = cr.zeros(2, 3)
    assert str(excinfo.value) == (
        "cannot assign Tensor as parameter 'weight' of Affine (Parameter or None expected); "
        "wrap it: nn.Parameter(tensor)"
    )
    assert affine.weight.shape == (2, 3) and isinstance(affine.weight, Parameter)  # unchanged
    affine.weight = None  # None is allowed: it leaves a placeholder
    assert affine.weight is None
    assert names(affine.named_parameters()) == ["bias"]


def test_assigning_wrong_types_to_child_and_buffer_names_raises():
    block = CR.Block()
    with pytest.raises(TypeError, match=r"cannot assign int as child module 'norm' \(Module or None\)"):
        block.norm = 3
    norm = Norm(4)
    with pytest.raises(TypeError, match=r"cannot assign list as buffer 'running_mean' \(Tensor or None\)"):
        norm.running_mean = [0.0]
    norm.running_mean = cr.ones(4)  # a Tensor replaces the buffer
    assert norm.running_mean.tolist() == [1.0] * 4
    assert dict(norm.named_buffers())["running_mean"] is norm.running_mean


def test_register_methods_reject_wrong_types_and_dotted_names():
    module = Module()
    with pytest.raises(TypeError, match="register_parameter: 'w' must be a Parameter or None, got Tensor"):
        module.register_parameter("w", cr.ones(1))
    with pytest.raises(TypeError, match="register_buffer: 'b' must be a Tensor or None, got list"):
        module.register_buffer("b", [1.0])
    with pytest.raises(TypeError, match="add_module: 'm' must be a Module or None, got int"):
        module.add_module("m", 1)
    with pytest.raises(KeyError, match=r"parameter name must be a non-empty string without '\.', got 'a\.b'"):
        module.register_parameter("a.b", None)
    assert list(module.state_dict()) == []


def test_assigning_before_super_init_raises_and_says_to_call_it():
    class Early(Module):
        def __init__(self):
            self.weight = Parameter(cr.ones(1))
            super().__init__()

    with pytest.raises(AttributeError) as excinfo:
        Early()
    assert "call super().__init__() first in Early.__init__" in str(excinfo.value)
    assert "cannot assign 'weight' before Module.__init__() has run" in str(excinfo.value)


def test_register_buffer_before_super_init_raises():
    class EarlyBuffer(Module):
        def __init__(self):
            self.register_buffer("count", cr.zeros(1))
            super().__init__()

    with pytest.raises(AttributeError, match=r"cannot register a buffer before Module\.__init__\(\) has run"):
        EarlyBuffer()


@pytest.mark.torch
def test_missing_attribute_error_message_matches_pytorch(torch_modules):
    net = Net()
    with pytest.raises(AttributeError) as excinfo:
        _ = net.missing
    with pytest.raises(AttributeError) as torch_excinfo:
        _ = torch_modules.Net().missing
    assert str(excinfo.value) == "'Net' object has no attribute 'missing'"
    assert str(excinfo.value) == str(torch_excinfo.value)


def test_delattr_unregisters_parameters_buffers_and_children():
    net = Net()
    del net.gain
    del net.step
    del net.head
    assert names(net.named_parameters()) == ["encoder.affine.weight", "encoder.affine.bias", "encoder.norm.scale"]
    assert "step" not in dict(net.named_buffers())
    assert names(net.named_children()) == ["encoder"]
    assert "gain" not in net.state_dict() and "head.weight" not in net.state_dict()
    for name in ("gain", "step", "head"):
        with pytest.raises(AttributeError, match=f"'Net' object has no attribute '{name}'"):
            getattr(net, name)


def test_delattr_of_plain_and_unknown_attributes():
    affine = Affine(3, 2)
    del affine.in_features
    with pytest.raises(AttributeError, match="'Affine' object has no attribute 'in_features'"):
        _ = affine.in_features
    with pytest.raises(AttributeError, match="nothing_here"):
        del affine.nothing_here


def test_dir_lists_registered_names():
    listing = dir(Net())
    assert {"gain", "step", "encoder", "head", "forward", "state_dict"} <= set(listing)


# -- traversal -------------------------------------------------------------------------------------------------


@pytest.mark.torch
def test_traversal_names_and_order_match_pytorch(torch_modules):
    net, torch_net = Net(), torch_modules.Net()
    assert names(net.named_parameters()) == names(torch_net.named_parameters()) == NET_PARAMETERS
    assert names(net.named_buffers()) == names(torch_net.named_buffers())
    assert names(net.named_buffers()) == [
        "step", "encoder.norm.running_mean", "encoder.norm.num_batches", "encoder.norm.cache",
    ]
    assert names(net.named_children()) == names(torch_net.named_children()) == ["encoder", "head"]
    assert names(net.named_modules()) == names(torch_net.named_modules())
    assert names(net.named_modules()) == ["", "encoder", "encoder.affine", "encoder.norm", "head"]
    assert [type(m).__name__ for m in net.modules()] == [type(m).__name__ for m in torch_net.modules()]
    assert [type(m).__name__ for m in net.children()] == ["Block", "Affine"]


@pytest.mark.torch
def test_traversal_with_prefix_and_without_recursion_matches_pytorch(torch_modules):
    net, torch_net = Net(), torch_modules.Net()
    assert names(net.named_parameters(prefix="model")) == names(torch_net.named_parameters(prefix="model"))
    assert names(net.named_parameters(prefix="model"))[:2] == ["model.gain", "model.encoder.affine.weight"]
    assert names(net.named_parameters(recurse=False)) == names(torch_net.named_parameters(recurse=False))
    assert names(net.named_buffers(recurse=False)) == names(torch_net.named_buffers(recurse=False)) == ["step"]
    assert names(net.named_modules(prefix="model")) == names(torch_net.named_modules(prefix="model"))


def test_parameters_and_buffers_are_the_registered_objects():
    net = Net()
    assert list(net.parameters()) == [value for _, value in net.named_parameters()]
    assert net.encoder.affine.weight is list(net.parameters())[1]
    assert net.encoder.norm.running_mean is list(net.buffers())[1]
    assert len(list(net.parameters(recurse=False))) == 1


@pytest.mark.torch
def test_shared_parameters_and_modules_are_listed_once_like_pytorch(torch_modules):
    tied, torch_tied = Tied(), torch_modules.Tied()
    assert names(tied.named_parameters()) == names(torch_tied.named_parameters())
    assert names(tied.named_parameters()) == ["encoder.weight", "encoder.bias", "decoder.bias"]
    assert len(list(tied.parameters())) == 3
    assert names(tied.named_modules()) == names(torch_tied.named_modules()) == ["", "encoder", "decoder"]
    assert names(tied.named_children()) == names(torch_tied.named_children()) == ["encoder", "decoder"]
    assert list(tied.state_dict()) == list(torch_tied.state_dict())
    assert list(tied.state_dict()) == [
        "encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias", "again.weight", "again.bias",
    ]


@pytest.mark.torch
def test_remove_duplicate_false_lists_every_name_like_pytorch(torch_modules):
    tied, torch_tied = Tied(), torch_modules.Tied()
    assert names(tied.named_modules(remove_duplicate=False)) == names(
        torch_tied.named_modules(remove_duplicate=False)
    )
    assert names(tied.named_parameters(remove_duplicate=False)) == names(
        torch_tied.named_parameters(remove_duplicate=False)
    )
    assert names(tied.named_parameters(remove_duplicate=False)) == [
        "encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias", "again.weight", "again.bias",
    ]


# -- modes and bulk changes ------------------------------------------------------------------------------------


def test_train_and_eval_propagate_to_every_submodule():
    net = Net()
    assert all(module.training for module in net.modules())
    assert net.eval() is net
    assert [module.training for module in net.modules()] == [False] * 5
    assert net.train() is net
    assert [module.training for module in net.modules()] == [True] * 5
    net.encoder.train(False)
    assert [module.training for module in net.modules()] == [True, False, False, False, True]


def test_train_with_a_non_bool_raises():
    net = Net()
    with pytest.raises(ValueError, match="train\\(mode\\) expects a bool, got str"):
        net.train("x")
    assert net.training is True


def test_requires_grad_toggles_every_parameter_and_returns_the_module():
    net = Net()
    assert net.requires_grad_(False) is net
    assert [param.requires_grad for param in net.parameters()] == [False] * 5
    net.requires_grad_()
    assert [param.requires_grad for param in net.parameters()] == [True] * 5


def test_zero_grad_sets_gradients_to_none_by_default():
    net = Net()
    backward_once(net)
    assert all(param.grad is not None for param in net.parameters())
    net.zero_grad()
    assert [param.grad for param in net.parameters()] == [None] * 5


def test_zero_grad_without_set_to_none_zeroes_in_place():
    net = Net()
    backward_once(net)
    gradients = [param.grad for param in net.parameters()]
    assert any(np.any(grad.numpy() != 0) for grad in gradients)
    net.zero_grad(set_to_none=False)
    for param, grad in zip(net.parameters(), gradients, strict=True):
        assert param.grad is grad
        assert np.all(param.grad.numpy() == 0)


@pytest.mark.torch
def test_apply_visits_children_before_the_parent_like_pytorch(torch_modules):
    net, torch_net = Net(), torch_modules.Net()
    visited, torch_visited = [], []
    module_names = {id(module): name for name, module in net.named_modules()}
    torch_names = {id(module): name for name, module in torch_net.named_modules()}
    assert net.apply(lambda module: visited.append(module_names[id(module)])) is net
    torch_net.apply(lambda module: torch_visited.append(torch_names[id(module)]))
    assert visited == torch_visited == ["encoder.affine", "encoder.norm", "encoder", "head", ""]


def test_apply_can_initialize_parameters():
    net = Net()

    def fill_affine(module):
        if isinstance(module, Affine):
            module.weight._data[...] = 0.5

    net.apply(fill_affine)
    assert np.all(net.encoder.affine.weight.numpy() == 0.5)
    assert np.all(net.head.weight.numpy() == 0.5)


def test_to_float64_converts_parameters_buffers_and_gradients_in_place_of_the_same_objects():
    net = Net()
    backward_once(net)
    parameters = dict(net.named_parameters())
    weight_before = net.encoder.affine.weight.numpy().copy()
    assert net.to(cr.float64) is net
    for name, param in net.named_parameters():
        assert param is parameters[name]
        assert param.dtype == cr.float64
        assert param.grad.dtype == cr.float64
        assert param.requires_grad is True
    assert net.step.dtype == cr.float64
    assert net.encoder.norm.running_mean.dtype == cr.float64
    assert net.encoder.norm.cache.dtype == cr.float64
    assert net.encoder.norm.num_batches.dtype == cr.int64  # integer buffers are not cast
    np.testing.assert_array_equal(net.encoder.affine.weight.numpy(), weight_before.astype(np.float64))
    assert net(cr.randn(2, 3, dtype=cr.float64)).dtype == cr.float64


def test_float_and_double_shortcuts():
    net = Net().double()
    assert {param.dtype for param in net.parameters()} == {cr.float64}
    net.float()
    assert {param.dtype for param in net.parameters()} == {cr.float32}
    assert net.encoder.norm.num_batches.dtype == cr.int64


# -- state_dict ------------------------------------------------------------------------------------------------


@pytest.mark.torch
def test_state_dict_keys_and_order_match_pytorch(torch_modules):
    state = Net().state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == list(torch_modules.Net().state_dict()) == NET_STATE_KEYS
    assert "encoder.norm.cache" not in state  # non-persistent buffer


@pytest.mark.torch
def test_state_dict_prefix_matches_pytorch(torch_modules):
    keys = list(Net().state_dict(prefix="model."))
    assert keys == list(torch_modules.Net().state_dict(prefix="model."))
    assert keys[0] == "model.gain"


def test_state_dict_values_share_memory_and_are_detached():
    net = Net()
    state = net.state_dict()
    for name, param in net.named_parameters():
        assert np.shares_memory(state[name].numpy(), param.numpy())
        assert state[name].requires_grad is False
        assert not isinstance(state[name], Parameter)
    assert np.shares_memory(state["encoder.norm.running_mean"].numpy(), net.encoder.norm.running_mean.numpy())
    net.gain._data[...] = 7.0
    assert state["gain"].tolist() == [7.0]


def test_state_dict_keep_vars_returns_the_parameters_themselves():
    net = Net()
    state = net.state_dict(keep_vars=True)
    assert state["encoder.affine.weight"] is net.encoder.affine.weight
    assert state["step"] is net.step


# -- load_state_dict -------------------------------------------------------------------------------------------


def test_load_state_dict_from_chainrule_tensors_copies_in_place():
    net, source = Net(), Net()
    arrays = {key: value._data for key, value in net.state_dict().items()}
    parameters = dict(net.named_parameters())
    result = net.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for key, value in net.state_dict().items():
        assert value._data is arrays[key]  # same array, new contents
        np.testing.assert_array_equal(value.numpy(), source.state_dict()[key].numpy())
    assert dict(net.named_parameters()) == parameters
    assert not np.shares_memory(net.encoder.affine.weight.numpy(), source.encoder.affine.weight.numpy())


def test_load_state_dict_from_numpy_arrays_and_casts_dtype():
    net = Net()
    weight_array = net.encoder.affine.weight._data
    state = {key: value.numpy().astype(np.float64) if value.dtype == cr.float32 else value.numpy().copy()
             for key, value in Net().state_dict().items()}
    state["encoder.affine.weight"] = np.full((4, 3), 0.1, dtype=np.float64)
    net.load_state_dict(state)
    assert net.encoder.affine.weight._data is weight_array
    assert net.encoder.affine.weight.dtype == cr.float32
    np.testing.assert_array_equal(net.encoder.affine.weight.numpy(), np.full((4, 3), 0.1, dtype=np.float32))
    np.testing.assert_array_equal(net.gain.numpy(), state["gain"].astype(np.float32))


@pytest.mark.torch
def test_load_state_dict_from_pytorch_arrays_reproduces_its_output(torch, torch_modules):
    torch.manual_seed(1)
    torch_net, net = torch_modules.Net(), Net()
    with torch.no_grad():
        torch_net.encoder.norm.running_mean.copy_(torch.tensor([0.1, -0.2, 0.3, 0.0]))
        torch_net.gain.fill_(1.5)
    net.load_state_dict({key: value.detach().numpy() for key, value in torch_net.state_dict().items()})
    for key, value in torch_net.state_dict().items():
        np.testing.assert_array_equal(net.state_dict()[key].numpy(), value.numpy())
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    expected = torch_net(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(net(cr.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_strict_load_lists_every_problem_in_one_error_and_changes_nothing():
    net = Net()
    before = values_of(net)
    state = {key: cr.zeros_like(value) + 9 for key, value in Net().state_dict().items()}
    del state["gain"], state["head.weight"]
    state["head.bias"] = cr.zeros(2)
    state["extra"] = cr.zeros(1)
    state["encoder.affine.weight"] = cr.zeros(3, 4)
    state["encoder.norm.scale"] = cr.zeros(5)
    with pytest.raises(RuntimeError) as excinfo:
        net.load_state_dict(state)
    message = str(excinfo.value)
    assert message.startswith("Error(s) in loading state_dict for Net:\n")
    assert "size mismatch for encoder.affine.weight: copying a value of shape (3, 4), " \
           "the parameter in the current model has shape (4, 3)" in message
    assert "size mismatch for encoder.norm.scale: copying a value of shape (5,)" in message
    assert "missing key: 'gain'" in message
    assert "missing key: 'head.weight'" in message
    assert "unexpected key: 'head.bias'" in message
    assert "unexpected key: 'extra'" in message
    assert len(message.splitlines()) == 7  # the header and six problems
    after = values_of(net)
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value, err_msg=key)


def test_non_strict_load_returns_missing_and_unexpected_keys_and_loads_the_rest():
    net = Net()
    state = {"gain": np.array([3.0], dtype=np.float32), "encoder.norm.scale": np.full(4, 2.0), "bogus": np.ones(1)}
    step_before = net.step.numpy().copy()
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert missing == [key for key in NET_STATE_KEYS if key not in ("gain", "encoder.norm.scale")]
    assert unexpected == ["bogus"]
    assert net.gain.tolist() == [3.0]
    assert net.encoder.norm.scale.tolist() == [2.0] * 4
    np.testing.assert_array_equal(net.step.numpy(), step_before)


def test_non_strict_load_still_raises_on_a_shape_mismatch_and_changes_nothing():
    net = Net()
    gain_before = net.gain.tolist()
    with pytest.raises(RuntimeError, match=r"size mismatch for head\.weight: copying a value of shape \(4, 2\)"):
        net.load_state_dict({"gain": np.array([5.0]), "head.weight": np.zeros((4, 2))}, strict=False)
    assert net.gain.tolist() == gain_before


def test_load_state_dict_rejects_a_non_mapping():
    net = Net()
    with pytest.raises(TypeError, match="load_state_dict expects a mapping of names to tensors, got list"):
        net.load_state_dict(list(net.state_dict().items()))


# -- hooks -----------------------------------------------------------------------------------------------------


def test_forward_hook_sees_inputs_and_output_and_may_replace_the_output():
    affine = Affine(3, 2)
    x = cr.randn(4, 3)
    expected = affine(x).numpy()
    seen = []

    def hook(module, inputs, output):
        seen.append((module, inputs, output.shape))
        return output * 0

    handle = affine.register_forward_hook(hook)
    assert np.all(affine(x).numpy() == 0)
    assert seen[0][0] is affine and seen[0][1][0] is x and seen[0][2] == (4, 2)
    handle.remove()
    np.testing.assert_array_equal(affine(x).numpy(), expected)
    assert len(seen) == 1


def test_forward_pre_hook_may_replace_the_inputs():
    affine = Affine(3, 2)
    x, replacement = cr.randn(4, 3), cr.zeros(4, 3)
    handle = affine.register_forward_pre_hook(lambda module, inputs: (replacement,))
    np.testing.assert_array_equal(affine(x).numpy(), np.broadcast_to(affine.bias.numpy(), (4, 2)))
    handle.remove()
    single = affine.register_forward_pre_hook(lambda module, inputs: replacement)  # a single value is wrapped
    np.testing.assert_array_equal(affine(x).numpy(), np.broadcast_to(affine.bias.numpy(), (4, 2)))
    single.remove()
    assert not np.allclose(affine(x).numpy(), np.broadcast_to(affine.bias.numpy(), (4, 2)))


def test_hooks_returning_none_keep_values_and_run_in_registration_order():
    affine = Affine(3, 2)
    x = cr.randn(1, 3)
    calls = []
    affine.register_forward_pre_hook(lambda module, inputs: calls.append("pre"))
    affine.register_forward_hook(lambda module, inputs, output: calls.append("first"))
    affine.register_forward_hook(lambda module, inputs, output: calls.append("second"))
    np.testing.assert_array_equal(affine(x).numpy(), (x @ affine.weight.T + affine.bias).numpy())
    assert calls == ["pre", "first", "second"]


def test_hook_on_a_child_runs_inside_the_parent_forward():
    net = Net()
    net.encoder.affine.register_forward_hook(lambda module, inputs, output: output * 0)
    output = net(cr.randn(2, 3))
    # zero affine output -> norm gives (0 - 0) * 1 = 0 -> head gives 0
    assert np.all(output.numpy() == 0)


def test_forward_of_the_base_class_raises():
    with pytest.raises(NotImplementedError, match="Module must define forward\\(\\); Module is a base class"):
        Module()(cr.ones(1))


# -- repr ------------------------------------------------------------------------------------------------------

NET_REPR = """Net(
  (encoder): Block(
    (affine): Affine(in_features=3, out_features=4, bias=True)
    (norm): Norm()
  )
  (head): Affine(in_features=4, out_features=2, bias=False)
)"""


@pytest.mark.torch
def test_repr_of_nested_modules_matches_pytorch(torch_modules):
    assert repr(Net()) == NET_REPR
    assert repr(Net()) == repr(torch_modules.Net())
    assert repr(Affine(3, 4)) == repr(torch_modules.Affine(3, 4)) == "Affine(in_features=3, out_features=4, bias=True)"
    assert repr(Module()) == "Module()"


@pytest.mark.torch
def test_repr_with_multiline_extra_repr_and_none_child_matches_pytorch(torch):
    def build(nn_namespace):
        class Wide(nn_namespace.Module):
            def extra_repr(self):
                return "first=1,\nsecond=2"

        class Holder(nn_namespace.Module):
            def __init__(self):
                super().__init__()
                self.wide = Wide()
                self.register_module("skip", None)

            def extra_repr(self):
                return "size=3"

        return Holder()

    expected = "Holder(\n  size=3\n  (wide): Wide(\n    first=1,\n    second=2\n  )\n  (skip): None\n)"
    assert repr(build(nn)) == expected
    assert repr(build(torch.nn)) == expected
