"""chainrule.cuda answers torch.cuda's questions; without CuPy or a GPU it says "no GPU" and never crashes."""

from __future__ import annotations

import importlib.util

import pytest

import chainrule as cr

NO_GPU = importlib.util.find_spec("cupy") is None


@pytest.mark.skipif(not NO_GPU, reason="checks the machine without CuPy; with CuPy the GPU tests run instead")
def test_without_a_gpu_every_answer_is_no_gpu() -> None:
    assert cr.cuda.is_available() is False and cr.cuda.device_count() == 0
    cr.cuda.synchronize()
    cr.cuda.empty_cache()
    with pytest.raises(RuntimeError, match=r"chainrule.cuda.current_device: no CUDA GPU is available"):
        cr.cuda.current_device()
    device = cr.device("cuda" if cr.cuda.is_available() else "cpu")
    assert device == cr.device("cpu")


def test_manual_seed_seeds_the_library() -> None:
    cr.cuda.manual_seed(3)
    first = cr.rand(4).tolist()
    cr.cuda.manual_seed_all(3)
    assert cr.rand(4).tolist() == first


@pytest.mark.skipif(NO_GPU, reason="needs CuPy and an NVIDIA GPU")
def test_with_a_gpu_the_device_is_seen() -> None:
    assert cr.cuda.is_available() and cr.cuda.device_count() >= 1
    assert isinstance(cr.cuda.get_device_name(), str) and cr.cuda.current_device() >= 0
