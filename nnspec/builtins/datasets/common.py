"""What several dataset plugins share: splits, hold-outs, content checks, ASCII pictures."""

from __future__ import annotations

import hashlib
import math
from typing import Any, Mapping

import numpy as np

from ...errors import DataError
from ...types import Param

TEST_FRACTION_DOC = "fraction of the rows kept for testing (0: evaluate on the training data)"


def test_param(default: float) -> Param:
    """The `test=` option of datasets that split one table into train and test."""
    return Param("test", "fraction", default, doc=TEST_FRACTION_DOC)


SPLIT_SEED = Param("seed", "int", None, min=0, doc="seed of the train/test split (default: the spec's seed)")
PATH = Param("path", "str", None, doc="a local file or folder holding the data")


NORMALIZE = Param("normalize", "bool", False,
                  doc="standardise each feature with the training split's mean and standard deviation")


def standardize(x_train: np.ndarray, *others: np.ndarray) -> tuple[list[np.ndarray], dict]:
    """Each feature minus the training split's mean, over its standard deviation (1 where constant).

    Returns the standardized arrays (training first) and {"mean": ..., "std": ...}.
    """
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    arrays = [((x - mean) / std).astype(np.float32) for x in (x_train, *others)]
    return arrays, {"mean": mean.tolist(), "std": std.tolist()}


def feature_ranges(x: np.ndarray) -> tuple[tuple[float, float], ...]:
    """(min, max) of each column of a table of features."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    if len(x) == 0:
        return ()
    return tuple((float(lo), float(hi)) for lo, hi in zip(x.min(axis=0), x.max(axis=0)))


def split_seed(options: Mapping[str, Any], seed: int | None) -> int | None:
    """The dataset's own `seed=` when written, else the spec's seed."""
    own = options.get("seed")
    return seed if own is None else own


def split_sizes(rows: int, test: float) -> tuple[int, int]:
    """(train, test) sizes of `split`, computed as scikit-learn does, without the data."""
    if not test:
        return rows, rows
    n_test = math.ceil(test * rows)  # train_test_split's own rounding
    return rows - n_test, n_test


def split(x: np.ndarray, y: np.ndarray, test: float, seed: int | None):
    """Train/test arrays by scikit-learn's `train_test_split`, plus whether test is train.

    `test=0` keeps every row for training and evaluates on it, as the course does with
    data that has no test split.
    """
    if not test:
        return x, y, x, y, True
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test, random_state=seed)
    return x_train, y_train, x_test, y_test, False


def hold_out_first(x: np.ndarray, y: np.ndarray, count: int, what: str):
    """((x, y) without its first `count` rows, (the first `count` rows)) as the course does."""
    if count <= 0:
        return (x, y), (None, None)
    if count >= len(x):
        raise DataError(f"{what}: val={count} would hold out all {len(x)} training samples")
    return (x[count:], y[count:]), (x[:count], y[:count])


def table_sha256(table: np.ndarray) -> str:
    """SHA-256 of a numeric table's values (float64, row major): the same for every copy.

    Copies of one dataset differ in their bytes (a header, quoting, line ends, R's
    format) but not in their values, so a copy is checked by this digest.
    """
    values = np.ascontiguousarray(np.asarray(table, dtype="<f8"))
    return hashlib.sha256(values.tobytes()).hexdigest()


def check_table(table: np.ndarray, expected_sha256: str, what: str, where: str) -> None:
    """Raise DataError unless `table` holds exactly the values of the known dataset."""
    digest = table_sha256(table)
    if digest != expected_sha256:
        raise DataError(
            f"{what}: {where} does not hold the expected data (shape {table.shape},"
            f" values SHA-256 {digest[:12]}..., expected {expected_sha256[:12]}...)",
            hint="for other data use 'data csv path=...'",
        )


_SHADES = " .:-=+*#%@"


def ascii_image(image: np.ndarray) -> str:
    """A small text picture of a 2-D image with values in [0, 1] (two rows a line for 28x28)."""
    image = np.asarray(image, dtype="float32")
    if image.shape[0] > 16:  # halve the height: terminal cells are about twice as tall as wide
        rows = image.shape[0] // 2 * 2
        image = image[:rows].reshape(rows // 2, 2, image.shape[1]).mean(axis=1)
        cell = 1
    else:
        cell = 2  # small images (8x8 digits): two characters a pixel keep the proportions
    levels = np.clip((image * (len(_SHADES) - 1)).round().astype(int), 0, len(_SHADES) - 1)
    return "\n".join("".join(_SHADES[v] * cell for v in row).rstrip() for row in levels)


def label_text(label: int, class_names: tuple[str, ...] | None) -> str:
    """`3 (Dress)` when the classes have names, else `3`."""
    if class_names and 0 <= int(label) < len(class_names) and class_names[int(label)] != str(label):
        return f"{int(label)} ({class_names[int(label)]})"
    return str(int(label))
