"""The core names: activations, initializers, optimizers, losses, metrics."""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..types import Named, Param

ACTIVATIONS = (
    Named("relu", "max(x, 0)"),
    Named("sigmoid", "1 / (1 + exp(-x))"),
    Named("tanh", "hyperbolic tangent"),
    Named("softmax", "normalised exponentials over the last axis"),
    Named("linear", "identity (the layer outputs logits)", aliases=("identity", "none")),
    Named("elu", "exponential linear unit"),
    Named("selu", "scaled exponential linear unit"),
    Named("leaky_relu", "max(x, 0.2 x) as Keras defines it", aliases=("leakyrelu",)),
    Named("gelu", "Gaussian error linear unit"),
    Named("swish", "x * sigmoid(x)", aliases=("silu",)),
)

INITIALIZERS = (
    Named("xavier_uniform", "Glorot uniform, as TF1's xavier_initializer", aliases=("xavier", "glorot_uniform", "glorot")),
    Named("xavier_normal", "Glorot normal (truncated)", aliases=("glorot_normal",)),
    Named("he_normal", "He normal (truncated), for relu layers", aliases=("he",)),
    Named("he_uniform", "He uniform"),
    Named("lecun_normal", "LeCun normal (truncated), for selu layers"),
    Named("lecun_uniform", "LeCun uniform"),
    Named("zeros", "all zeros", aliases=("zero",)),
    Named("ones", "all ones", aliases=("one",)),
    Named("normal", "standard normal, mean 0 stddev 1, as tf.random_normal", aliases=("random_normal",)),
    Named("uniform", "uniform in [-0.05, 0.05], as Keras' RandomUniform", aliases=("random_uniform",)),
    Named("truncated_normal", "normal with stddev 0.05 cut at two deviations"),
)

OPTIMIZERS = (
    Named("sgd", "plain stochastic gradient descent; default lr 0.01", aliases=("gradient_descent",)),
    Named(
        "momentum",
        "SGD with momentum; default lr 0.01",
        options=(
            Param("momentum", "fraction", default=0.9, doc="momentum coefficient"),
            Param("nesterov", "bool", default=False, doc="Nesterov momentum"),
        ),
    ),
    Named("adagrad", "Adagrad; default lr 0.01"),
    Named("rmsprop", "RMSprop; default lr 0.001", options=(Param("rho", "fraction", default=0.9),)),
    Named(
        "adam",
        "Adam; default lr 0.001",
        options=(
            Param("beta1", "fraction", default=0.9),
            Param("beta2", "fraction", default=0.999),
        ),
    ),
)

DEFAULT_LR = {"sgd": 0.01, "momentum": 0.01, "adagrad": 0.01, "rmsprop": 0.001, "adam": 0.001}

LOSSES = (
    Named("categorical_crossentropy", "cross-entropy against one-hot labels", aliases=("cce",)),
    Named("sparse_categorical_crossentropy", "cross-entropy against integer labels", aliases=("scce",)),
    Named("binary_crossentropy", "cross-entropy of one 0/1 output", aliases=("bce",)),
    Named("mse", "mean squared error", aliases=("mean_squared_error",)),
    Named("mae", "mean absolute error", aliases=("mean_absolute_error",)),
)

METRICS = (
    Named("accuracy", "fraction of samples classified right", aliases=("acc",)),
    Named("mae", "mean absolute error", aliases=("mean_absolute_error",)),
    Named("mse", "mean squared error", aliases=("mean_squared_error",)),
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
