"""RunDirectory: the marker, the lock (held across processes, freed when the holder dies), temp-file cleanup and
the set-aside / restore / drop steps of `train --overwrite`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chainrule.io import write_atomically
from chainrule.run import RunDirectory, RunInUseError

_HOLD_LOCK = """
import sys, time
from chainrule.run import RunDirectory
with RunDirectory(sys.argv[1]).lock("train"):
    print("locked", flush=True)
    time.sleep(60)
"""


def _holder(path: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def test_layout_names_every_file_of_a_run(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path / "digits")
    assert run.config == tmp_path / "digits" / "config.toml"
    assert run.last_checkpoint == tmp_path / "digits" / "checkpoints" / "last.safetensors"
    assert run.picture("curves") == tmp_path / "digits" / "curves.png"
    assert run.lock_file == tmp_path / ".digits.lock"  # beside the folder: it survives a swap of folders


def test_the_marker_tells_a_run_from_any_other_folder(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path / "run")
    assert run.is_empty() and not run.is_run()
    run.path.mkdir()
    (run.path / "data.csv").write_text("1,2\n")
    assert not run.is_empty() and not run.is_run()
    run.write_marker(name="run")
    marker = json.loads(run.marker.read_text())
    assert run.is_run() and marker["format"] == "chainrule.run" and marker["name"] == "run"
    run.marker.write_text("{not json")
    assert not run.is_run()


def test_a_held_lock_is_refused_naming_the_holders_pid(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path / "run")
    holder = _holder(run.path)
    try:
        with pytest.raises(RunInUseError, match=rf"run is in use by process {holder.pid} \(chainrule train\)"), \
                run.lock("resume"):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_of_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path / "run")
    holder = _holder(run.path)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert run.lock_file.exists()  # the stale file stays; the operating system dropped the lock itself
    with run.lock("train"):
        assert run.lock_file.read_text() == f"process {os.getpid()} (chainrule train)\n"


def test_clean_temporary_files_removes_only_what_a_killed_atomic_write_left(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path / "run")
    run.checkpoints.mkdir(parents=True)
    left = [run.path / ".config.toml.0123456789ab.tmp", run.checkpoints / ".last.safetensors.abcdef012345.tmp"]
    for path in left:
        path.write_bytes(b"partial")
    kept = [run.path / "notes.tmp", run.path / ".hidden", run.checkpoints / "last.safetensors"]
    for path in kept:
        path.write_bytes(b"keep")
    write_atomically(run.config, b"[model]\n")
    assert sorted(run.clean_temporary_files()) == sorted(left)
    assert all(path.exists() for path in kept) and not any(path.exists() for path in left)
    assert run.config.read_bytes() == b"[model]\n"


def test_set_aside_then_restore_puts_the_old_run_back(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path / "run")
    run.path.mkdir()
    run.write_marker(name="old")
    (run.path / "history.csv").write_text("old history")
    aside = run.set_aside()
    assert aside.parent == tmp_path and aside.name.startswith(".run.replaced-") and not run.path.exists()
    run.path.mkdir()
    run.write_marker(name="new", replaces=aside.name)
    (run.path / "history.csv").write_text("new, failed")
    assert run.restore_replaced() == run.path
    assert (run.path / "history.csv").read_text() == "old history" and not aside.exists()
    assert run.restore_replaced() is None  # nothing left to undo


def test_drop_replaced_deletes_the_old_run_once_the_new_one_has_trained(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path / "run")
    run.path.mkdir()
    run.write_marker(name="old")
    aside = run.set_aside()
    run.path.mkdir()
    run.write_marker(name="new", replaces=aside.name)
    run.drop_replaced()
    assert not aside.exists() and "replaces" not in json.loads(run.marker.read_text())
    assert run.restore_replaced() is None
    run.drop_replaced()  # idempotent
    assert run.is_run()


def test_lock_waits_for_nobody_and_is_released_on_exit(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path / "run")
    start = time.monotonic()
    with run.lock("train"):
        pass
    with run.lock("resume"):
        pass
    assert time.monotonic() - start < 5
