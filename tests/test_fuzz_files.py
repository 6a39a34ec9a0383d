"""Fuzzing the files chainrule writes: seeded mutations of a real state dict (ModelCheckpoint's
best.safetensors) and a real mid-epoch training checkpoint must load with values exactly equal to the
original, or raise CheckpointError — never another exception, never a changed value.

The mutations: bit flips and byte changes anywhere (header and data), truncation, appended bytes, a changed
header length, whitespace changes (which must load), and header JSON edits that keep the file parseable —
renamed keys, changed types and values, deleted and inserted entries, swapped numbers, duplicate names and
deep nesting — in the safetensors header and inside chainrule's own JSON entries (`__chainrule__`,
`__chainrule_checksum__`). Each case runs under a per-case timeout. `benchmarks/fuzz_files.py` runs the same
harness on more cases and prints the counts.
"""

from __future__ import annotations

import collections
import copy
import json
import math
import os
import random
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy
import pytest

pytest.importorskip("safetensors", reason="chainrule writes safetensors files: pip install 'chainrule[safetensors]'")

import chainrule
from chainrule import nn, optim
from chainrule.io import CheckpointError
from chainrule.metrics import Accuracy
from chainrule.train import Callback, EarlyStopping, ModelCheckpoint, Trainer
from chainrule.train.checkpoint import load_train_state

CI_CASES = 2500  # per file: 5,000 cases, ~5 s on two cores
CASE_TIMEOUT = 5.0  # seconds; a hang (or a pathological slowdown) is a failure


# -- the two files ---------------------------------------------------------------------------------------------
class _SnapshotAt(Callback):
    """Write a training checkpoint in the middle of an epoch (after `step` optimizer steps)."""

    def __init__(self, step: int, path: Path) -> None:
        self.step, self.path = step, path

    def on_batch_end(self, trainer, batch, logs):
        if trainer.global_step == self.step:
            trainer.save_checkpoint(self.path)


def _data() -> tuple[numpy.ndarray, numpy.ndarray]:
    x = numpy.random.default_rng(0).normal(size=(64, 3)).astype(numpy.float32)
    return x, (x[:, 0] > 0).astype(numpy.int64)


def _trainer(folder: Path) -> Trainer:
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    callbacks = [ModelCheckpoint(folder, monitor="loss"), EarlyStopping("loss", patience=5),
                 _SnapshotAt(6, folder / "snapshot.safetensors")]
    return Trainer(model, nn.CrossEntropyLoss(), optimizer, scheduler=optim.lr_scheduler.StepLR(optimizer, 1, 0.5),
                   metrics=[Accuracy()], callbacks=callbacks)


def _resume(checkpoint: Path, folder: Path) -> dict[str, numpy.ndarray]:
    """What `chainrule resume` does: a fresh Trainer of the same setup, `fit(resume_from=...)`; the final weights."""
    trainer = _trainer(folder)
    trainer.fit(_data(), epochs=2, batch_size=16, resume_from=checkpoint)
    return {key: value.numpy().copy() for key, value in trainer.model.state_dict().items()}


@dataclass
class FuzzFile:
    """One original file and what loading it must give."""

    name: str
    raw: bytes
    loaders: dict[str, Callable[[Path], Any]]  # name → function of the path; the first decides the case
    expected: dict[str, Any]  # name → the value each loader returns for the original
    resume: dict[str, numpy.ndarray] | None = None  # the weights a resume from the original ends with


def make_files(folder: Path) -> list[FuzzFile]:
    """A 4-batch-per-epoch run, 2 epochs: `best.safetensors` (a state dict with metadata) and a checkpoint
    written at step 6 (epoch 2, batch 2: a running epoch, a loader mid-way, Adam and scheduler state)."""
    _trainer(folder).fit(_data(), epochs=2, batch_size=16)
    best, snapshot = folder / "best.safetensors", folder / "snapshot.safetensors"
    state_dict = FuzzFile("state dict", best.read_bytes(), {"load": chainrule.load,
                                                             "load_metadata": chainrule.io.load_metadata}, {})
    checkpoint = FuzzFile("checkpoint", snapshot.read_bytes(), {"load_train_state": load_train_state,
                                                                "load_metadata": chainrule.io.load_metadata}, {})
    for file, path in ((state_dict, best), (checkpoint, snapshot)):
        file.expected = {name: loader(path) for name, loader in file.loaders.items()}
    checkpoint.resume = _resume(snapshot, folder / "resume-original")
    return [state_dict, checkpoint]


# -- mutations -------------------------------------------------------------------------------------------------
def _split(raw: bytes) -> tuple[int, bytes, bytes]:
    length = int.from_bytes(raw[:8], "little")
    return length, raw[8:8 + length], raw[8 + length:]


def _assemble(header_text: bytes, data: bytes) -> bytes:
    header_text += b" " * (-len(header_text) % 8)
    return len(header_text).to_bytes(8, "little") + header_text + data


def _slots(document: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a JSON document, found without recursion."""
    slots, pending = [], [document]
    while pending:
        node = pending.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
        for key in keys:
            slots.append((node, key))
            pending.append(node[key])
    return slots


def _other_value(value: Any, rng: random.Random) -> Any:
    """A value of another type, or the same type with another value, as a damaged or hand-edited file has."""
    if isinstance(value, bool):
        return rng.choice([not value, int(value), str(value).lower(), None])
    if isinstance(value, int):
        return rng.choice([value + 1, value - 1, -value, value * 2, 0, -1, 2**31, 2**63, 2**64, 10**30,
                           float(value), str(value), None, True, [value]])
    if isinstance(value, float):
        return rng.choice([value * (1 + 2**-52), -value, value + 1, math.nan, math.inf, -math.inf, 0.0, -0.0,
                           1e308, int(value) if math.isfinite(value) else 0, str(value), None])
    if isinstance(value, str):
        if value and rng.random() < 0.6:
            index = rng.randrange(len(value))
            return value[:index] + rng.choice("aAeE_.0 \\\"\u00e9") + value[index + 1:]
        return rng.choice(["", value + value, value.upper(), 0, None, [value], {value: 1}])
    if isinstance(value, list):
        return rng.choice([[], value[:-1], value + value[-1:], list(reversed(value)), {"x": value}, None, 0,
                           "list"])
    if isinstance(value, dict):
        return rng.choice([{}, [], None, "dict", dict(list(value.items())[:-1]), [list(value.items())]])
    return rng.choice([0, "", [], {}, False])


_DEEP = "<deep:{}>"  # a placeholder the nesting replaces once the document is text (json.dumps would recurse)


def _dumps(document: Any) -> str:
    text = json.dumps(document)
    for depth in re.findall(r"<deep:(\d+)>", text):
        text = text.replace(json.dumps(_DEEP.format(depth)), "[" * int(depth) + "0" + "]" * int(depth))
    return text


def _edit_document(document: Any, rng: random.Random) -> str:
    """Change one thing in a parsed JSON document in place; say what."""
    slots = _slots(document)
    if not slots:
        return "empty document"
    container, key = rng.choice(slots)
    action = rng.choice(["value", "value", "value", "rename", "delete", "insert", "swap", "deep"])
    if action == "rename" and isinstance(container, dict):
        new_key = _other_value(key, rng)
        new_key = new_key if isinstance(new_key, str) else key + "_"
        container[new_key] = container.pop(key)
        return f"renamed key {key!r} to {new_key!r}"
    if action == "delete":
        del container[key]
        return f"deleted {key!r}"
    if action == "insert":
        if isinstance(container, dict):
            container[rng.choice(["extra", "format", "dtype", "tensor", "dict"])] = rng.choice([1, "x", None, []])
        else:
            container.insert(key, copy.deepcopy(container[key]))
        return f"inserted beside {key!r}"
    if action == "swap":
        numbers = [(c, k) for c, k in slots if isinstance(c[k], int | float) and not isinstance(c[k], bool)]
        if len(numbers) >= 2:
            (first, a), (second, b) = rng.sample(numbers, 2)
            first[a], second[b] = second[b], first[a]
            return f"swapped numbers at {a!r} and {b!r}"
    if action == "deep":
        container[key] = _DEEP.format(rng.choice([70, 500, 5000]))
        return f"nested {key!r} deeply"
    old = container[key]
    container[key] = _other_value(old, rng)
    return f"{key!r}: {_short(old)} -> {_short(container[key])}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 40 else text[:37] + "..."


_NESTED_ENTRIES = ("__chainrule__", "__chainrule_checksum__")


def _json_mutation(raw: bytes, rng: random.Random) -> tuple[str, bytes]:
    """Edit the header JSON (or chainrule's JSON inside it) and write a well-formed file around the edit."""
    _, text, data = _split(raw)
    header = json.loads(text)
    metadata = header.get("__metadata__", {})
    target = rng.choice(["header", "header", *[key for key in _NESTED_ENTRIES if key in metadata] * 2])
    if target == "header":
        if rng.random() < 0.1:  # a duplicate name: not expressible as a dict, so written as text
            name = rng.choice(list(header))
            body = json.dumps(header)
            return f"duplicate {name!r}", _assemble(f'{body[:-1]}, {json.dumps(name)}: {json.dumps(header[name])}}}'
                                                    .encode(), data)
        what = _edit_document(header, rng)
        if header.get("__metadata__", {}) in (None, {}):
            # Without any metadata the file is a plain safetensors file, as PyTorch writes, and must load
            # unchecked: the one edit a checksum in the metadata can't catch. Edit something else.
            return _json_mutation(raw, rng)
    else:
        document = json.loads(metadata[target])
        what = f"in {target}: " + _edit_document(document, rng)
        metadata[target] = _dumps(document)
    return f"json {what}", _assemble(_dumps(header).encode(), data)


def _swap_digits(raw: bytes, rng: random.Random) -> tuple[str, bytes]:
    """Swap two numbers in the header text (e.g. two offsets or dimensions), keeping the file well-formed."""
    _, text, data = _split(raw)
    numbers = list(re.finditer(rb"\d+", text))
    first, second = sorted(rng.sample(numbers, 2), key=lambda match: match.start())
    edited = (text[:first.start()] + second.group() + text[first.end():second.start()] + first.group()
              + text[second.end():])
    return f"swapped {first.group()[:20]!r} and {second.group()[:20]!r} in the header text", _assemble(edited, data)


def mutate(raw: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One seeded mutation of `raw`: (what was done, the new bytes)."""
    length = int.from_bytes(raw[:8], "little")
    kind = rng.choices(["bit", "bit-header", "byte", "truncate", "append", "length", "whitespace", "json", "digits"],
                       weights=[3, 3, 2, 1, 1, 1, 1, 6, 1])[0]
    data = bytearray(raw)
    if kind in ("bit", "bit-header", "byte"):
        position = rng.randrange(len(raw) if kind == "bit" else 8 + length)
        if kind == "byte":
            data[position] = rng.randrange(256)
        else:
            data[position] ^= 1 << rng.randrange(8)
        return f"{kind} at {position}", bytes(data)
    if kind == "truncate":
        size = rng.randrange(len(raw))
        return f"truncated to {size}", raw[:size]
    if kind == "append":
        extra = rng.randbytes(rng.randint(1, 64))
        return f"appended {len(extra)} bytes", raw + extra
    if kind == "length":
        new = rng.choice([length + rng.randint(1, 16), length - rng.randint(1, 16), rng.getrandbits(64), 0])
        return f"header length {length} -> {new}", new.to_bytes(8, "little") + raw[8:]
    if kind == "whitespace":  # the JSON is the same: must load, equal
        _, text, tail = _split(raw)
        edited = rng.choice([b" ", b"\n", b"\t", b"\r\n"]) + text.rstrip(b" ") + b"\n"
        return "whitespace around the header JSON", _assemble(edited, tail)
    if kind == "digits":
        return _swap_digits(raw, rng)
    return _json_mutation(raw, rng)


# -- running the cases ----------------------------------------------------------------------------------------
def same(a: Any, b: Any) -> bool:
    """Exactly equal: types (1 is not 1.0 or True), key order, float bits, tensor dtypes, shapes and bytes."""
    if type(a) is not type(b):
        return False
    if isinstance(a, chainrule.Tensor):
        a, b = a.numpy(), b.numpy()
    if isinstance(a, numpy.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, dict):
        return ([(type(key), key) for key in a] == [(type(key), key) for key in b]
                and all(same(a[key], b[key]) for key in a))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return numpy.float64(a).tobytes() == numpy.float64(b).tobytes()
    return a == b


class _CaseTimeout(BaseException):
    """Raised by the alarm: a BaseException, so no `except Exception` in the code under test swallows it."""


def _alarm(signum, frame):
    raise _CaseTimeout


def _outcome(call: Callable[[], Any], expected: Any, timeout: float) -> tuple[str, str]:
    """("equal" | "CheckpointError" | "wrong value" | "other: <type>" | "timeout", detail)."""
    use_alarm = hasattr(signal, "setitimer")
    start = time.perf_counter()
    if use_alarm:
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        value = call()
    except CheckpointError as error:
        return "CheckpointError", str(error)
    except _CaseTimeout:
        return "timeout", f"over {timeout} s"
    except Exception as error:  # recording every escape is the point of the fuzz
        return f"other: {type(error).__name__}", repr(error)[:300]
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
    if time.perf_counter() - start > timeout:
        return "timeout", f"{time.perf_counter() - start:.1f} s"
    return ("equal", "") if same(value, expected) else ("wrong value", "loaded, but not equal to the original")


@dataclass
class Report:
    counts: collections.Counter  # (file, loader, outcome) → cases
    failures: list[str]  # one line per case that escaped with another exception, a wrong value or a timeout
    seconds: float
    cases: int


def run(files: list[FuzzFile], cases: int, folder: Path, seed: int = 0, timeout: float = CASE_TIMEOUT,
        resume_every: int = 25) -> Report:
    """`cases` mutations of each file, loaded by each of its loaders. Where a checkpoint loads, resuming from it
    must end with the original resume's weights; where it is refused, one case in `resume_every` also checks
    that `fit(resume_from=...)` refuses it with CheckpointError."""
    previous = signal.signal(signal.SIGALRM, _alarm) if hasattr(signal, "SIGALRM") else None
    counts: collections.Counter = collections.Counter()
    failures = []
    start = time.perf_counter()
    try:
        for file in files:
            for number in range(cases):
                rng = random.Random(f"{seed}-{file.name}-{number}")
                what, raw = mutate(file.raw, rng)
                path = folder / f"case-{file.name.replace(' ', '-')}.safetensors"
                path.write_bytes(raw)
                outcomes = {name: _outcome(lambda loader=loader, path=path: loader(path), file.expected[name], timeout)
                            for name, loader in file.loaders.items()}
                first = next(iter(outcomes.values()))[0]
                if file.resume is not None and (first == "equal" or number % resume_every == 0):
                    resumed = _outcome(lambda path=path: _resume(path, folder / "resume"), file.resume, timeout * 4)
                    outcomes["resume"] = resumed if first == "equal" or resumed[0] != "equal" else (
                        "wrong value", "resumed from a checkpoint that load_train_state refused")
                for name, (outcome, detail) in outcomes.items():
                    counts[file.name, name, outcome] += 1
                    if outcome not in ("equal", "CheckpointError"):
                        failures.append(f"{file.name} case {number} ({what}): {name} -> {outcome}: {detail}")
    finally:
        if previous is not None:
            signal.signal(signal.SIGALRM, previous)
    return Report(counts, failures, time.perf_counter() - start, cases * len(files))


# -- the CI test --------------------------------------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="the per-case timeout uses SIGALRM")
def test_mutated_files_load_equal_or_raise_checkpoint_error(tmp_path: Path) -> None:
    files = make_files(tmp_path)
    report = run(files, CI_CASES, tmp_path)
    assert not report.failures, f"{len(report.failures)} of {report.cases} cases escaped:\n" + "\n".join(
        report.failures[:20])
    for file in files:  # both outcomes occur: the harness does reach loads that succeed and ones that fail
        first = next(iter(file.loaders))
        assert report.counts[file.name, first, "equal"] > 0 and report.counts[file.name, first, "CheckpointError"] > 0
    assert report.counts["checkpoint", "resume", "equal"] > 0 and report.counts["checkpoint", "resume",
                                                                                 "CheckpointError"] > 0


def test_same_compares_exactly() -> None:
    assert same({"a": [1, 2.0, None]}, {"a": [1, 2.0, None]})
    assert not same(1, 1.0) and not same(1, True) and not same(0.0, -0.0) and not same({1: 0}, {True: 0})
    assert same(math.nan, math.nan) and not same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert same(chainrule.ones(2), chainrule.ones(2)) and not same(chainrule.ones(2), chainrule.ones(2).double())
