"""chainrule.io: safetensors round trips, interchange with PyTorch, nested checkpoints, atomic writes,
checksums, and the error for every kind of bad file."""

from __future__ import annotations

import errno
import json
import os
import signal
import sys

import numpy
import pytest

import chainrule as cr
from chainrule import io
from tests.conftest import to_numpy as _numpy

safetensors = pytest.importorskip("safetensors", reason="safetensors is not installed (pip install safetensors)")



def _header_metadata(path) -> dict | None:
    with safetensors.safe_open(str(path), framework="numpy") as file:
        return file.metadata()


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool"])
def test_round_trip_keeps_values_dtypes_and_shapes(dtype: str, device: str, tmp_path) -> None:
    rng = numpy.random.default_rng(0)
    state = {
        "matrix": cr.tensor((rng.standard_normal((3, 4)) * 10).astype(dtype), device=device),
        "scalar": cr.tensor(numpy.array(7, dtype=dtype), device=device),
        "empty": cr.tensor(numpy.zeros((0, 2), dtype=dtype), device=device),
    }
    io.save(state, tmp_path / "state.safetensors")
    loaded = io.load(tmp_path / "state.safetensors", device=device)
    assert set(loaded) == set(state)
    for key, tensor in state.items():
        assert isinstance(loaded[key], cr.Tensor) and loaded[key].device == cr.device(device)
        assert loaded[key].dtype == tensor.dtype and loaded[key].shape == tensor.shape
        numpy.testing.assert_array_equal(_numpy(loaded[key]), _numpy(tensor))
    metadata = _header_metadata(tmp_path / "state.safetensors")
    assert set(metadata) == {"__chainrule__", "__chainrule_checksum__"}, "a state dict carries only the checksum"
    assert json.loads(metadata["__chainrule__"]) == {"format": 2}


def test_non_contiguous_tensors_and_arrays_are_saved_by_value(tmp_path) -> None:
    base = numpy.arange(24, dtype="float32").reshape(4, 6)
    state = {"transposed": cr.from_numpy(base.T), "strided": base[::2, 1::2],
             "parameter": cr.ones(2, requires_grad=True)}
    assert not base.T.flags.c_contiguous and not base[::2, 1::2].flags.c_contiguous
    io.save(state, tmp_path / "views.safetensors")
    loaded = io.load(tmp_path / "views.safetensors")
    numpy.testing.assert_array_equal(_numpy(loaded["transposed"]), base.T)
    numpy.testing.assert_array_equal(_numpy(loaded["strided"]), base[::2, 1::2])
    assert not loaded["parameter"].requires_grad


def test_loaded_tensors_are_writable(tmp_path) -> None:
    io.save({"w": cr.zeros(3)}, tmp_path / "w.safetensors")
    weight = io.load(tmp_path / "w.safetensors")["w"]
    weight.add_(1.0)
    numpy.testing.assert_array_equal(_numpy(weight), numpy.ones(3, dtype="float32"))


def test_torch_loads_a_chainrule_file_into_a_linear_layer(tmp_path, torch) -> None:
    safetensors_torch = pytest.importorskip("safetensors.torch")
    weight = numpy.arange(6, dtype="float32").reshape(2, 3) / 10
    bias = numpy.array([0.5, -0.5], dtype="float32")
    io.save({"weight": cr.tensor(weight), "bias": cr.tensor(bias)}, tmp_path / "linear.safetensors")

    layer = torch.nn.Linear(3, 2)
    layer.load_state_dict(safetensors_torch.load_file(str(tmp_path / "linear.safetensors")), strict=True)

    numpy.testing.assert_array_equal(layer.weight.detach().numpy(), weight)
    numpy.testing.assert_array_equal(layer.bias.detach().numpy(), bias)


def test_chainrule_loads_a_torch_file(tmp_path, torch) -> None:
    safetensors_torch = pytest.importorskip("safetensors.torch")
    layer = torch.nn.Linear(3, 2)
    state = {**layer.state_dict(), "steps": torch.tensor([1, 2], dtype=torch.int64)}
    safetensors_torch.save_file(state, str(tmp_path / "torch.safetensors"))

    loaded = io.load(tmp_path / "torch.safetensors")

    assert sorted(loaded) == ["bias", "steps", "weight"]
    for key, value in state.items():
        numpy.testing.assert_array_equal(_numpy(loaded[key]), value.numpy())
        assert loaded[key].dtype == cr.backend.to_dtype(str(value.dtype).removeprefix("torch."))


def test_nested_checkpoint_round_trip(tmp_path) -> None:
    weight = cr.randn(3, 2)
    checkpoint = {
        "model": {"fc.weight": weight, "fc.bias": cr.zeros(3)},
        "optimizer": {
            "state": {0: {"step": cr.tensor(4.0), "exp_avg": cr.ones(3, 2)}, 1: {}},
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "amsgrad": False, "params": [0, 1],
                              "name": None, "eps": float("inf")}],
        },
        "epoch": 3,
        "history": [{"loss": 0.5}, {"loss": 0.25}],
        "note": "résumé ✓",
        "rng": numpy.array([1, 2, 3], dtype="uint8"),
        "best": numpy.float32(0.5),
    }
    io.save(checkpoint, tmp_path / "ckpt.safetensors")
    loaded = io.load(tmp_path / "ckpt.safetensors")

    assert list(loaded) == list(checkpoint)
    numpy.testing.assert_array_equal(_numpy(loaded["model"]["fc.weight"]), _numpy(weight))
    assert sorted(loaded["optimizer"]["state"]) == [0, 1], "int keys must come back as ints"
    assert loaded["optimizer"]["state"][1] == {}
    assert loaded["optimizer"]["state"][0]["step"].item() == 4.0
    numpy.testing.assert_array_equal(_numpy(loaded["optimizer"]["state"][0]["exp_avg"]), numpy.ones((3, 2)))
    assert loaded["optimizer"]["param_groups"] == [{"lr": 1e-3, "betas": [0.9, 0.999], "amsgrad": False,
                                                    "params": [0, 1], "name": None, "eps": float("inf")}]
    assert (loaded["epoch"], loaded["history"], loaded["note"], loaded["best"]) == (3, checkpoint["history"],
                                                                                    "résumé ✓", 0.5)
    numpy.testing.assert_array_equal(_numpy(loaded["rng"]), [1, 2, 3])
    with safetensors.safe_open(str(tmp_path / "ckpt.safetensors"), framework="numpy") as file:
        names = file.keys()  # safetensors' reader is not a container
        assert "model.fc.weight" in names and "optimizer.state.0.exp_avg" in names
        assert json.loads(file.metadata()["__chainrule__"])["format"] == 2


def test_colliding_dotted_keys_stay_apart(tmp_path) -> None:
    structure = {"a.b": cr.zeros(1), "a": {"b": cr.ones(1)}, 1: [cr.full((1,), 2.0)]}
    io.save(structure, tmp_path / "c.safetensors")
    loaded = io.load(tmp_path / "c.safetensors")
    assert [loaded["a.b"].item(), loaded["a"]["b"].item(), loaded[1][0].item()] == [0.0, 1.0, 2.0]


def test_user_metadata_round_trip(tmp_path) -> None:
    io.save({"w": cr.zeros(1)}, tmp_path / "m.safetensors", metadata={"epoch": "3", "format": "pt"})
    assert io.load_metadata(tmp_path / "m.safetensors") == {"epoch": "3", "format": "pt"}
    io.save({"w": cr.zeros(1), "epoch": 3}, tmp_path / "n.safetensors", metadata={"author": "me"})
    assert io.load_metadata(tmp_path / "n.safetensors") == {"author": "me"}
    assert io.load(tmp_path / "n.safetensors")["epoch"] == 3


def test_save_errors(tmp_path) -> None:
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match=r"chainrule.save: can't save set at 'layers.0'; only tensors, arrays, "
                                        r"dicts, lists and int/float/bool/None/str values can be saved \(no pickle\)"):
        io.save({"layers": [{1, 2}]}, path)
    with pytest.raises(TypeError, match=r"chainrule.save: dict key \(1, 2\) at 'the top level' is a tuple; keys "
                                        "must be str, int, float, bool or None"):
        io.save({(1, 2): cr.zeros(1)}, path)
    with pytest.raises(TypeError, match=r"chainrule\.save: 'c' has dtype complex64, which chainrule can't save"):
        io.save({"c": numpy.zeros(2, dtype="complex64")}, path)
    with pytest.raises(TypeError, match=r"metadata must map str to str, got 'epoch': 3; convert values with str\(\)"):
        io.save({"w": cr.zeros(1)}, path, metadata={"epoch": 3})
    with pytest.raises(ValueError, match="the metadata key '__chainrule__' is reserved for chainrule"):
        io.save({"w": cr.zeros(1)}, path, metadata={"__chainrule__": "x"})
    assert os.listdir(tmp_path) == [], "a refused save must not create any file"


def _write_previous(tmp_path):
    path = tmp_path / "model.safetensors"
    io.save({"w": cr.full((1000,), 1.0)}, path)
    return path


def _assert_previous_intact(tmp_path, path) -> None:
    numpy.testing.assert_array_equal(_numpy(io.load(path)["w"]), numpy.ones(1000, dtype="float32"))
    assert os.listdir(tmp_path) == ["model.safetensors"], "the temporary file must be removed"


@pytest.mark.parametrize(("error", "message"), [
    (OSError(errno.ENOSPC, "No space left on device"), "can't write '{path}': No space left on device; the disk is "
                                                       "full; free some space and try again"),
    (KeyboardInterrupt(), ""),
])
def test_crash_mid_write_keeps_the_previous_file(error: BaseException, message: str, tmp_path, monkeypatch) -> None:
    path = _write_previous(tmp_path)
    real_fdopen = os.fdopen

    class HalfWritingFile:
        """Writes half of the payload, then fails as a full disk (or Ctrl-C) would."""

        def __init__(self, *args, **kwargs) -> None:
            self.file = real_fdopen(*args, **kwargs)

        def write(self, payload: bytes) -> None:
            self.file.write(payload[: len(payload) // 2])
            self.file.flush()
            raise error

        def __getattr__(self, name: str):
            return getattr(self.file, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc_info) -> None:
            self.file.close()

    monkeypatch.setattr(io.os, "fdopen", HalfWritingFile)
    with pytest.raises(type(error)) as raised:
        io.save({"w": cr.zeros(1000)}, path)
    assert str(raised.value).removeprefix("[Errno 28] ") == message.format(path=path), "the target, not the temp file"
    monkeypatch.undo()
    _assert_previous_intact(tmp_path, path)


def test_failing_fsync_or_rename_keeps_the_previous_file(tmp_path, monkeypatch) -> None:
    path = _write_previous(tmp_path)

    def fail(*args) -> None:
        raise OSError("I/O error")

    for name in ("fsync", "replace"):
        with monkeypatch.context() as patch:
            patch.setattr(io.os, name, fail)
            with pytest.raises(OSError, match="I/O error"):
                io.save({"w": cr.zeros(1000)}, path)
        _assert_previous_intact(tmp_path, path)


def test_save_replaces_the_previous_file(tmp_path) -> None:
    path = _write_previous(tmp_path)
    io.save({"w": cr.zeros(2)}, str(path))
    numpy.testing.assert_array_equal(_numpy(io.load(str(path))["w"]), numpy.zeros(2))
    assert os.listdir(tmp_path) == ["model.safetensors"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_saved_file_gets_the_usual_permissions(tmp_path) -> None:
    umask = os.umask(0o022)
    try:
        io.save({"w": cr.zeros(1)}, tmp_path / "w.safetensors")
    finally:
        os.umask(umask)
    assert (tmp_path / "w.safetensors").stat().st_mode & 0o777 == 0o644


def test_load_missing_file(tmp_path) -> None:
    missing = tmp_path / "nope.safetensors"
    with pytest.raises(FileNotFoundError, match=f"chainrule.load: no such file: '{missing}'"):
        io.load(missing)


def _bad_file(tmp_path, kind: str):
    path = tmp_path / f"{kind}.safetensors"
    if kind == "truncated":
        io.save({"w": cr.ones(100)}, path)
        path.write_bytes(path.read_bytes()[:-17])
    elif kind == "truncated-header":
        io.save({"w": cr.ones(100)}, path)
        path.write_bytes(path.read_bytes()[:30])
    elif kind == "random":
        path.write_bytes(numpy.random.default_rng(0).bytes(300))
    elif kind == "text":
        path.write_text("epoch,loss\n1,0.5\n2,0.25\n" * 10)
    return path


@pytest.mark.parametrize(("kind", "reason"), [
    ("truncated", r"its tensors take 400 bytes but the file has 383 bytes of data"),
    ("truncated-header", r"its header length \d+ is larger than the 22 bytes after it"),
    ("random", r"its header length \d+ is larger than the 292 bytes after it"),
    ("text", r"its header length \d+ is larger than the 232 bytes after it"),
])
def test_load_corrupted_file_names_the_file_and_the_problem(kind: str, reason: str, tmp_path) -> None:
    path = _bad_file(tmp_path, kind)
    with pytest.raises(io.CheckpointError, match=rf"chainrule.load: '{path}' is not a valid safetensors file "
                                                 rf"\({reason}\); it may be truncated or corrupted"):
        io.load(path)


def test_load_empty_file(tmp_path) -> None:
    path = tmp_path / "empty.safetensors"
    path.write_bytes(b"")
    with pytest.raises(io.CheckpointError, match=rf"chainrule.load: '{path}' is empty \(0 bytes\), not a safetensors "
                                                 "file"):
        io.load(path)
    assert issubclass(io.CheckpointError, ValueError), "callers that catch ValueError must keep working"


def test_load_corrupted_structure(tmp_path) -> None:
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "bad.safetensors"
    path.write_bytes(safetensors_numpy.save({"w": numpy.zeros(1)}, metadata={"__chainrule__": "{not json"}))
    with pytest.raises(io.CheckpointError, match=rf"chainrule.load: the structure stored in '{path}' is corrupted "
                                                 r"\(JSONDecodeError: Expecting property name"):
        io.load(path)


def test_load_bfloat16_is_refused(tmp_path, torch) -> None:
    safetensors_torch = pytest.importorskip("safetensors.torch")
    path = tmp_path / "bf16.safetensors"
    safetensors_torch.save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, str(path))
    with pytest.raises(TypeError, match=rf"chainrule.load: 'w' in '{path}' has dtype BF16, which chainrule doesn't "
                                        "support; convert it to float32 before saving"):
        io.load(path)


def test_missing_safetensors_names_the_extra_and_load_needs_none(tmp_path, monkeypatch) -> None:
    path = tmp_path / "x.safetensors"
    io.save({"w": cr.ones(2)}, path, metadata={"note": "hi"})
    monkeypatch.setitem(sys.modules, "safetensors", None)
    with pytest.raises(ImportError, match=r"chainrule.save needs the safetensors package: "
                                          r"pip install 'chainrule\[safetensors\]'"):
        io.save({"w": cr.zeros(1)}, path)
    numpy.testing.assert_array_equal(_numpy(io.load(path)["w"]), [1.0, 1.0])  # chainrule reads the format itself
    assert io.load_metadata(path) == {"note": "hi"}


# -- checksums: chainrule's own files refuse any change, naming what changed -------------------------------
def _data_start(path) -> int:
    return 8 + int.from_bytes(path.read_bytes()[:8], "little")


def _edit_header(path, edit) -> None:
    """Rewrite `path`'s header through `edit(header_dict)`, keeping the file a valid safetensors file."""
    raw = path.read_bytes()
    start = _data_start(path)
    header = json.loads(raw[8:start])
    edit(header)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[start:])


def test_bit_flip_in_tensor_data_is_detected_naming_the_tensor(tmp_path) -> None:
    path = tmp_path / "model.safetensors"
    io.save({"fc.weight": cr.ones(4, 3), "fc.bias": cr.zeros(4)}, path)
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0x01  # the last byte of the data belongs to the tensor stored last (safetensors sorts by name)
    path.write_bytes(bytes(raw))
    with pytest.raises(io.CheckpointError, match=rf"chainrule.load: '{path}' is corrupted: the bytes of tensor "
                                                 r"'fc.weight' have changed since chainrule.save wrote it \(checksum "
                                                 r"mismatch\); restore the file from a copy or use another checkpoint"):
        io.load(path)


def test_a_tensor_read_in_several_chunks_is_checked_whole(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(io, "_CHUNK_BYTES", 64)
    path = tmp_path / "big.safetensors"
    io.save({"w": cr.arange(200, dtype=cr.float32), "b": cr.ones(3)}, path)  # "w": 800 bytes, 13 chunks
    numpy.testing.assert_array_equal(_numpy(io.load(path)["w"]), numpy.arange(200))
    raw = bytearray(path.read_bytes())
    raw[_data_start(path) + 12 + 64 * 5 + 3] ^= 0x80  # in the sixth chunk of "w", stored after "b"
    path.write_bytes(bytes(raw))
    with pytest.raises(io.CheckpointError, match=r"is corrupted: the bytes of tensor 'w' have changed"):
        io.load(path)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda h: h["w"].update(shape=[3, 2]),
     r"tensor 'w' has the shape \[3, 2\] in the header, but was saved with \[2, 3\]"),
    (lambda h: h["w"].update(dtype="I32"), r"tensor 'w' has the dtype I32 in the header, but was saved with F32"),
    (lambda h: h.update(v=h.pop("w")), r"its tensors have been added \['v'\] or removed \['w'\] \(or renamed\)"),
    (lambda h: h["__metadata__"].update(epoch="5"), r"the metadata entry 'epoch' has changed"),
    (lambda h: h["__metadata__"].update(extra="1"), r"its metadata entries have been added \['extra'\] or removed "
                                                    r"\[\] \(or renamed\)"),
    (lambda h: h["__metadata__"].pop("__chainrule_checksum__"),
     r"its checksum entry '__chainrule_checksum__' has been removed \(or renamed\)"),
    (lambda h: h["__metadata__"].update(__chainrule_checksum__="{}"),
     r"its checksum entry '__chainrule_checksum__' has changed"),
])
def test_header_changes_are_detected(edit, message: str, tmp_path) -> None:
    path = tmp_path / "w.safetensors"
    io.save({"w": cr.ones(2, 3)}, path, metadata={"epoch": "3"})
    _edit_header(path, edit)
    expected = rf"chainrule.load: '{path}' is corrupted: {message} since chainrule.save wrote it"
    with pytest.raises(io.CheckpointError, match=expected):
        io.load(path)
    with pytest.raises(io.CheckpointError, match=expected):
        io.load_metadata(path)


def test_a_changed_plain_value_in_a_checkpoint_is_detected(tmp_path) -> None:
    path = tmp_path / "ckpt.safetensors"
    io.save({"epoch": 3, "w": cr.ones(2)}, path)

    def set_epoch(header) -> None:
        document = json.loads(header["__metadata__"]["__chainrule__"])
        document["structure"]["dict"][0][1] = 5
        header["__metadata__"]["__chainrule__"] = json.dumps(document)

    _edit_header(path, set_epoch)
    with pytest.raises(io.CheckpointError, match=r"the metadata entry '__chainrule__' \(the stored structure and "
                                                 r"plain values\) has changed since chainrule.save wrote it"):
        io.load(path)


def test_a_file_without_checksum_still_loads(tmp_path) -> None:
    """What PyTorch and safetensors write, and what chainrule wrote before checksums (format 1)."""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    weight = numpy.arange(6, dtype="float32").reshape(2, 3)
    path = tmp_path / "plain.safetensors"
    path.write_bytes(safetensors_numpy.save({"weight": weight, "step": numpy.array(7)}, metadata={"format": "pt"}))
    loaded = io.load(path)
    numpy.testing.assert_array_equal(_numpy(loaded["weight"]), weight)
    assert loaded["step"].item() == 7 and io.load_metadata(path) == {"format": "pt"}

    old = tmp_path / "old.safetensors"
    structure = {"format": 1, "structure": {"dict": [["epoch", 3], ["w", {"tensor": "w"}]]}}
    old.write_bytes(safetensors_numpy.save({"w": weight}, metadata={"__chainrule__": json.dumps(structure)}))
    loaded = io.load(old)
    assert loaded["epoch"] == 3 and numpy.array_equal(_numpy(loaded["w"]), weight)


def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path) -> None:
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    deep = tmp_path / "deep.safetensors"
    structure = "[" * 100_000 + "]" * 100_000  # json.loads itself hits the recursion limit
    deep.write_bytes(safetensors_numpy.save({"w": numpy.zeros(1)}, metadata={
        "__chainrule__": '{"format": 1, "structure": ' + structure + "}"}))
    with pytest.raises(io.CheckpointError, match=rf"chainrule.load: the structure stored in '{deep}' is corrupted "
                                                 r"\(RecursionError: maximum recursion depth exceeded"):
        io.load(deep)

    nested: list = [1]
    for _ in range(64):
        nested = [nested]
    with pytest.raises(ValueError, match=r"chainrule.save: 'a(\.0){63}' is nested more than 64 dicts/lists deep; "
                                         "flatten the structure"):
        io.save({"a": nested}, tmp_path / "x.safetensors")
    io.save(nested[0], tmp_path / "ok.safetensors")  # 64 levels: the most a file may hold
    assert io.load(tmp_path / "ok.safetensors") == nested[0]

    over = tmp_path / "over.safetensors"
    over.write_bytes(safetensors_numpy.save({"w": numpy.zeros(1)}, metadata={
        "__chainrule__": json.dumps({"format": 1, "structure": nested})}))
    with pytest.raises(io.CheckpointError, match=rf"the structure stored in '{over}' is corrupted: it is nested "
                                                 "more than 64 levels deep"):
        io.load(over)


def test_duplicate_tensor_names_are_refused(tmp_path) -> None:
    path = tmp_path / "twice.safetensors"
    header = (b'{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, '
              b'"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}')
    header += b" " * (-len(header) % 8)
    path.write_bytes(len(header).to_bytes(8, "little") + header + numpy.array([1, 2], dtype="<f4").tobytes())
    with pytest.raises(io.CheckpointError, match=rf"chainrule.load: '{path}' is not a valid safetensors file \(its "
                                                 r"header has the key 'w' twice\)"):
        io.load(path)


@pytest.mark.parametrize(("tail", "reason"), [
    (b"\x00" * 3, r"its tensors take 8 bytes but the file has 11 bytes of data"),
    (None, r"its tensors take 8 bytes but the file has 4 bytes of data"),
])
def test_data_size_must_match_the_header(tail, reason: str, tmp_path) -> None:
    path = tmp_path / "w.safetensors"
    io.save({"w": cr.ones(2)}, path)
    raw = path.read_bytes()
    path.write_bytes(raw + tail if tail is not None else raw[:-4])
    with pytest.raises(io.CheckpointError, match=rf"'{path}' is not a valid safetensors file \({reason}\)"):
        io.load(path)


def test_a_directory_is_named_as_one(tmp_path) -> None:
    with pytest.raises(IsADirectoryError, match=rf"chainrule.load: '{tmp_path}' is a directory, not a safetensors "
                                                r"file; pass the path of a file in it"):
        io.load(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX only")
def test_a_fifo_is_refused_without_hanging(tmp_path) -> None:
    path = tmp_path / "pipe.safetensors"
    os.mkfifo(path)

    def hung(*args) -> None:
        raise TimeoutError("chainrule.load hung on a FIFO")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(5)
    try:
        with pytest.raises(io.CheckpointError, match=rf"chainrule.load: '{path}' is a FIFO, not a regular file; "
                                                     "chainrule reads safetensors files only"):
            io.load(path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_save_into_a_missing_folder_names_the_target(tmp_path) -> None:
    target = tmp_path / "missing" / "model.safetensors"
    with pytest.raises(FileNotFoundError, match=rf"can't write '{target}': No such file or directory; the folder "
                                                rf"'{target.parent}' does not exist; create it first"):
        io.save({"w": cr.zeros(1)}, target)
    assert os.listdir(tmp_path) == []


def test_save_onto_a_folder_names_the_target(tmp_path) -> None:
    target = tmp_path / "model.safetensors"
    target.mkdir()
    with pytest.raises(IsADirectoryError, match=rf"can't write '{target}': Is a directory; a folder of that name "
                                                "exists; remove it or choose another file name"):
        io.save({"w": cr.zeros(1)}, target)
    assert os.listdir(tmp_path) == ["model.safetensors"], "the temporary file must be removed"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="POSIX permissions, which root ignores")
def test_save_into_a_read_only_folder_names_the_target(tmp_path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    try:
        with pytest.raises(PermissionError, match=rf"can't write '{folder / 'w.safetensors'}': Permission denied; "
                                                  rf"no permission to write in '{folder}'"):
            io.save({"w": cr.zeros(1)}, folder / "w.safetensors")
    finally:
        folder.chmod(0o700)


def test_a_refused_temporary_file_names_the_target_not_the_temporary_file(tmp_path, monkeypatch) -> None:
    def refuse(name, *args):
        raise PermissionError(errno.EACCES, "Permission denied", name)

    monkeypatch.setattr(io.os, "open", refuse)
    target = tmp_path / "w.safetensors"
    with pytest.raises(PermissionError) as raised:
        io.save({"w": cr.zeros(1)}, target)
    assert str(raised.value) == (f"[Errno 13] can't write '{target}': Permission denied; no permission to write in "
                                 f"'{tmp_path}'; choose a writable folder or change its permissions")
