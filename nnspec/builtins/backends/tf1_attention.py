"""`layernorm`, `attention` and `positions` on the tf1 backend: tf.compat.v1 variables and ops, and script lines.

As tf1_layers.py: `build_<kind>(x, layer, ctx)` gives the output tensor, `code_<kind>(x,
layer, graph)` writes the same in a script. The variables are named as Keras names the
weights (`attention_1/query/kernel`, `layernorm_1/gamma`, `positions_1/embeddings`) and
made in Keras' order, so that a tf1 checkpoint loads into the Keras model. Attention
computes what Keras' MultiHeadAttention does: per-head projections, scaled dot
products, a softmax over the steps (dropout on its weights while training), the heads
projected back to the features. Its kernels are drawn as Keras draws them, Glorot
uniform with a projection's fans (the features and heads x key), not those TF1 gives a
3-d shape. TensorFlow is imported inside each builder.
"""

from __future__ import annotations

import math

from ...types import LayerBuilder, ResolvedLayer

# query, key and value projections, then back: the einsum equations of Keras' MultiHeadAttention
PROJECT, BACK = "btf,fhk->bthk", "bthk,hkf->btf"
SCORES, COMBINE = "bshk,bthk->bhts", "bhts,bshk->bthk"  # s: the attended step, t: the attending one
PROJECTIONS = ("query", "key", "value")
V1 = "tf.compat.v1"


def build_layernorm(x, layer: ResolvedLayer, ctx):
    import tensorflow as tf

    features = [layer.input_shape[-1]]
    gamma = ctx.variable("gamma", features, "ones")
    beta = ctx.variable("beta", features, "zeros")
    mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
    scale = tf.math.rsqrt(variance + layer.args["epsilon"]) * gamma
    return x * scale + (beta - mean * scale)


def _glorot_limit(features: int, heads: int, size: int) -> float:
    """Keras' Glorot limit for its projections: fans are the features and heads x key (not a 3-d conv's)."""
    return math.sqrt(6.0 / (features + heads * size))


def build_attention(x, layer: ResolvedLayer, ctx):
    import tensorflow as tf

    v1 = tf.compat.v1
    a = layer.args
    features, heads, size = layer.input_shape[-1], a["heads"], a["key"]
    limit = _glorot_limit(features, heads, size)

    def kernel(shape):
        return v1.get_variable("kernel", shape, tf.float32, ctx.spread_initializer("uniform", limit, ctx.seed()))

    projected = {}
    for name in PROJECTIONS:
        with v1.variable_scope(name):
            projected[name] = tf.einsum(PROJECT, x, kernel([features, heads, size])) + ctx.variable(
                "bias", [heads, size], "zeros")
    scores = tf.einsum(SCORES, projected["key"], projected["query"] * (1.0 / math.sqrt(size)))
    weights = tf.nn.softmax(scores, axis=-1)
    if a["dropout"]:
        weights = tf.nn.dropout(weights, rate=1.0 - ctx.keep_prob(a["dropout"]), seed=ctx.seed())
    combined = tf.einsum(COMBINE, weights, projected["value"])
    with v1.variable_scope("attention_output"):
        return tf.einsum(BACK, combined, kernel([heads, size, features])) + ctx.variable("bias", [features], "zeros")


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
    limit = _glorot_limit(features, heads, size)

    def kernel(name: str, shape: list) -> str:  # drawn as build_attention draws it
        graph.line(f"{name} = {V1}.get_variable(\"{name}\", {shape}, "
                   f"initializer={V1}.random_uniform_initializer(-{limit!r}, {limit!r}))")
        return name

    for name, letter in zip(PROJECTIONS, "qkv"):
        weights = kernel(f"W{letter}{n}", [features, heads, size])
        bias = graph.variable(f"b{letter}{n}", [heads, size], "zeros")
        graph.line(f"{letter}{n} = tf.einsum(\"{PROJECT}\", {x}, {weights}) + {bias}  # the {name} of each step, per head")
    graph.line(f"scores{n} = tf.einsum(\"{SCORES}\", k{n}, q{n} * {1.0 / math.sqrt(size)!r})")
    graph.line(f"weights{n} = tf.nn.softmax(scores{n}, axis=-1)")
    if a["dropout"]:
        graph.line(f"weights{n} = tf.nn.dropout(weights{n}, rate=1.0 - {graph.keep_prob(float(a['dropout']))})")
    graph.line(f"heads{n} = tf.einsum(\"{COMBINE}\", weights{n}, v{n})")
    weights = kernel(f"Wo{n}", [heads, size, features])
    bias = graph.variable(f"bo{n}", [features], "zeros")
    graph.line(f"L{n} = tf.einsum(\"{BACK}\", heads{n}, {weights}) + {bias}")
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
