"""The dataset loaders on small generated files in the real formats (no network, no real data)."""

from __future__ import annotations

import gzip
import os
import pickle

import numpy as np
import pytest
from dataset_files import (
    WORD_INDEX,
    image_arrays,
    imdb_reviews,
    isolate,
    options,
    write_idx,
    write_idx_set,
    write_imdb,
    write_mnist_npz,
    write_rda,
)

from nnspec.builtins.datasets import DATASETS, imdb, images, rdata, tables
from nnspec.builtins.datasets.common import table_sha256
from nnspec.builtins.datasets.images import FASHION_MNIST, MNIST
from nnspec.errors import DataError


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    isolate(monkeypatch, tmp_path)


@pytest.fixture
def data_root(monkeypatch, tmp_path):
    root = tmp_path / "nnspec-data"
    monkeypatch.setenv("NNSPEC_DATA", str(root))
    return root


# ---------------------------------------------------------------- idx and npz images


def test_read_idx_takes_the_shape_from_the_header(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(images.read_idx(write_idx(tmp_path / "a.gz", array)), array)
    assert np.array_equal(images.read_idx(write_idx(tmp_path / "a", array)), array)  # not gzipped


def test_read_idx_rejects_other_files(tmp_path):
    (tmp_path / "bad.gz").write_bytes(gzip.compress(b"not an idx file"))
    with pytest.raises(DataError, match="not an idx file"):
        images.read_idx(tmp_path / "bad.gz")


def test_read_idx_rejects_a_truncated_file(tmp_path):
    path = write_idx(tmp_path / "t", np.zeros((4, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DataError, match="header says"):
        images.read_idx(path)


def test_mnist_from_idx_files_is_scaled_flattened_and_labelled(data_root):
    arrays = image_arrays()
    write_idx_set(data_root / "mnist", arrays)
    data = MNIST.load(options(MNIST), 0)
    assert data.x_train.shape == (12, 784) and data.x_train.dtype == np.float32
    assert data.x_test.shape == (5, 784)
    assert data.x_train[0, 0] == 1.0 and data.x_train[0, 1] == 0.0
    np.testing.assert_allclose(data.x_train.reshape(12, 28, 28), arrays[0] / 255.0, rtol=1e-6)
    assert data.y_train.tolist() == arrays[1].tolist() and data.y_train.dtype.kind == "i"
    assert data.x_val is None
    assert data.info["image_shape"] == (28, 28)
    assert data.info["source"] == str(data_root / "mnist")


def test_mnist_npz_with_flatten_false_gives_images_with_a_channel(tmp_path, monkeypatch):
    arrays = image_arrays()
    write_mnist_npz(tmp_path / "keras" / "datasets" / "mnist.npz", arrays)
    data = MNIST.load(options(MNIST, flatten=False), 0)
    assert data.x_train.shape == (12, 28, 28, 1) and data.x_test.shape == (5, 28, 28, 1)
    assert data.meta.input_shape == (28, 28, 1)
    assert "keras" in data.info["source"]


def test_val_holds_out_the_first_training_images(data_root):
    arrays = image_arrays()
    write_mnist_npz(data_root / "mnist" / "mnist.npz", arrays)
    data = MNIST.load(options(MNIST, val=4), 0)
    assert data.x_val.shape == (4, 784) and data.x_train.shape == (8, 784)
    np.testing.assert_allclose(data.x_val.reshape(4, 28, 28), arrays[0][:4] / 255.0, rtol=1e-6)
    assert data.y_val.tolist() == arrays[1][:4].tolist()
    assert data.y_train.tolist() == arrays[1][4:].tolist()
    assert data.meta.train_size == 8


def test_val_as_large_as_the_training_set_is_an_error(data_root):
    write_mnist_npz(data_root / "mnist" / "mnist.npz", image_arrays())
    with pytest.raises(DataError, match="val=12 would hold out all 12"):
        MNIST.load(options(MNIST, val=12), 0)


def test_image_meta_is_known_without_data():
    meta = FASHION_MNIST.meta(options(FASHION_MNIST, val=5000))
    assert (meta.input_shape, meta.task, meta.classes) == ((784,), "multiclass", 10)
    assert (meta.train_size, meta.test_size) == (55000, 10000)
    assert meta.class_names[0] == "T-shirt/top" and meta.class_names[9] == "Ankle boot"
    assert MNIST.meta(options(MNIST, flatten=False)).input_shape == (28, 28, 1)


def test_fashion_mnist_reads_debian_idx_files(tmp_path):
    write_idx_set(tmp_path / "debian" / "fashion-mnist", image_arrays(seed=3))
    data = FASHION_MNIST.load(options(FASHION_MNIST), 0)
    assert data.x_train.shape == (12, 784)
    assert data.info["source"].endswith("fashion-mnist")
    assert "found:" in FASHION_MNIST.availability(options(FASHION_MNIST))


def test_images_with_the_wrong_shape_are_refused(data_root):
    x_train, y_train, x_test, y_test = image_arrays()
    write_mnist_npz(data_root / "mnist" / "mnist.npz", (x_train[:, :20], y_train, x_test, y_test))
    with pytest.raises(DataError, match="expected \\(n, 28, 28\\)"):
        MNIST.load(options(MNIST), 0)


def test_image_samples_show_the_label_and_a_picture(data_root):
    write_idx_set(data_root / "fashion_mnist", image_arrays())
    first, second = FASHION_MNIST.samples(options(FASHION_MNIST), 2)
    assert first.startswith("label 0 (T-shirt/top)\n") and second.startswith("label 1 (Trouser)\n")
    assert len(first.splitlines()) == 1 + 14  # 28 rows drawn two to a line


# ---------------------------------------------------------------- imdb


def keras_reference(train, test, words):
    """keras.datasets.imdb.load_data's processing with its defaults, transcribed."""
    x_train, x_test = np.array(train, dtype=object), np.array(test, dtype=object)
    rng = np.random.RandomState(113)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    train_order = indices
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    test_order = indices
    xs = [[1] + [w + 3 for w in x] for x in list(x_train[train_order]) + list(x_test[test_order])]
    xs = [[w if w < words else 2 for w in x] for x in xs]
    return xs[: len(train)], xs[len(train):], train_order, test_order


def vec_seq(sequences, dim):
    """The course's multi-hot encoding."""
    out = np.zeros((len(sequences), dim))
    for i, seq in enumerate(sequences):
        out[i, seq] = 1.0
    return out


def pad_sequences(sequences, maxlen):
    """keras.utils.pad_sequences with its defaults: padding and truncating 'pre'."""
    out = np.zeros((len(sequences), maxlen), dtype="int32")
    for i, seq in enumerate(sequences):
        kept = seq[-maxlen:]
        out[i, maxlen - len(kept):] = kept
    return out


def test_imdb_multihot_matches_keras_and_the_course(data_root):
    train, y_train, test, y_test = imdb_reviews()
    write_imdb(data_root / "imdb")
    data = imdb.IMDB.load(options(imdb.IMDB, words=8), 0)
    ref_train, ref_test, train_order, test_order = keras_reference(train, test, 8)
    assert data.x_train.dtype == np.float32 and data.x_train.shape == (10, 8)
    np.testing.assert_array_equal(data.x_train, vec_seq(ref_train, 8))
    np.testing.assert_array_equal(data.x_test, vec_seq(ref_test, 8))
    assert data.y_train.tolist() == y_train[train_order].tolist()
    assert data.y_test.tolist() == y_test[test_order].tolist()
    assert data.x_train[:, 1].all()  # every review starts with 1
    assert data.x_train[:, 2].any()  # ranks 5..7 shifted past words=8 became 2


def test_imdb_sequences_are_padded_and_cut_like_pad_sequences(data_root):
    train, _, test, _ = imdb_reviews()
    write_imdb(data_root / "imdb")
    data = imdb.IMDB.load(options(imdb.IMDB, words=100, encode="sequence", maxlen=5), 0)
    ref_train, ref_test, _, _ = keras_reference(train, test, 100)
    assert data.x_train.dtype == np.int32 and data.x_train.shape == (10, 5)
    np.testing.assert_array_equal(data.x_train, pad_sequences(ref_train, 5))
    np.testing.assert_array_equal(data.x_test, pad_sequences(ref_test, 5))
    assert data.meta.vocab == 100 and data.meta.input_shape == (5,)


def test_imdb_val_holds_out_the_first_training_reviews(data_root):
    write_imdb(data_root / "imdb")
    whole = imdb.IMDB.load(options(imdb.IMDB, words=8), 0)
    held = imdb.IMDB.load(options(imdb.IMDB, words=8, val=3), 0)
    np.testing.assert_array_equal(held.x_val, whole.x_train[:3])
    np.testing.assert_array_equal(held.x_train, whole.x_train[3:])
    assert held.y_val.tolist() == whole.y_train[:3].tolist()
    assert held.meta.train_size == 7


def test_imdb_meta_for_the_course_spec():
    meta = imdb.meta(options(imdb.IMDB, val=10000))
    assert (meta.input_shape, meta.task, meta.train_size, meta.test_size) == ((10000,), "binary", 15000, 25000)
    assert meta.vocab is None


def test_decode_uses_the_offset_of_three():
    assert imdb.decode([1, 4, 5, 7, 2, 0], WORD_INDEX) == "? the film great ? ?"


def test_imdb_samples_are_decoded_text(data_root):
    train, y_train, _, _ = imdb_reviews()
    write_imdb(data_root / "imdb")
    _, _, order, _ = keras_reference(train, [[1]] * 6, 10000)
    (first,) = imdb.samples(options(imdb.IMDB), 1)
    reverse = {i: w for w, i in WORD_INDEX.items()}
    expected_words = " ".join(reverse[w] for w in train[order[0]])
    label = "positive" if y_train[order[0]] else "negative"
    assert first == f"label {y_train[order[0]]} ({label}): ? {expected_words}"


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_imdb_npz_pickles_other_than_arrays_are_refused(tmp_path):
    evil = np.empty(1, dtype=object)
    evil[0] = _Evil()
    np.savez(tmp_path / "imdb.npz", x_train=evil)
    with pytest.raises(DataError, match="refusing"):
        imdb.read_npz(tmp_path / "imdb.npz")
    assert pickle  # the refusal comes from nnspec's unpickler, not a missing module


# ---------------------------------------------------------------- R data files


def test_rda_reader_reads_numbers_and_factors(tmp_path):
    path = write_rda(tmp_path / "t.rda", "T", {"a": np.array([1.5, 2.0, -3.25]), "kind": ["pos", "neg", "pos"]})
    columns = rdata.data_frame(rdata.read_rda(path)["T"], "t")
    assert columns["a"].tolist() == [1.5, 2.0, -3.25]
    assert columns["kind"].tolist() == ["pos", "neg", "pos"]


def test_rda_reader_refuses_other_files(tmp_path):
    (tmp_path / "x.rda").write_bytes(gzip.compress(b"hello"))
    with pytest.raises(DataError, match="not an R data file"):
        rdata.read_rda(tmp_path / "x.rda")


# ---------------------------------------------------------------- boston housing


def boston_rows(n=20, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 100, size=(n, 14)).round(3)


def test_boston_is_split_as_keras_splits_it(data_root):
    table = boston_rows()
    (data_root / "boston_housing").mkdir(parents=True)
    np.savez(data_root / "boston_housing" / "boston_housing.npz", x=table[:, :13], y=table[:, 13])
    data = tables.BOSTON_HOUSING.load(options(tables.BOSTON_HOUSING), 0)
    order = np.arange(20)
    np.random.RandomState(113).shuffle(order)
    assert data.x_train.shape == (16, 13) and data.x_test.shape == (4, 13)  # int(20 * 0.8)
    np.testing.assert_allclose(data.x_train, table[order[:16], :13], rtol=1e-6)
    np.testing.assert_allclose(data.y_test, table[order[16:], 13], rtol=1e-6)
    assert data.y_train.dtype == np.float32 and data.x_train.dtype == np.float32


def test_boston_normalize_uses_training_statistics_only(data_root):
    table = boston_rows()
    (data_root / "boston_housing").mkdir(parents=True)
    np.savez(data_root / "boston_housing" / "boston_housing.npz", x=table[:, :13], y=table[:, 13])
    raw = tables.BOSTON_HOUSING.load(options(tables.BOSTON_HOUSING), 0)
    scaled = tables.BOSTON_HOUSING.load(options(tables.BOSTON_HOUSING, normalize=True), 0)
    mean, std = raw.x_train.astype("float64").mean(0), raw.x_train.astype("float64").std(0)
    np.testing.assert_allclose(scaled.x_train.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(scaled.x_train.std(0), 1, atol=1e-5)
    np.testing.assert_allclose(scaled.x_test, (raw.x_test - mean) / std, rtol=1e-4, atol=1e-5)
    assert abs(scaled.x_test.mean(0)).max() > 1e-3  # test data is not re-centred on itself
    np.testing.assert_array_equal(scaled.y_train, raw.y_train)


def test_boston_csv_copies_must_hold_the_real_values(data_root):
    (data_root / "boston_housing").mkdir(parents=True)
    np.savetxt(data_root / "boston_housing" / "boston_house_prices.csv", boston_rows(506), delimiter=",")
    with pytest.raises(DataError, match="does not hold the expected data"):
        tables.BOSTON_HOUSING.load(options(tables.BOSTON_HOUSING), 0)


def test_boston_meta_is_keras_sizes():
    meta = tables.BOSTON_HOUSING.meta(options(tables.BOSTON_HOUSING))
    assert (meta.input_shape, meta.task, meta.train_size, meta.test_size) == ((13,), "regression", 404, 102)


# ---------------------------------------------------------------- pima


def pima_rows(seed=0):
    rng = np.random.default_rng(seed)
    table = rng.integers(0, 200, size=(768, 9)).astype("float64")
    table[:, 5] = rng.uniform(18, 60, 768).round(1)
    table[:, 6] = rng.uniform(0, 2.5, 768).round(3)
    table[:, 8] = rng.integers(0, 2, 768)
    return table


@pytest.fixture
def pima_table(monkeypatch):
    """A generated table of Pima's shape, accepted as if it were the real values."""
    table = pima_rows()
    monkeypatch.setattr(tables, "PIMA_SHA256", table_sha256(table))
    return table


def write_pima_csv(path, table, header=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["Pregnancies, Glucose, BloodPressure, SkinThickness, Insulin, BMI, Pedigree, Age, Outcome"] if header else []
    lines += [",".join(f"{v:g}" for v in row) for row in table]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("header", [False, True])
def test_pima_csv_evaluates_on_training_data(tmp_path, pima_table, header):
    path = write_pima_csv(tmp_path / "pima.csv", pima_table, header)
    data = tables.PIMA.load(options(tables.PIMA, path=str(path)), 0)
    assert data.x_train.shape == (768, 8) and data.x_train.dtype == np.float32
    assert data.y_train.tolist() == pima_table[:, 8].astype(int).tolist()
    assert data.test_is_train and data.meta.test_is_train
    assert data.x_test is data.x_train


def test_pima_test_split_uses_the_spec_seed(tmp_path, pima_table):
    path = str(write_pima_csv(tmp_path / "pima.csv", pima_table))
    first = tables.PIMA.load(options(tables.PIMA, path=path, test=0.25), 7)
    again = tables.PIMA.load(options(tables.PIMA, path=path, test=0.25), 7)
    other = tables.PIMA.load(options(tables.PIMA, path=path, test=0.25), 8)
    assert (len(first.x_train), len(first.x_test)) == (576, 192) and not first.test_is_train
    np.testing.assert_array_equal(first.x_test, again.x_test)
    assert not np.array_equal(first.x_test, other.x_test)
    meta = tables.PIMA.meta(options(tables.PIMA, test=0.25))
    assert (meta.train_size, meta.test_size, meta.test_is_train) == (576, 192, False)


def test_pima_reads_r_mlbench_files(tmp_path, pima_table):
    names = ["pregnant", "glucose", "pressure", "triceps", "insulin", "mass", "pedigree", "age"]
    columns = {name: pima_table[:, i] for i, name in enumerate(names)}
    columns["diabetes"] = ["pos" if v else "neg" for v in pima_table[:, 8]]
    path = write_rda(tmp_path / "PimaIndiansDiabetes.rda", "PimaIndiansDiabetes", columns)
    data = tables.PIMA.load(options(tables.PIMA, path=str(path)), 0)
    np.testing.assert_array_equal(data.x_train, pima_table[:, :8].astype("float32"))
    assert data.y_train.tolist() == pima_table[:, 8].astype(int).tolist()


def test_pima_with_other_values_is_refused(tmp_path):
    path = write_pima_csv(tmp_path / "pima.csv", pima_rows())
    with pytest.raises(DataError, match="pima: .* does not hold the expected data"):
        tables.PIMA.load(options(tables.PIMA, path=str(path)), 0)


def test_a_wrong_pima_download_is_not_kept(tmp_path, monkeypatch):
    from nnspec.builtins.datasets import locate

    monkeypatch.setattr(tables, "PIMA_SOURCE", tables.PIMA_SOURCE.__class__(
        **{**tables.PIMA_SOURCE.__dict__, "packaged": ()}))

    def fake_download(url, target, file_hash):
        write_pima_csv(target, pima_rows(seed=5))

    monkeypatch.setattr(locate, "download_file", fake_download)
    with pytest.raises(DataError, match="does not hold the expected data"):
        tables.PIMA.load(options(tables.PIMA), 0)
    assert not list((tmp_path / "keras" / "datasets").glob("*"))


def test_pima_download_lands_in_the_keras_cache(tmp_path, monkeypatch, pima_table):
    from nnspec.builtins.datasets import locate

    monkeypatch.setattr(tables, "PIMA_SOURCE", tables.PIMA_SOURCE.__class__(
        **{**tables.PIMA_SOURCE.__dict__, "packaged": ()}))
    urls = []

    def fake_download(url, target, file_hash):
        urls.append(url)
        write_pima_csv(target, pima_table)

    monkeypatch.setattr(locate, "download_file", fake_download)
    data = tables.PIMA.load(options(tables.PIMA), 0)
    assert urls == [tables.PIMA_ORIGIN]
    assert data.info["source"].startswith("downloaded to")
    assert (tmp_path / "keras" / "datasets" / "pima-indians-diabetes.csv").is_file()
    tables.PIMA.load(options(tables.PIMA), 0)  # the second time from the cache
    assert len(urls) == 1


# ---------------------------------------------------------------- every dataset


def test_every_dataset_has_documented_options_and_cheap_meta():
    for dataset in DATASETS:
        assert dataset.doc
        for param in dataset.options:
            assert param.doc, f"{dataset.name} option {param.name} has no doc"
        if dataset.name != "csv":  # csv's meta reads the file it is given
            meta = dataset.meta(options(dataset))
            assert meta.input_shape and meta.task in ("multiclass", "binary", "regression")
