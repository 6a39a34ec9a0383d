"""`chainrule.accelerator`, `chainrule.backends` and the device questions on Tensor, as PyTorch programs ask
them at start-up (`torch.backends.cudnn.benchmark = True`, `torch.accelerator.is_available()`, ...)."""

from __future__ import annotations

import importlib.util

import pytest

import chainrule as cr

NO_GPU = importlib.util.find_spec("cupy") is None


@pytest.mark.skipif(not NO_GPU, reason="checks the machine without CuPy; with CuPy the GPU tests run instead")
def test_without_a_gpu_there_is_no_accelerator() -> None:
    assert cr.accelerator.is_available() is False
    assert cr.accelerator.current_accelerator() is None
    assert cr.accelerator.current_accelerator(check_available=True) is None
    assert cr.accelerator.device_count() == 0
    cr.accelerator.synchronize()
    with pytest.raises(RuntimeError, match="no CUDA GPU is available"):
        cr.accelerator.current_device_index()
    assert cr.cuda.memory_allocated() == 0 and cr.cuda.memory_reserved() == 0
    assert cr.backends.cuda.is_built() is False
    with pytest.raises(RuntimeError, match="get_device_properties: no CUDA GPU"):
        cr.cuda.get_device_properties(0)


@pytest.mark.skipif(NO_GPU, reason="needs CuPy and an NVIDIA GPU")
def test_with_a_gpu_the_accelerator_is_cuda() -> None:
    assert cr.accelerator.is_available()
    assert cr.accelerator.current_accelerator() == cr.device("cuda:0")
    before = cr.cuda.memory_allocated()
    x = cr.ones(1 << 20, device="cuda")
    assert cr.cuda.memory_allocated() >= before + x.nbytes
    assert cr.cuda.memory_reserved() >= cr.cuda.memory_allocated()


def test_backend_flags_are_kept_and_answer_truthfully(monkeypatch) -> None:
    for name, value in (("benchmark", True), ("deterministic", True), ("enabled", False), ("allow_tf32", False)):
        monkeypatch.setattr(cr.backends.cudnn, name, value)
        assert getattr(cr.backends.cudnn, name) is value
    monkeypatch.setattr(cr.backends.cuda.matmul, "allow_tf32", True)
    assert cr.backends.cuda.matmul.allow_tf32 is True
    assert cr.backends.cudnn.is_available() is False and cr.backends.cudnn.version() is None
    assert cr.backends.mps.is_available() is False and cr.backends.mps.is_built() is False


def test_tensor_device_questions() -> None:
    t = cr.ones(2)
    assert t.is_cpu and not t.is_cuda
    for name in ("is_xpu", "is_mps", "is_meta", "is_sparse", "is_quantized", "is_nested", "is_mkldnn"):
        assert getattr(t, name) is False, name
    assert t.get_device() == -1


def test_every_name_exists_in_torch_too() -> None:
    torch = pytest.importorskip("torch")
    for module, twin in ((cr.accelerator, torch.accelerator), (cr.backends.cudnn, torch.backends.cudnn),
                         (cr.backends.mps, torch.backends.mps), (cr.backends.cuda, torch.backends.cuda),
                         (cr.cuda, torch.cuda)):
        missing = [name for name in module.__all__ if not hasattr(twin, name)]
        assert not missing, f"{module.__name__}: {missing} are not PyTorch's"
    for name in ("is_xpu", "is_mps", "is_meta", "is_sparse", "is_quantized", "is_nested", "is_mkldnn"):
        assert hasattr(torch.ones(1), name)
