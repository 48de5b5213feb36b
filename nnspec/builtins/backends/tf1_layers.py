"""The core layer kinds on the tf1 backend: how each is built from tf.compat.v1 ops, and written in a script.

Each kind has two functions, registered together as its `LayerBuilder("tf1", ...)`:

- `build_<kind>(x, layer, ctx)`: the layer's output tensor from the incoming one (tf1.py's
  contract: weights with the spec's initializers, keep probabilities, the training flag);
- `code_<kind>(x, layer, graph)`: the same as lines of the script `nnspec code` writes,
  where `x` is the name of the incoming tensor; it returns the name of the output
  (`graph.line(text)`, `graph.variable(name, shape, init)`, `graph.keep_prob(rate)`,
  `graph.use_training()`, `graph.activate(expression, activation, name)`; the export's
  code_tf1.py documents them).

TensorFlow is imported inside each builder.
"""

from __future__ import annotations

import math

from ...types import LayerBuilder, ResolvedLayer
from .common import BuildContext



def _activate(x, name: str | None, ctx: BuildContext):
    fn = ctx.activation(name)
    return x if fn is None else fn(x)


def build_dense(x, layer: ResolvedLayer, ctx: BuildContext):
    import tensorflow as tf

    a = layer.args
    out = tf.matmul(x, ctx.weights("kernel", [layer.input_shape[-1], a["units"]]))
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


def build_embedding(x, layer: ResolvedLayer, ctx: BuildContext):
    import tensorflow as tf

    a = layer.args
    table = ctx.variable("embeddings", [a["vocab"], a["dim"]], "uniform")
    return tf.nn.embedding_lookup(table, tf.cast(x, tf.int32))


def build_activation(x, layer: ResolvedLayer, ctx: BuildContext):
    return _activate(x, layer.args["activation"], ctx)


# ------------------------------------------------------------------ the same in a generated script


def _n(layer: ResolvedLayer) -> int:
    return layer.index + 1


def code_dense(x: str, layer: ResolvedLayer, graph) -> str:
    a, n = layer.args, _n(layer)
    w = graph.variable(f"W{n}", [layer.input_shape[-1], a["units"]], a["init"])
    expression = f"tf.matmul({x}, {w})"
    if a["bias"] != "none":
        expression += f" + {graph.variable(f'b{n}', [a['units']], a['bias'])}"
    return graph.activate(expression, a["activation"], f"L{n}")


def code_conv2d(x: str, layer: ResolvedLayer, graph) -> str:
    a, n = layer.args, _n(layer)
    w = graph.variable(f"W{n}", [*a["kernel"], layer.input_shape[-1], a["filters"]], a["init"])
    strides = f"[1, {a['stride'][0]}, {a['stride'][1]}, 1]"
    expression = f"tf.nn.conv2d({x}, {w}, strides={strides}, padding=\"{a['padding'].upper()}\")"
    if a["bias"] != "none":
        expression += f" + {graph.variable(f'b{n}', [a['filters']], a['bias'])}"
    return graph.activate(expression, a["activation"], f"L{n}")


def code_flatten(x: str, layer: ResolvedLayer, graph) -> str:
    out = f"L{_n(layer)}"
    graph.line(f"{out} = tf.reshape({x}, [-1, {layer.output_shape[0]}])")
    return out


def code_dropout(x: str, layer: ResolvedLayer, graph) -> str:
    out = f"L{_n(layer)}"
    graph.line(f"{out} = tf.nn.dropout({x}, rate=1.0 - {graph.keep_prob(float(layer.args['rate']))})")
    return out


def code_activation(x: str, layer: ResolvedLayer, graph) -> str:
    return graph.activate(x, layer.args["activation"], f"L{_n(layer)}")


def code_embedding(x: str, layer: ResolvedLayer, graph) -> str:
    a, n = layer.args, _n(layer)
    table = graph.variable(f"E{n}", [a["vocab"], a["dim"]], "uniform")
    graph.line(f"L{n} = tf.nn.embedding_lookup({table}, {x})")
    return f"L{n}"


def code_batchnorm(x: str, layer: ResolvedLayer, graph) -> str:
    """Batch statistics while training (updating the moving ones), moving statistics otherwise."""
    training = graph.use_training()
    n, a, out = _n(layer), layer.args, f"L{_n(layer)}"
    channels = [layer.input_shape[-1]]
    gamma = graph.variable(f"gamma{n}", channels, "ones")
    beta = graph.variable(f"beta{n}", channels, "zeros")
    mean = graph.variable(f"moving_mean{n}", channels, "zeros", trainable=False)
    variance = graph.variable(f"moving_variance{n}", channels, "ones", trainable=False)
    axes = list(range(len(layer.input_shape)))
    m, v1 = a["momentum"], "tf.compat.v1"
    for line in (
        f"batch_mean{n}, batch_variance{n} = tf.nn.moments({x}, axes={axes})",
        f"update_mean{n} = {v1}.assign({mean}, {mean} * {m!r} + batch_mean{n} * {1 - m:.6g})",
        f"update_variance{n} = {v1}.assign({variance}, {variance} * {m!r} + batch_variance{n} * {1 - m:.6g})",
        f"{v1}.add_to_collection({v1}.GraphKeys.UPDATE_OPS, update_mean{n})",
        f"{v1}.add_to_collection({v1}.GraphKeys.UPDATE_OPS, update_variance{n})",
        f"mean{n}, variance{n} = tf.cond({training}, lambda: (batch_mean{n}, batch_variance{n}),",
        f"                             lambda: (tf.identity({mean}), tf.identity({variance})))",
        f"{out} = tf.nn.batch_normalization({x}, mean{n}, variance{n}, {beta}, {gamma}, {a['epsilon']!r})",
    ):
        graph.line(line)
    return out


def _builder(kind: str) -> LayerBuilder:
    found = globals()
    return LayerBuilder("tf1", kind, found[f"build_{kind}"], code=found[f"code_{kind}"])


LAYER_BUILDERS = tuple(_builder(kind) for kind in (
    "dense", "dropout", "flatten", "batchnorm", "conv2d", "embedding", "activation"))
