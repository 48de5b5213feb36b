"""The shipped CNN and IMDB specs: parameter counts equal to the Keras models they stand for, and short smoke runs.

The Keras models are written here as the Keras examples write them. MNIST and IMDB
have no offline copy, so the smoke runs train on generated files in their real
formats (tests/dataset_files.py) with NNSPEC_QUICK=1 (two epochs), on both backends.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nnspec
from dataset_files import image_arrays, isolate, write_idx_set, write_imdb
from nnspec.dsl.parser import load
from nnspec.dsl.validate import check

keras = pytest.importorskip("keras")
L = keras.layers
SPECS = Path(__file__).resolve().parent.parent / "specs"


def mnist_convnet():
    """keras-io examples/vision/mnist_convnet.py."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        L.Conv2D(32, kernel_size=(3, 3), activation="relu"), L.MaxPooling2D(pool_size=(2, 2)),
        L.Conv2D(64, kernel_size=(3, 3), activation="relu"), L.MaxPooling2D(pool_size=(2, 2)),
        L.Flatten(), L.Dropout(0.5), L.Dense(10, activation="softmax"),
    ])


def fashion_mnist_cnn():
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        L.Conv2D(32, 3, padding="same", activation="relu"), L.BatchNormalization(), L.MaxPooling2D(2),
        L.Conv2D(64, 3, padding="same", activation="relu"), L.BatchNormalization(), L.MaxPooling2D(2),
        L.Flatten(), L.Dense(128, activation="relu"), L.Dropout(0.3), L.Dense(10, activation="softmax"),
    ])


def imdb_bilstm():
    """keras-io examples/nlp/bidirectional_lstm_imdb.py (max_features 20000, maxlen 200)."""
    return keras.Sequential([
        keras.Input(shape=(200,), dtype="int32"), L.Embedding(20000, 128),
        L.Bidirectional(L.LSTM(64, return_sequences=True)), L.Bidirectional(L.LSTM(64)),
        L.Dense(1, activation="sigmoid"),
    ])


def imdb_conv1d():
    """keras-io examples/nlp/text_classification_from_scratch.py's model (20000 words, 500 steps)."""
    return keras.Sequential([
        keras.Input(shape=(500,), dtype="int64"), L.Embedding(20000, 128), L.Dropout(0.5),
        L.Conv1D(128, 7, padding="valid", activation="relu", strides=3),
        L.Conv1D(128, 7, padding="valid", activation="relu", strides=3),
        L.GlobalMaxPooling1D(), L.Dense(128, activation="relu"), L.Dropout(0.5), L.Dense(1, activation="sigmoid"),
    ])


KERAS_MODELS = {"mnist_convnet": mnist_convnet, "fashion_mnist_cnn": fashion_mnist_cnn,
                "imdb_bilstm": imdb_bilstm, "imdb_conv1d": imdb_conv1d}


@pytest.mark.parametrize("name", sorted(KERAS_MODELS))
def test_the_shipped_spec_counts_what_its_keras_model_counts(name):
    (plan,) = check(load(SPECS / f"{name}.nn"))
    model = KERAS_MODELS[name]()
    assert plan.param_count == model.count_params()
    assert [layer.param_count for layer in plan.layers] == [layer.count_params() for layer in model.layers]
    assert [layer.output_shape for layer in plan.layers] == [tuple(layer.output.shape[1:]) for layer in model.layers]


def test_mnist_convnet_has_the_examples_34826_parameters():
    (plan,) = check(load(SPECS / "mnist_convnet.nn"))
    assert plan.param_count == 34_826


# ---------------------------------------------------------------- smoke runs on generated files


@pytest.fixture
def data_root(monkeypatch, tmp_path):
    isolate(monkeypatch, tmp_path)
    root = tmp_path / "nnspec-data"
    monkeypatch.setenv("NNSPEC_DATA", str(root))
    monkeypatch.setenv("NNSPEC_QUICK", "1")  # every run stops after two epochs
    return root


def _reviews(n_train=48, n_test=16, seed=0):
    """Reviews of IMDB's format whose label is whether word 4 ("great") outnumbers word 5 ("bad")."""
    rng = np.random.default_rng(seed)

    def make(n):
        reviews = [[int(w) for w in rng.integers(1, 8, size=rng.integers(5, 40))] for _ in range(n)]
        return reviews, np.array([int(r.count(4) > r.count(5)) for r in reviews])

    (train, y_train), (test, y_test) = make(n_train), make(n_test)
    return train, y_train, test, y_test


pytest.importorskip("tensorflow")


@pytest.mark.parametrize("backend", ("keras", "tf1"))
@pytest.mark.parametrize("name", ("imdb_bilstm", "imdb_conv1d"))
def test_the_imdb_specs_train_on_files_of_imdbs_format(name, backend, data_root, tmp_path):
    write_imdb(data_root / "imdb", _reviews())
    outcome = nnspec.run(SPECS / f"{name}.nn", backend=backend, out=tmp_path / "run", progress="none", report=False)
    (result,) = list(outcome)
    assert result.epochs == 2 and len(result.history["loss"]) == 2
    assert all(np.isfinite(result.history["loss"])) and 0 <= result.metrics["accuracy"] <= 1
    assert result.param_count == check(load(SPECS / f"{name}.nn"))[0].param_count


@pytest.mark.parametrize("backend", ("keras", "tf1"))
@pytest.mark.parametrize("name, dataset, n_train", [("mnist_convnet", "mnist", 6_040),
                                                    ("fashion_mnist_cnn", "fashion_mnist", 64)])
def test_the_cnn_specs_train_on_idx_files(name, dataset, n_train, backend, data_root, tmp_path):
    write_idx_set(data_root / dataset, image_arrays(n_train=n_train, n_test=20))  # mnist_convnet holds out 6000
    outcome = nnspec.run(SPECS / f"{name}.nn", backend=backend, out=tmp_path / "run", progress="none", report=False)
    (result,) = list(outcome)
    assert len(result.history["loss"]) == 2 and all(np.isfinite(result.history["loss"]))
    assert result.param_count == check(load(SPECS / f"{name}.nn"))[0].param_count
