"""How the tf1 backend builds each core layer kind: tf.compat.v1 ops on the incoming tensor.

Each builder takes the incoming tensor, the resolved layer and the build context
(tf1.TF1Context: weights with the spec's initializers, keep probabilities, the
training flag) and returns the layer's output. TensorFlow is imported inside each.
"""

from __future__ import annotations

import math

from ...types import ResolvedLayer
from .common import BuildContext



def _activate(x, name: str | None, ctx: BuildContext):
    fn = ctx.activation(name)
    return x if fn is None else fn(x)


def build_dense(x, layer: ResolvedLayer, ctx: BuildContext):
    import tensorflow as tf

    a = layer.args
    out = tf.matmul(x, ctx.weights("kernel", [layer.input_shape[0], a["units"]]))
    if a["bias"] != "none":
        out = out + ctx.weights("bias", [a["units"]])
    return _activate(out, a["activation"], ctx)


def build_dropout(x, layer: ResolvedLayer, ctx: BuildContext):
    import tensorflow as tf

    keep_prob = ctx.keep_prob(layer.args["rate"])
    return tf.nn.dropout(x, rate=1.0 - keep_prob, seed=ctx.seed())


def build_flatten(x, layer: ResolvedLayer, ctx: BuildContext):
    import tensorflow as tf

    return tf.reshape(x, [-1, math.prod(layer.output_shape)])


def build_batchnorm(x, layer: ResolvedLayer, ctx: BuildContext):
    import tensorflow as tf

    a = layer.args
    channels = layer.input_shape[-1]
    gamma = ctx.variable("gamma", [channels], "ones")
    beta = ctx.variable("beta", [channels], "zeros")
    moving_mean = ctx.variable("moving_mean", [channels], "zeros", trainable=False)
    moving_variance = ctx.variable("moving_variance", [channels], "ones", trainable=False)
    axes = list(range(len(layer.input_shape)))  # every axis but the channels (batch included)
    momentum = a["momentum"]

    def batch_statistics():
        mean, variance = tf.nn.moments(x, axes)
        updates = [
            moving_mean.assign(moving_mean * momentum + mean * (1.0 - momentum)),
            moving_variance.assign(moving_variance * momentum + variance * (1.0 - momentum)),
        ]
        with tf.control_dependencies(updates):
            return tf.identity(mean), tf.identity(variance)

    def moving_statistics():
        return tf.identity(moving_mean), tf.identity(moving_variance)

    mean, variance = tf.cond(ctx.training, batch_statistics, moving_statistics)
    return tf.nn.batch_normalization(x, mean, variance, beta, gamma, a["epsilon"])


def build_conv2d(x, layer: ResolvedLayer, ctx: BuildContext):
    import tensorflow as tf

    a = layer.args
    kernel_h, kernel_w = a["kernel"]
    weights = ctx.weights("kernel", [kernel_h, kernel_w, layer.input_shape[-1], a["filters"]])
    stride_h, stride_w = a["stride"]
    out = tf.nn.conv2d(x, weights, strides=[1, stride_h, stride_w, 1], padding=a["padding"].upper())
    if a["bias"] != "none":
        out = out + ctx.weights("bias", [a["filters"]])
    return _activate(out, a["activation"], ctx)


def build_maxpool(x, layer: ResolvedLayer, ctx: BuildContext):
    import tensorflow as tf

    a = layer.args
    return tf.nn.max_pool2d(
        x, ksize=[1, *a["pool"], 1], strides=[1, *a["stride"], 1], padding=a["padding"].upper()
    )


def build_embedding(x, layer: ResolvedLayer, ctx: BuildContext):
    import tensorflow as tf

    a = layer.args
    table = ctx.variable("embeddings", [a["vocab"], a["dim"]], "uniform")
    return tf.nn.embedding_lookup(table, tf.cast(x, tf.int32))


def build_activation(x, layer: ResolvedLayer, ctx: BuildContext):
    return _activate(x, layer.args["activation"], ctx)


BUILDERS = {
    "dense": build_dense,
    "dropout": build_dropout,
    "flatten": build_flatten,
    "batchnorm": build_batchnorm,
    "conv2d": build_conv2d,
    "maxpool": build_maxpool,
    "embedding": build_embedding,
    "activation": build_activation,
}
