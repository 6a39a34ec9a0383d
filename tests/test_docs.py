"""The README's Python examples and the Quick start example run as written and do what they say."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # end to end: `pytest -m "not slow"` skips these locally; CI runs them

ROOT = Path(__file__).resolve().parent.parent
README_BLOCKS = re.findall(r"^```python\n(.*?)^```", (ROOT / "README.md").read_text(), re.S | re.M)


def test_readme_has_python_examples() -> None:
    assert len(README_BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(README_BLOCKS)))
def test_readme_example_runs(index: int, capsys: pytest.CaptureFixture[str], tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples may write files (model.safetensors)
    exec(compile(README_BLOCKS[index], f"README.md python block {index}", "exec"), {})
    printed = capsys.readouterr().out
    assert "nan" not in printed
    if "loss" in printed:  # each training example learns its task
        assert float(printed.split("loss")[-1].split()[0]) < 0.3


def test_quickstart_command_trains_the_cli_default() -> None:
    assert "-e '.[cli]' && .venv/bin/chainrule train\n" in (ROOT / "README.md").read_text()


def test_spirals_example_reaches_98_percent(capsys: pytest.CaptureFixture[str]) -> None:
    module = runpy.run_path(str(ROOT / "examples" / "spirals.py"))
    assert module["main"]() >= 0.98
    assert "accuracy" in capsys.readouterr().out


def test_xor_example_reaches_100_percent(capsys: pytest.CaptureFixture[str]) -> None:
    module = runpy.run_path(str(ROOT / "examples" / "xor.py"))
    assert module["main"]() == 1.0
    assert "1 xor 1 -> 0" in capsys.readouterr().out


def test_digits_cnn_example_reaches_98_percent_on_held_out_digits(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn", reason="the digits example needs scikit-learn (pip install -e '.[test]')")
    module = runpy.run_path(str(ROOT / "examples" / "digits_cnn.py"))
    assert module["main"]() >= 0.98
    assert "test accuracy" in capsys.readouterr().out


def test_sequence_example_learns_the_adding_problem_and_draws_its_curve(tmp_path) -> None:
    pytest.importorskip("matplotlib", reason="the learning-curve picture needs matplotlib (pip install -e '.[test]')")
    module = runpy.run_path(str(ROOT / "examples" / "sequence.py"))
    picture = tmp_path / "curve.png"
    assert module["main"](steps=1000, out=str(picture)) < 0.01  # always answering 1.0 scores 0.167
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
