"""Kill-and-resume: a run SIGKILLed at any point and resumed ends bitwise equal to an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

pytest.importorskip("safetensors", reason="checkpoints are safetensors files: pip install 'chainrule[safetensors]'")

import chainrule

pytestmark = pytest.mark.slow  # end to end: `pytest -m "not slow"` skips these locally; CI runs them

SCRIPT = Path(__file__).with_name("resume_script.py")


def _run(run_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(run_dir), *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    run_dir = tmp_path_factory.mktemp("uninterrupted")
    result = _run(run_dir)
    assert result.returncode == 0, result.stderr
    return chainrule.load(run_dir / "final.safetensors")


def _assert_same_run(expected: dict, actual: dict) -> None:
    assert actual["global_step"] == expected["global_step"]
    assert actual["history"] == expected["history"]  # every loss, metric and lr, exactly
    for key, value in expected["model"].items():
        assert numpy.array_equal(value.numpy(), actual["model"][key].numpy()), key
    for index, state in expected["optimizer"]["state"].items():
        for name, value in state.items():
            other = actual["optimizer"]["state"][index][name]
            assert numpy.array_equal(_plain(value), _plain(other)), (index, name)


def _plain(value):
    return value.numpy() if hasattr(value, "numpy") else numpy.asarray(value)


# 5 batches per epoch (80 training samples, batch 16), 4 epochs, a checkpoint every 3 steps and at epoch ends.
@pytest.mark.parametrize("kill", [
    "step:2",        # before the first checkpoint: the resume starts from scratch
    "step:5",        # mid-epoch, two steps after a checkpoint: steps 4 and 5 are redone
    "step:7",        # mid-epoch, right after the step-6 checkpoint (epoch 2, batch 2)
    "step:15",       # the epoch's last step (its checkpoint not yet written), before validation
    "epoch_end:2",   # after epoch 2's validation and history row, before its checkpoint
    "write:12",      # while writing a checkpoint: the temporary file is complete but never renamed
])
def test_killed_run_resumes_to_the_same_weights_and_history(tmp_path: Path, reference: dict, kill: str) -> None:
    killed = _run(tmp_path, "--kill", kill)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not (tmp_path / "final.safetensors").exists()
    resumed = _run(tmp_path, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    _assert_same_run(reference, chainrule.load(tmp_path / "final.safetensors"))
    leftovers = [name for name in os.listdir(tmp_path / "checkpoints") if not name.endswith(".safetensors")]
    assert len(leftovers) <= 1  # at most the temporary file of the killed write


def test_resume_twice_in_a_row(tmp_path: Path, reference: dict) -> None:
    assert _run(tmp_path, "--kill", "step:4").returncode == -signal.SIGKILL
    assert _run(tmp_path, "--kill", "step:11", "--resume").returncode == -signal.SIGKILL
    assert _run(tmp_path, "--resume").returncode == 0
    _assert_same_run(reference, chainrule.load(tmp_path / "final.safetensors"))
