"""chainrule.io: safetensors round trips, interchange with PyTorch, nested checkpoints, atomic writes and
the error for every kind of bad file."""

from __future__ import annotations

import json
import os
import sys

import numpy
import pytest

import chainrule as cr
from chainrule import io

safetensors = pytest.importorskip("safetensors", reason="safetensors is not installed (pip install safetensors)")


def _numpy(tensor: cr.Tensor) -> numpy.ndarray:
    return tensor.detach().cpu().numpy()


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
    assert _header_metadata(tmp_path / "state.safetensors") is None, "a state dict must carry no extra metadata"


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
        assert json.loads(file.metadata()["__chainrule__"])["format"] == 1


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


@pytest.mark.parametrize("error", [OSError("No space left on device"), KeyboardInterrupt()])
def test_crash_mid_write_keeps_the_previous_file(error: BaseException, tmp_path, monkeypatch) -> None:
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
    with pytest.raises(type(error)):
        io.save({"w": cr.zeros(1000)}, path)
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


@pytest.mark.parametrize("kind", ["truncated", "truncated-header", "random", "text"])
def test_load_corrupted_file_names_the_file_and_the_problem(kind: str, tmp_path) -> None:
    path = _bad_file(tmp_path, kind)
    with pytest.raises(ValueError, match=rf"chainrule.load: '{path}' is not a valid safetensors file \(Error while "
                                         r"deserializing header: .+\); it may be truncated or corrupted"):
        io.load(path)


def test_load_empty_file(tmp_path) -> None:
    path = tmp_path / "empty.safetensors"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=rf"chainrule.load: '{path}' is empty \(0 bytes\), not a safetensors file"):
        io.load(path)


def test_load_corrupted_structure(tmp_path) -> None:
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "bad.safetensors"
    path.write_bytes(safetensors_numpy.save({"w": numpy.zeros(1)}, metadata={"__chainrule__": "{not json"}))
    with pytest.raises(ValueError, match=rf"chainrule.load: the structure stored in '{path}' is corrupted"):
        io.load(path)


def test_load_bfloat16_is_refused(tmp_path, torch) -> None:
    safetensors_torch = pytest.importorskip("safetensors.torch")
    path = tmp_path / "bf16.safetensors"
    safetensors_torch.save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, str(path))
    with pytest.raises(TypeError, match=rf"chainrule.load: 'w' in '{path}' has dtype BF16, which chainrule doesn't "
                                        "support; convert it to float32 before saving"):
        io.load(path)


@pytest.mark.parametrize("call", [lambda p: io.save({"w": cr.zeros(1)}, p), io.load, io.load_metadata],
                         ids=["save", "load", "load_metadata"])
def test_missing_safetensors_names_the_extra(call, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "safetensors", None)
    with pytest.raises(ImportError, match=r"chainrule.(save|load|load_metadata) needs the safetensors package: "
                                          r"pip install 'chainrule\[safetensors\]'"):
        call(tmp_path / "x.safetensors")
