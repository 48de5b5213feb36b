"""The core names: activations, initializers, optimizers, losses, metrics.

Each is registered exactly as a third-party plugin registers its own: a `Named`
(or a `Loss`) with `impl={"keras": ..., "tf1": ...}` and its defaults in its
`Param`s. The backends keep no tables of their own.
"""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..types import Loss, Named, Param
from .backends import keras_names as k
from .. import objectives as o
from .backends import tf1_names as t


def activation(name: str, doc: str, keras: str, tf1, aliases: tuple[str, ...] = ()) -> Named:
    """An activation: a Keras activation name and a TF1 function."""
    return Named(name, doc, aliases=aliases, impl={"keras": keras, "tf1": tf1})


ACTIVATIONS = (
    activation("relu", "max(x, 0)", "relu", t.activation("nn.relu")),
    activation("sigmoid", "1 / (1 + exp(-x))", "sigmoid", t.activation("sigmoid")),
    activation("tanh", "hyperbolic tangent", "tanh", t.activation("tanh")),
    activation("softmax", "normalised exponentials over the last axis", "softmax", t.activation("nn.softmax")),
    activation("linear", "identity (the layer outputs logits)", "linear", t.activation("identity"),
               aliases=("identity", "none")),
    activation("elu", "exponential linear unit", "elu", t.activation("nn.elu")),
    activation("selu", "scaled exponential linear unit", "selu", t.activation("nn.selu")),
    activation("leaky_relu", "max(x, 0.2 x) as Keras defines it", "leaky_relu",
               t.activation("nn.leaky_relu", alpha=0.2), aliases=("leakyrelu",)),
    activation("gelu", "Gaussian error linear unit", "gelu", t.activation("nn.gelu", approximate=False)),
    activation("swish", "x * sigmoid(x)", "silu", t.activation("nn.silu"), aliases=("silu",)),
)


def initializer(name: str, doc: str, keras, tf1, aliases: tuple[str, ...] = ()) -> Named:
    """An initializer: factory(seed) per backend."""
    return Named(name, doc, aliases=aliases, impl={"keras": keras, "tf1": tf1})


def _scaling(scale: float, distribution: str):
    return t.initializer("variance_scaling_initializer", scale, "fan_in", distribution)


INITIALIZERS = (
    initializer("xavier_uniform", "Glorot uniform, as TF1's xavier_initializer",
                k.initializer("GlorotUniform"), t.initializer("glorot_uniform_initializer"),
                aliases=("xavier", "glorot_uniform", "glorot")),
    initializer("xavier_normal", "Glorot normal (truncated)",
                k.initializer("GlorotNormal"), t.initializer("glorot_normal_initializer"),
                aliases=("glorot_normal",)),
    initializer("he_normal", "He normal (truncated), for relu layers",
                k.initializer("HeNormal"), _scaling(2.0, "truncated_normal"), aliases=("he",)),
    initializer("he_uniform", "He uniform", k.initializer("HeUniform"), _scaling(2.0, "uniform")),
    initializer("lecun_normal", "LeCun normal (truncated), for selu layers",
                k.initializer("LecunNormal"), _scaling(1.0, "truncated_normal")),
    initializer("lecun_uniform", "LeCun uniform", k.initializer("LecunUniform"), _scaling(1.0, "uniform")),
    initializer("zeros", "all zeros", k.constant("Zeros"), t.constant("zeros_initializer"), aliases=("zero",)),
    initializer("ones", "all ones", k.constant("Ones"), t.constant("ones_initializer"), aliases=("one",)),
    # nnspec's `normal` is tf.random_normal's: stddev 1, not Keras' 0.05
    initializer("normal", "standard normal, mean 0 stddev 1, as tf.random_normal",
                k.initializer("RandomNormal", mean=0.0, stddev=1.0),
                t.initializer("random_normal_initializer", 0.0, 1.0), aliases=("random_normal",)),
    initializer("uniform", "uniform in [-0.05, 0.05], as Keras' RandomUniform",
                k.initializer("RandomUniform", minval=-0.05, maxval=0.05),
                t.initializer("random_uniform_initializer", -0.05, 0.05), aliases=("random_uniform",)),
    initializer("truncated_normal", "normal with stddev 0.05 cut at two deviations",
                k.initializer("TruncatedNormal", mean=0.0, stddev=0.05),
                t.initializer("truncated_normal_initializer", 0.0, 0.05)),
)


def lr(default: float) -> Param:
    """The optimizer's default learning rate, as an option `train` reads."""
    return Param("lr", "float", default=default, min=0, doc=f"learning rate (default {default})")


OPTIMIZERS = (
    Named("sgd", "plain stochastic gradient descent; default lr 0.01", aliases=("gradient_descent",),
          options=(lr(0.01),), impl={"keras": k.sgd, "tf1": t.sgd}),
    Named(
        "momentum",
        "SGD with momentum; default lr 0.01",
        options=(
            lr(0.01),
            Param("momentum", "fraction", default=0.9, doc="momentum coefficient"),
            Param("nesterov", "bool", default=False, doc="Nesterov momentum"),
        ),
        impl={"keras": k.sgd, "tf1": t.momentum},
    ),
    Named("adagrad", "Adagrad; default lr 0.01", options=(lr(0.01),), impl={"keras": k.adagrad, "tf1": t.adagrad}),
    Named("rmsprop", "RMSprop; default lr 0.001", options=(lr(0.001), Param("rho", "fraction", default=0.9)),
          impl={"keras": k.rmsprop, "tf1": t.rmsprop}),
    Named(
        "adam",
        "Adam; default lr 0.001",
        options=(lr(0.001), Param("beta1", "fraction", default=0.9), Param("beta2", "fraction", default=0.999)),
        impl={"keras": k.adam, "tf1": t.adam},
    ),
)

# Keras trains with its own loss classes, as `fit` does; tf1 and evaluation use nnspec's ops
LOSSES = (
    Loss("categorical_crossentropy", "cross-entropy against one-hot labels", aliases=("cce",),
         task="multiclass", labels="onehot", logits="softmax",
         impl={"keras": "CategoricalCrossentropy", "tf1": o.categorical_crossentropy}),
    Loss("sparse_categorical_crossentropy", "cross-entropy against integer labels", aliases=("scce",),
         task="multiclass", labels="index", logits="softmax",
         impl={"keras": "SparseCategoricalCrossentropy", "tf1": o.sparse_categorical_crossentropy}),
    Loss("binary_crossentropy", "cross-entropy of one 0/1 output", aliases=("bce",),
         task="binary", logits="sigmoid",
         impl={"keras": "BinaryCrossentropy", "tf1": o.binary_crossentropy}),
    Loss("mse", "mean squared error", aliases=("mean_squared_error",), task="regression",
         impl={"keras": "MeanSquaredError", "tf1": o.mean_squared_error}),
    Loss("mae", "mean absolute error", aliases=("mean_absolute_error",), task="regression",
         impl={"keras": "MeanAbsoluteError", "tf1": o.mean_absolute_error}),
)

# the same TensorFlow ops serve both backends: a metric means one thing whichever trains
METRICS = (
    Named("accuracy", "fraction of samples classified right", aliases=("acc",),
          impl={"keras": o.accuracy, "tf1": o.accuracy}),
    Named("mae", "mean absolute error", aliases=("mean_absolute_error",),
          impl={"keras": o.mean_absolute_error, "tf1": o.mean_absolute_error}),
    Named("mse", "mean squared error", aliases=("mean_squared_error",),
          impl={"keras": o.mean_squared_error, "tf1": o.mean_squared_error}),
)


@hookimpl
def register_activations(register):
    for item in ACTIVATIONS:
        register(item)


@hookimpl
def register_initializers(register):
    for item in INITIALIZERS:
        register(item)


@hookimpl
def register_optimizers(register):
    for item in OPTIMIZERS:
        register(item)


@hookimpl
def register_losses(register):
    for item in LOSSES:
        register(item)


@hookimpl
def register_metrics(register):
    for item in METRICS:
        register(item)
