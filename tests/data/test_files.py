"""chainrule.data.files: loaders for .npz/.npy, CSV and IDX files, and the errors naming file and row."""

from __future__ import annotations

import gzip
import struct

import numpy
import pytest

from chainrule.data.files import load_csv, load_idx, load_npy, load_npz


def _arrays(dataset):
    return [tensor._data for tensor in dataset.tensors]


def _write(path, text):
    path.write_text(text)
    return path


NONFINITE = "features contain NaN or inf at "
OPT_OUT = ("; fix or drop them, or pass allow_nonfinite=True ([data] allow_nonfinite = true in a config) to load "
           "them as they are")


# --- .npz / .npy -------------------------------------------------------------------------------------------

def test_load_npz_values_and_dtypes(tmp_path):
    x = numpy.arange(12, dtype=numpy.float64).reshape(4, 3)
    numpy.savez(tmp_path / "train.npz", images=x, labels=numpy.array([0, 2, 1, 2]))
    features, labels = _arrays(load_npz(tmp_path / "train.npz", x_key="images", y_key="labels"))
    assert features.dtype == numpy.float32 and labels.dtype == numpy.int64
    numpy.testing.assert_array_equal(features, x)
    numpy.testing.assert_array_equal(labels, [0, 2, 1, 2])


def test_load_npz_float_targets_stay_float(tmp_path):
    numpy.savez(tmp_path / "reg.npz", x=numpy.ones((3, 2)), y=numpy.array([0.5, -1.0, 2.0]))
    _, targets = _arrays(load_npz(tmp_path / "reg.npz"))
    assert targets.dtype == numpy.float32
    numpy.testing.assert_array_equal(targets, [0.5, -1.0, 2.0])


def test_load_npz_missing_key_lists_keys(tmp_path):
    numpy.savez(tmp_path / "d.npz", inputs=numpy.ones((2, 2)), y=numpy.zeros(2))
    with pytest.raises(KeyError, match=r"d.npz has no array 'x'; its keys are: inputs, y"):
        load_npz(tmp_path / "d.npz")


def test_load_npz_mismatched_lengths_names_both(tmp_path):
    numpy.savez(tmp_path / "d.npz", x=numpy.ones((5, 2)), y=numpy.zeros(4))
    with pytest.raises(ValueError, match=r"d.npz\['x'\] has 5 samples but d.npz\['y'\] has 4"):
        load_npz(tmp_path / "d.npz")


def test_load_npz_nan_feature_names_sample_and_column(tmp_path):
    x = numpy.ones((4, 2))
    x[2, 1] = numpy.inf
    numpy.savez(tmp_path / "d.npz", x=x, y=numpy.zeros(4))
    with pytest.raises(ValueError) as caught:
        load_npz(tmp_path / "d.npz")
    assert str(caught.value) == "d.npz['x']: " + NONFINITE + "sample 2 column 1" + OPT_OUT


def test_nonfinite_features_of_more_dimensions_name_the_position_in_the_sample(tmp_path):
    x = numpy.ones((3, 2, 2))
    x[1, 0, 1] = numpy.nan
    x[2, 1, 0] = 1e39  # beyond float32: inf once loaded
    numpy.save(tmp_path / "x.npy", x)
    numpy.save(tmp_path / "y.npy", numpy.zeros(3))
    with pytest.raises(ValueError) as caught:
        load_npy(tmp_path / "x.npy", tmp_path / "y.npy")
    assert str(caught.value) == "x.npy: " + NONFINITE + "sample 1 at (0, 1), sample 2 at (1, 0)" + OPT_OUT


def test_allow_nonfinite_loads_nan_and_inf_as_they_are(tmp_path):
    x = numpy.array([[1.0, numpy.nan], [numpy.inf, 2.0]])
    numpy.savez(tmp_path / "d.npz", x=x, y=numpy.array([0, 1]))
    numpy.save(tmp_path / "x.npy", x)
    numpy.save(tmp_path / "y.npy", numpy.array([0, 1]))
    csv_path = _write(tmp_path / "d.csv", "a,b,label\n1,nan,0\ninf,2,1\n")
    for dataset in (load_npz(tmp_path / "d.npz", allow_nonfinite=True),
                    load_npy(tmp_path / "x.npy", tmp_path / "y.npy", allow_nonfinite=True),
                    load_csv(csv_path, allow_nonfinite=True)):
        features, labels = _arrays(dataset)
        numpy.testing.assert_array_equal(features, x.astype(numpy.float32))
        numpy.testing.assert_array_equal(labels, [0, 1])


def test_load_npz_empty(tmp_path):
    numpy.savez(tmp_path / "d.npz", x=numpy.ones((0, 2)), y=numpy.zeros(0))
    with pytest.raises(ValueError, match=r"d.npz\['x'\]: the dataset is empty \(0 samples\)"):
        load_npz(tmp_path / "d.npz")


def test_load_npz_not_an_archive(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match=r"junk.npz: not a readable .npz file"):
        load_npz(tmp_path / "junk.npz")


def test_load_npy_values(tmp_path):
    numpy.save(tmp_path / "x.npy", numpy.arange(6, dtype=numpy.int32).reshape(3, 2))
    numpy.save(tmp_path / "y.npy", numpy.array([1, 0, 1], dtype=numpy.uint8))
    features, labels = _arrays(load_npy(tmp_path / "x.npy", tmp_path / "y.npy"))
    assert features.dtype == numpy.float32 and labels.dtype == numpy.int64
    numpy.testing.assert_array_equal(features, [[0, 1], [2, 3], [4, 5]])
    numpy.testing.assert_array_equal(labels, [1, 0, 1])


def test_load_npy_mismatched_lengths_names_both_files(tmp_path):
    numpy.save(tmp_path / "x.npy", numpy.ones((3, 2)))
    numpy.save(tmp_path / "y.npy", numpy.zeros(2))
    with pytest.raises(ValueError, match=r"x.npy has 3 samples but y.npy has 2"):
        load_npy(tmp_path / "x.npy", tmp_path / "y.npy")


def test_load_npy_classification_rejects_negative_label(tmp_path):
    numpy.save(tmp_path / "x.npy", numpy.ones((3, 2)))
    numpy.save(tmp_path / "y.npy", numpy.array([0, -1, 1]))
    with pytest.raises(ValueError, match=r"y.npy, sample 1: label -1 is negative"):
        load_npy(tmp_path / "x.npy", tmp_path / "y.npy", classification=True)


def test_missing_files_name_the_path(tmp_path):
    missing = tmp_path / "nowhere.npz"
    for call in (lambda: load_npz(missing), lambda: load_npy(missing, missing), lambda: load_csv(missing),
                 lambda: load_idx(missing, missing)):
        with pytest.raises(FileNotFoundError, match=f"no such file: {missing}"):
            call()


# --- CSV ---------------------------------------------------------------------------------------------------

def test_load_csv_header_and_named_label(tmp_path):
    path = _write(tmp_path / "data.csv", "a,label,b\n1.5,0,2\n3,2,4\n\n5,1,6e1\n")
    features, labels = _arrays(load_csv(path))
    assert features.dtype == numpy.float32 and labels.dtype == numpy.int64
    numpy.testing.assert_array_equal(features, [[1.5, 2], [3, 4], [5, 60]])
    numpy.testing.assert_array_equal(labels, [0, 2, 1])


def test_load_csv_index_label_without_header_and_delimiter(tmp_path):
    path = _write(tmp_path / "data.tsv", "1\t2\t0.25\n3\t4\t-0.5\n")
    features, targets = _arrays(load_csv(path, label_column=-1, delimiter="\t", header=False))
    assert targets.dtype == numpy.float32
    numpy.testing.assert_array_equal(features, [[1, 2], [3, 4]])
    numpy.testing.assert_array_equal(targets, [0.25, -0.5])


def test_load_csv_ragged_row(tmp_path):
    rows = ["a,b,c,d,label"] + ["1,2,3,4,0"] * 15 + ["1,2,3,0"]
    path = _write(tmp_path / "data.csv", "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=r"^data.csv, row 17: expected 5 columns, got 4$"):
        load_csv(path)


def test_load_csv_non_numeric_cell_names_row_and_column(tmp_path):
    path = _write(tmp_path / "data.csv", "width,height,label\n1,2,0\n3,tall,1\n")
    with pytest.raises(ValueError, match=r"data.csv, row 3, column 'height': can't read 'tall' as a number"):
        load_csv(path)
    path = _write(tmp_path / "raw.csv", "1,2,0\n3,x,1\n")
    with pytest.raises(ValueError, match=r"raw.csv, row 2, column 1: can't read 'x' as a number"):
        load_csv(path, label_column=2, header=False)


def test_load_csv_nan_features_name_rows_and_columns(tmp_path):
    path = _write(tmp_path / "data.csv", "a,b,label\n1,2,0\nnan,2,1\n\n3,inf,0\n4,-inf,1\nnan,nan,0\n")
    with pytest.raises(ValueError) as caught:
        load_csv(path)
    assert str(caught.value) == ("data.csv: " + NONFINITE + "row 3 column 'a', row 5 column 'b', row 6 column 'b' "
                                 "(and 2 more)" + OPT_OUT)
    # without a header: the file's column numbers, counting the label column
    path = _write(tmp_path / "raw.csv", "1,0,2\n3,1,nan\n")
    with pytest.raises(ValueError) as caught:
        load_csv(path, label_column=1)
    assert str(caught.value) == "raw.csv: " + NONFINITE + "row 2 column 2" + OPT_OUT


def test_load_csv_bad_labels_with_classification(tmp_path):
    path = _write(tmp_path / "data.csv", "a,label\n1,0\n2,1.5\n")
    with pytest.raises(ValueError, match=r"data.csv, row 3: label 1.5 is not an integer class index"):
        load_csv(path, classification=True)
    path = _write(tmp_path / "neg.csv", "a,label\n1,0\n2,1\n3,-2\n")
    with pytest.raises(ValueError, match=r"neg.csv, row 4: label -2.0 is negative"):
        load_csv(path, classification=True)
    _, targets = _arrays(load_csv(path))  # without classification=True negative labels are regression targets
    assert targets.dtype == numpy.float32


def test_load_csv_unknown_label_column_lists_header(tmp_path):
    path = _write(tmp_path / "data.csv", "a,b,target\n1,2,0\n")
    with pytest.raises(ValueError, match=r"data.csv: no column named 'label'; the header has: a, b, target"):
        load_csv(path)
    with pytest.raises(ValueError, match=r"data.csv: label_column=3 is out of range for 3 columns"):
        load_csv(path, label_column=3)
    with pytest.raises(ValueError) as caught:
        load_csv(path, label_column="target", header=False)
    assert str(caught.value) == ("data.csv: label_column='target' is a column name, but header=False; give the label "
                                 "column's index instead (0 for the first column, -1 for the last)")


def test_load_csv_empty(tmp_path):
    with pytest.raises(ValueError, match=r"data.csv: no data rows; the dataset is empty"):
        load_csv(_write(tmp_path / "data.csv", "a,label\n"))
    with pytest.raises(ValueError, match=r"^blank.csv: the file has no rows; the dataset is empty$"):
        load_csv(_write(tmp_path / "blank.csv", "\n\n"))


# --- CSV header: detected unless given -----------------------------------------------------------------------

def test_a_headerless_csv_keeps_its_first_row(tmp_path):
    path = _write(tmp_path / "raw.csv", "5.1,3.5,0\n4.9,3.0,1\n6.2,2.9,2\n")
    features, labels = _arrays(load_csv(path, label_column=-1))
    numpy.testing.assert_array_equal(features, numpy.array([[5.1, 3.5], [4.9, 3.0], [6.2, 2.9]], numpy.float32))
    numpy.testing.assert_array_equal(labels, [0, 1, 2])


@pytest.mark.parametrize(("text", "samples"), [
    ("x,label\n1,0\n2,1\n", 2),           # names over numbers
    (",0,1,label\n0,1.5,2,1\n", 1),        # pandas' index column: an empty name
    ("0,1,2\n1.5,2,1\n", 1),              # pandas' names for unnamed columns
    ("label\n", 0),                        # a header alone
    ("1.5,2,1\n", 1),                      # one row of numbers
    ("x,label,1\n1,0,1\n", 1),            # one name is enough
])
def test_header_detection(tmp_path, text, samples):
    path = _write(tmp_path / "data.csv", text)
    if samples == 0:
        with pytest.raises(ValueError, match=r"^data.csv: no data rows; the dataset is empty$"):
            load_csv(path)
    else:
        assert len(load_csv(path, label_column=-1)) == samples


def test_a_column_of_words_all_the_way_down_is_not_a_header(tmp_path):
    path = _write(tmp_path / "iris.csv", "5.1,setosa\n7.0,versicolor\n")
    with pytest.raises(ValueError, match=r"^iris.csv, row 1, column 1: can't read 'setosa' as a number$"):
        load_csv(path, label_column=-1)


def test_header_true_refuses_a_first_row_of_numbers(tmp_path):
    path = _write(tmp_path / "raw.csv", "\n5.1,3.5,1.4,0.2,0.3,0\n4.9,3.0,1.4,0.2,0.1,1\n")
    with pytest.raises(ValueError) as caught:
        load_csv(path, label_column=-1, header=True)
    assert str(caught.value) == (
        "raw.csv: header=True, but row 2 (5.1, 3.5, 1.4, 0.2, 0.3, ...) holds only numbers, so it looks like data, "
        "not column names; pass header=False ([data] header = false in a config) to read it as the first sample"
    )
    assert len(load_csv(path, label_column=-1, header=False)) == 2
    path = _write(tmp_path / "pandas.csv", "0,1,2\n1.5,2,1\n")  # pandas' names for unnamed columns are names
    assert len(load_csv(path, label_column=-1, header=True)) == 1


def test_a_label_column_name_needs_a_header(tmp_path):
    path = _write(tmp_path / "raw.csv", "5.1,3.5,0\n4.9,3.0,1\n")
    with pytest.raises(ValueError) as caught:
        load_csv(path, label_column="species")
    assert str(caught.value) == (
        "raw.csv: label_column='species' is a column name, but the file has no header row (row 1 is data: 5.1, "
        "3.5, 0); give the label column's index instead (0 for the first column, -1 for the last)"
    )


# --- IDX ---------------------------------------------------------------------------------------------------

def _idx(array: numpy.ndarray) -> bytes:
    return struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + \
        array.astype(numpy.uint8).tobytes()


@pytest.mark.parametrize("compressed", [False, True])
def test_load_idx_raw_and_gzip(tmp_path, compressed):
    images = numpy.arange(3 * 2 * 4).reshape(3, 2, 4) * 10
    labels = numpy.array([7, 0, 9])
    pack = gzip.compress if compressed else bytes
    (tmp_path / "images.idx").write_bytes(pack(_idx(images)))
    (tmp_path / "labels.idx").write_bytes(pack(_idx(labels)))
    pixels, targets = _arrays(load_idx(tmp_path / "images.idx", tmp_path / "labels.idx"))
    assert pixels.shape == (3, 1, 2, 4) and pixels.dtype == numpy.float32
    assert targets.dtype == numpy.int64
    numpy.testing.assert_allclose(pixels[:, 0], images / 255.0, rtol=1e-6)
    numpy.testing.assert_array_equal(targets, labels)


def test_load_idx_bad_magic(tmp_path):
    (tmp_path / "images.idx").write_bytes(b"\x12\x34\x08\x03" + bytes(20))
    (tmp_path / "labels.idx").write_bytes(_idx(numpy.zeros(1)))
    with pytest.raises(ValueError, match=r"images.idx: not an IDX file \(bad magic number 12340803\)"):
        load_idx(tmp_path / "images.idx", tmp_path / "labels.idx")


def test_load_idx_truncated(tmp_path):
    (tmp_path / "images.idx").write_bytes(_idx(numpy.zeros((2, 3, 3)))[:-5])
    (tmp_path / "labels.idx").write_bytes(_idx(numpy.zeros(2)))
    with pytest.raises(ValueError, match=r"images.idx: truncated IDX file; shape \(2, 3, 3\) needs 18 bytes "
                                         r"of data, found 13"):
        load_idx(tmp_path / "images.idx", tmp_path / "labels.idx")
    (tmp_path / "short.idx").write_bytes(_idx(numpy.zeros((2, 3, 3)))[:10])
    with pytest.raises(ValueError, match=r"short.idx: truncated IDX header; 3 dimensions need 16 bytes"):
        load_idx(tmp_path / "short.idx", tmp_path / "labels.idx")


def test_load_idx_mismatched_counts_and_shapes(tmp_path):
    (tmp_path / "images.idx").write_bytes(_idx(numpy.zeros((3, 2, 2))))
    (tmp_path / "labels.idx").write_bytes(_idx(numpy.zeros(2)))
    with pytest.raises(ValueError, match=r"images.idx has 3 samples but labels.idx has 2"):
        load_idx(tmp_path / "images.idx", tmp_path / "labels.idx")
    with pytest.raises(ValueError, match=r"labels.idx: expected images of shape \(N, H, W\), got \(2,\)"):
        load_idx(tmp_path / "labels.idx", tmp_path / "labels.idx")


def test_load_idx_nonfinite_float_images(tmp_path):
    images = numpy.zeros((2, 2, 2), dtype=">f4")
    images[1, 1, 0] = numpy.nan
    header = struct.pack(">BBBB", 0, 0, 0x0D, 3) + struct.pack(">3I", 2, 2, 2)
    (tmp_path / "images.idx").write_bytes(header + images.tobytes())
    (tmp_path / "labels.idx").write_bytes(_idx(numpy.array([0, 1])))
    with pytest.raises(ValueError) as caught:
        load_idx(tmp_path / "images.idx", tmp_path / "labels.idx")
    assert str(caught.value) == "images.idx: " + NONFINITE + "sample 1 at (0, 1, 0)" + OPT_OUT
    pixels, _ = _arrays(load_idx(tmp_path / "images.idx", tmp_path / "labels.idx", allow_nonfinite=True))
    assert numpy.isnan(pixels[1, 0, 1, 0]) and numpy.isnan(pixels).sum() == 1


def test_load_idx_corrupt_gzip(tmp_path):
    (tmp_path / "images.gz").write_bytes(gzip.compress(_idx(numpy.zeros((1, 2, 2))))[:-8])
    (tmp_path / "labels.idx").write_bytes(_idx(numpy.zeros(1)))
    with pytest.raises(ValueError, match=r"images.gz: corrupt gzip data"):
        load_idx(tmp_path / "images.gz", tmp_path / "labels.idx")
