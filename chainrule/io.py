"""`save` and `load` on the safetensors format: tensors as raw bytes plus a JSON header, never pickle.

A state dict (names → tensors) is written key for key, so PyTorch reads it with
`safetensors.torch.load_file` and `load_state_dict` without renaming. Anything else — an optimizer state
dict, a checkpoint `{'model': ..., 'optimizer': ..., 'epoch': 3}` — is flattened: its tensors are stored
under dotted keys (`optimizer.state.0.exp_avg`) and its structure and plain values (int, float, bool, None,
str) as JSON in the header's metadata under `"__chainrule__"`. Files are written atomically.

Every file `save` writes also carries, under `"__chainrule_checksum__"`, a CRC32 of each tensor's bytes,
its dtype and shape, and a CRC32 of every metadata entry. `load` checks them all and raises
`CheckpointError` naming the file and the tensor or entry that changed; files without a checksum (written
by PyTorch or safetensors) load unchecked.

    >>> chainrule.save(model.state_dict(), "model.safetensors")
    >>> model.load_state_dict(chainrule.load("model.safetensors"))
"""

from __future__ import annotations

import contextlib
import errno
import io as _io
import json
import math
import os
import stat
import uuid
import zlib
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, NamedTuple

import numpy

from chainrule import backend
from chainrule.tensor import Tensor, _wrap

_RESERVED_KEY = "__chainrule__"
_CHECKSUM_KEY = "__chainrule_checksum__"
# 1: a structure without a checksum; 2: every file (state dicts too) has both reserved entries, so a file
# with only one of them has been damaged.
_FORMAT_VERSION = 2
_MAX_DEPTH = 64  # levels of nested dicts and lists in a saved structure
_MAX_HEADER_BYTES = 100_000_000  # safetensors' own limit
# Tensors are read, and their CRC32 computed, by chunks this small: zlib.crc32 runs twice as fast on bytes
# still in the CPU cache from the read as on bytes from memory.
_CHUNK_BYTES = 256 << 10
# safetensors' dtype names of the dtypes chainrule has (the format is little-endian) ...
_NUMPY_DTYPES = {"F16": numpy.dtype("<f2"), "F32": numpy.dtype("<f4"), "F64": numpy.dtype("<f8"),
                 "I8": numpy.dtype("i1"), "I16": numpy.dtype("<i2"), "I32": numpy.dtype("<i4"),
                 "I64": numpy.dtype("<i8"), "U8": numpy.dtype("u1"), "BOOL": numpy.dtype("?")}
_DTYPE_NAMES = {dtype: name for name, dtype in _NUMPY_DTYPES.items()}
# ... and the others with their bytes per element (None: under a byte), so a file holding them is refused as
# unsupported rather than as corrupt.
_OTHER_DTYPES = {"BF16": 2, "U16": 2, "U32": 4, "U64": 8, "C64": 8, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
                 "F4": None, "F6_E2M3": None, "F6_E3M2": None}
_JSON_SCALARS = (bool, int, float, str, type(None))


class CheckpointError(ValueError):
    """A file `load` can't trust: empty, truncated, not a safetensors file, or changed since `save` wrote it
    (a checksum mismatch), or a training checkpoint whose fields are not what `Trainer` writes.

    The message names the file and the tensor, entry or field at fault. A subclass of ValueError, so code
    that catches ValueError keeps working.
    """


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
def save(obj: Any, f: str | os.PathLike | BinaryIO, metadata: Mapping[str, str] | None = None) -> None:
    """Write a state dict, or a nested structure of dicts/lists of tensors and JSON values, to `f` (a path or a
    binary file object, as `torch.save` takes).

    Args:
        obj: `{name: Tensor or ndarray}` (written as is), or dicts (with str/int/float/bool/None keys) and
            lists of tensors, arrays and plain values, nested at most 64 levels deep. Tuples come back as
            lists; NumPy scalars as Python numbers.
        metadata: extra `str → str` entries for the file header (read back with `load_metadata`).

    A path is written to a temporary file beside it, flushed to disk and renamed over it, so a crash never
    leaves a half-written file there and never destroys the previous one. A whole Module or Optimizer is
    refused (that would need pickle): save its `state_dict()` instead.
    """
    safetensors = _import_safetensors("chainrule.save")
    _refuse_object_with_state(obj, "")
    header = _check_metadata(metadata)
    document: dict[str, Any] = {"format": _FORMAT_VERSION}
    if _is_state_dict(obj):
        arrays = {key: _to_numpy(value, key) for key, value in obj.items()}
    else:
        arrays = {}
        document["structure"] = _flatten(obj, "", arrays, 0)
    header[_RESERVED_KEY] = json.dumps(document)
    header[_CHECKSUM_KEY] = json.dumps(_checksum(header, arrays))
    payload = safetensors.numpy.save(arrays, metadata=header)
    if hasattr(f, "write"):
        f.write(payload)
    else:
        write_atomically(os.fspath(f), payload)


def _refuse_object_with_state(obj: Any, path: str) -> None:
    """A Module, Optimizer or scheduler can't be saved without pickle; their state_dict() can."""
    if hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict") and not isinstance(obj, Mapping):
        where = f" at {path!r}" if path else ""
        raise TypeError(
            f"chainrule.save: can't save a whole {type(obj).__name__}{where}: chainrule never pickles objects. "
            f"Save its state_dict() instead (chainrule.save(model.state_dict(), path)), and later rebuild the "
            f"object and call load_state_dict(chainrule.load(path))"
        )


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
    for key in (_RESERVED_KEY, _CHECKSUM_KEY):
        if key in metadata:
            raise ValueError(f"chainrule.save: the metadata key {key!r} is reserved for chainrule")
    return dict(metadata)


def _is_array(value: Any) -> bool:
    return isinstance(value, Tensor | numpy.ndarray) or type(value).__module__.startswith("cupy")


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and all(
        isinstance(key, str) and _is_array(value) for key, value in obj.items()
    )


def _to_numpy(value: Any, key: str) -> numpy.ndarray:
    """A C-contiguous NumPy copy-or-view of a Tensor or array, with a dtype safetensors and chainrule share."""
    array = value._data if isinstance(value, Tensor) else value
    array = backend.move(array, backend.CPU)
    if array.dtype not in _DTYPE_NAMES:
        hint = " (bfloat16: convert to float32 first, e.g. tensor.float())" if "bfloat16" in str(array.dtype) else ""
        raise TypeError(f"chainrule.save: {key!r} has dtype {array.dtype}, which chainrule can't save{hint}")
    # not numpy.ascontiguousarray: it turns 0-d arrays into 1-d ones
    return array if array.flags.c_contiguous else numpy.array(array, order="C")


def _flatten(obj: Any, path: str, arrays: dict[str, numpy.ndarray], depth: int) -> Any:
    """The JSON form of `obj`: tensors become {"tensor": key} (the array goes into `arrays` under the dotted
    `key`), dicts {"dict": [[key, value], ...]} (so int keys stay ints), lists and tuples JSON lists, and plain
    values stay themselves. Every JSON object in the result is one of these two tagged forms."""
    if _is_array(obj):
        key = path or "tensor"
        while key in arrays:  # "a.b" as one key and as a nested path would collide
            key += "_"
        arrays[key] = _to_numpy(obj, key)
        return {"tensor": key}
    if isinstance(obj, Mapping | list | tuple) and depth == _MAX_DEPTH:
        raise ValueError(f"chainrule.save: {path!r} is nested more than {_MAX_DEPTH} dicts/lists deep; "
                         "flatten the structure")
    if isinstance(obj, Mapping):
        items = []
        for key, value in obj.items():
            if not isinstance(key, _JSON_SCALARS):
                raise TypeError(f"chainrule.save: dict key {key!r} at {path or 'the top level'!r} is a "
                                f"{type(key).__name__}; keys must be str, int, float, bool or None")
            items.append([key, _flatten(value, f"{path}.{key}" if path else str(key), arrays, depth + 1)])
        return {"dict": items}
    if isinstance(obj, list | tuple):
        return [_flatten(value, f"{path}.{index}" if path else str(index), arrays, depth + 1)
                for index, value in enumerate(obj)]
    if isinstance(obj, numpy.generic):
        return obj.item()
    if isinstance(obj, _JSON_SCALARS):
        return obj
    _refuse_object_with_state(obj, path)
    raise TypeError(
        f"chainrule.save: can't save {type(obj).__name__} at {path or 'the top level'!r}; only tensors, arrays, "
        "dicts, lists and int/float/bool/None/str values can be saved (no pickle)"
    )


def _checksum(metadata: dict[str, str], arrays: dict[str, numpy.ndarray]) -> dict[str, Any]:
    """What `load` checks: the CRC32 of every metadata entry and of each tensor's bytes, and each tensor's
    dtype and shape (a header edit that keeps the byte count would pass the data check)."""
    tensors = {name: {"dtype": _DTYPE_NAMES[array.dtype], "shape": list(array.shape),
                      "crc32": zlib.crc32(_bytes_of(array))} for name, array in arrays.items()}
    return {"algorithm": "crc32", "metadata": {key: _text_crc32(value) for key, value in metadata.items()},
            "tensors": tensors}


def _bytes_of(array: numpy.ndarray) -> numpy.ndarray:
    """A C-contiguous array's memory as a flat uint8 view."""
    return array.reshape(-1).view(numpy.uint8)


def _text_crc32(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def write_atomically(path: str | os.PathLike, payload: bytes) -> None:
    """Write `payload` to a temporary file in `path`'s directory, fsync it and rename it onto `path`, so a crash
    leaves either the old file or the new one, never a half-written one (checkpoints, CSV logs).

    An OSError names `path` (not the temporary file) and, where it can, the fix; its type is the original's
    (FileNotFoundError for a missing folder, PermissionError, ...).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    temp_path = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    # os.open with 0o666 lets the umask decide the permissions, as for any new file (mkstemp would give 0o600)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(temp_path, flags, 0o666)
    except OSError as error:
        raise _write_error(error, path, directory) from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_path, path)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)
        if isinstance(error, OSError):
            raise _write_error(error, path, directory) from None
        raise
    _fsync_directory(directory)


_WRITE_FIXES = {
    errno.ENOENT: "the folder {directory!r} does not exist; create it first (os.makedirs) or fix the path",
    errno.ENOTDIR: "a part of {directory!r} is a file, not a folder; fix the path",
    errno.EACCES: "no permission to write in {directory!r}; choose a writable folder or change its permissions",
    errno.EPERM: "no permission to write in {directory!r}; choose a writable folder or change its permissions",
    errno.EROFS: "{directory!r} is on a read-only file system; choose a writable folder",
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.EISDIR: "a folder of that name exists; remove it or choose another file name",
}


def _write_error(error: OSError, path: str, directory: str) -> OSError:
    """`error` again, of the same type, with a message naming the target `path` and the fix."""
    reason = error.strerror or str(error)
    fix = _WRITE_FIXES.get(error.errno, "")
    message = f"can't write {path!r}: {reason}" + ("; " + fix.format(directory=directory) if fix else "")
    return type(error)(error.errno, message) if error.errno is not None else type(error)(message)


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
def load(f: str | os.PathLike | BinaryIO, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, device: Any = None) -> Any:
    """Read what `save` wrote (or any safetensors file) from a path or a binary file object.

    A plain file gives `{name: Tensor}`; a file holding a nested structure gives that structure back. Tensors
    land on the CPU unless `map_location` (PyTorch's argument: a device or its name, a dict from location to
    location, or a callable `(tensor, 'cpu') -> tensor`) or `device` says otherwise; files keep no device, so
    every tensor's saved location is 'cpu'. `weights_only` is accepted and changes nothing: chainrule never
    unpickles, so every load is weights-only. A file that is damaged or changed since `save` wrote it raises
    `CheckpointError` naming the file and the tensor or entry at fault; so does a file `torch.save` wrote (a
    pickle), with the one-line conversion to safetensors.
    """
    if pickle_module is not None:
        raise TypeError("chainrule.load: pickle_module is not supported; chainrule files are safetensors, never "
                        "pickles, so leave it out")
    place = _placement(map_location, device)
    with _open(f) as (file, size, path):
        header = _read_header(file, size, path)
        for entry in header.tensors:
            if entry.dtype not in _NUMPY_DTYPES:
                hint = "; convert it to float32 before saving" if entry.dtype == "BF16" else ""
                raise TypeError(f"chainrule.load: {entry.name!r} in {path!r} has dtype {entry.dtype}, which "
                                f"chainrule doesn't support{hint}")
        arrays = _read_tensors(file, header, path)
    tensors = {name: place(_wrap(array, False, None)) for name, array in arrays.items()}
    if header.document is None or "structure" not in header.document:
        return tensors
    try:
        return _unflatten(header.document["structure"], tensors, 0)
    except ValueError as error:
        raise CheckpointError(f"chainrule.load: the structure stored in {path!r} is corrupted: {error}") from None


def _placement(map_location: Any, device: Any) -> Any:
    """A function moving each loaded (CPU) tensor where `map_location`/`device` say, as torch.load does."""
    if map_location is not None and device is not None:
        raise TypeError("chainrule.load: give map_location or device, not both")
    target = map_location if map_location is not None else device
    if isinstance(target, Mapping):
        target = target.get("cpu", target.get(backend.CPU, "cpu"))
    if callable(target) and not isinstance(target, str | backend.Device):
        def mapped(tensor: Tensor) -> Tensor:
            result = target(tensor, "cpu")
            if result is not None and not isinstance(result, Tensor):
                raise TypeError(f"chainrule.load: map_location returned a {type(result).__name__}; it must "
                                "return a Tensor (or None to keep the tensor on the CPU)")
            return tensor if result is None else result
        return mapped
    device = backend.to_device(target)
    if device == backend.CPU:
        return lambda tensor: tensor
    return lambda tensor: _wrap(backend.move(tensor._data, device), False, None)


def load_metadata(f: str | os.PathLike | BinaryIO) -> dict[str, str]:
    """The `metadata` that `save` was given for `f` (chainrule's own entries left out), checked against
    the file's checksum like `load` does."""
    with _open(f) as (file, size, path):
        header = _read_header(file, size, path)
    return {key: value for key, value in header.metadata.items() if key not in (_RESERVED_KEY, _CHECKSUM_KEY)}


class _Tensor(NamedTuple):
    """One tensor's entry in a safetensors header; `begin` and `end` are offsets into the data section."""

    name: str
    dtype: str
    shape: list[int]
    begin: int
    end: int


class _Header(NamedTuple):
    metadata: dict[str, str]
    tensors: list[_Tensor]  # in file order
    document: dict[str, Any] | None  # the parsed "__chainrule__" entry
    checksum: dict[str, Any] | None  # the parsed "__chainrule_checksum__" entry, already checked against the header


_FILE_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
               (stat.S_ISBLK, "a device"))


@contextlib.contextmanager
def _open(f: str | os.PathLike | BinaryIO) -> Iterator[tuple[BinaryIO, int, str]]:
    """The file, its size and its name for messages, once it is known to be a non-empty regular file (opening
    a FIFO would hang). A file object is read whole from its current position."""
    if hasattr(f, "read"):
        data = f.read()
        name = str(getattr(f, "name", "<file object>"))
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"chainrule.load: {name!r} gave {type(data).__name__}, not bytes; open the file in "
                            "binary mode ('rb')")
        if len(data) == 0:
            raise CheckpointError(f"chainrule.load: {name!r} is empty (0 bytes left to read), not a safetensors file")
        yield _io.BytesIO(data), len(data), name
        return
    path = os.fspath(f)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"chainrule.load: no such file: {path!r}") from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"chainrule.load: {path!r} is a directory, not a safetensors file; pass the path of "
                                "a file in it (e.g. checkpoints/last.safetensors)")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _FILE_KINDS if test(mode)), "a special file")
        raise CheckpointError(f"chainrule.load: {path!r} is {kind}, not a regular file; chainrule reads "
                              "safetensors files only")
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        if size == 0:
            raise CheckpointError(f"chainrule.load: {path!r} is empty (0 bytes), not a safetensors file")
        yield file, size, path


def _invalid(path: str, reason: str) -> CheckpointError:
    return CheckpointError(f"chainrule.load: {path!r} is not a valid safetensors file ({reason}); it may be "
                           "truncated or corrupted, or not written by chainrule.save / safetensors")


def _changed(path: str, what: str) -> CheckpointError:
    return CheckpointError(f"chainrule.load: {path!r} is corrupted: {what} since chainrule.save wrote it (checksum "
                           "mismatch); restore the file from a copy or use another checkpoint")


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's object_pairs_hook: a dict, refusing a key that appears twice (json.loads would keep the last)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _read_header(file: BinaryIO, size: int, path: str) -> _Header:
    """Parse and check the header (8-byte little-endian length, then JSON) and the file layout the way
    safetensors does, and check it against the file's checksum when it has one."""
    if size < 8:
        raise _invalid(path, f"the file is {size} bytes long, too short for the 8-byte header length")
    first = file.read(8)
    # a zip archive (torch.save), or the pickled magic number legacy torch.save files open with
    if first.startswith((b"PK\x03\x04", b"\x80\x02\x8a\x0a")):
        raise CheckpointError(
            f"chainrule.load: {path!r} was written by torch.save (a pickle), which chainrule does not read: "
            "unpickling can run arbitrary code. Convert it once with PyTorch: `from safetensors.torch import "
            "save_file; save_file(torch.load(path, weights_only=True), 'model.safetensors')` (for a state dict; "
            "save a checkpoint's parts, e.g. its 'model' entry, the same way), then chainrule.load that file"
        )
    length = int.from_bytes(first, "little")
    if length > min(_MAX_HEADER_BYTES, size - 8):
        raise _invalid(path, f"its header length {length} is larger than the {size - 8} bytes after it")
    try:
        header = json.loads(file.read(length).decode("utf-8"), object_pairs_hook=_unique_keys)
    except _DuplicateKey as error:
        raise _invalid(path, f"its header has the key {error.args[0]!r} twice") from None
    except RecursionError:
        raise _invalid(path, "its header is nested too deeply") from None
    except ValueError as error:  # UnicodeDecodeError and json.JSONDecodeError included
        raise _invalid(path, f"its header is not valid JSON: {error}") from None
    if not isinstance(header, dict):
        raise _invalid(path, f"its header is a JSON {type(header).__name__}, not an object")
    metadata = header.pop("__metadata__", None)
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict) or not all(isinstance(value, str) for value in metadata.values()):
        raise _invalid(path, "its __metadata__ is not an object of strings")
    tensors = sorted((_tensor_entry(name, info, path) for name, info in header.items()),
                     key=lambda entry: (entry.begin, entry.end))
    position = 0
    for entry in tensors:
        if entry.begin != position:
            raise _invalid(path, f"tensor {entry.name!r} starts at byte {entry.begin} of the data, expected "
                                 f"{position}: tensors must follow each other without gaps or overlaps")
        position = entry.end
    if position != size - 8 - length:
        raise _invalid(path, f"its tensors take {position} bytes but the file has {size - 8 - length} bytes of data")
    checksum = _checked_checksum(metadata, tensors, path)
    return _Header(metadata, tensors, _chainrule_document(metadata, checksum is not None, path), checksum)


def _is_size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def _tensor_entry(name: str, info: Any, path: str) -> _Tensor:
    if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
        raise _invalid(path, f"tensor {name!r} should have a dtype, shape and data_offsets, got {info!r:.100}")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if not (isinstance(dtype, str) and (dtype in _NUMPY_DTYPES or dtype in _OTHER_DTYPES)):
        raise _invalid(path, f"tensor {name!r} has an unknown dtype {dtype!r:.40}")
    if not (isinstance(shape, list) and len(shape) <= 64 and all(_is_size(size) for size in shape)):
        raise _invalid(path, f"tensor {name!r} has the shape {shape!r:.100}, not a list of sizes")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_size(offset) for offset in offsets)
            and offsets[0] <= offsets[1]):
        raise _invalid(path, f"tensor {name!r} has the data_offsets {offsets!r:.100}, not [begin, end]")
    itemsize = _NUMPY_DTYPES[dtype].itemsize if dtype in _NUMPY_DTYPES else _OTHER_DTYPES[dtype]
    if itemsize is not None and math.prod(shape) * itemsize != offsets[1] - offsets[0]:
        raise _invalid(path, f"tensor {name!r} of shape {shape} and dtype {dtype} needs "
                             f"{math.prod(shape) * itemsize} bytes, but its data_offsets {offsets} span "
                             f"{offsets[1] - offsets[0]}")
    return _Tensor(name, dtype, shape, offsets[0], offsets[1])


def _checked_checksum(metadata: dict[str, str], tensors: list[_Tensor], path: str) -> dict[str, Any] | None:
    """The parsed checksum entry, once every metadata entry and every tensor's dtype and shape agrees with it
    (the tensors' bytes are checked as they are read); None for a file without one."""
    if _CHECKSUM_KEY not in metadata:
        return None
    try:
        checksum = json.loads(metadata[_CHECKSUM_KEY])
        saved_metadata, saved_tensors = checksum["metadata"], checksum["tensors"]
        valid = (checksum["algorithm"] == "crc32" and isinstance(saved_metadata, dict)
                 and isinstance(saved_tensors, dict)
                 and all(isinstance(saved, dict) and isinstance(saved.get("dtype"), str)
                         and isinstance(saved.get("shape"), list) and _is_size(saved.get("crc32"))
                         for saved in saved_tensors.values()))
    except (ValueError, TypeError, KeyError, RecursionError):
        valid = False
    if not valid:
        raise _changed(path, f"its checksum entry {_CHECKSUM_KEY!r} has changed")
    entries = {key: value for key, value in metadata.items() if key != _CHECKSUM_KEY}
    if entries.keys() != saved_metadata.keys():
        added, removed = sorted(entries.keys() - saved_metadata.keys()), sorted(saved_metadata.keys() - entries.keys())
        raise _changed(path, f"its metadata entries have been added {added} or removed {removed} (or renamed)")
    for key, value in entries.items():
        if _text_crc32(value) != saved_metadata[key]:
            what = " (the stored structure and plain values)" if key == _RESERVED_KEY else ""
            raise _changed(path, f"the metadata entry {key!r}{what} has changed")
    names = {entry.name for entry in tensors}
    if names != saved_tensors.keys():
        added, removed = sorted(names - saved_tensors.keys()), sorted(saved_tensors.keys() - names)
        raise _changed(path, f"its tensors have been added {added} or removed {removed} (or renamed)")
    for entry in tensors:
        saved = saved_tensors[entry.name]
        for field, value in (("dtype", entry.dtype), ("shape", entry.shape)):
            if saved.get(field) != value:
                raise _changed(path, f"tensor {entry.name!r} has the {field} {value} in the header, but was saved "
                                     f"with {saved[field]}")
    return checksum


def _chainrule_document(metadata: dict[str, str], checked: bool, path: str) -> dict[str, Any] | None:
    """The parsed "__chainrule__" entry ({"format": ..., "structure": ...}), or None in a file from elsewhere."""
    if _RESERVED_KEY not in metadata:
        return None
    try:
        document = json.loads(metadata[_RESERVED_KEY])
    except (ValueError, RecursionError) as error:
        raise CheckpointError(f"chainrule.load: the structure stored in {path!r} is corrupted "
                              f"({type(error).__name__}: {error})") from None
    if not isinstance(document, dict) or not _is_size(document.get("format")) or document["format"] < 1:
        raise CheckpointError(f"chainrule.load: the structure stored in {path!r} is corrupted (no format number)")
    if document["format"] > _FORMAT_VERSION:
        raise CheckpointError(f"chainrule.load: {path!r} was written by a newer chainrule (file format "
                              f"{document['format']}; this one reads up to {_FORMAT_VERSION}); upgrade chainrule")
    if document["format"] >= 2 and not checked:
        raise _changed(path, f"its checksum entry {_CHECKSUM_KEY!r} has been removed (or renamed)")
    return document


def _read_tensors(file: BinaryIO, header: _Header, path: str) -> dict[str, numpy.ndarray]:
    """Each tensor read into an array of its own, and its bytes checked against the checksum (if any)."""
    arrays = {}
    for entry in header.tensors:
        try:
            array = numpy.empty(entry.shape, _NUMPY_DTYPES[entry.dtype])
        except ValueError as error:  # e.g. a dimension of 2**62 next to a 0
            raise _invalid(path, f"tensor {entry.name!r} of shape {entry.shape}: {error}") from None
        data = _bytes_of(array)
        crc = 0
        for start in range(0, data.size, _CHUNK_BYTES):
            chunk = data[start:start + _CHUNK_BYTES]
            if file.readinto(chunk) != chunk.size:
                raise _invalid(path, f"the file ended inside tensor {entry.name!r} (it shrank while being read)")
            crc = zlib.crc32(chunk, crc) if header.checksum is not None else 0
        if header.checksum is not None and crc != header.checksum["tensors"][entry.name]["crc32"]:
            raise _changed(path, f"the bytes of tensor {entry.name!r} have changed")
        arrays[entry.name] = array
    return arrays


def _unflatten(node: Any, tensors: dict[str, Tensor], depth: int) -> Any:
    """The structure `_flatten` encoded, refusing anything `_flatten` does not write."""
    if isinstance(node, list | dict) and depth == _MAX_DEPTH:
        raise ValueError(f"it is nested more than {_MAX_DEPTH} levels deep")
    if isinstance(node, list):
        return [_unflatten(value, tensors, depth + 1) for value in node]
    if isinstance(node, dict):
        if node.keys() == {"tensor"}:
            if not isinstance(node["tensor"], str) or node["tensor"] not in tensors:
                raise ValueError(f"it refers to a tensor {node['tensor']!r:.80} that the file does not have")
            return tensors[node["tensor"]]
        if node.keys() != {"dict"} or not isinstance(node["dict"], list):
            raise ValueError(f"unexpected node {node!r:.80}")
        result = {}
        for pair in node["dict"]:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], _JSON_SCALARS)):
                raise ValueError(f"a dict item should be [key, value], got {pair!r:.80}")
            result[pair[0]] = _unflatten(pair[1], tensors, depth + 1)
        return result
    return node
