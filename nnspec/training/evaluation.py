"""Evaluation: loss and metrics of a network's outputs, the test predictions to save, and ranking."""

from __future__ import annotations

import math

import numpy as np

from ..results import RunResult
from ..types import Plan
from .data import Arrays

LOWER_IS_BETTER = {"loss", "mae", "mse"}
INITIAL_SAMPLES = 10_000  # the untrained network's training loss is measured on at most this many samples


def evaluate(plan: Plan, y_encoded: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """Loss and metrics of outputs against encoded labels, with the definitions training uses."""
    import tensorflow as tf

    from .. import objectives

    if len(y_encoded) == 0:
        return {}
    y_true = tf.constant(y_encoded)
    output = tf.constant(np.asarray(outputs, dtype=np.float32))
    values = {"loss": objectives.batch_mean(objectives.loss_function(plan), y_true, output)}
    for name, fn in objectives.metric_functions(plan).items():
        values[name] = objectives.batch_mean(fn, y_true, output)
    return {name: float(value) for name, value in values.items()}


def initial_point(plan: Plan, trainer, arrays: Arrays) -> dict[str, float]:
    """The untrained network's loss and metrics (epoch 0 of the curves), on training and validation data.

    The training figures come from the first INITIAL_SAMPLES training samples: one
    forward pass, a fraction of an epoch's cost, outside the training time.
    """
    x, y = arrays.x_train[:INITIAL_SAMPLES], arrays.y_train[:INITIAL_SAMPLES]
    point = evaluate(plan, y, trainer.predict(x)) if len(x) else {}
    if arrays.x_val is not None and len(arrays.x_val):
        point.update({f"val_{k}": v for k, v in evaluate(plan, arrays.y_val, trainer.predict(arrays.x_val)).items()})
    return {name: value for name, value in point.items() if math.isfinite(value)}


def rank(results: list[RunResult]) -> list[RunResult]:
    """Best first by the first metric (accuracy up, errors and loss down)."""
    if not results:
        return []
    metric = next((m for m in results[0].metrics if m != "loss"), "loss")
    lower = metric in LOWER_IS_BETTER

    def key(result: RunResult):
        value = result.metrics.get(metric)
        if value is None or not math.isfinite(value):
            return (1, 0.0)
        return (0, value if lower else -value)

    return sorted(results, key=key)


def task_of(plan: Plan, meta=None) -> str:
    """multiclass, binary or regression: the data's word, else what the loss's registration implies."""
    from ..objectives import task_of as implied

    return implied(plan, meta)


def prediction_arrays(plan: Plan, arrays: Arrays, outputs: np.ndarray, task: str, images: bool) -> dict[str, np.ndarray]:
    """What predictions.npz holds: y_true and y_pred by task, plus the wrong images' inputs."""
    from ..objectives import probabilities

    if task == "regression":
        return {
            "y_true": arrays.labels_test.astype(np.float32).reshape(-1),
            "y_pred": np.asarray(outputs, dtype=np.float32).reshape(len(outputs), -1)[:, 0],
        }
    probs = probabilities(plan, outputs).astype(np.float32)
    y_true = arrays.labels_test
    if y_true.ndim == 2 and y_true.shape[1] > 1:  # a loader that gave one-hot rows
        y_true = y_true.argmax(axis=1)
    y_true = y_true.reshape(-1).astype(np.int64)
    if task == "binary":
        p = probs[:, -1] if probs.ndim == 2 else probs
        predicted = (p > 0.5).astype(np.int64)
        y_pred = p
    else:
        predicted = probs.argmax(axis=1)
        y_pred = probs
    out = {"y_true": y_true, "y_pred": y_pred}
    if images:
        wrong = np.flatnonzero(predicted != y_true)
        out["x_wrong"] = arrays.x_test[wrong].astype(np.float16)
        out["wrong_index"] = wrong.astype(np.int64)
    return out
