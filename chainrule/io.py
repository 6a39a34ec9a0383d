"""`save` and `load` on the safetensors format: tensors as raw bytes plus a JSON header, never pickle.

A state dict (names → tensors) is written key for key, so PyTorch reads it with
`safetensors.torch.load_file` and `load_state_dict` without renaming. Anything else — an optimizer state
dict, a checkpoint `{'model': ..., 'optimizer': ..., 'epoch': 3}` — is flattened: its tensors are stored
under dotted keys (`optimizer.state.0.exp_avg`) and its structure and plain values (int, float, bool, None,
str) as JSON in the header's metadata under `"__chainrule__"`. Files are written atomically.

    >>> chainrule.save(model.state_dict(), "model.safetensors")
    >>> model.load_state_dict(chainrule.load("model.safetensors"))
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Mapping
from typing import Any

import numpy

from chainrule import backend
from chainrule.tensor import Tensor, _wrap

_RESERVED_KEY = "__chainrule__"
_FORMAT_VERSION = 1
# safetensors' dtype names of the dtypes chainrule has; the others (BF16, U16, F8_*, ...) are refused.
_SUPPORTED_DTYPES = {"F16", "F32", "F64", "I8", "I16", "I32", "I64", "U8", "BOOL"}
_SAVEABLE_DTYPES = {backend.float16, backend.float32, backend.float64, backend.int8, backend.int16, backend.int32,
                    backend.int64, backend.uint8, backend.bool_}
_JSON_SCALARS = (bool, int, float, str, type(None))


def _import_safetensors(caller: str) -> Any:
    try:
        import safetensors
        import safetensors.numpy
    except ImportError as error:
        raise ImportError(
            f"{caller} needs the safetensors package: pip install 'chainrule[safetensors]'"
        ) from error
    return safetensors


# -- save ----------------------------------------------------------------------------------------------
def save(obj: Any, path: str | os.PathLike, metadata: Mapping[str, str] | None = None) -> None:
    """Write a state dict, or a nested structure of dicts/lists of tensors and JSON values, to `path`.

    Args:
        obj: `{name: Tensor or ndarray}` (written as is), or dicts (with str/int/float/bool/None keys) and
            lists of tensors, arrays and plain values. Tuples come back as lists; NumPy scalars as Python
            numbers.
        metadata: extra `str → str` entries for the file header (read back with `load_metadata`).

    The file is written to a temporary file beside `path`, flushed to disk and renamed over `path`, so a
    crash never leaves a half-written file there and never destroys the previous one.
    """
    safetensors = _import_safetensors("chainrule.save")
    header = _check_metadata(metadata)
    if _is_state_dict(obj):
        arrays = {key: _to_numpy(value, key) for key, value in obj.items()}
    else:
        arrays = {}
        structure = _flatten(obj, "", arrays)
        header[_RESERVED_KEY] = json.dumps({"format": _FORMAT_VERSION, "structure": structure})
    payload = safetensors.numpy.save(arrays, metadata=header or None)
    write_atomically(os.fspath(path), payload)


def _check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise TypeError(f"chainrule.save: metadata must be a dict of str to str, got {type(metadata).__name__}")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(
                f"chainrule.save: metadata must map str to str, got {key!r}: {value!r}; convert values with "
                "str() or json.dumps()"
            )
    if _RESERVED_KEY in metadata:
        raise ValueError(f"chainrule.save: the metadata key {_RESERVED_KEY!r} is reserved for chainrule")
    return dict(metadata)


def _is_array(value: Any) -> bool:
    return isinstance(value, Tensor | numpy.ndarray) or type(value).__module__.startswith("cupy")


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and all(
        isinstance(key, str) and _is_array(value) for key, value in obj.items()
    )


def _to_numpy(value: Any, key: str) -> numpy.ndarray:
    """A C-contiguous NumPy copy-or-view of a Tensor or array, with a dtype safetensors and chainrule share."""
    array = value.data if isinstance(value, Tensor) else value
    array = backend.move(array, backend.CPU)
    if array.dtype not in _SAVEABLE_DTYPES:
        hint = " (bfloat16: convert to float32 first, e.g. tensor.float())" if "bfloat16" in str(array.dtype) else ""
        raise TypeError(f"chainrule.save: {key!r} has dtype {array.dtype}, which chainrule can't save{hint}")
    # not numpy.ascontiguousarray: it turns 0-d arrays into 1-d ones
    return array if array.flags.c_contiguous else numpy.array(array, order="C")


def _flatten(obj: Any, path: str, arrays: dict[str, numpy.ndarray]) -> Any:
    """The JSON form of `obj`: tensors become {"tensor": key} (the array goes into `arrays` under the dotted
    `key`), dicts {"dict": [[key, value], ...]} (so int keys stay ints), lists and tuples JSON lists, and plain
    values stay themselves. Every JSON object in the result is one of these two tagged forms."""
    if _is_array(obj):
        key = path or "tensor"
        while key in arrays:  # "a.b" as one key and as a nested path would collide
            key += "_"
        arrays[key] = _to_numpy(obj, key)
        return {"tensor": key}
    if isinstance(obj, Mapping):
        items = []
        for key, value in obj.items():
            if not isinstance(key, _JSON_SCALARS):
                raise TypeError(f"chainrule.save: dict key {key!r} at {path or 'the top level'!r} is a "
                                f"{type(key).__name__}; keys must be str, int, float, bool or None")
            items.append([key, _flatten(value, f"{path}.{key}" if path else str(key), arrays)])
        return {"dict": items}
    if isinstance(obj, list | tuple):
        return [_flatten(value, f"{path}.{index}" if path else str(index), arrays) for index, value in enumerate(obj)]
    if isinstance(obj, numpy.generic):
        return obj.item()
    if isinstance(obj, _JSON_SCALARS):
        return obj
    raise TypeError(
        f"chainrule.save: can't save {type(obj).__name__} at {path or 'the top level'!r}; only tensors, arrays, "
        "dicts, lists and int/float/bool/None/str values can be saved (no pickle)"
    )


def write_atomically(path: str | os.PathLike, payload: bytes) -> None:
    """Write `payload` to a temporary file in `path`'s directory, fsync it and rename it onto `path`, so a crash
    leaves either the old file or the new one, never a half-written one (checkpoints, CSV logs)."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    temp_path = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    # os.open with 0o666 lets the umask decide the permissions, as for any new file (mkstemp would give 0o600)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temp_path, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); Windows can't open directories and doesn't need it."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# -- load ----------------------------------------------------------------------------------------------
def load(path: str | os.PathLike, device: Any = None) -> Any:
    """Read what `save` wrote (or any safetensors file) with its tensors on `device` (CPU by default).

    A plain file gives `{name: Tensor}`; a file holding a nested structure gives that structure back.
    """
    safetensors = _import_safetensors("chainrule.load")
    path = os.fspath(path)
    device = backend.to_device(device)
    with _open(safetensors, path) as file:
        header = file.metadata() or {}
        arrays = {}
        names = file.keys()  # safetensors' reader is not iterable
        for key in names:
            dtype = file.get_slice(key).get_dtype()
            if dtype not in _SUPPORTED_DTYPES:
                hint = "; convert it to float32 before saving" if dtype == "BF16" else ""
                raise TypeError(f"chainrule.load: {key!r} in {path!r} has dtype {dtype}, which chainrule doesn't "
                                f"support{hint}")
            arrays[key] = _to_tensor(_read(file, key, path), device)
    if _RESERVED_KEY not in header:
        return arrays
    try:
        structure = json.loads(header[_RESERVED_KEY])["structure"]
        return _unflatten(structure, arrays)
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise ValueError(f"chainrule.load: the structure stored in {path!r} is corrupted ({error!r})") from None


def load_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The `metadata` that `save` was given for `path` (chainrule's own entry left out)."""
    safetensors = _import_safetensors("chainrule.load_metadata")
    path = os.fspath(path)
    with _open(safetensors, path) as file:
        header = file.metadata() or {}
    return {key: value for key, value in header.items() if key != _RESERVED_KEY}


@contextlib.contextmanager
def _open(safetensors: Any, path: str) -> Any:
    """safetensors' reader, with errors that name the file and say what is wrong with it."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"chainrule.load: no such file: {path!r}")
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise ValueError(f"chainrule.load: {path!r} is empty (0 bytes), not a safetensors file")
    try:
        file = safetensors.safe_open(path, framework="numpy")
    except safetensors.SafetensorError as error:
        raise ValueError(
            f"chainrule.load: {path!r} is not a valid safetensors file ({error}); it may be truncated or "
            "corrupted, or not written by chainrule.save / safetensors"
        ) from None
    with file:
        yield file


def _read(file: Any, key: str, path: str) -> numpy.ndarray:
    try:
        array = file.get_tensor(key)
    except Exception as error:  # safetensors raises SafetensorError, or TypeError/ValueError from NumPy
        raise ValueError(f"chainrule.load: can't read {key!r} from {path!r} ({error})") from None
    return array if array.flags.writeable else array.copy()


def _to_tensor(array: numpy.ndarray, device: backend.Device) -> Tensor:
    return _wrap(backend.move(array, device), False, None)


def _unflatten(node: Any, arrays: dict[str, Tensor]) -> Any:
    if isinstance(node, list):
        return [_unflatten(value, arrays) for value in node]
    if isinstance(node, dict):
        if "tensor" in node:
            return arrays[node["tensor"]]
        return {key: _unflatten(value, arrays) for key, value in node["dict"]}
    return node
