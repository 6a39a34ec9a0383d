"""`save`/`load` called the way PyTorch programs call them: file objects, map_location, weights_only, and
clear refusals of what can't be saved without pickle or was written by torch.save."""

from __future__ import annotations

import io as stdio

import numpy
import pytest

import chainrule as cr
from chainrule import io


def _checkpoint() -> dict:
    model = cr.nn.Linear(3, 2)
    optimizer = cr.optim.Adam(model.parameters(), lr=0.1)
    model(cr.randn(4, 3)).sum().backward()
    optimizer.step()
    return {"epoch": 7, "model": model.state_dict(), "optimizer": optimizer.state_dict(), "loss": 0.25}


def _same(a, b) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _same(a[key], b[key])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif isinstance(a, cr.Tensor):
        numpy.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.dtype == b.dtype
    else:
        assert a == b


def test_a_checkpoint_round_trips_through_a_bytes_buffer() -> None:
    checkpoint = _checkpoint()
    buffer = stdio.BytesIO()
    cr.save(checkpoint, buffer)
    buffer.seek(0)
    loaded = cr.load(buffer)
    _same(checkpoint, loaded)
    model = cr.nn.Linear(3, 2)
    model.load_state_dict(loaded["model"])
    optimizer = cr.optim.Adam(model.parameters(), lr=0.1)
    optimizer.load_state_dict(loaded["optimizer"])
    assert optimizer.state_dict()["state"][0]["step"] == checkpoint["optimizer"]["state"][0]["step"]


def test_open_file_objects_are_written_and_read(tmp_path) -> None:
    state = cr.nn.Linear(2, 2).state_dict()
    with open(tmp_path / "m.pt", "wb") as file:
        cr.save(state, file)
    with open(tmp_path / "m.pt", "rb") as file:
        _same(state, cr.load(file))
    assert io.load_metadata(tmp_path / "m.pt") == {}


@pytest.mark.parametrize("map_location", [None, "cpu", cr.device("cpu"), {"cuda:0": "cpu"}, {"cpu": "cpu"},
                                          lambda storage, location: storage, lambda storage, location: None])
@pytest.mark.parametrize("weights_only", [None, True, False])
def test_map_location_and_weights_only_as_pytorch_code_passes_them(tmp_path, map_location, weights_only) -> None:
    state = {"w": cr.arange(6.0).reshape(2, 3)}
    cr.save(state, tmp_path / "s.pt")
    loaded = cr.load(tmp_path / "s.pt", map_location=map_location, weights_only=weights_only)
    _same(state, loaded)
    assert loaded["w"].device == cr.device("cpu")


def test_a_callable_map_location_sees_each_tensor_and_its_location(tmp_path) -> None:
    cr.save({"a": cr.ones(2), "b": cr.zeros(3)}, tmp_path / "s.pt")
    seen = []

    def doubled(tensor, location):
        seen.append((tuple(tensor.shape), location))
        return tensor * 2

    loaded = cr.load(tmp_path / "s.pt", map_location=doubled)
    assert sorted(seen) == [((2,), "cpu"), ((3,), "cpu")]
    numpy.testing.assert_array_equal(loaded["a"].numpy(), [2.0, 2.0])


def test_bad_load_arguments_are_named(tmp_path) -> None:
    cr.save({"a": cr.ones(2)}, tmp_path / "s.pt")
    with pytest.raises(TypeError, match="map_location returned a str; it must return a Tensor"):
        cr.load(tmp_path / "s.pt", map_location=lambda storage, location: "gpu")
    with pytest.raises(TypeError, match="pickle_module is not supported"):
        cr.load(tmp_path / "s.pt", pickle_module=object())
    with pytest.raises(TypeError, match="give map_location or device, not both"):
        cr.load(tmp_path / "s.pt", map_location="cpu", device="cpu")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        cr.load(tmp_path / "s.pt", map_location="tpu")
    with open(tmp_path / "s.pt", encoding="latin-1") as text, \
            pytest.raises(TypeError, match=r"open the file in binary mode \('rb'\)"):
        cr.load(text)
    with pytest.raises(io.CheckpointError, match="empty"):
        cr.load(stdio.BytesIO(b""))


def test_whole_modules_and_optimizers_are_refused_with_the_state_dict_advice(tmp_path) -> None:
    model = cr.nn.Sequential(cr.nn.Linear(2, 2))
    with pytest.raises(TypeError, match=r"can't save a whole Sequential: .*Save its state_dict\(\) instead"):
        cr.save(model, tmp_path / "m.pt")
    optimizer = cr.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"can't save a whole SGD at 'optimizer'.*state_dict\(\)"):
        cr.save({"epoch": 1, "optimizer": optimizer}, tmp_path / "c.pt")
    with pytest.raises(TypeError, match="can't save object at 'extra'"):
        cr.save({"extra": object()}, tmp_path / "c.pt")
    assert not (tmp_path / "m.pt").exists() and not (tmp_path / "c.pt").exists()


def test_files_written_by_torch_save_are_refused_with_the_conversion(tmp_path) -> None:
    torch = pytest.importorskip("torch")
    state = torch.nn.Linear(2, 2).state_dict()
    torch.save(state, tmp_path / "zip.pt")
    torch.save(state, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    buffer = stdio.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    for source in (tmp_path / "zip.pt", tmp_path / "legacy.pt", buffer):
        with pytest.raises(io.CheckpointError, match=r"written by torch.save \(a pickle\).*safetensors.torch import "
                                                     r"save_file"):
            cr.load(source)


def test_torch_reads_what_chainrule_wrote_to_a_buffer() -> None:
    pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    state = cr.nn.Linear(3, 2).state_dict()
    buffer = stdio.BytesIO()
    cr.save(state, buffer)
    loaded = safetensors_torch.load(buffer.getvalue())
    for key, value in state.items():
        numpy.testing.assert_array_equal(loaded[key].numpy(), value.numpy())
