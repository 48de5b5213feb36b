"""`mish`: x * tanh(softplus(x)), with one implementation per built-in backend.

A plugin activation is unknown to the backends, so `Named.impl` maps each backend's
name to a function from a tensor to a tensor.
"""

from nnspec.types import Named


def mish_keras(x):
    """Mish with Keras operations (any Keras backend)."""
    from keras import ops

    return x * ops.tanh(ops.softplus(x))


def mish_tf1(x):
    """Mish in a TF1 graph."""
    import tensorflow as tf

    return x * tf.tanh(tf.nn.softplus(x))


MISH = Named(
    "mish",
    "x * tanh(softplus(x)), a smooth relu (Misra 2019)",
    impl={"keras": mish_keras, "tf1": mish_tf1},
)
