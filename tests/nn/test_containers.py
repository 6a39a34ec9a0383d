"""`Sequential`, `ModuleList`, `ModuleDict`: order, indexing, editing, and PyTorch's names and layouts."""

from __future__ import annotations

from collections import OrderedDict
from types import SimpleNamespace

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import Module, ModuleDict, ModuleList, Parameter, Sequential


def define_modules(nn_namespace, lib) -> SimpleNamespace:
    """Two small layers built on chainrule (`cr.nn`, `cr`) or on PyTorch (`torch.nn`, `torch`)."""

    class Affine(nn_namespace.Module):
        def __init__(self, in_features, out_features):
            super().__init__()
            self.in_features, self.out_features = in_features, out_features
            self.weight = nn_namespace.Parameter(lib.randn(out_features, in_features))
            self.bias = nn_namespace.Parameter(lib.randn(out_features))

        def forward(self, x):
            return x @ self.weight.T + self.bias

        def extra_repr(self):
            return f"in_features={self.in_features}, out_features={self.out_features}"

    class Scale(nn_namespace.Module):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor

        def extra_repr(self):
            return f"factor={self.factor}"

    return SimpleNamespace(Affine=Affine, Scale=Scale)


CR = define_modules(nn, cr)
Affine, Scale = CR.Affine, CR.Scale


class Shift(Module):
    def __init__(self, amount):
        super().__init__()
        self.amount = amount

    def forward(self, x):
        return x + self.amount


@pytest.fixture
def torch_modules(torch) -> SimpleNamespace:
    return define_modules(torch.nn, torch)


def names(pairs) -> list[str]:
    return [name for name, _ in pairs]


def keys_of(container: Module) -> list[str]:
    return names(container.named_children())


# -- Sequential ------------------------------------------------------------------------------------------------


def test_sequential_chains_forward_in_order():
    pipeline = Sequential(Scale(2), Shift(1), Scale(3))
    assert pipeline(cr.tensor([1.0, 2.0])).tolist() == [9.0, 15.0]  # ((x * 2) + 1) * 3
    assert Sequential(Shift(1), Scale(2))(cr.tensor([1.0])).tolist() == [4.0]


def test_empty_sequential_returns_its_input():
    x = cr.tensor([1.0, 2.0])
    assert Sequential()(x) is x
    assert len(Sequential()) == 0


def test_sequential_from_ordered_dict_keeps_the_keys():
    first, second = Scale(2), Shift(1)
    pipeline = Sequential(OrderedDict([("first", first), ("second", second)]))
    assert keys_of(pipeline) == ["first", "second"]
    assert pipeline.first is first and pipeline.second is second
    assert pipeline[0] is first and pipeline[-1] is second
    assert pipeline(cr.tensor([1.0])).tolist() == [3.0]


@pytest.mark.torch
def test_sequential_state_dict_keys_match_pytorch(torch, torch_modules):
    pipeline = Sequential(Affine(3, 4), Scale(2), Affine(4, 2))
    torch_pipeline = torch.nn.Sequential(torch_modules.Affine(3, 4), torch_modules.Scale(2), torch_modules.Affine(4, 2))
    assert list(pipeline.state_dict()) == list(torch_pipeline.state_dict())
    assert list(pipeline.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert names(pipeline.named_modules()) == names(torch_pipeline.named_modules()) == ["", "0", "1", "2"]


@pytest.mark.torch
def test_sequential_repr_matches_pytorch(torch, torch_modules):
    pipeline = Sequential(Affine(3, 4), Scale(2))
    torch_pipeline = torch.nn.Sequential(torch_modules.Affine(3, 4), torch_modules.Scale(2))
    expected = "Sequential(\n  (0): Affine(in_features=3, out_features=4)\n  (1): Scale(factor=2)\n)"
    assert repr(pipeline) == repr(torch_pipeline) == expected
    assert repr(Sequential()) == repr(torch.nn.Sequential()) == "Sequential()"


def test_sequential_indexing_with_negative_indices():
    a, b, c = Scale(1), Scale(2), Scale(3)
    pipeline = Sequential(a, b, c)
    assert pipeline[0] is a and pipeline[1] is b and pipeline[2] is c
    assert pipeline[-1] is c and pipeline[-3] is a


@pytest.mark.parametrize("index", [3, -4])
def test_sequential_index_out_of_range_names_index_and_length(index):
    pipeline = Sequential(Scale(1), Scale(2), Scale(3))
    with pytest.raises(IndexError) as excinfo:
        _ = pipeline[index]
    assert str(excinfo.value) == f"Sequential index {index} is out of range for 3 modules"
    with pytest.raises(IndexError, match=f"Sequential index {index} is out of range for 3 modules"):
        pipeline[index] = Scale(4)


@pytest.mark.torch
def test_sequential_slice_is_a_sequential_of_the_same_modules_with_pytorch_keys(torch, torch_modules):
    a, b, c = Scale(1), Scale(2), Scale(3)
    pipeline = Sequential(a, b, c)
    tail = pipeline[1:]
    assert isinstance(tail, Sequential)
    assert list(tail) == [b, c] and tail[0] is b
    torch_tail = torch.nn.Sequential(*(torch_modules.Scale(k) for k in (1, 2, 3)))[1:]
    assert keys_of(tail) == names(torch_tail.named_children()) == ["1", "2"]
    assert tail(cr.tensor([1.0])).tolist() == [6.0]
    assert list(pipeline[::-1]) == [c, b, a]
    assert len(pipeline) == 3  # slicing leaves the original alone


@pytest.mark.torch
def test_sequential_setitem_replaces_in_place_and_keeps_the_order(torch, torch_modules):
    a, b, c, d = Scale(1), Scale(2), Scale(3), Shift(10)
    pipeline = Sequential(a, b, c)
    pipeline[1] = d
    assert pipeline[1] is d
    assert list(pipeline) == [a, d, c]
    torch_pipeline = torch.nn.Sequential(*(torch_modules.Scale(k) for k in (1, 2, 3)))
    torch_pipeline[1] = torch_modules.Scale(5)
    assert keys_of(pipeline) == names(torch_pipeline.named_children()) == ["0", "1", "2"]
    assert pipeline(cr.tensor([1.0])).tolist() == [33.0]  # ((1 * 1) + 10) * 3
    pipeline[-1] = Scale(0)
    assert pipeline(cr.tensor([1.0])).tolist() == [0.0]


@pytest.mark.torch
def test_sequential_delitem_renumbers_like_pytorch(torch, torch_modules):
    a, b, c, d = Scale(1), Scale(2), Scale(3), Scale(4)
    pipeline = Sequential(a, b, c, d)
    torch_pipeline = torch.nn.Sequential(*(torch_modules.Scale(k) for k in (1, 2, 3, 4)))
    del pipeline[0]
    del torch_pipeline[0]
    assert list(pipeline) == [b, c, d]
    assert keys_of(pipeline) == names(torch_pipeline.named_children()) == ["0", "1", "2"]
    del pipeline[-1]
    assert list(pipeline) == [b, c]
    del pipeline[0:1]
    assert list(pipeline) == [c] and keys_of(pipeline) == ["0"]
    with pytest.raises(IndexError, match="Sequential index 1 is out of range for 1 modules"):
        del pipeline[1]


def test_sequential_append_extend_insert_len_iter():
    a, b, c, d, e = Scale(1), Scale(2), Scale(3), Scale(4), Scale(5)
    pipeline = Sequential(a)
    assert pipeline.append(b) is pipeline
    assert pipeline.extend([c, d]) is pipeline
    assert list(pipeline) == [a, b, c, d]
    assert pipeline.insert(1, e) is pipeline
    assert list(pipeline) == [a, e, b, c, d]
    assert keys_of(pipeline) == ["0", "1", "2", "3", "4"]
    assert len(pipeline) == 5
    assert pipeline(cr.tensor([1.0])).tolist() == [120.0]
    pipeline.insert(-1, Shift(1))
    assert [type(module).__name__ for module in pipeline] == ["Scale"] * 4 + ["Shift", "Scale"]


def test_sequential_registers_parameters_of_its_modules():
    first, last = Affine(3, 4), Affine(4, 2)
    pipeline = Sequential(first, Scale(2), last)
    assert list(pipeline.parameters()) == [first.weight, first.bias, last.weight, last.bias]
    x = cr.randn(5, 3)
    expected = (((x @ first.weight.T + first.bias) * 2) @ last.weight.T + last.bias).numpy()
    np.testing.assert_allclose(pipeline(x).numpy(), expected, rtol=1e-6)


# -- ModuleList ------------------------------------------------------------------------------------------------


def test_module_list_append_extend_insert_and_iterate():
    a, b, c, d = Scale(1), Scale(2), Scale(3), Scale(4)
    layers = ModuleList([a])
    assert layers.append(b) is layers
    assert layers.extend([c]) is layers
    layers.insert(0, d)
    assert list(layers) == [d, a, b, c]
    assert keys_of(layers) == ["0", "1", "2", "3"]
    assert len(layers) == 4
    assert len(ModuleList()) == 0


def test_module_list_indexing_and_out_of_range_message():
    a, b, c = Scale(1), Scale(2), Scale(3)
    layers = ModuleList([a, b, c])
    assert layers[0] is a and layers[-1] is c and layers[-3] is a
    with pytest.raises(IndexError) as excinfo:
        _ = layers[5]
    assert str(excinfo.value) == "ModuleList index 5 is out of range for 3 modules"
    with pytest.raises(IndexError, match="ModuleList index -4 is out of range for 3 modules"):
        _ = layers[-4]


@pytest.mark.torch
def test_module_list_slice_is_a_renumbered_module_list_like_pytorch(torch, torch_modules):
    a, b, c = Scale(1), Scale(2), Scale(3)
    tail = ModuleList([a, b, c])[1:]
    torch_tail = torch.nn.ModuleList([torch_modules.Scale(k) for k in (1, 2, 3)])[1:]
    assert isinstance(tail, ModuleList)
    assert list(tail) == [b, c]
    assert keys_of(tail) == names(torch_tail.named_children()) == ["0", "1"]


@pytest.mark.torch
def test_module_list_setitem_keeps_the_order(torch, torch_modules):
    a, b, c, d = Scale(1), Scale(2), Scale(3), Scale(4)
    layers = ModuleList([a, b, c])
    layers[0] = d
    torch_layers = torch.nn.ModuleList([torch_modules.Scale(k) for k in (1, 2, 3)])
    torch_layers[0] = torch_modules.Scale(4)
    assert layers[0] is d
    assert list(layers) == [d, b, c]
    assert keys_of(layers) == names(torch_layers.named_children()) == ["0", "1", "2"]


@pytest.mark.torch
def test_module_list_delitem_renumbers_like_pytorch(torch, torch_modules):
    a, b, c, d = Scale(1), Scale(2), Scale(3), Scale(4)
    layers = ModuleList([a, b, c, d])
    torch_layers = torch.nn.ModuleList([torch_modules.Scale(k) for k in (1, 2, 3, 4)])
    del layers[1]
    del torch_layers[1]
    assert list(layers) == [a, c, d]
    assert keys_of(layers) == names(torch_layers.named_children()) == ["0", "1", "2"]
    assert layers[1] is c
    del layers[-2:]
    assert list(layers) == [a]
    with pytest.raises(IndexError, match="ModuleList index 3 is out of range for 1 modules"):
        del layers[3]


@pytest.mark.torch
def test_module_list_parameters_are_registered_with_pytorch_names(torch, torch_modules):
    def build(nn_namespace, affine):
        class Stack(nn_namespace.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn_namespace.ModuleList([affine(3, 3) for _ in range(2)])
                self.out = affine(3, 1)

        return Stack()

    stack, torch_stack = build(nn, Affine), build(torch.nn, torch_modules.Affine)
    expected = ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "out.weight", "out.bias"]
    assert names(stack.named_parameters()) == names(torch_stack.named_parameters()) == expected
    assert list(stack.state_dict()) == list(torch_stack.state_dict()) == expected
    assert stack.layers[1].weight is dict(stack.named_parameters())["layers.1.weight"]


def test_calling_a_module_list_raises_type_error():
    layers = ModuleList([Scale(2)])
    with pytest.raises(TypeError) as excinfo:
        layers(cr.ones(1))
    assert str(excinfo.value).startswith("ModuleList is a container, not a layer: call the modules it holds")


# -- ModuleDict ------------------------------------------------------------------------------------------------


def test_module_dict_get_set_contains_and_views():
    encoder, head = Scale(2), Shift(1)
    modules = ModuleDict({"encoder": encoder, "head": head})
    assert modules["encoder"] is encoder and modules.head is head
    assert "encoder" in modules and "missing" not in modules
    assert list(modules.keys()) == ["encoder", "head"]
    assert list(modules.values()) == [encoder, head]
    assert list(modules.items()) == [("encoder", encoder), ("head", head)]
    assert list(modules) == ["encoder", "head"]
    assert len(modules) == 2
    extra = Scale(5)
    modules["extra"] = extra
    assert modules["extra"] is extra
    assert list(modules.keys()) == ["encoder", "head", "extra"]


def test_module_dict_from_pairs_and_update_with_mapping_and_pairs():
    a, b, c, d = Scale(1), Scale(2), Scale(3), Scale(4)
    modules = ModuleDict([("a", a), ("b", b)])
    modules.update({"c": c})
    modules.update([("d", d)])
    assert list(modules.items()) == [("a", a), ("b", b), ("c", c), ("d", d)]


@pytest.mark.torch
def test_module_dict_reassigning_a_key_keeps_its_position_like_pytorch(torch, torch_modules):
    modules = ModuleDict({"a": Scale(1), "b": Scale(2)})
    replacement = Scale(3)
    modules["a"] = replacement
    torch_modules_dict = torch.nn.ModuleDict({"a": torch_modules.Scale(1), "b": torch_modules.Scale(2)})
    torch_modules_dict["a"] = torch_modules.Scale(3)
    assert modules["a"] is replacement
    assert list(modules.keys()) == list(torch_modules_dict.keys()) == ["a", "b"]


def test_module_dict_delete_pop_and_clear():
    a, b, c = Scale(1), Scale(2), Scale(3)
    modules = ModuleDict({"a": a, "b": b, "c": c})
    del modules["a"]
    assert list(modules.keys()) == ["b", "c"]
    assert modules.pop("b") is b
    assert list(modules.keys()) == ["c"]
    modules.clear()
    assert len(modules) == 0 and list(modules.parameters()) == []


def test_module_dict_missing_key_error_lists_the_keys():
    modules = ModuleDict({"encoder": Scale(1), "head": Scale(2)})
    with pytest.raises(KeyError) as excinfo:
        _ = modules["decoder"]
    assert excinfo.value.args[0] == "ModuleDict has no module 'decoder'; it has ['encoder', 'head']"
    with pytest.raises(KeyError) as pop_excinfo:
        modules.pop("decoder")
    assert pop_excinfo.value.args[0] == "ModuleDict has no module 'decoder'; it has ['encoder', 'head']"
    assert len(modules) == 2


@pytest.mark.torch
def test_module_dict_parameters_are_registered_with_pytorch_names(torch, torch_modules):
    def build(nn_namespace, affine):
        class Heads(nn_namespace.Module):
            def __init__(self):
                super().__init__()
                self.gain = nn_namespace.Parameter(cr.ones(1) if nn_namespace is nn else torch.ones(1))
                self.heads = nn_namespace.ModuleDict({"cls": affine(3, 2), "box": affine(3, 4)})

        return Heads()

    heads, torch_heads = build(nn, Affine), build(torch.nn, torch_modules.Affine)
    expected = ["gain", "heads.cls.weight", "heads.cls.bias", "heads.box.weight", "heads.box.bias"]
    assert names(heads.named_parameters()) == names(torch_heads.named_parameters()) == expected
    assert list(heads.state_dict()) == list(torch_heads.state_dict()) == expected
    assert isinstance(heads.heads["box"].weight, Parameter)


def test_calling_a_module_dict_raises_type_error():
    modules = ModuleDict({"head": Scale(2)})
    with pytest.raises(TypeError) as excinfo:
        modules(cr.ones(1))
    assert str(excinfo.value).startswith("ModuleDict is a container, not a layer: call the modules it holds")


# -- containers inside modules ---------------------------------------------------------------------------------


def test_containers_propagate_train_eval_and_to():
    model = Sequential(ModuleList([Affine(2, 2)]), ModuleDict({"head": Affine(2, 1)}))
    model.eval()
    assert [module.training for module in model.modules()] == [False] * 5
    model.to(cr.float64)
    assert {param.dtype for param in model.parameters()} == {cr.float64}
    assert len(list(model.parameters())) == 4
