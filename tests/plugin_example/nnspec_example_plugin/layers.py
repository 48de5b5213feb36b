"""`gaussian_noise STDDEV`: zero-mean Gaussian noise added while training only.

The kind declares its argument and its shape rule (none: the shape is unchanged and
the layer has no weights, the LayerKind defaults); the builders say how each
built-in backend makes it.
"""

from nnspec.types import LayerBuilder, LayerKind, Param

GAUSSIAN_NOISE = LayerKind(
    "gaussian_noise",
    positional=(Param("stddev", "float", min=0, doc="standard deviation of the noise"),),
    doc="adds zero-mean Gaussian noise while training; passes the input through when evaluating",
    aliases=("noise",),
    keeps_activation=True,  # noise after a sigmoid still leaves a probability when evaluating
)


def build_keras(layer, ctx):
    """A Keras layer: keras.layers.GaussianNoise is active only while training."""
    import keras

    return keras.layers.GaussianNoise(layer.args["stddev"], seed=ctx.seed(), name=layer.name)


def build_tf1(x, layer, ctx):
    """The TF1 graph: noise only when the `training` placeholder is fed true."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    stddev = layer.args["stddev"]
    seed = ctx.seed()

    def noisy():
        return x + tf1.random_normal(tf.shape(x), stddev=stddev, dtype=x.dtype, seed=seed)

    return tf1.cond(ctx.training, noisy, lambda: tf.identity(x))


LAYER_BUILDERS = (
    LayerBuilder(backend="keras", kind="gaussian_noise", build=build_keras),
    LayerBuilder(backend="tf1", kind="gaussian_noise", build=build_tf1),
)
