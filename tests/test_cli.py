"""End to end: `chainrule train` (the built-in default, shortened), resume after SIGKILL, evaluate, predict, errors."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy
import pytest

for module, extra in (("sklearn", "datasets"), ("safetensors", "safetensors"), ("matplotlib", "plots"),
                      ("tqdm", "progress"), ("tomli_w", "cli")):
    pytest.importorskip(module, reason=f"the CLI needs {module}: pip install 'chainrule[cli]' (or [{extra}])")

from chainrule.cli import main  # noqa: E402
from chainrule.data import digits  # noqa: E402
from chainrule.train.checkpoint import load_train_state  # noqa: E402

TIMING = ("seconds", "samples_per_second")


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as file:
        return [{key: value for key, value in row.items() if key not in TIMING} for row in csv.DictReader(file)]


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> tuple[Path, str]:
    """The built-in default trained for 3 epochs in a fresh folder; returns the run folder and stdout."""
    root = tmp_path_factory.mktemp("cli")
    result = subprocess.run([sys.executable, "-m", "chainrule.cli", "train", "--epochs", "3"], cwd=root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return root / "runs" / "default", result.stdout + result.stderr


def test_default_run_writes_every_file(default_run: tuple[Path, str]) -> None:
    run, output = default_run
    assert "runs/default" in output and "Epoch 3/3" in output
    for name in ("config.toml", "history.csv", "metrics.json", "report.html", "curves.png", "learning_rate.png",
                 "confusion_matrix.png", "gradient_flow.png", "units.png", "checkpoints/best.safetensors",
                 "checkpoints/last.safetensors"):
        assert (run / name).is_file(), name
    assert [row["epoch"] for row in _rows(run / "history.csv")] == ["1", "2", "3"]
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["epochs"] == 3 and metrics["num_classes"] == 10 and metrics["input_shape"] == [64]
    assert 0.8 < metrics["test"]["test_accuracy"] <= 1.0
    report = (run / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 5 and "test_accuracy" in report
    assert metrics["findings"] == [] and "Healthy: no findings" in report  # the default run raises no alarm
    assert "grad_norm/0.weight" in _rows(run / "history.csv")[0]
    assert "epochs = 3" in (run / "config.toml").read_text()  # the resolved config, override included


def test_evaluate_reports_the_test_metrics_of_the_best_checkpoint(default_run, capsys) -> None:
    run, _ = default_run
    assert main(["evaluate", str(run)]) == 0
    output = capsys.readouterr().out
    metrics = json.loads((run / "metrics.json").read_text())
    assert "test set (359 samples), best checkpoint (epoch" in output  # 20% of each class, rounded per class
    assert f"{metrics['test']['test_accuracy']:.6g}" in output


def test_predict_from_npy_and_csv(default_run, tmp_path: Path, capsys) -> None:
    run, _ = default_run
    x, y = digits().tensors
    numpy.save(tmp_path / "x.npy", x.numpy()[:20])
    assert main(["predict", str(run), "--input", str(tmp_path / "x.npy")]) == 0
    printed = [int(line) for line in capsys.readouterr().out.split()]
    assert len(printed) == 20 and numpy.mean(numpy.array(printed) == y.numpy()[:20]) >= 0.8
    numpy.savetxt(tmp_path / "x.csv", x.numpy()[:20], delimiter=",", header=",".join(f"p{i}" for i in range(64)),
                  comments="")
    assert main(["predict", str(run), "--input", str(tmp_path / "x.csv"), "--output", str(tmp_path / "y.csv")]) == 0
    assert numpy.loadtxt(tmp_path / "y.csv", dtype=int).tolist() == printed


def test_predict_rejects_inputs_of_the_wrong_shape(default_run, tmp_path: Path, capsys) -> None:
    run, _ = default_run
    numpy.save(tmp_path / "bad.npy", numpy.zeros((5, 32), numpy.float32))
    assert main(["predict", str(run), "--input", str(tmp_path / "bad.npy")]) == 2
    assert "the model takes samples of shape (64,), but" in capsys.readouterr().err
    assert main(["predict", str(run), "--input", str(tmp_path / "missing.npy")]) == 2
    assert "--input: no such file" in capsys.readouterr().err


def test_an_existing_run_is_never_overwritten_without_overwrite(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "runs" / "default"
    assert main(["train", "--epochs", "1"]) == 0
    history = (run / "history.csv").read_text()
    assert main(["train", "--epochs", "2"]) == 2
    assert "runs/default already holds a run; pass --overwrite" in capsys.readouterr().err
    assert (run / "history.csv").read_text() == history
    assert main(["train", "--epochs", "2", "--overwrite"]) == 0
    assert len(_rows(run / "history.csv")) == 2


def test_bad_config_and_unknown_run_are_reported_without_a_traceback(tmp_path: Path, capsys) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[optimizer]\ntype = "Adam"\nlr = "fast"\n[model]\nlayers = [{ type = "Linear", '
                      "in_features = 64, out_features = 10 }]\n")
    assert main(["train", str(config), "--runs-dir", str(tmp_path / "runs")]) == 2
    error = capsys.readouterr().err
    assert "[optimizer] lr: expected a number" in error and "Traceback" not in error
    assert not (tmp_path / "runs").exists()
    assert main(["evaluate", str(tmp_path / "nowhere")]) == 2
    assert "no run at" in capsys.readouterr().err


def test_layers_that_do_not_fit_the_data_are_reported_before_training(tmp_path: Path, capsys) -> None:
    config = tmp_path / "wide.toml"
    config.write_text('[model]\nlayers = [{ type = "Linear", in_features = 32, out_features = 10 }]\n')
    assert main(["train", str(config), "--runs-dir", str(tmp_path / "runs")]) == 2
    error = capsys.readouterr().err
    assert "[model]: the layers don't fit the data (samples of shape (64,)):" in error and "Traceback" not in error
    assert not (tmp_path / "runs").exists()  # nothing written for a run that can't start


@pytest.mark.slow
def test_the_full_default_reaches_97_percent_test_accuracy(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "chainrule.cli", "train"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "runs" / "default" / "metrics.json").read_text())
    assert metrics["epochs"] == 40 and metrics["test"]["test_accuracy"] >= 0.97


def _train_process(config: Path, runs: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "chainrule.cli", "train", str(config), "--runs-dir", str(runs)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_resume_after_sigkill_ends_like_an_uninterrupted_run(tmp_path: Path) -> None:
    config = tmp_path / "run.toml"
    config.write_text(
        'name = "killed"\n[data]\ndataset = "digits"\n[model]\nlayers = [\n'
        '  { type = "Linear", in_features = 64, out_features = 32 }, { type = "ReLU" },\n'
        '  { type = "Dropout", p = 0.2 },\n'
        '  { type = "Linear", in_features = 32, out_features = 10 },\n]\n'
        "[training]\nepochs = 4\n"
        "[callbacks]\nprogress_bar = false\nmodel_checkpoint = { every_n_steps = 1 }\n"
    )
    whole = _train_process(config, tmp_path / "whole")
    assert whole.wait(timeout=300) == 0, whole.stderr.read()

    killed = _train_process(config, tmp_path / "killed")
    last = tmp_path / "killed" / "killed" / "checkpoints" / "last.safetensors"
    deadline = time.monotonic() + 120
    while not last.exists() and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)  # a few more steps, so the kill lands mid-epoch at a varying point
    killed.send_signal(signal.SIGKILL)
    assert killed.wait(timeout=60) == -signal.SIGKILL, "the run finished before it could be killed"

    resumed = subprocess.run([sys.executable, "-m", "chainrule.cli", "resume", str(tmp_path / "killed" / "killed")],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming 'killed' at epoch" in resumed.stdout
    expected, actual = (load_train_state(root / "killed" / "checkpoints" / "last.safetensors")
                        for root in (tmp_path / "whole", tmp_path / "killed"))
    for key, value in expected["model"].items():
        assert numpy.array_equal(value.numpy(), actual["model"][key].numpy()), key
    assert _rows(tmp_path / "whole" / "killed" / "history.csv") == _rows(tmp_path / "killed" / "killed" / "history.csv")
