"""Shared fixtures: the devices to run on (CUDA cases skip without CuPy), PyTorch as the oracle."""

from __future__ import annotations

import numpy
import pytest

import chainrule
from chainrule import backend


def _cuda_status() -> tuple[bool, str]:
    try:
        import cupy
    except ImportError:
        return False, "CuPy is not installed (pip install 'chainrule[cuda]' on a machine with an NVIDIA GPU)"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDA driver missing or broken
        return False, f"CuPy is installed but CUDA is unavailable: {error}"
    return (count > 0), ("no CUDA device found" if count == 0 else "")


def to_numpy(tensor: chainrule.Tensor) -> numpy.ndarray:
    """A tensor's values as a host NumPy array (detached, copied off the GPU), for comparisons in tests."""
    return tensor.detach().cpu().numpy()


CUDA_AVAILABLE, CUDA_SKIP_REASON = _cuda_status()
requires_cuda = pytest.mark.skipif(not CUDA_AVAILABLE, reason=CUDA_SKIP_REASON)
DEVICES = [pytest.param("cpu", id="cpu"), pytest.param("cuda", id="cuda", marks=[pytest.mark.gpu, requires_cuda])]


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    """Run a test once per device: 'cpu' always, 'cuda' when CuPy sees a GPU (skipped with the reason otherwise)."""
    return request.param


@pytest.fixture
def torch():
    """PyTorch, the reference oracle; tests using it skip when it is not installed."""
    return pytest.importorskip("torch", reason="PyTorch is not installed (pip install -e '.[test]')")


@pytest.fixture(autouse=True)
def _clean_global_state():
    """Every test starts seeded, with grad mode on and float32 as the default dtype."""
    chainrule.manual_seed(0)
    yield
    backend.GRAD_MODE.enabled = True
    backend.set_default_dtype(chainrule.float32)
