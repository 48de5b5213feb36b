"""Helpers for dataset plugins: arrays in memory (a scikit-learn loader) become a `Dataset`.

    from sklearn.datasets import load_wine
    from nnspec import hookimpl
    from nnspec.datasets import from_arrays

    @hookimpl
    def register_datasets(register):
        register(from_arrays("wine", lambda: load_wine(return_X_y=True), rows=178,
                             input_shape=(13,), task="multiclass", classes=3))

The dataset gets the options `test=` (the fraction kept for testing, split as
scikit-learn's `train_test_split` does), `seed=` (the split's seed; default: the
spec's) and `scale=` (standardise each feature with the training rows' mean and
deviation). What `check` needs (shape, task, sizes) comes from the arguments, so
the arrays are read only when a run loads them.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from .builtins.datasets.common import SPLIT_SEED, split, split_seed, split_sizes, test_param
from .errors import DataError
from .types import TASKS, Data, Dataset, DatasetMeta, Param


def from_arrays(
    name: str,
    read: Callable[[], tuple[Any, Any]],
    *,
    rows: int,
    input_shape: tuple[int, ...],
    task: str,
    classes: int | None = None,
    class_names: tuple[str, ...] | None = None,
    test: float = 0.2,
    scale: bool = True,
    doc: str = "",
    aliases: tuple[str, ...] = (),
) -> Dataset:
    """A `Dataset` named `name` whose rows `read()` returns as (x, y) arrays.

    `rows` is how many rows `read` returns, `input_shape` one row's shape; `task`
    is multiclass, binary or regression; y holds class indexes 0..classes-1 (0/1
    for binary) or numbers (regression).
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, not {task!r}")
    if class_names is not None and classes is None:
        classes = len(class_names)

    def meta(options: Mapping[str, Any]) -> DatasetMeta:
        train, tested = split_sizes(rows, options["test"])
        return DatasetMeta(tuple(input_shape), task, classes=classes, train_size=train, test_size=tested,
                           class_names=tuple(class_names) if class_names else None,
                           test_is_train=not options["test"])

    def load(options: Mapping[str, Any], seed: int | None = None) -> Data:
        x, y = read()
        x, y = _checked(name, np.asarray(x), np.asarray(y), rows, tuple(input_shape), task)
        x_train, y_train, x_test, y_test, same = split(x, y, options["test"], split_seed(options, seed))
        if options["scale"]:
            mean, deviation = x_train.mean(axis=0), x_train.std(axis=0)
            deviation[deviation == 0] = 1.0  # a constant feature stays 0 rather than becoming NaN
            x_train, x_test = (x_train - mean) / deviation, (x_test - mean) / deviation
        return Data(x_train.astype("float32"), y_train, x_test.astype("float32"), y_test, meta(options),
                    test_is_train=same, info={"source": f"{name}: arrays from a plugin"})

    options = (test_param(test), SPLIT_SEED,
               Param("scale", "bool", scale, doc="standardise each feature with the training rows' statistics"))
    return Dataset(name, load=load, meta=meta, options=options, doc=doc, aliases=aliases,
                   availability=lambda options: "in memory (read by the plugin)")


def _checked(name: str, x: np.ndarray, y: np.ndarray, rows: int, shape: tuple, task: str):
    """The arrays as nnspec needs them, or a DataError saying what does not match the declaration."""
    if len(x) != len(y):
        raise DataError(f"data {name}: {len(x)} rows of x but {len(y)} labels")
    if len(x) != rows or tuple(x.shape[1:]) != shape:
        raise DataError(f"data {name}: the plugin declares {rows} rows of shape {shape}, "
                        f"its arrays hold {len(x)} of shape {tuple(x.shape[1:])}")
    x = x.astype("float64")  # scaled in float64, handed on as float32
    y = y.reshape(-1).astype("float32" if task == "regression" else "int64")
    return x, y
