"""Tiny generated data sets and helpers for the backend and runner tests."""

from __future__ import annotations

import math

import numpy as np

import nnspec
from nnspec.dsl.validate import check
from nnspec.types import Data, DatasetMeta

BACKENDS = ("keras", "tf1")


def plan_of(text: str, backend: str = "keras"):
    """The one plan of a single-variant spec text, on `backend`."""
    (plan,) = check(nnspec.parse(text + f"\nbackend {backend}\n"))
    return plan


def tiny_data(shape=(4,), task="multiclass", classes=3, n_train=48, n_test=24, seed=0, vocab=None,
              image_shape=None) -> Data:
    """Learnable random data: labels are a fixed linear function of the inputs."""
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    if vocab:
        x = rng.integers(0, vocab, size=(n, *shape)).astype(np.int32)
        features = (x % 7).astype(np.float32)
    else:
        x = rng.normal(size=(n, *shape)).astype(np.float32)
        features = x
    flat = features.reshape(n, -1)
    weights = np.random.default_rng(99).normal(size=(flat.shape[1], max(classes or 1, 1)))
    scores = flat @ weights
    if task == "multiclass":
        y = scores.argmax(axis=1).astype(np.int64)
    elif task == "binary":
        y = (scores[:, 0] > np.median(scores[:, 0])).astype(np.int64)
    else:
        y = scores[:, 0].astype(np.float32)
    meta = DatasetMeta(tuple(shape), task, classes=classes if task == "multiclass" else None,
                       train_size=n_train, test_size=n_test, vocab=vocab)
    info = {"image_shape": image_shape} if image_shape else {}
    return Data(x[:n_train], y[:n_train], x[n_train:], y[n_train:], meta, info=info)


def quiet_run(text: str, data: Data, tmp_path, backend="keras", name="run", **overrides):
    """nnspec.run on spec text with given arrays, no progress output, no report."""
    return nnspec.run(text, backend, data=data, out=tmp_path / name, progress="none", report=False, **overrides)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def steps(n: int, batch: int) -> int:
    return math.ceil(n / batch)
