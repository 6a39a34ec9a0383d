"""RunDirectory: the one owner of a run folder's layout, its lock and its atomic writes.

A run folder (`runs/<name>/`) holds the resolved `config.toml`, `history.csv`, `metrics.json`,
`checkpoints/`, the PNG pictures, `report.html`, `tensorboard/` and a marker, `run.json`, that says
"chainrule made this folder" — so `--overwrite` replaces runs and nothing else. Every file is written through
`chainrule.io.write_atomically`, so a kill leaves the previous version or the new one, never a torn file.

Commands that change a run hold its lock for as long as they run: an exclusive `flock` on
`<parent>/.<name>.lock`, beside the folder rather than in it, so the lock covers the name even while an
`--overwrite` swaps folders. The operating system releases it when the holder dies, so a killed run never
leaves a stale lock behind.

    >>> run = RunDirectory("runs/digits")
    >>> with run.lock("train"):
    ...     run.write_text(run.config, "...")
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chainrule.io import write_atomically

try:  # POSIX
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

MARKER = "run.json"
_FORMAT = "chainrule.run"
# What write_atomically leaves behind when it is killed between creating and renaming its temporary file.
_TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")


class RunInUseError(RuntimeError):
    """Another process holds the run's lock (it is training or resuming the run right now)."""


class RunDirectory:
    """Paths of a run folder's files, its marker, its lock and atomic writes into it."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.config = self.path / "config.toml"
        self.history = self.path / "history.csv"
        self.metrics = self.path / "metrics.json"
        self.report = self.path / "report.html"
        self.marker = self.path / MARKER
        self.checkpoints = self.path / "checkpoints"
        self.best_checkpoint = self.checkpoints / "best.safetensors"
        self.last_checkpoint = self.checkpoints / "last.safetensors"
        self.tensorboard = self.path / "tensorboard"
        self.lock_file = self.path.parent / f".{self.path.name}.lock"

    def __repr__(self) -> str:
        return f"RunDirectory({str(self.path)!r})"

    def picture(self, name: str) -> Path:
        """Where the PNG called `name` goes (`curves` → `<run>/curves.png`)."""
        return self.path / f"{name}.png"

    # -- what the folder is -----------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    def is_empty(self) -> bool:
        return not self.path.exists() or (self.path.is_dir() and not any(self.path.iterdir()))

    def is_run(self) -> bool:
        """True when chainrule made this folder (it carries a readable `run.json` marker)."""
        return self.read_marker() is not None

    def read_marker(self) -> dict[str, Any] | None:
        try:
            marker = json.loads(self.marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return marker if isinstance(marker, dict) and marker.get("format") == _FORMAT else None

    def write_marker(self, **fields: Any) -> None:
        """Write `run.json`: the format, the chainrule version, the creation time, and `fields`."""
        from chainrule import __version__

        marker = {"format": _FORMAT, "chainrule": __version__,
                  "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), **fields}
        self.write_text(self.marker, json.dumps(marker, indent=1) + "\n")

    # -- writing ----------------------------------------------------------------------------------------
    def write_text(self, path: str | os.PathLike, text: str) -> None:
        """Write `text` (UTF-8) to `path` atomically."""
        write_atomically(path, text.encode("utf-8"))

    def write_json(self, path: str | os.PathLike, value: Any) -> None:
        self.write_text(path, json.dumps(value, indent=1) + "\n")

    def clean_temporary_files(self) -> list[Path]:
        """Delete the hidden `.NAME.XXXXXXXXXXXX.tmp` files that a killed atomic write left; return them.

        Call it only while holding the lock: then no write of this run is in progress.
        """
        removed = []
        for folder in (self.path, self.checkpoints, self.tensorboard):
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                if _TEMPORARY.match(entry.name) and entry.is_file():
                    with contextlib.suppress(FileNotFoundError):
                        entry.unlink()
                        removed.append(entry)
        return removed

    # -- locking ----------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, command: str) -> Iterator[None]:
        """Hold the run's exclusive lock for the `with` block; raise RunInUseError naming the holder's PID."""
        handle = self._acquire(command)
        try:
            yield
        finally:
            _release(handle)

    def _acquire(self, command: str) -> Any:
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_file, "a+")  # noqa: SIM115 - held open for as long as the lock is
        try:
            _lock(handle)
        except OSError:
            holder = _holder(handle)
            handle.close()
            raise RunInUseError(
                f"{self.path} is in use by {holder}; wait for it to finish or stop it, or give this run "
                "another --name"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()} (chainrule {command})\n")
        handle.flush()
        return handle

    # -- replacing a run (train --overwrite) ----------------------------------------------------------------
    def set_aside(self) -> Path:
        """Rename this folder to a hidden sibling, to be dropped once its replacement has trained a step."""
        aside = self.path.parent / f".{self.path.name}.replaced-{uuid.uuid4().hex[:8]}"
        os.replace(self.path, aside)
        return aside

    def restore_replaced(self) -> Path | None:
        """Undo an `--overwrite` that never trained a step (killed, or failed at its first batch): put the
        old run back in place of the new one. Return the restored folder, or None if there was nothing to do.
        Call it only while holding the lock."""
        marker = self.read_marker()
        replaces = marker.get("replaces") if marker else None
        if not replaces:
            return None
        aside = self.path.parent / replaces
        if not aside.is_dir():
            return None
        shutil.rmtree(self.path)
        os.replace(aside, self.path)
        return self.path

    def drop_replaced(self) -> None:
        """The replacement trained a step: delete the old run and forget it (idempotent)."""
        marker = self.read_marker()
        replaces = marker.get("replaces") if marker else None
        if not replaces:
            return
        marker.pop("replaces")
        self.write_json(self.marker, marker)
        shutil.rmtree(self.path.parent / replaces, ignore_errors=True)


def _holder(handle: Any) -> str:
    """What the lock's holder wrote ("process 1234 (chainrule train)"); it writes right after taking the lock,
    so a moment's wait covers a holder that has just taken it."""
    for _ in range(50):
        handle.seek(0)
        holder = handle.read().strip()
        if holder:
            return holder
        time.sleep(0.01)
    return "another process"


def _lock(handle: Any) -> None:
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)


def _release(handle: Any) -> None:
    try:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        else:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    finally:
        handle.close()
