"""The CLI under bad input and faults: nothing a user saved is lost, no run is torn, no traceback for a mistake.

Every user error is one line on stderr naming the file or flag and the fix, exit status 2 for usage and config
errors, 1 for failures while running; `--debug` shows the traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy
import pytest

for module in ("sklearn", "safetensors", "matplotlib", "tqdm", "tomli_w"):
    pytest.importorskip(module, reason=f"the CLI needs {module}: pip install 'chainrule[cli]'")

from chainrule.cli import main  # noqa: E402
from chainrule.data import digits  # noqa: E402
from chainrule.run import RunDirectory  # noqa: E402
from chainrule.train.checkpoint import load_train_state  # noqa: E402

LAYERS = ('layers = [{ type = "Linear", in_features = 64, out_features = 16 }, { type = "ReLU" }, '
          '{ type = "Linear", in_features = 16, out_features = %d }]')


def _config(folder: Path, name: str = "small", outputs: int = 10, extra: str = "", data: str = "dataset = \"digits\"",
            training: str = "") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\n[data]\n{data}\n{extra}\n[model]\n{LAYERS % outputs}\n'
                    f"[training]\nepochs = 2\n{training}\n[callbacks]\nprogress_bar = false\n")
    return path


def _one_line_error(capsys, status: int, expected_status: int, *fragments: str) -> str:
    error = capsys.readouterr().err
    assert status == expected_status, error
    assert "Traceback" not in error and error.count("\n") == 1, error
    for fragment in fragments:
        assert fragment in error, error
    return error


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> RunDirectory:
    """A finished 2-epoch run of a small MLP on digits (read-only for the tests that use it)."""
    root = tmp_path_factory.mktemp("trained")
    assert main(["train", str(_config(root)), "--runs-dir", str(root / "runs")]) == 0
    return RunDirectory(root / "runs" / "small")


@pytest.fixture
def run_copy(trained: RunDirectory, tmp_path: Path) -> RunDirectory:
    """A private copy of the trained run, for tests that change it."""
    import shutil

    target = tmp_path / "runs" / "small"
    shutil.copytree(trained.path, target)
    return RunDirectory(target)


# -- 1. --overwrite replaces runs only, and only once the new one has trained --------------------------------
def test_overwrite_refuses_a_folder_that_is_not_a_run(tmp_path: Path, capsys) -> None:
    data = tmp_path / "runs" / "small"
    data.mkdir(parents=True)
    (data / "precious.csv").write_text("1,2,3\n")
    status = main(["train", str(_config(tmp_path)), "--runs-dir", str(tmp_path / "runs"), "--overwrite"])
    _one_line_error(capsys, status, 2, "is not a chainrule run (it has no run.json)", "choose another --name")
    assert os.listdir(data) == ["precious.csv"] and (data / "precious.csv").read_text() == "1,2,3\n"


def test_a_replacement_that_fails_at_its_first_batch_keeps_the_old_run(run_copy: RunDirectory, tmp_path: Path,
                                                                       capsys) -> None:
    before = {path.name: path.read_bytes() for path in run_copy.path.iterdir() if path.is_file()}
    # BatchNorm passes the eval-mode pre-flight but fails on the first training batch of one sample
    failing = _config(tmp_path, extra="batch_size = 1")
    failing.write_text(failing.read_text().replace('{ type = "ReLU" }', '{ type = "BatchNorm1d", num_features = 16 }'))
    status = main(["train", str(failing), "--runs-dir", str(run_copy.path.parent), "--overwrite"])
    _one_line_error(capsys, status, 1, "batch_norm: expected more than 1 value per channel")
    after = {path.name: path.read_bytes() for path in run_copy.path.iterdir() if path.is_file()}
    assert after == before
    assert not [name for name in os.listdir(run_copy.path.parent) if "replaced" in name]


def test_a_replacement_drops_the_old_run_once_it_has_trained(run_copy: RunDirectory, tmp_path: Path) -> None:
    config = _config(tmp_path, training="l2 = 0.001")
    assert main(["train", str(config), "--runs-dir", str(run_copy.path.parent), "--overwrite", "--epochs", "1"]) == 0
    assert "l2 = 0.001" in run_copy.config.read_text()
    assert len(run_copy.history.read_text().splitlines()) == 2
    assert sorted(os.listdir(run_copy.path.parent)) == [".small.lock", "small"]
    assert "replaces" not in json.loads(run_copy.marker.read_text())


def test_an_overwrite_killed_before_its_first_step_is_undone_by_the_next_command(run_copy: RunDirectory,
                                                                                  capsys) -> None:
    old_history = run_copy.history.read_text()
    # what a SIGKILL between the swap and the first step leaves: the old run aside, a new folder without a step
    aside = run_copy.set_aside()
    run_copy.path.mkdir()
    run_copy.write_marker(name="small", replaces=aside.name)
    run_copy.config.write_text(aside.joinpath("config.toml").read_text())
    assert main(["resume", str(run_copy.path)]) == 0
    assert "Put back the run" in capsys.readouterr().out
    assert run_copy.history.read_text() == old_history and not aside.exists()


# -- 2. one process per run -----------------------------------------------------------------------------------
def test_a_run_in_use_is_refused_naming_the_holder(run_copy: RunDirectory, capsys) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom chainrule.run import RunDirectory\n"
         "with RunDirectory(sys.argv[1]).lock('train'):\n    print('locked', flush=True)\n    time.sleep(60)\n",
         str(run_copy.path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        status = main(["resume", str(run_copy.path), "--epochs", "3"])
        _one_line_error(capsys, status, 1, f"is in use by process {holder.pid} (chainrule train)")
    finally:
        holder.kill()
        holder.wait()
    assert len(load_train_state(run_copy.last_checkpoint)["history"]) == 2  # untouched


@pytest.mark.slow
def test_two_trains_of_one_name_at_once_leave_one_whole_run(tmp_path: Path) -> None:
    config = _config(tmp_path)
    command = [sys.executable, "-m", "chainrule.cli", "train", str(config), "--runs-dir", str(tmp_path / "runs")]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    results = [(process.wait(timeout=300), process.stderr.read()) for process in processes]
    statuses = sorted(status for status, _ in results)
    assert statuses in ([0, 1], [0, 2]), results
    loser = next(error for status, error in results if status != 0)
    assert "is in use by process" in loser or "already holds a run" in loser
    run = RunDirectory(tmp_path / "runs" / "small")
    state = load_train_state(run.last_checkpoint)
    assert len(state["history"]) == 2 and len(run.history.read_text().splitlines()) == 3


# -- 3. atomic files and the leftovers of kills ---------------------------------------------------------------
def test_resume_removes_the_temporary_files_a_kill_left(run_copy: RunDirectory) -> None:
    left = [run_copy.path / ".config.toml.0123456789ab.tmp",
            run_copy.checkpoints / ".last.safetensors.ffffffffffff.tmp"]
    for path in left:
        path.write_bytes(b"")
    assert main(["resume", str(run_copy.path)]) == 0
    assert not any(path.exists() for path in left)


def test_a_crash_while_resume_rewrites_the_config_leaves_it_whole(run_copy: RunDirectory, monkeypatch,
                                                                   capsys) -> None:
    config = run_copy.config.read_text()

    def failing_fsync(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    status = main(["resume", str(run_copy.path), "--epochs", "3"])
    _one_line_error(capsys, status, 1, "No space left on device")
    assert run_copy.config.read_text() == config
    assert [name for name in os.listdir(run_copy.path) if name.endswith(".tmp")] == []


# -- 6. no tracebacks for a user's mistake --------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage"])
@pytest.mark.parametrize("command", ["resume", "evaluate", "predict"])
def test_a_damaged_checkpoint_is_one_line(run_copy: RunDirectory, tmp_path: Path, capsys, damage: str,
                                          command: str) -> None:
    for path in (run_copy.last_checkpoint, run_copy.best_checkpoint):
        content = path.read_bytes()
        path.write_bytes({"empty": b"", "truncated": content[: len(content) // 2], "garbage": b"\x00" * 64}[damage])
    numpy.save(tmp_path / "x.npy", digits().tensors[0].numpy()[:3])
    arguments = {"resume": [], "evaluate": [], "predict": ["--input", str(tmp_path / "x.npy")]}[command]
    status = main([command, str(run_copy.path), *arguments])
    _one_line_error(capsys, status, 1, str(run_copy.checkpoints))


def test_debug_shows_the_traceback(run_copy: RunDirectory, capsys) -> None:
    run_copy.last_checkpoint.write_bytes(b"")
    assert main(["resume", str(run_copy.path), "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_fewer_outputs_than_classes_is_refused_before_anything_is_written(tmp_path: Path, capsys) -> None:
    status = main(["train", str(_config(tmp_path, outputs=8)), "--runs-dir", str(tmp_path / "runs")])
    _one_line_error(capsys, status, 2, "small.toml: [model]: the last layer gives 8 outputs per sample, but the "
                    "training labels go up to 9", "out_features = 10")
    assert not (tmp_path / "runs" / "small").exists()


def test_labels_counted_from_one_need_one_more_output(tmp_path: Path, capsys) -> None:
    x, y = digits().tensors
    labels = y.numpy() % 5 + 1  # 1..5
    numpy.savez(tmp_path / "data.npz", x=x.numpy(), y=labels)
    config = _config(tmp_path, outputs=5, data='npz = "data.npz"')
    status = main(["train", str(config), "--runs-dir", str(tmp_path / "runs")])
    _one_line_error(capsys, status, 2, "gives 5 outputs per sample, but the training labels go up to 5",
                    "renumber the labels to start at 0")


@pytest.mark.parametrize(("loss", "fragment"), [
    ("MSELoss", "[training] loss (MSELoss): it doesn't fit"),
    ("BCEWithLogitsLoss", "[training] loss (BCEWithLogitsLoss): it doesn't fit"),
])
def test_a_loss_for_the_wrong_kind_of_label_is_a_config_error(tmp_path: Path, capsys, loss: str,
                                                              fragment: str) -> None:
    config = _config(tmp_path, training=f'loss = "{loss}"')
    status = main(["train", str(config), "--runs-dir", str(tmp_path / "runs")])
    _one_line_error(capsys, status, 2, "small.toml: " + fragment, "for class labels use CrossEntropyLoss")


def test_cross_entropy_on_float_targets_is_a_config_error(tmp_path: Path, capsys) -> None:
    x, y = digits().tensors
    numpy.savez(tmp_path / "data.npz", x=x.numpy(), y=y.numpy().astype(numpy.float32) + 0.5)
    config = _config(tmp_path, outputs=1, data='npz = "data.npz"', training='loss = "CrossEntropyLoss"\nmetrics = []')
    status = main(["train", str(config), "--runs-dir", str(tmp_path / "runs")])
    error = _one_line_error(capsys, status, 2, "small.toml:")
    assert "CrossEntropy" in error or "cross_entropy" in error


def test_cuda_without_cupy_names_the_flag(tmp_path: Path, capsys) -> None:
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed here, so --device cuda is valid")
    except ImportError:
        pass
    status = main(["train", str(_config(tmp_path)), "--runs-dir", str(tmp_path / "runs"), "--device", "cuda"])
    _one_line_error(capsys, status, 2, "--device 'cuda': a CUDA device needs CuPy", "--device cpu")


def test_runs_dir_that_is_a_file(tmp_path: Path, capsys) -> None:
    (tmp_path / "runs").write_text("not a folder")
    status = main(["train", str(_config(tmp_path)), "--runs-dir", str(tmp_path / "runs")])
    _one_line_error(capsys, status, 2, "--runs-dir", "is a file, not a folder")


def test_runs_dir_without_write_permission(tmp_path: Path, capsys, monkeypatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    real_access = os.access  # root may write anywhere, so the permission is taken away for this folder only
    monkeypatch.setattr(os, "access", lambda path, mode: real_access(path, mode) and Path(path) != locked)
    status = main(["train", str(_config(tmp_path)), "--runs-dir", str(locked / "runs")])
    _one_line_error(capsys, status, 2, "--runs-dir", f"no permission to write in {locked}")
    assert os.listdir(locked) == []


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.3, 0.6])
def test_ctrl_c_while_starting_is_one_line(tmp_path: Path, delay: float) -> None:
    # The child says when Python's own start-up and the import of the tiny entry-point module are over (the
    # console script's first line; nothing of chainrule yet): from then on every Ctrl-C — while chainrule and
    # NumPy import, the run is built or trains — must end in one line, never a traceback.
    launcher = "import sys, chainrule_console\nprint('started', flush=True)\nsys.exit(chainrule_console.main())"
    command = [sys.executable, "-c", launcher, "train", str(_config(tmp_path)), "--runs-dir", str(tmp_path / "runs")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "started"
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, error = process.communicate(timeout=120)
    # 130 from our handler; -SIGINT when CPython re-raises the signal at exit (as shells expect of Ctrl-C)
    assert process.returncode in (0, 130, -signal.SIGINT) and "Traceback" not in error, error
    if process.returncode != 0:
        assert error.count("\n") == 1 and "interrupted" in error


def test_output_into_a_missing_folder(trained: RunDirectory, tmp_path: Path, capsys) -> None:
    numpy.save(tmp_path / "x.npy", digits().tensors[0].numpy()[:3])
    status = main(["predict", str(trained.path), "--input", str(tmp_path / "x.npy"),
                   "--output", str(tmp_path / "missing" / "y.csv")])
    _one_line_error(capsys, status, 2, "--output", "doesn't exist; create it first")


@pytest.mark.parametrize(("array", "fragment"), [
    (numpy.zeros((0, 64), numpy.float32), "holds no samples"),
    (numpy.array(["a"] * 64), "not numbers"),
    (numpy.array([object()] * 64, dtype=object), "can't read"),
])
def test_predict_refuses_inputs_that_are_not_numbers(trained: RunDirectory, tmp_path: Path, capsys, array,
                                                     fragment: str) -> None:
    path = tmp_path / "x.npy"
    numpy.save(path, array, allow_pickle=True)
    status = main(["predict", str(trained.path), "--input", str(path)])
    _one_line_error(capsys, status, 2, "--input", fragment)


def test_resume_after_editing_the_model_is_refused_before_anything_changes(run_copy: RunDirectory, capsys) -> None:
    edited = run_copy.config.read_text().replace("out_features = 16", "out_features = 32").replace(
        "in_features = 16", "in_features = 32")
    run_copy.config.write_text(edited)
    checkpoint = run_copy.last_checkpoint.read_bytes()
    status = main(["resume", str(run_copy.path), "--epochs", "3"])
    _one_line_error(capsys, status, 2, "doesn't fit the model that", "config.toml", "was [model] edited")
    assert run_copy.last_checkpoint.read_bytes() == checkpoint and run_copy.config.read_text() == edited


def test_builder_errors_name_the_config_file(tmp_path: Path, capsys) -> None:
    config = _config(tmp_path, training='loss = { type = "CrossEntropyLoss", label_smoothing = 2.0 }')
    status = main(["train", str(config), "--runs-dir", str(tmp_path / "runs")])
    _one_line_error(capsys, status, 2, f"{config}: [training] loss")


# -- 7. no silent predictions for non-finite rows -------------------------------------------------------------
def test_predict_refuses_rows_with_nan_by_number(trained: RunDirectory, tmp_path: Path, capsys) -> None:
    x = digits().tensors[0].numpy()[:6].copy()
    x[1, 3] = numpy.nan
    x[4, 0] = numpy.inf
    numpy.save(tmp_path / "x.npy", x)
    status = main(["predict", str(trained.path), "--input", str(tmp_path / "x.npy")])
    _one_line_error(capsys, status, 2, "NaN or infinite values in 2 sample(s), at row(s) 1, 4")


# -- 9. resume --epochs means "train until epoch N" -----------------------------------------------------------
def test_resume_epochs_below_those_done_is_refused_and_changes_nothing(run_copy: RunDirectory, capsys) -> None:
    config = run_copy.config.read_text()
    for epochs in ("1", "2"):
        status = main(["resume", str(run_copy.path), "--epochs", epochs])
        _one_line_error(capsys, status, 2, f"--epochs {epochs}: the run has trained 2 epochs already",
                        "give more than 2")
    assert run_copy.config.read_text() == config


def test_resume_epochs_trains_until_that_epoch(run_copy: RunDirectory, capsys) -> None:
    assert main(["resume", str(run_copy.path), "--epochs", "3"]) == 0
    assert "training until epoch 3" in capsys.readouterr().out
    assert len(load_train_state(run_copy.last_checkpoint)["history"]) == 3
    assert "epochs = 3" in run_copy.config.read_text()


def test_resume_of_a_finished_run_says_there_is_nothing_to_train(run_copy: RunDirectory, capsys) -> None:
    assert main(["resume", str(run_copy.path)]) == 0
    assert "Nothing left to train in 'small' (it trained all 2 epochs)" in capsys.readouterr().out
    assert len(load_train_state(run_copy.last_checkpoint)["history"]) == 2


def test_predict_reads_csv_like_the_training_loader(trained: RunDirectory, tmp_path: Path, capsys) -> None:
    x = digits().tensors[0].numpy()[:4]
    numpy.savetxt(tmp_path / "plain.csv", x, delimiter=",")  # no header: the first row is a sample too
    assert main(["predict", str(trained.path), "--input", str(tmp_path / "plain.csv")]) == 0
    assert len(capsys.readouterr().out.split()) == 4
    (tmp_path / "bad.csv").write_text("\n".join(",".join(["1"] * 64) for _ in range(2)) + "\n" +
                                      ",".join(["1"] * 63 + ["x"]) + "\n")
    status = main(["predict", str(trained.path), "--input", str(tmp_path / "bad.csv")])
    _one_line_error(capsys, status, 2, "bad.csv, row 3, column 63: can't read 'x' as a number")
