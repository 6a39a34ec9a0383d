"""The backend: devices, dtype spellings, the default dtype, and the error for CUDA without CuPy."""

from __future__ import annotations

import builtins
import importlib.util

import numpy
import pytest

import chainrule as cr
from chainrule import backend
from chainrule.backend import Device, to_dtype


# -- devices ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "kind", "index", "text"),
    [("cpu", "cpu", None, "cpu"), ("cuda", "cuda", 0, "cuda:0"), ("cuda:1", "cuda", 1, "cuda:1"),
     ("cuda:12", "cuda", 12, "cuda:12")],
)
def test_device_parsing(spec, kind, index, text):
    device = Device(spec)
    assert device.type == kind
    assert device.index == index
    assert str(device) == text


def test_device_with_separate_index():
    assert Device("cuda", 2) == "cuda:2"
    with pytest.raises(ValueError, match=r"device 'cuda:1' already names an index; do not also pass index=2"):
        Device("cuda:1", 2)


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "cpu:0", "", "CUDA", "cuda:-1", "mps"])
def test_bad_device_strings_raise_naming_the_string(spec):
    with pytest.raises(ValueError, match=rf"unknown device {spec!r}; expected 'cpu', 'cuda' or 'cuda:N'"):
        Device(spec)


def test_device_of_wrong_type_raises():
    with pytest.raises(TypeError, match="device must be a string like 'cpu' or 'cuda:0', got 3"):
        Device(3)


def test_device_equality_with_devices_and_strings():
    assert Device("cpu") == "cpu"
    assert Device("cuda") == "cuda:0"
    assert Device("cuda") == Device("cuda:0")
    assert Device("cuda:1") != "cuda:0"
    assert Device("cpu") != Device("cuda")
    assert Device("cpu") != 0
    assert Device(Device("cuda:3")) == "cuda:3"
    assert len({Device("cuda"), Device("cuda:0"), Device("cpu")}) == 2


def test_device_repr_like_pytorch():
    assert repr(Device("cpu")) == "device(type='cpu')"
    assert repr(Device("cuda:1")) == "device(type='cuda', index=1)"
    assert cr.device is Device


# -- dtypes ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        (cr.float32, numpy.float32), ("float32", numpy.float32), ("float", numpy.float32),
        (numpy.float32, numpy.float32),
        ("float64", numpy.float64), ("double", numpy.float64), (numpy.float64, numpy.float64),
        ("float16", numpy.float16), ("half", numpy.float16),
        ("int64", numpy.int64), ("long", numpy.int64), (builtins.int, numpy.int64),
        ("int32", numpy.int32), ("int", numpy.int32), ("int16", numpy.int16), ("short", numpy.int16),
        ("int8", numpy.int8), ("uint8", numpy.uint8),
        ("bool", numpy.bool_), (builtins.bool, numpy.bool_), (numpy.dtype("float64"), numpy.float64),
        (builtins.float, numpy.float32),
    ],
)
def test_to_dtype_spellings(spelling, expected):
    assert to_dtype(spelling) == numpy.dtype(expected)


def test_chainrule_dtype_aliases():
    assert cr.float is cr.float32 and cr.double is cr.float64 and cr.half is cr.float16
    assert cr.long is cr.int64 and cr.int is cr.int32 and cr.short is cr.int16
    assert cr.bool == numpy.dtype(bool)


@pytest.mark.parametrize("spelling", ["complex64", numpy.complex128, "banana", "uint16", object])
def test_unknown_dtype_lists_the_valid_ones(spelling):
    with pytest.raises(TypeError, match=r"unsupported dtype .*; use one of bool, float16, float32, float64, int16, "
                                        r"int32, int64, int8, uint8"):
        to_dtype(spelling)


def test_dtype_error_reaches_the_user_through_factories():
    with pytest.raises(TypeError, match="unsupported dtype 'complex64'"):
        cr.zeros(2, dtype="complex64")


# -- default dtype ---------------------------------------------------------------------------------------
def test_default_dtype_is_float32():
    assert cr.get_default_dtype() == cr.float32


def test_set_default_dtype_float64_changes_factories_and_python_floats():
    cr.set_default_dtype(cr.float64)
    assert cr.get_default_dtype() == cr.float64
    assert cr.rand(2).dtype == cr.float64
    assert cr.randn(2).dtype == cr.float64
    assert cr.zeros(2).dtype == cr.float64
    assert cr.tensor([1.0, 2.0]).dtype == cr.float64
    assert cr.arange(0.0, 1.0, 0.5).dtype == cr.float64
    assert cr.tensor([1, 2]).dtype == cr.int64  # integers are not affected
    cr.set_default_dtype("float32")
    assert cr.tensor([1.0]).dtype == cr.float32


@pytest.mark.parametrize("dtype", [cr.int64, "int32", cr.bool])
def test_set_default_dtype_to_non_float_raises(dtype):
    with pytest.raises(TypeError, match=r"set_default_dtype needs a floating dtype \(float16/32/64\), got"):
        cr.set_default_dtype(dtype)
    assert cr.get_default_dtype() == cr.float32


# -- CUDA without CuPy -----------------------------------------------------------------------------------
CUPY_INSTALLED = importlib.util.find_spec("cupy") is not None


@pytest.mark.skipif(CUPY_INSTALLED, reason="CuPy is installed, so CUDA tensors do not fail this way")
@pytest.mark.parametrize(
    "make",
    [
        lambda: cr.zeros(2, device="cuda"),
        lambda: cr.tensor([1.0], device="cuda:0"),
        lambda: cr.randn(2, device=cr.device("cuda")),
        lambda: cr.tensor([1.0]).to("cuda"),
        lambda: cr.tensor([1.0]).cuda(),
    ],
)
def test_cuda_tensor_without_cupy_names_the_extra(make):
    with pytest.raises(RuntimeError, match=r"needs CuPy.*pip install 'chainrule\[cuda\]'"):
        make()


def test_cpu_array_module_is_numpy():
    assert backend.array_module_of_device(Device("cpu")) is numpy
    assert backend.array_module(numpy.zeros(2)) is numpy
    assert backend.device_of(numpy.zeros(2)) == "cpu"
