"""Datasets from files: NumPy `.npz`/`.npy`, CSV tables and MNIST-style IDX files (raw or gzipped).

Every loader returns a `TensorDataset(features, labels)` with float32 features. Labels become int64 class
indices when every label is a non-negative integer, and float32 regression targets otherwise; pass
`classification=True` to insist on class indices (a bad label is then an error naming where it is).
Features with NaN or inf are refused, naming where they are, unless `allow_nonfinite=True`.
Errors name the file, and for CSV the row (the file's line number, counting the header as row 1).

    >>> from chainrule.data.files import load_csv
    >>> dataset = load_csv("iris.csv", label_column="species")
"""

from __future__ import annotations

import csv
import gzip
import os
import struct
import zipfile

import numpy

from chainrule.data.dataset import TensorDataset

PathLike = str | os.PathLike

# IDX type byte -> big-endian NumPy dtype (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT").
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _require_file(path: PathLike) -> str:
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such file: {path}")
    return path


def _name(path: str) -> str:
    return os.path.basename(path)


def _features(values: numpy.ndarray, source: str, allow_nonfinite: bool, rows: list[int] | None = None,
              columns: list[str] | None = None) -> numpy.ndarray:
    """Cast to float32 and, unless allowed, reject NaN/inf naming where: CSV rows and columns (`rows`,
    `columns`: the file's row numbers and the feature columns' names), or sample indices."""
    if values.dtype.kind not in "biuf":
        raise ValueError(f"{source}: features must be numeric, got dtype {values.dtype}")
    with numpy.errstate(over="ignore"):  # a float64 beyond float32's range becomes inf, which the check reports
        values = values.astype(numpy.float32)
    if not allow_nonfinite:
        finite = numpy.isfinite(values)
        if not finite.all():
            raise ValueError(f"{source}: features contain NaN or inf at {_nonfinite_places(finite, rows, columns)}; "
                             "fix or drop them, or pass allow_nonfinite=True ([data] allow_nonfinite = true in a "
                             "config) to load them as they are")
    return values


def _nonfinite_places(finite: numpy.ndarray, rows: list[int] | None, columns: list[str] | None,
                      shown: int = 3) -> str:
    """'row 12 column 'x', row 40 column 3 (and 5 more)': the first `shown` False entries of `finite`."""
    per_sample = finite.reshape(len(finite), -1)
    places = []
    for sample in numpy.flatnonzero(~per_sample.all(axis=1))[:shown]:  # rows first: no index array per value
        for flat in numpy.flatnonzero(~per_sample[sample])[:shown - len(places)]:
            place = f"row {rows[sample]}" if rows is not None else f"sample {sample}"
            if columns is not None:
                place += f" column {columns[flat]}"
            elif finite.ndim == 2:
                place += f" column {flat}"
            elif finite.ndim > 2:
                place += f" at {tuple(int(i) for i in numpy.unravel_index(flat, finite.shape[1:]))}"
            places.append(place)
    more = int(per_sample.size - numpy.count_nonzero(per_sample)) - len(places)
    return ", ".join(places) + (f" (and {more} more)" if more else "")


def _labels(values: numpy.ndarray, source: str, classification: bool | None,
            rows: list[int] | None = None) -> numpy.ndarray:
    """int64 class indices when the labels are non-negative integers, else float32 regression targets."""
    if values.dtype.kind not in "biuf":
        raise ValueError(f"{source}: labels must be numeric, got dtype {values.dtype}")
    flat = values.reshape(len(values), -1).astype(numpy.float64)
    finite = numpy.isfinite(flat).all(axis=1)
    integral = finite & (flat == numpy.round(flat)).all(axis=1)
    negative = (flat < 0).any(axis=1)

    def where(index: int) -> str:
        return f"row {rows[index]}" if rows is not None else f"sample {index}"

    if classification:
        if not integral.all():
            first = int(numpy.flatnonzero(~integral)[0])
            raise ValueError(f"{source}, {where(first)}: label {values[first].tolist()} is not an integer class "
                             "index; pass classification=None to load float regression targets")
        if negative.any():
            first = int(numpy.flatnonzero(negative)[0])
            raise ValueError(f"{source}, {where(first)}: label {values[first].tolist()} is negative; class "
                             "indices must be 0, 1, 2, ...")
    elif not finite.all():
        first = int(numpy.flatnonzero(~finite)[0])
        raise ValueError(f"{source}, {where(first)}: label is NaN or inf")
    if classification is not False and integral.all() and not negative.any():
        return values.astype(numpy.int64)
    return values.astype(numpy.float32)


def _check_lengths(features: numpy.ndarray, labels: numpy.ndarray, features_name: str, labels_name: str) -> None:
    """Both arrays need a sample dimension of the same, non-zero length."""
    for array, name in ((features, features_name), (labels, labels_name)):
        if array.ndim == 0:
            raise ValueError(f"{name}: expected one row per sample, got a single value (shape ())")
    if len(features) != len(labels):
        raise ValueError(f"{features_name} has {len(features)} samples but {labels_name} has {len(labels)}; "
                         "features and labels need one row per sample")
    if len(features) == 0:
        raise ValueError(f"{features_name}: the dataset is empty (0 samples)")


def load_npz(path: PathLike, x_key: str = "x", y_key: str = "y", classification: bool | None = None,
             allow_nonfinite: bool = False) -> TensorDataset:
    """Load features and labels saved with `numpy.savez(path, x=..., y=...)`.

    Example: `dataset = load_npz("train.npz", x_key="images", y_key="labels")`.
    """
    path = _require_file(path)
    try:
        archive = numpy.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile) as error:
        raise ValueError(f"{_name(path)}: not a readable .npz file ({error})") from error
    if not isinstance(archive, numpy.lib.npyio.NpzFile):
        raise ValueError(f"{_name(path)}: expected an .npz archive of named arrays, got a single .npy array; "
                         "use load_npy")
    with archive:
        for key in (x_key, y_key):
            if key not in archive.files:
                raise KeyError(f"{_name(path)} has no array {key!r}; its keys are: {', '.join(archive.files)}")
        source = f"{_name(path)}[{x_key!r}]"
        target = f"{_name(path)}[{y_key!r}]"
        x, y = archive[x_key], archive[y_key]
    _check_lengths(x, y, source, target)
    return TensorDataset(_features(x, source, allow_nonfinite), _labels(y, target, classification))


def load_npy(x_path: PathLike, y_path: PathLike, classification: bool | None = None,
             allow_nonfinite: bool = False) -> TensorDataset:
    """Load features and labels from two `.npy` files. Example: `load_npy("x.npy", "y.npy")`."""
    arrays = []
    for path in (_require_file(x_path), _require_file(y_path)):
        try:
            arrays.append(numpy.load(path, allow_pickle=False))
        except (ValueError, OSError) as error:
            raise ValueError(f"{_name(path)}: not a readable .npy file ({error})") from error
    x_name, y_name = _name(os.fspath(x_path)), _name(os.fspath(y_path))
    _check_lengths(arrays[0], arrays[1], x_name, y_name)
    return TensorDataset(_features(arrays[0], x_name, allow_nonfinite), _labels(arrays[1], y_name, classification))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _column_numbers(cells: list[str]) -> bool:
    """'0,1,2,...': the names pandas writes for unnamed columns (`DataFrame(array).to_csv(index=False)`)."""
    return len(cells) >= 3 and [cell.strip() for cell in cells] == [str(i) for i in range(len(cells))]


def _has_header(first: list[str], second: list[str] | None) -> bool:
    """Whether row 1 names the columns: one of its cells is not a number where row 2 has a number (so a
    column of words all the way down is data), or it is pandas' column numbers 0, 1, 2, ..."""
    if _column_numbers(first):
        return True
    if second is None:
        return not all(_is_number(cell) for cell in first)
    return any(not _is_number(cell) and _is_number(below) for cell, below in zip(first, second, strict=False))


def _preview(cells: list[str], count: int = 5) -> str:
    return ", ".join(cell.strip() for cell in cells[:count]) + (", ..." if len(cells) > count else "")


def _label_index(label_column: str | int, header: list[str] | None, width: int, name: str, no_header: str) -> int:
    """The label column's index; `no_header` says why there are no column names, when there are none."""
    if isinstance(label_column, str):
        if header is None:
            raise ValueError(f"{name}: label_column={label_column!r} is a column name, but {no_header}; give the "
                             "label column's index instead (0 for the first column, -1 for the last)")
        if label_column not in header:
            raise ValueError(f"{name}: no column named {label_column!r}; the header has: {', '.join(header)}")
        return header.index(label_column)
    if not -width <= label_column < width:
        raise ValueError(f"{name}: label_column={label_column} is out of range for {width} columns")
    return label_column % width


def load_csv(path: PathLike, label_column: str | int = "label", delimiter: str = ",", header: bool | None = None,
             classification: bool | None = None, allow_nonfinite: bool = False) -> TensorDataset:
    """Load a numeric CSV table: one column of labels (by name or index), every other column a feature.

    `header=None` detects a header row: row 1 is one when a cell of it is not a number where row 2 has a
    number (or it is pandas' column numbers 0, 1, 2, ...). `header=True` refuses a row 1 of numbers only.
    Example: `load_csv("wine.csv", label_column="quality")` or `load_csv("raw.csv", -1)`.
    """
    table = _read_table(path, delimiter, header)
    label_index = _label_index(label_column, table.names, table.width, table.name, table.no_header)
    values = table.numbers()
    feature_columns = [table.column(j) for j in range(table.width) if j != label_index]
    features = _features(numpy.delete(values, label_index, axis=1), table.name, allow_nonfinite, table.rows,
                         feature_columns)
    return TensorDataset(features, _labels(values[:, label_index], table.name, classification, table.rows))


def read_csv_features(path: PathLike, delimiter: str = ",", header: bool | None = None) -> numpy.ndarray:
    """A numeric CSV table without a label column (samples to predict), as float32, with `load_csv`'s header
    detection and row-naming errors; NaN and inf are left for the caller to judge.

        >>> x = read_csv_features("samples.csv")
    """
    table = _read_table(path, delimiter, header)
    return _features(table.numbers(), table.name, allow_nonfinite=True)


class _Table:
    """A CSV file's data rows (file row number, cells) and column names (None without a header)."""

    def __init__(self, name: str, lines: list[tuple[int, list[str]]], names: list[str] | None,
                 no_header: str) -> None:
        self.name, self.lines, self.names, self.no_header = name, lines, names, no_header
        self.width = len(names) if names is not None else len(lines[0][1])
        self.rows = [row_number for row_number, _ in lines]

    def column(self, index: int) -> str:
        return repr(self.names[index]) if self.names is not None else str(index)

    def numbers(self) -> numpy.ndarray:
        """The cells as a float64 matrix; a short row or a cell that isn't a number names its row and column."""
        values = numpy.empty((len(self.lines), self.width), dtype=numpy.float64)
        for i, (row_number, cells) in enumerate(self.lines):
            if len(cells) != self.width:
                raise ValueError(f"{self.name}, row {row_number}: expected {self.width} columns, got {len(cells)}")
            for j, cell in enumerate(cells):
                try:
                    values[i, j] = float(cell)
                except ValueError:
                    raise ValueError(f"{self.name}, row {row_number}, column {self.column(j)}: can't read {cell!r} "
                                     "as a number") from None
        return values


def _read_table(path: PathLike, delimiter: str, header: bool | None) -> _Table:
    path = _require_file(path)
    name = _name(path)
    with open(path, newline="") as file:
        lines = [(row_number, cells) for row_number, cells in enumerate(csv.reader(file, delimiter=delimiter), 1)
                 if any(cell.strip() for cell in cells)]  # blank lines are skipped but still counted
    if not lines:
        raise ValueError(f"{name}: the file has no rows; the dataset is empty")
    first_number, first = lines[0]
    if header is None:
        header = _has_header(first, lines[1][1] if len(lines) > 1 else None)
        no_header = f"the file has no header row (row {first_number} is data: {_preview(first)})"
    else:
        no_header = "header=False"
    if header and all(_is_number(cell) for cell in first) and not _column_numbers(first):
        raise ValueError(f"{name}: header=True, but row {first_number} ({_preview(first)}) holds only numbers, "
                         "so it looks like data, not column names; pass header=False ([data] header = false in a "
                         "config) to read it as the first sample")
    column_names = None
    if header:
        column_names = [cell.strip() for cell in first]
        lines = lines[1:]
    if not lines:
        raise ValueError(f"{name}: no data rows; the dataset is empty")
    return _Table(name, lines, column_names, no_header)


def _read_idx(path: PathLike) -> numpy.ndarray:
    """Parse one IDX file: 2 zero bytes, a type byte, a dimension count, big-endian uint32 sizes, data."""
    path = _require_file(path)
    name = _name(path)
    with open(path, "rb") as file:
        content = file.read()
    if content[:2] == b"\x1f\x8b":  # gzip's magic number; MNIST is usually distributed as .gz
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError) as error:
            raise ValueError(f"{name}: corrupt gzip data ({error})") from error
    if len(content) < 4 or content[:2] != b"\x00\x00" or content[2] not in _IDX_DTYPES:
        raise ValueError(f"{name}: not an IDX file (bad magic number {content[:4].hex() or 'empty'}); expected "
                         "00 00, a type byte (08 for uint8) and a dimension count")
    ndim = content[3]
    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise ValueError(f"{name}: truncated IDX header; {ndim} dimensions need {header_size} bytes, "
                         f"the file has {len(content)}")
    shape = struct.unpack(f">{ndim}I", content[4:header_size])
    dtype = numpy.dtype(_IDX_DTYPES[content[2]])
    expected = int(numpy.prod(shape)) * dtype.itemsize
    if len(content) - header_size < expected:
        raise ValueError(f"{name}: truncated IDX file; shape {shape} needs {expected} bytes of data, "
                         f"found {len(content) - header_size}")
    return numpy.frombuffer(content, dtype=dtype, count=int(numpy.prod(shape)), offset=header_size).reshape(shape)


def load_idx(images_path: PathLike, labels_path: PathLike, allow_nonfinite: bool = False) -> TensorDataset:
    """Load MNIST/Fashion-MNIST IDX files (raw or .gz): images as float32 (N, 1, H, W), int64 labels.

    uint8 pixels are scaled to [0, 1]. Example:
    `train = load_idx("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")`.
    """
    images, labels = _read_idx(images_path), _read_idx(labels_path)
    images_name, labels_name = _name(os.fspath(images_path)), _name(os.fspath(labels_path))
    if images.ndim != 3:
        raise ValueError(f"{images_name}: expected images of shape (N, H, W), got {images.shape}")
    if labels.ndim != 1:
        raise ValueError(f"{labels_name}: expected labels of shape (N,), got {labels.shape}")
    _check_lengths(images, labels, images_name, labels_name)
    scale = 255.0 if images.dtype == numpy.uint8 else 1.0
    images = _features((images / scale)[:, None], images_name, allow_nonfinite)
    return TensorDataset(images, _labels(labels, labels_name, classification=True))
