"""The sequence layer kinds on the tf1 backend: `rnn`, `lstm`, `gru` unrolled with `tf.scan`, `conv1d`, `reshape`.

A recurrent layer is three explicit variables in its scope, named and laid out as
Keras' cell weights (`kernel` features x gates*units, `recurrent_kernel` units x
gates*units, `bias`; gates in Keras' order, LSTM i f c o and GRU z r h with
`reset_after`'s two bias rows), so a tf1 checkpoint loads into the Keras model and
both compute the same function (export/model.py). The input's projection is computed
for every step at once; `tf.scan` runs the cell over the time-major steps from a zero
state. `bidirectional=true` builds a `forward` and a `backward` scope, the backward
one over the reversed steps with its outputs flipped back, as Keras' Bidirectional.
Each builder has its `code_<kind>` writing the same in `nnspec code`'s TF1 script.
TensorFlow is imported inside the builders.
"""

from __future__ import annotations

from ...types import LayerBuilder, ResolvedLayer
from .common import BuildContext

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _bias_shape(kind: str, units: int) -> list[int]:
    return [2, 3 * units] if kind == "gru" else [GATES[kind] * units]


def _forget_bias(units: int):
    """LSTM's bias: ones for the forget gate (Keras' unit_forget_bias), zeros elsewhere."""
    import numpy as np

    return np.concatenate([np.zeros(units), np.ones(units), np.zeros(2 * units)]).astype("float32")


def _step(kind: str, units: int, recurrent, act, recurrent_bias=None):
    """The cell: (state, projected input of one step) -> the next state (LSTM's: h and c)."""
    import tensorflow as tf

    if kind == "lstm":
        def lstm(state, xw):
            h, c = state
            i, f, g, o = tf.split(xw + tf.matmul(h, recurrent), 4, axis=1)
            c = tf.sigmoid(f) * c + tf.sigmoid(i) * act(g)
            return tf.sigmoid(o) * act(c), c
        return lstm
    if kind == "gru":
        def gru(h, xw):
            x_z, x_r, x_h = tf.split(xw, 3, axis=1)
            h_z, h_r, h_h = tf.split(tf.matmul(h, recurrent) + recurrent_bias, 3, axis=1)
            z, r = tf.sigmoid(x_z + h_z), tf.sigmoid(x_r + h_r)
            return z * h + (1.0 - z) * act(x_h + r * h_h)
        return gru
    return lambda h, xw: act(xw + tf.matmul(h, recurrent))


def _direction(x, layer: ResolvedLayer, ctx: BuildContext, backwards: bool):
    import tensorflow as tf

    a, kind = layer.args, layer.kind
    units, features = a["units"], layer.input_shape[-1]
    width = GATES[kind] * units
    kernel = ctx.variable("kernel", [features, width], "xavier_uniform")
    recurrent = ctx.variable("recurrent_kernel", [units, width], "orthogonal")
    if kind == "lstm":
        bias = tf.compat.v1.get_variable("bias", [width], tf.float32,
                                         initializer=tf.compat.v1.constant_initializer(_forget_bias(units)))
    else:
        bias = ctx.variable("bias", _bias_shape(kind, units), "zeros")
    input_bias, recurrent_bias = (bias[0], bias[1]) if kind == "gru" else (bias, None)
    steps = tf.transpose(x, [1, 0, 2])
    if backwards:
        steps = tf.reverse(steps, [0])
    projected = tf.tensordot(steps, kernel, 1) + input_bias
    zeros = tf.zeros(tf.stack([tf.shape(x)[0], units]))
    fn = ctx.activation(a["activation"]) or (lambda t: t)
    step = _step(kind, units, recurrent, fn, recurrent_bias)
    states = tf.scan(step, projected, initializer=(zeros, zeros) if kind == "lstm" else zeros)
    outputs = states[0] if kind == "lstm" else states
    if not a["return_sequences"]:
        return outputs[-1]
    if backwards:
        outputs = tf.reverse(outputs, [0])
    return tf.transpose(outputs, [1, 0, 2])


def build_recurrent(x, layer: ResolvedLayer, ctx: BuildContext):
    import tensorflow as tf

    if not layer.args["bidirectional"]:
        return _direction(x, layer, ctx, backwards=False)
    outputs = []
    for name in ("forward", "backward"):
        with tf.compat.v1.variable_scope(name):
            outputs.append(_direction(x, layer, ctx, backwards=name == "backward"))
    return tf.concat(outputs, axis=-1)


def build_conv1d(x, layer: ResolvedLayer, ctx: BuildContext):
    import tensorflow as tf

    a = layer.args
    weights = ctx.weights("kernel", [a["kernel"], layer.input_shape[-1], a["filters"]])
    out = tf.nn.conv1d(x, weights, stride=a["stride"], padding=a["padding"].upper())
    if a["bias"] != "none":
        out = out + ctx.weights("bias", [a["filters"]])
    fn = ctx.activation(a["activation"])
    return out if fn is None else fn(out)


def build_reshape(x, layer: ResolvedLayer, ctx: BuildContext):
    import tensorflow as tf

    return tf.reshape(x, [-1, *layer.output_shape])


# ------------------------------------------------------------------ the same in a generated script


def _code_direction(x: str, layer: ResolvedLayer, graph, suffix: str, backwards: bool) -> str:
    a, kind, n = layer.args, layer.kind, f"{layer.index + 1}{suffix}"
    units, width = a["units"], GATES[kind] * a["units"]
    w = graph.variable(f"W{n}", [layer.input_shape[-1], width], "xavier_uniform")
    u = graph.variable(f"U{n}", [units, width], "orthogonal")
    if kind == "lstm":
        graph.line(f"forget{n} = np.repeat([0.0, 1.0, 0.0, 0.0], {units})  # the forget gate's bias starts at one")
        graph.line(f"b{n} = tf.compat.v1.get_variable(\"b{n}\", [{width}], "
                   f"initializer=tf.compat.v1.constant_initializer(forget{n}))")
    else:
        graph.variable(f"b{n}", [2, width] if kind == "gru" else [width], "zeros")
    input_bias = f"b{n}[0]" if kind == "gru" else f"b{n}"
    act = (lambda t: graph.activation(a["activation"], t)) if a["activation"] else (lambda t: t)
    graph.line(f"def step{n}(state, xw):  # one step of the {kind} cell")
    if kind == "lstm":
        for line in ("h, c = state", f"i, f, g, o = tf.split(xw + tf.matmul(h, {u}), 4, axis=1)",
                     f"c = tf.sigmoid(f) * c + tf.sigmoid(i) * {act('g')}", f"return tf.sigmoid(o) * {act('c')}, c"):
            graph.line(f"    {line}")
    elif kind == "gru":
        for line in ("x_z, x_r, x_h = tf.split(xw, 3, axis=1)",
                     f"h_z, h_r, h_h = tf.split(tf.matmul(state, {u}) + b{n}[1], 3, axis=1)",
                     "z, r = tf.sigmoid(x_z + h_z), tf.sigmoid(x_r + h_r)",
                     f"return z * state + (1.0 - z) * {act('x_h + r * h_h')}"):
            graph.line(f"    {line}")
    else:
        graph.line(f"    return {act(f'xw + tf.matmul(state, {u})')}")
    steps = f"tf.transpose({x}, [1, 0, 2])"  # time-major: steps x batch x features
    if backwards:
        steps = f"tf.reverse({steps}, [0])"
    graph.line(f"xw{n} = tf.tensordot({steps}, {w}, 1) + {input_bias}")
    graph.line(f"zeros{n} = tf.zeros(tf.stack([tf.shape({x})[0], {units}]))")
    start = f"(zeros{n}, zeros{n})" if kind == "lstm" else f"zeros{n}"
    graph.line(f"H{n} = tf.scan(step{n}, xw{n}, initializer={start})" + ("[0]" if kind == "lstm" else ""))
    if not a["return_sequences"]:
        return f"H{n}[-1]"
    return f"tf.transpose({f'tf.reverse(H{n}, [0])' if backwards else f'H{n}'}, [1, 0, 2])"


def code_recurrent(x: str, layer: ResolvedLayer, graph) -> str:
    out = f"L{layer.index + 1}"
    if layer.args["bidirectional"]:
        forward = _code_direction(x, layer, graph, "f", backwards=False)
        backward = _code_direction(x, layer, graph, "b", backwards=True)
        graph.line(f"{out} = tf.concat([{forward}, {backward}], axis=-1)")
    else:
        graph.line(f"{out} = {_code_direction(x, layer, graph, '', backwards=False)}")
    return out


def code_conv1d(x: str, layer: ResolvedLayer, graph) -> str:
    a, n = layer.args, layer.index + 1
    w = graph.variable(f"W{n}", [a["kernel"], layer.input_shape[-1], a["filters"]], a["init"])
    expression = f"tf.nn.conv1d({x}, {w}, stride={a['stride']}, padding=\"{a['padding'].upper()}\")"
    if a["bias"] != "none":
        expression += f" + {graph.variable(f'b{n}', [a['filters']], a['bias'])}"
    return graph.activate(expression, a["activation"], f"L{n}")


def code_reshape(x: str, layer: ResolvedLayer, graph) -> str:
    out = f"L{layer.index + 1}"
    graph.line(f"{out} = tf.reshape({x}, [-1, {', '.join(map(str, layer.output_shape))}])")
    return out


LAYER_BUILDERS = (
    *(LayerBuilder("tf1", kind, build_recurrent, code=code_recurrent) for kind in GATES),
    LayerBuilder("tf1", "conv1d", build_conv1d, code=code_conv1d),
    LayerBuilder("tf1", "reshape", build_reshape, code=code_reshape),
)
