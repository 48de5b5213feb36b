"""The data a variant trains on: each dataset loaded once, inputs cast, labels encoded, validation held out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError, NNSpecError
from ..types import Data, Plan


class DataLoader:
    """Loads each dataset once per (name, options, seed), so a sweep shares it."""

    def __init__(self, given: Data | None = None) -> None:
        self.given = given
        self._cache: dict[Any, Data] = {}

    def has(self, plan: Plan) -> bool:
        """Whether the plan's data is at hand already (given, or loaded for an earlier variant)."""
        return self.given is not None or (plan.dataset, _freeze(plan.dataset_options), plan.seed) in self._cache

    def load(self, plan: Plan) -> Data:
        if self.given is not None:
            return self.given
        if not plan.dataset:
            raise DataError("the spec has no 'data' line, so there is nothing to train on",
                            hint="add 'data NAME', or pass data= to nnspec.run")
        key = (plan.dataset, _freeze(plan.dataset_options), plan.seed)
        if key not in self._cache:
            from ..plugins import get_registries

            dataset = get_registries().datasets.get(plan.dataset)
            try:
                self._cache[key] = dataset.load(plan.dataset_options, plan.seed)
            except NNSpecError as error:
                raise at_data_statement(error, plan)
            except MemoryError:
                raise at_data_statement(DataError(f"out of memory while loading data {plan.dataset}"), plan) from None
            except Exception as exc:  # a plugin's bug must reach the user as a message
                raise at_data_statement(
                    DataError(f"data {plan.dataset} failed to load: {type(exc).__name__}: {exc}"), plan
                ) from exc
        return self._cache[key]


def at_data_statement(error: NNSpecError, plan: Plan) -> NNSpecError:
    """A loading error pointed at the spec's `data` line, where the user can act on it."""
    data = plan.spec.data
    if error.line is None and data is not None and data.line:
        error.line, error.column = data.line, data.name_column or data.column
        error.located(plan.spec.filename, plan.spec.source)
    return error


def _inputs(plan: Plan, x, what: str) -> np.ndarray:
    if x is None:
        raise DataError(f"data {plan.dataset} has no {what} inputs")
    x = np.ascontiguousarray(x, dtype=plan.input_dtype)
    if x.shape[1:] != tuple(plan.input_shape):
        raise DataError(
            f"data {plan.dataset} gives {what} inputs of shape {'x'.join(map(str, x.shape[1:]))}, "
            f"the network expects {'x'.join(map(str, plan.input_shape))}"
        )
    return x


def _held_out(val: float | int, n: int) -> int:
    count = n - int(n * (1 - val)) if isinstance(val, float) else int(val)
    if count >= n:
        raise DataError(f"val={val} holds out all {n} training samples")
    return count


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass
class Arrays:
    """The variant's arrays, inputs cast and labels encoded as the loss needs them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray
    labels_test: np.ndarray  # the loader's labels: class indexes, or regression targets


def prepare(plan: Plan, data: Data) -> Arrays:
    """Cast inputs, encode labels per `plan.label_encoding`, hold validation samples out."""
    x_train = _inputs(plan, data.x_train, "training")
    y_train = np.asarray(data.y_train)
    x_val = y_val = None
    if data.x_val is not None:
        if plan.train.val is not None:
            raise DataError(
                f"data {plan.dataset} already holds validation samples out; "
                "the train line's val= would hold out more",
                hint="remove val= from the train line",
            )
        x_val, y_val = _inputs(plan, data.x_val, "validation"), np.asarray(data.y_val)
    elif plan.train.val is not None:
        count = _held_out(plan.train.val, len(x_train))
        # the last samples, as Keras' validation_split takes them
        x_train, x_val = x_train[: len(x_train) - count], x_train[len(x_train) - count:]
        y_train, y_val = y_train[: len(y_train) - count], y_train[len(y_train) - count:]
    if len(x_train) == 0:
        raise DataError(f"data {plan.dataset or '(given)'} has no training samples")
    if len(x_train) != len(y_train):
        raise DataError(f"data {plan.dataset}: {len(x_train)} training inputs but {len(y_train)} labels")
    x_test = _inputs(plan, data.x_test, "test")
    labels_test = np.asarray(data.y_test)
    return Arrays(
        x_train=x_train,
        y_train=encode_labels(plan, y_train),
        x_val=x_val,
        y_val=None if y_val is None else encode_labels(plan, y_val),
        x_test=x_test,
        y_test=encode_labels(plan, labels_test),
        labels_test=labels_test,
    )


def encode_labels(plan: Plan, labels) -> np.ndarray:
    """Integer labels or targets (n,) as the loss wants them: one-hot, index, or (n, 1) column."""
    labels = np.asarray(labels)
    if plan.label_encoding == "column":
        return labels.astype(np.float32).reshape(len(labels), -1)
    if labels.ndim == 2 and labels.shape[1] > 1:  # already one-hot
        labels = labels.argmax(axis=1)
    classes = plan.layers[-1].output_shape[0]
    index = labels.astype(np.int64).reshape(-1)
    if len(index) and (index.min() < 0 or index.max() >= classes):
        raise DataError(
            f"data {plan.dataset} has class labels from {index.min()} to {index.max()}, "
            f"but the network gives {classes} outputs"
        )
    if plan.label_encoding == "index":
        return index.astype(np.int32)
    return np.eye(classes, dtype=np.float32)[index]
