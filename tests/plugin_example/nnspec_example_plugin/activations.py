"""`mish` (x * tanh(softplus(x))) and the initializer `narrow_glorot`, one implementation per built-in backend.

A plugin's name is unknown to the backends and to the code generators, so its `Named`
says everything: `impl` (what each backend calls), `code` (how `nnspec code` writes it)
and `keras` (how a Keras config names it, for `nnspec import`). mish's keras impl is a
reference to a function registered as serializable in keras_objects.py, so a saved
model.keras that uses it loads in a fresh process.
"""

from nnspec.forms import Code, KerasForm
from nnspec.types import Named


def mish_tf1(x):
    """Mish in a TF1 graph."""
    import tensorflow as tf

    return x * tf.tanh(tf.nn.softplus(x))


MISH = Named(
    "mish",
    "x * tanh(softplus(x)), a smooth relu (Misra 2019)",
    impl={"keras": "nnspec_example_plugin.keras_objects:mish", "tf1": mish_tf1},
    code={
        "keras": Code("mish", imports=("from nnspec_example_plugin.keras_objects import mish",)),
        "tf1": "{x} * tf.tanh(tf.nn.softplus({x}))",
    },
    keras=("nnspec_example>mish",),  # the name Keras' config gives the registered function
)

NARROW = ("VarianceScaling", {"scale": 0.5, "mode": "fan_avg", "distribution": "truncated_normal"})


def narrow_keras(seed):
    import keras

    return keras.initializers.VarianceScaling(**NARROW[1], seed=seed)


def narrow_tf1(seed):
    import tensorflow as tf

    return tf.compat.v1.variance_scaling_initializer(0.5, "fan_avg", "truncated_normal", seed=seed)


NARROW_GLOROT = Named(
    "narrow_glorot",
    "Glorot's truncated normal with half its variance",
    impl={"keras": narrow_keras, "tf1": narrow_tf1},
    code={"tf1": 'tf.compat.v1.variance_scaling_initializer(0.5, "fan_avg", "truncated_normal")'},
    keras=(KerasForm(NARROW[0], fixed=NARROW[1]),),  # the keras script writes keras.initializers.VarianceScaling(...)
)
