"""Losses and metrics as TensorFlow ops, and how a plan's loss and metrics are looked up.

Every loss and metric, built-in or not, is found through its registration
(`Named.impl[backend]`, nnspec/builtins/names.py for the built-ins). An impl is

- a callable `fn(y_true, output)` giving one value per sample (or already averaged),
  where `output` is what the last layer gives (logits when `plan.train.from_logits`)
  and `y_true` is encoded per `plan.label_encoding` (one-hot rows, class indexes, or
  an (n, 1) column). If it accepts a `from_logits` or `labels` keyword, nnspec passes
  the plan's values (`bind`);
- or, for a loss, the name of a `keras.losses` class (`"CategoricalCrossentropy"`),
  made with `from_logits=` when the class takes it: the keras backend trains with
  Keras' own loss, as `fit` does, and `model.keras` can name it.

The functions below are the built-ins' TensorFlow definitions (nnspec/builtins/names.py
registers them). The tf1 backend calls them in its graph, the keras backend's step
for metrics, and training (nnspec.training.evaluation) eagerly on predicted outputs
for validation and test metrics. In a graph, a crossentropy of a
softmax or sigmoid output is computed from the logits that op was applied to, as
Keras does: it keeps its gradient where a saturated probability, clipped, has none.
TensorFlow is imported inside the functions only.

This module sits above the plugin manager and below both the built-in backends and
the training package: training must compute the same quantities as any backend,
including a third-party one, without importing a built-in plugin's private code.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from .plugins import plugin_impl

EPSILON = 1e-7  # as keras.config.epsilon(): keeps log() of a saturated probability finite

PerSample = Callable[[Any, Any], Any]


# ------------------------------------------------------------------ lookups


TENSORFLOW_BACKENDS = ("keras", "tf1")  # implementations any TensorFlow code can evaluate with


def loss_function(plan, backend: str | None = None) -> PerSample:
    """The plan's loss as a function of (y_true, output), as `backend` implements it.

    Without `backend` (the runner's evaluation of predicted outputs): the plan's
    backend's implementation, else a TensorFlow one, so that a third-party backend
    built on Keras needs no implementations of its own for the built-in names.
    """
    impl = _impl("losses", "loss", plan.train.loss, plan, backend)
    if isinstance(impl, str):
        return keras_loss(impl, plan)
    return bind(impl, plan)


def metric_functions(plan, backend: str | None = None) -> dict[str, PerSample]:
    """The plan's metrics by name, each a function of (y_true, output) (`backend` as above)."""
    return {name: bind(_impl("metrics", "metric", name, plan, backend), plan) for name in plan.train.metrics}


def _impl(registry: str, what: str, name: str, plan, backend: str | None):
    if backend is not None:
        return plugin_impl(registry, what, name, backend)
    from .plugins import get_registries, resolve_reference

    impl = getattr(get_registries(), registry).get(name).impl
    for candidate in (plan.backend, *TENSORFLOW_BACKENDS):
        if candidate in impl:
            return resolve_reference(impl[candidate])
    return plugin_impl(registry, what, name, plan.backend)  # raises: no implementation


def bind(fn: Callable, plan) -> PerSample:
    """`fn` with the plan's `from_logits` and `labels` passed when it takes them."""
    try:
        accepted = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # a builtin without a signature: call it as it is
        return fn
    context = {"from_logits": plan.train.from_logits, "labels": plan.label_encoding}
    given = {key: value for key, value in context.items() if key in accepted}
    if not given:
        return fn
    return lambda y_true, output: fn(y_true, output, **given)


def keras_loss(class_name: str, plan):
    """An instance of the `keras.losses` class named, from logits when the plan's output is."""
    import keras

    cls = getattr(keras.losses, class_name)
    takes_logits = "from_logits" in inspect.signature(cls).parameters
    return cls(from_logits=plan.train.from_logits) if takes_logits else cls()


def batch_mean(fn: PerSample, y_true, output):
    """The mean over a batch of what `fn` gives (per-sample or already reduced)."""
    import tensorflow as tf

    return tf.reduce_mean(tf.cast(fn(y_true, output), tf.float32))


def probabilities(plan, output):
    """Network outputs as probabilities, numpy in and out: the loss's registration decides.

    Outputs that are logits go through the activation the loss pairs with (softmax
    or sigmoid) or through the loss's own `probability` function.
    """
    import numpy as np

    from .plugins import get_registries

    loss = get_registries().losses.get(plan.train.loss)
    own = getattr(loss, "probability", None)
    if own is not None:
        return np.asarray(own(np.asarray(output), plan.train.from_logits), dtype=np.float64)
    output = np.asarray(output, dtype=np.float64)
    if not plan.train.from_logits:
        return output
    if getattr(loss, "logits", None) == "sigmoid":
        return 1.0 / (1.0 + np.exp(-output))
    shifted = output - output.max(axis=-1, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=-1, keepdims=True)


def task_of(plan, meta=None) -> str:
    """multiclass, binary or regression: the data's word, else what the loss implies."""
    from .plugins import get_registries

    task = getattr(meta, "task", None) or plan.meta.task
    if task:
        return task
    return getattr(get_registries().losses.get(plan.train.loss), "task", None) or "regression"


# ------------------------------------------------------------------ the built-in definitions


def _logits_behind(output, op_type: str):
    """The logits a graph's `Softmax` or `Sigmoid` op was applied to, or None.

    Eager tensors (the runner's evaluation on predictions) have no op: None.
    """
    try:
        op = output.op
    except AttributeError:
        return None
    return op.inputs[0] if op.type == op_type else None


def categorical_crossentropy(y_true, output, from_logits: bool = False):
    """Cross-entropy against one-hot rows, per sample."""
    import tensorflow as tf

    y_true = tf.cast(y_true, output.dtype)
    logits = output if from_logits else _logits_behind(output, "Softmax")
    if logits is not None:
        return tf.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=logits)
    probs = output / tf.reduce_sum(output, axis=-1, keepdims=True)
    probs = tf.clip_by_value(probs, EPSILON, 1.0 - EPSILON)
    return -tf.reduce_sum(y_true * tf.math.log(probs), axis=-1)


def sparse_categorical_crossentropy(y_true, output, from_logits: bool = False):
    """Cross-entropy against class indexes, per sample."""
    import tensorflow as tf

    labels = tf.cast(tf.reshape(y_true, [-1]), tf.int32)
    logits = output if from_logits else _logits_behind(output, "Softmax")
    if logits is not None:
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    probs = output / tf.reduce_sum(output, axis=-1, keepdims=True)
    picked = tf.gather(probs, labels, axis=1, batch_dims=1)
    return -tf.math.log(tf.clip_by_value(picked, EPSILON, 1.0 - EPSILON))


def binary_crossentropy(y_true, output, from_logits: bool = False):
    """Cross-entropy of 0/1 labels, averaged over the output units, per sample."""
    import tensorflow as tf

    y_true = tf.cast(y_true, output.dtype)
    logits = output if from_logits else _logits_behind(output, "Sigmoid")
    if logits is not None:
        per_unit = tf.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=logits)
    else:
        probs = tf.clip_by_value(output, EPSILON, 1.0 - EPSILON)
        per_unit = -(y_true * tf.math.log(probs) + (1.0 - y_true) * tf.math.log(1.0 - probs))
    return tf.reduce_mean(per_unit, axis=-1)


def mean_squared_error(y_true, output):
    """Squared error averaged over the output units, per sample."""
    import tensorflow as tf

    return tf.reduce_mean(tf.square(tf.cast(y_true, output.dtype) - output), axis=-1)


def mean_absolute_error(y_true, output):
    """Absolute error averaged over the output units, per sample."""
    import tensorflow as tf

    return tf.reduce_mean(tf.abs(tf.cast(y_true, output.dtype) - output), axis=-1)


def accuracy(y_true, output, labels: str = "onehot", from_logits: bool = False):
    """1 where the output picks the true class, else 0, per sample.

    One yes/no unit (`column` labels) splits logits at 0 and probabilities at 0.5.
    """
    import tensorflow as tf

    if labels == "column":
        threshold = 0.0 if from_logits else 0.5
        predicted = tf.cast(output > threshold, tf.float32)
        right = tf.equal(predicted, tf.cast(tf.cast(y_true, tf.float32) > 0.5, tf.float32))
        return tf.reduce_mean(tf.cast(right, tf.float32), axis=-1)
    # argmax(output) == the true class, without argmax (XLA's is slow on CPU): the true
    # class's score is the highest, and no class before it scores as high (argmax
    # takes the first of equal scores, so a dead all-zero output is not "right")
    if labels == "index":
        y_true = tf.one_hot(tf.cast(tf.reshape(y_true, [-1]), tf.int32), tf.shape(output)[-1])
    truth = tf.cast(y_true, output.dtype)
    score = tf.reduce_sum(truth * output, axis=-1, keepdims=True)
    before = tf.cumsum(truth, axis=-1, exclusive=True, reverse=True) > 0
    beaten = (output > score) | ((output == score) & before)
    return 1.0 - tf.cast(tf.reduce_any(beaten, axis=-1), tf.float32)
