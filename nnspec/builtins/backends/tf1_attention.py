"""`layernorm`, `attention` and `positions` on the tf1 backend: tf.compat.v1 variables and ops, and script lines.

As tf1_layers.py: `build_<kind>(x, layer, ctx)` gives the output tensor, `code_<kind>(x,
layer, graph)` writes the same in a script. The variables are named as Keras names the
weights (`attention_1/query/kernel`, `layernorm_1/gamma`, `positions_1/embeddings`) and
made in Keras' order, so that a tf1 checkpoint loads into the Keras model. Attention
computes what Keras' MultiHeadAttention does: per-head projections, scaled dot
products, a softmax over the steps (dropout on its weights while training), the heads
projected back to the features. TensorFlow is imported inside each builder.
"""

from __future__ import annotations

import math

from ...types import LayerBuilder, ResolvedLayer

# query, key and value projections, then back: the einsum equations of Keras' MultiHeadAttention
PROJECT, BACK = "btf,fhk->bthk", "bthk,hkf->btf"
SCORES, COMBINE = "bshk,bthk->bhts", "bhts,bshk->bthk"  # s: the attended step, t: the attending one
PROJECTIONS = ("query", "key", "value")


def build_layernorm(x, layer: ResolvedLayer, ctx):
    import tensorflow as tf

    features = [layer.input_shape[-1]]
    gamma = ctx.variable("gamma", features, "ones")
    beta = ctx.variable("beta", features, "zeros")
    mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
    scale = tf.math.rsqrt(variance + layer.args["epsilon"]) * gamma
    return x * scale + (beta - mean * scale)


def build_attention(x, layer: ResolvedLayer, ctx):
    import tensorflow as tf

    v1 = tf.compat.v1
    a = layer.args
    features, heads, size = layer.input_shape[-1], a["heads"], a["key"]
    projected = {}
    for name in PROJECTIONS:
        with v1.variable_scope(name):
            kernel = ctx.variable("kernel", [features, heads, size])
            projected[name] = tf.einsum(PROJECT, x, kernel) + ctx.variable("bias", [heads, size], "zeros")
    scores = tf.einsum(SCORES, projected["key"], projected["query"] * (1.0 / math.sqrt(size)))
    weights = tf.nn.softmax(scores, axis=-1)
    if a["dropout"]:
        weights = tf.nn.dropout(weights, rate=1.0 - ctx.keep_prob(a["dropout"]), seed=ctx.seed())
    combined = tf.einsum(COMBINE, weights, projected["value"])
    with v1.variable_scope("attention_output"):
        kernel = ctx.variable("kernel", [heads, size, features])
        return tf.einsum(BACK, combined, kernel) + ctx.variable("bias", [features], "zeros")


def build_positions(x, layer: ResolvedLayer, ctx):
    return x + ctx.variable("embeddings", list(layer.input_shape), "uniform")


# ------------------------------------------------------------------ the same in a generated script


def code_layernorm(x: str, layer: ResolvedLayer, graph) -> str:
    n, features = layer.index + 1, [layer.input_shape[-1]]
    gamma = graph.variable(f"gamma{n}", features, "ones")
    beta = graph.variable(f"beta{n}", features, "zeros")
    graph.line(f"mean{n}, variance{n} = tf.nn.moments({x}, axes=[-1], keepdims=True)")
    graph.line(f"scale{n} = tf.math.rsqrt(variance{n} + {layer.args['epsilon']!r}) * {gamma}")
    graph.line(f"L{n} = {x} * scale{n} + ({beta} - mean{n} * scale{n})")
    return f"L{n}"


def code_attention(x: str, layer: ResolvedLayer, graph) -> str:
    a, n = layer.args, layer.index + 1
    features, heads, size = layer.input_shape[-1], a["heads"], a["key"]
    for name, letter in zip(PROJECTIONS, "qkv"):
        kernel = graph.variable(f"W{letter}{n}", [features, heads, size], "xavier_uniform")
        bias = graph.variable(f"b{letter}{n}", [heads, size], "zeros")
        graph.line(f"{letter}{n} = tf.einsum(\"{PROJECT}\", {x}, {kernel}) + {bias}  # the {name} of each step, per head")
    graph.line(f"scores{n} = tf.einsum(\"{SCORES}\", k{n}, q{n} * {1.0 / math.sqrt(size)!r})")
    graph.line(f"weights{n} = tf.nn.softmax(scores{n}, axis=-1)")
    if a["dropout"]:
        graph.line(f"weights{n} = tf.nn.dropout(weights{n}, rate=1.0 - {graph.keep_prob(float(a['dropout']))})")
    graph.line(f"heads{n} = tf.einsum(\"{COMBINE}\", weights{n}, v{n})")
    kernel = graph.variable(f"Wo{n}", [heads, size, features], "xavier_uniform")
    bias = graph.variable(f"bo{n}", [features], "zeros")
    graph.line(f"L{n} = tf.einsum(\"{BACK}\", heads{n}, {kernel}) + {bias}")
    return f"L{n}"


def code_positions(x: str, layer: ResolvedLayer, graph) -> str:
    n = layer.index + 1
    table = graph.variable(f"P{n}", list(layer.input_shape), "uniform")
    graph.line(f"L{n} = {x} + {table}  # a learned vector per position")
    return f"L{n}"


LAYER_BUILDERS = tuple(
    LayerBuilder("tf1", kind, globals()[f"build_{kind}"], code=globals()[f"code_{kind}"])
    for kind in ("layernorm", "attention", "positions")
)
