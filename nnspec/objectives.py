"""Losses, metrics and probabilities as TensorFlow ops, defined once for every backend and training.

Each function maps `(y_true, output)` to one value per sample, where `output` is what
the last layer gives (logits when `plan.train.from_logits`) and `y_true` is encoded
per `plan.label_encoding` (one-hot rows, class indexes, or an (n, 1) column). The
keras backend calls them inside its compiled training step, the tf1 backend inside
its graph, and training (nnspec.training.evaluation) eagerly on predicted outputs
for validation and test metrics, so that both backends report the same quantities. (The keras backend's
training step takes its loss from Keras instead, as `fit` does.) In a graph, a
crossentropy of a softmax or sigmoid output is computed from the logits that op was
applied to, as Keras does: it keeps its gradient where a saturated probability,
clipped, has none.

A plugin's loss or metric is used through `Named.impl[backend]`: a callable
`(y_true, output) -> tensor` (per sample or already averaged).
TensorFlow is imported inside the functions only.

This module sits above the plugin manager and below both the built-in backends and
the training package: training must compute the same quantities as any backend,
including a third-party one, without importing a built-in plugin's private code.
"""

from __future__ import annotations

from typing import Any, Callable

from .plugins import plugin_impl

EPSILON = 1e-7  # as keras.config.epsilon(): keeps log() of a saturated probability finite

BUILTIN_LOSSES = (
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "binary_crossentropy",
    "mse",
    "mae",
)
BUILTIN_METRICS = ("accuracy", "mae", "mse")

PerSample = Callable[[Any, Any], Any]


def loss_function(plan, backend: str | None = None) -> PerSample:
    """The plan's loss as a per-sample function of (y_true, output)."""
    name = plan.train.loss
    if name in BUILTIN_LOSSES:
        return _builtin_loss(name, plan.train.from_logits)
    return plugin_impl("losses", "loss", name, backend or plan.backend)


def metric_functions(plan, backend: str | None = None) -> dict[str, PerSample]:
    """The plan's metrics by name, each a per-sample function of (y_true, output)."""
    out = {}
    for name in plan.train.metrics:
        if name in BUILTIN_METRICS:
            out[name] = _builtin_metric(name, plan.label_encoding, plan.train.from_logits)
        else:
            out[name] = plugin_impl("metrics", "metric", name, backend or plan.backend)
    return out


def batch_mean(fn: PerSample, y_true, output):
    """The mean over a batch of what `fn` gives (per-sample or already reduced)."""
    import tensorflow as tf

    return tf.reduce_mean(tf.cast(fn(y_true, output), tf.float32))


def probabilities(plan, output):
    """Network outputs as probabilities (softmax or sigmoid of logits), numpy in and out."""
    import numpy as np

    output = np.asarray(output, dtype=np.float64)
    if not plan.train.from_logits:
        return output
    if plan.label_encoding == "column":
        return 1.0 / (1.0 + np.exp(-output))
    shifted = output - output.max(axis=-1, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=-1, keepdims=True)


def _logits_behind(output, op_type: str):
    """The logits a graph's `Softmax` or `Sigmoid` op was applied to, or None.

    Eager tensors (training's evaluation of predictions) have no op: None.
    """
    try:
        op = output.op
    except AttributeError:
        return None
    return op.inputs[0] if op.type == op_type else None


def _builtin_loss(name: str, from_logits: bool) -> PerSample:
    import tensorflow as tf

    def categorical(y_true, output):
        y_true = tf.cast(y_true, output.dtype)
        logits = output if from_logits else _logits_behind(output, "Softmax")
        if logits is not None:
            return tf.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=logits)
        probs = output / tf.reduce_sum(output, axis=-1, keepdims=True)
        probs = tf.clip_by_value(probs, EPSILON, 1.0 - EPSILON)
        return -tf.reduce_sum(y_true * tf.math.log(probs), axis=-1)

    def sparse(y_true, output):
        labels = tf.cast(tf.reshape(y_true, [-1]), tf.int32)
        logits = output if from_logits else _logits_behind(output, "Softmax")
        if logits is not None:
            return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        probs = output / tf.reduce_sum(output, axis=-1, keepdims=True)
        picked = tf.gather(probs, labels, axis=1, batch_dims=1)
        return -tf.math.log(tf.clip_by_value(picked, EPSILON, 1.0 - EPSILON))

    def binary(y_true, output):
        y_true = tf.cast(y_true, output.dtype)
        logits = output if from_logits else _logits_behind(output, "Sigmoid")
        if logits is not None:
            per_unit = tf.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=logits)
        else:
            probs = tf.clip_by_value(output, EPSILON, 1.0 - EPSILON)
            per_unit = -(y_true * tf.math.log(probs) + (1.0 - y_true) * tf.math.log(1.0 - probs))
        return tf.reduce_mean(per_unit, axis=-1)

    def mse(y_true, output):
        return tf.reduce_mean(tf.square(tf.cast(y_true, output.dtype) - output), axis=-1)

    def mae(y_true, output):
        return tf.reduce_mean(tf.abs(tf.cast(y_true, output.dtype) - output), axis=-1)

    return {
        "categorical_crossentropy": categorical,
        "sparse_categorical_crossentropy": sparse,
        "binary_crossentropy": binary,
        "mse": mse,
        "mae": mae,
    }[name]


def _builtin_metric(name: str, encoding: str, from_logits: bool) -> PerSample:
    import tensorflow as tf

    if name in ("mae", "mse"):
        return _builtin_loss(name, from_logits)

    def accuracy(y_true, output):
        if encoding == "column":  # one yes/no unit: logits split at 0, probabilities at 0.5
            threshold = 0.0 if from_logits else 0.5
            predicted = tf.cast(output > threshold, tf.float32)
            right = tf.equal(predicted, tf.cast(tf.cast(y_true, tf.float32) > 0.5, tf.float32))
            return tf.reduce_mean(tf.cast(right, tf.float32), axis=-1)
        # argmax(output) == the true class, without argmax (XLA's is slow on CPU): the true
        # class's score is the highest, and no class before it scores as high (argmax
        # takes the first of equal scores, so a dead all-zero output is not "right")
        if encoding == "index":
            y_true = tf.one_hot(tf.cast(tf.reshape(y_true, [-1]), tf.int32), tf.shape(output)[-1])
        truth = tf.cast(y_true, output.dtype)
        score = tf.reduce_sum(truth * output, axis=-1, keepdims=True)
        before = tf.cumsum(truth, axis=-1, exclusive=True, reverse=True) > 0
        beaten = (output > score) | ((output == score) & before)
        return 1.0 - tf.cast(tf.reduce_any(beaten, axis=-1), tf.float32)

    return accuracy
