"""`chainrule diagnose` and `chainrule lr-find`: exit codes, what they print, and that they write only what is asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainrule.cli import main

pytest.importorskip("sklearn", reason="the built-in digits dataset needs scikit-learn")


def _deep_sigmoid_config(folder: Path) -> Path:
    """Ten sigmoid layers under SGD: the textbook vanishing-gradient network."""
    layers = []
    for _ in range(9):
        layers += ['{ type = "Linear", in_features = 64, out_features = 64 }', '{ type = "Sigmoid" }']
    layers.append('{ type = "Linear", in_features = 64, out_features = 10 }')
    path = folder / "deep.toml"
    path.write_text('name = "deep"\n[model]\nlayers = [\n  ' + ",\n  ".join(layers)
                    + '\n]\n[optimizer]\ntype = "SGD"\nlr = 0.1\n')
    return path


def test_diagnose_the_default_config_is_healthy_and_writes_nothing(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["diagnose", "--steps", "120"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Diagnosing 'default': 3 epochs of 41 steps")
    assert "0.weight" in out and "3.weight" in out and "dead" in out
    assert out.rstrip().endswith("Healthy: no findings.")
    assert list(tmp_path.iterdir()) == []


def test_diagnose_flags_vanishing_gradients_with_exit_1_and_writes_output(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    config = _deep_sigmoid_config(tmp_path)
    assert main(["diagnose", str(config), "--steps", "100", "--output", "out"]) == 1
    out = capsys.readouterr().out
    assert "1 finding(s):\n- vanishing gradients in 0.weight, 2.weight" in out
    assert "Fix: use ReLU or GELU" in out
    findings = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert [finding["kind"] for finding in findings] == ["vanishing"] and findings[0]["numbers"]["ratio"] < 1e-4
    assert (tmp_path / "out" / "gradient_flow.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["deep.toml", "out"]  # no runs/


def test_diagnose_and_lr_find_usage_errors_exit_2(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["diagnose", "--steps", "0"]) == 2
    assert "--steps 0: give a positive number of training steps" in capsys.readouterr().err
    assert main(["lr-find", "--start-lr", "1", "--end-lr", "0.1"]) == 2
    assert "need 0 < start < end" in capsys.readouterr().err
    assert main(["diagnose", "missing.toml"]) == 2
    assert "missing.toml" in capsys.readouterr().err


def test_lr_find_prints_a_suggestion_and_writes_its_plot(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["lr-find", "--plot", "lr.png"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("suggested lr: ") and lines[0].endswith("(config has [optimizer] lr = 0.002)")
    suggestion = float(lines[0].split()[2])
    assert 5e-3 <= suggestion <= 6e-2  # the default trains well from 2e-3 to 5e-2 (test_lr_finder.py)
    assert lines[-1] == "plot: lr.png" and (tmp_path / "lr.png").read_bytes()[:4] == b"\x89PNG"
