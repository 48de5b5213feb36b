"""The core names: activations, initializers, optimizers, losses, metrics.

Each is registered exactly as a third-party plugin registers its own: a `Named`
(or a `Loss`) with `impl={"keras": ..., "tf1": ...}`, its defaults in its `Param`s,
how generated scripts write it (`code`, or for keras its first `KerasForm`) and how
Keras configs name it (`keras`, read back by `nnspec import`). Neither the backends
nor the export keep tables of their own.
"""

from __future__ import annotations

from ..forms import Code, KerasForm
from ..hookspecs import hookimpl
from ..types import Loss, Named, Param
from .backends import keras_names as k
from .. import objectives as o
from .backends import tf1_names as t


def activation(name: str, doc: str, keras: tuple[str, ...], tf1: str, aliases: tuple[str, ...] = (),
               **arguments) -> Named:
    """An activation: the Keras activation names (the first is the one used) and the `tf.` function."""
    written = "".join(f", {key}={value!r}" for key, value in arguments.items())
    return Named(name, doc, aliases=aliases, impl={"keras": keras[0], "tf1": t.activation(tf1, **arguments)},
                 code={"tf1": f"tf.{tf1}({{x}}{written})"}, keras=keras)


ACTIVATIONS = (
    activation("relu", "max(x, 0)", ("relu",), "nn.relu"),
    activation("sigmoid", "1 / (1 + exp(-x))", ("sigmoid",), "sigmoid"),
    activation("tanh", "hyperbolic tangent", ("tanh",), "tanh"),
    activation("softmax", "normalised exponentials over the last axis", ("softmax",), "nn.softmax"),
    activation("linear", "identity (the layer outputs logits)", ("linear",), "identity", aliases=("identity", "none")),
    activation("elu", "exponential linear unit", ("elu",), "nn.elu"),
    activation("selu", "scaled exponential linear unit", ("selu",), "nn.selu"),
    activation("leaky_relu", "max(x, 0.2 x) as Keras defines it", ("leaky_relu",), "nn.leaky_relu",
               aliases=("leakyrelu",), alpha=0.2),
    activation("gelu", "Gaussian error linear unit", ("gelu",), "nn.gelu", approximate=False),
    activation("swish", "x * sigmoid(x)", ("silu", "swish"), "nn.silu", aliases=("silu",)),
)


def initializer(name: str, doc: str, keras: KerasForm, tf1: tuple, aliases: tuple[str, ...] = ()) -> Named:
    """An initializer: its Keras class with the settings it stands for, and the tf.compat.v1 function's call."""
    make_keras = (k.constant if keras.name in ("Zeros", "Ones") else k.initializer)(keras.name, **keras.fixed)
    make_tf1 = (t.constant if tf1[0] in ("zeros_initializer", "ones_initializer") else t.initializer)(*tf1)
    return Named(name, doc, aliases=aliases, impl={"keras": make_keras, "tf1": make_tf1},
                 code={"tf1": t.initializer_code(*tf1)}, keras=(keras,))


def _scaling(scale: float, distribution: str) -> tuple:
    return ("variance_scaling_initializer", scale, "fan_in", distribution)


INITIALIZERS = (
    initializer("xavier_uniform", "Glorot uniform, as TF1's xavier_initializer", KerasForm("GlorotUniform"),
                ("glorot_uniform_initializer",), aliases=("xavier", "glorot_uniform", "glorot")),
    initializer("xavier_normal", "Glorot normal (truncated)", KerasForm("GlorotNormal"),
                ("glorot_normal_initializer",), aliases=("glorot_normal",)),
    initializer("he_normal", "He normal (truncated), for relu layers", KerasForm("HeNormal"),
                _scaling(2.0, "truncated_normal"), aliases=("he",)),
    initializer("he_uniform", "He uniform", KerasForm("HeUniform"), _scaling(2.0, "uniform")),
    initializer("lecun_normal", "LeCun normal (truncated), for selu layers", KerasForm("LecunNormal"),
                _scaling(1.0, "truncated_normal")),
    initializer("lecun_uniform", "LeCun uniform", KerasForm("LecunUniform"), _scaling(1.0, "uniform")),
    initializer("zeros", "all zeros", KerasForm("Zeros"), ("zeros_initializer",), aliases=("zero",)),
    initializer("ones", "all ones", KerasForm("Ones"), ("ones_initializer",), aliases=("one",)),
    # nnspec's `normal` is tf.random_normal's: stddev 1, not Keras' 0.05
    initializer("normal", "standard normal, mean 0 stddev 1, as tf.random_normal",
                KerasForm("RandomNormal", fixed={"mean": 0.0, "stddev": 1.0}),
                ("random_normal_initializer", 0.0, 1.0), aliases=("random_normal",)),
    initializer("uniform", "uniform in [-0.05, 0.05], as Keras' RandomUniform",
                KerasForm("RandomUniform", fixed={"minval": -0.05, "maxval": 0.05}),
                ("random_uniform_initializer", -0.05, 0.05), aliases=("random_uniform",)),
    initializer("truncated_normal", "normal with stddev 0.05 cut at two deviations",
                KerasForm("TruncatedNormal", fixed={"mean": 0.0, "stddev": 0.05}),
                ("truncated_normal_initializer", 0.0, 0.05)),
    initializer("orthogonal", "a random orthogonal matrix (recurrent kernels' default, as Keras')",
                KerasForm("Orthogonal", fixed={"gain": 1.0}), ("orthogonal_initializer",)),
)


def lr(default: float) -> Param:
    """The optimizer's default learning rate, as an option `train` reads."""
    return Param("lr", "float", default=default, min=0, doc=f"learning rate (default {default})")


OPTIMIZERS = (
    Named("sgd", "plain stochastic gradient descent; default lr 0.01", aliases=("gradient_descent",),
          options=(lr(0.01),), impl={"keras": k.sgd, "tf1": t.sgd},
          code={"tf1": t.optimizer_code("GradientDescentOptimizer")}, keras=(KerasForm("SGD", fixed={"momentum": 0.0}),)),
    Named(
        "momentum",
        "SGD with momentum; default lr 0.01",
        options=(
            lr(0.01),
            Param("momentum", "fraction", default=0.9, doc="momentum coefficient"),
            Param("nesterov", "bool", default=False, doc="Nesterov momentum"),
        ),
        impl={"keras": k.sgd, "tf1": t.momentum},
        code={"tf1": t.optimizer_code("MomentumOptimizer", momentum="momentum", use_nesterov="nesterov")},
        keras=(KerasForm("SGD", options={"momentum": "momentum", "nesterov": "nesterov"}),),
    ),
    Named("adagrad", "Adagrad; default lr 0.01", options=(lr(0.01),), impl={"keras": k.adagrad, "tf1": t.adagrad},
          code={"tf1": t.optimizer_code("AdagradOptimizer")}, keras=(KerasForm("Adagrad"),)),
    Named("rmsprop", "RMSprop; default lr 0.001", options=(lr(0.001), Param("rho", "fraction", default=0.9)),
          impl={"keras": k.rmsprop, "tf1": t.rmsprop}, code={"tf1": t.optimizer_code("RMSPropOptimizer", decay="rho")},
          keras=(KerasForm("RMSprop", options={"rho": "rho"}),)),
    Named(
        "adam",
        "Adam; default lr 0.001",
        options=(lr(0.001), Param("beta1", "fraction", default=0.9), Param("beta2", "fraction", default=0.999)),
        impl={"keras": k.adam, "tf1": t.adam},
        code={"tf1": t.optimizer_code("AdamOptimizer", beta1="beta1", beta2="beta2")},
        keras=(KerasForm("Adam", options={"beta_1": "beta1", "beta_2": "beta2"}),),
    ),
)

# Keras trains with its own loss classes, as `fit` does; tf1 and evaluation use nnspec's ops
LOSSES = (
    Loss("categorical_crossentropy", "cross-entropy against one-hot labels", aliases=("cce",),
         task="multiclass", labels="onehot", logits="softmax",
         impl={"keras": "CategoricalCrossentropy", "tf1": o.categorical_crossentropy},
         code={"tf1": Code(t.categorical_crossentropy_code)},
         keras=("CategoricalCrossentropy", "categorical_crossentropy")),
    Loss("sparse_categorical_crossentropy", "cross-entropy against integer labels", aliases=("scce",),
         task="multiclass", labels="index", logits="softmax",
         impl={"keras": "SparseCategoricalCrossentropy", "tf1": o.sparse_categorical_crossentropy},
         code={"tf1": Code(t.sparse_categorical_crossentropy_code)},
         keras=("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy")),
    Loss("binary_crossentropy", "cross-entropy of one 0/1 output", aliases=("bce",),
         task="binary", logits="sigmoid",
         impl={"keras": "BinaryCrossentropy", "tf1": o.binary_crossentropy},
         code={"tf1": Code(t.binary_crossentropy_code)}, keras=("BinaryCrossentropy", "binary_crossentropy")),
    Loss("mse", "mean squared error", aliases=("mean_squared_error",), task="regression",
         impl={"keras": "MeanSquaredError", "tf1": o.mean_squared_error}, code={"tf1": "tf.square({y} - {output})"},
         keras=("MeanSquaredError", "mse", "mean_squared_error")),
    Loss("mae", "mean absolute error", aliases=("mean_absolute_error",), task="regression",
         impl={"keras": "MeanAbsoluteError", "tf1": o.mean_absolute_error}, code={"tf1": "tf.abs({y} - {output})"},
         keras=("MeanAbsoluteError", "mae", "mean_absolute_error")),
)

# the same TensorFlow ops serve both backends: a metric means one thing whichever trains
METRICS = (
    Named("accuracy", "fraction of samples classified right", aliases=("acc",),
          impl={"keras": o.accuracy, "tf1": o.accuracy},
          code={"keras": Code(k.accuracy_code), "tf1": Code(t.accuracy_code)}, keras=("accuracy", "acc")),
    Named("mae", "mean absolute error", aliases=("mean_absolute_error",),
          impl={"keras": o.mean_absolute_error, "tf1": o.mean_absolute_error},
          code={"tf1": "tf.reduce_mean(tf.abs({y} - {output}))"}, keras=("mae", "mean_absolute_error")),
    Named("mse", "mean squared error", aliases=("mean_squared_error",),
          impl={"keras": o.mean_squared_error, "tf1": o.mean_squared_error},
          code={"tf1": "tf.reduce_mean(tf.square({y} - {output}))"}, keras=("mse", "mean_squared_error")),
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
