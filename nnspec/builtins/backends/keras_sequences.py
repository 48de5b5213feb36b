"""The sequence layer kinds on the keras backend: `rnn`, `lstm`, `gru` (and `bidirectional=true`), `conv1d`, `reshape`.

Each kind has a builder, its code in `nnspec code`'s script and its reading by `nnspec
import`, as in keras_layers.py. A recurrent layer is Keras' SimpleRNN, LSTM or GRU with
Keras' defaults (Glorot kernel, orthogonal recurrent kernel, zero bias, LSTM's forget
bias one, GRU's reset_after); `bidirectional=true` wraps it in Bidirectional with a
backward layer of its own seeds, joined by concatenation. Keras is imported inside the
builders only.
"""

from __future__ import annotations

from ...types import LayerBuilder, ResolvedLayer
from .keras_layers import _bias, _read_weights, _written_activation, _written_weights

CLASSES = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
# what nnspec's recurrent layers always are; a Keras config with other settings cannot be a spec
FIXED = {"use_bias": True, "go_backwards": False, "stateful": False, "dropout": 0.0, "recurrent_dropout": 0.0}
FIXED_BY_KIND = {"lstm": {"recurrent_activation": "sigmoid", "unit_forget_bias": True},
                 "gru": {"recurrent_activation": "sigmoid", "reset_after": True}, "rnn": {}}
UNUSED_OPTIONS = ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                  "kernel_constraint", "recurrent_constraint", "bias_constraint")
INITIALIZERS = {"kernel_initializer": "xavier_uniform", "recurrent_initializer": "orthogonal", "bias_initializer": "zeros"}


def _cell(layer: ResolvedLayer, ctx, backwards: bool = False):
    from keras import layers

    a = layer.args
    name = f"{'backward' if backwards else 'forward'}_{layer.name}" if a["bidirectional"] else layer.name
    return getattr(layers, CLASSES[layer.kind])(
        a["units"], activation=ctx.activation(a["activation"]), return_sequences=a["return_sequences"],
        kernel_initializer=ctx.initializer("xavier_uniform"), recurrent_initializer=ctx.initializer("orthogonal"),
        go_backwards=backwards, name=name)


def build_recurrent(layer: ResolvedLayer, ctx):
    from keras import layers

    if not layer.args["bidirectional"]:
        return _cell(layer, ctx)
    return layers.Bidirectional(_cell(layer, ctx), backward_layer=_cell(layer, ctx, backwards=True),
                                merge_mode="concat", name=layer.name)


def code_recurrent(layer: ResolvedLayer, script) -> str:
    a = layer.args
    activation = "" if a["activation"] == "tanh" else _written_activation(a["activation"], script)
    sequences = ", return_sequences=True" if a["return_sequences"] else ""
    text = f"keras.layers.{CLASSES[layer.kind]}({a['units']}{activation}{sequences})"
    return f"keras.layers.Bidirectional({text})" if a["bidirectional"] else text


def _read_cell(kind: str, config, reader) -> dict:
    reader.require(config, **FIXED, **FIXED_BY_KIND[kind])
    for option in UNUSED_OPTIONS:
        if config.get(option) is not None:
            raise reader.fail(f"has a {option}, which nnspec cannot express")
    for key, name in INITIALIZERS.items():
        found = reader.initializer(config.get(key))
        if found not in (None, name):
            raise reader.fail(f"has {key} {found}; nnspec's {kind} uses Keras' default, {name}")
    return {"units": config["units"], "activation": reader.activation(config) or "linear",
            "return_sequences": bool(config.get("return_sequences", False)), "bidirectional": False}


def read_recurrent(kind: str):
    def read(config, reader) -> dict | None:
        if reader.layer_class != "Bidirectional":
            return _read_cell(kind, config, reader)
        inner = config.get("layer") or {}
        if inner.get("class_name") != CLASSES[kind]:
            return None
        reader.require(config, merge_mode="concat")
        args = _read_cell(kind, inner.get("config") or {}, reader)
        backward = (config.get("backward_layer") or {}).get("config")
        if backward is not None:
            back = _read_cell(kind, {**backward, "go_backwards": False}, reader)
            if back != args:
                raise reader.fail("has a backward layer unlike its forward one, which nnspec cannot express")
        return {**args, "bidirectional": True}
    return read


# ------------------------------------------------------------------ conv1d, reshape


def build_conv1d(layer: ResolvedLayer, ctx):
    from keras import layers

    a = layer.args
    return layers.Conv1D(a["filters"], a["kernel"], strides=a["stride"], padding=a["padding"],
                         activation=ctx.activation(a["activation"]), kernel_initializer=ctx.layer_initializer("init"),
                         **_bias(ctx), name=layer.name)


def code_conv1d(layer: ResolvedLayer, script) -> str:
    a = layer.args
    return (f"keras.layers.Conv1D({a['filters']}, {a['kernel']}, strides={a['stride']}, padding=\"{a['padding']}\""
            f"{_written_activation(a['activation'], script)}{_written_weights(a, script)})")


def read_conv1d(config, reader) -> dict:
    reader.require(config, dilation_rate=[1], groups=1, data_format="channels_last")
    kernel, strides = config["kernel_size"], config.get("strides", 1)
    return {"filters": config["filters"], "kernel": kernel[0] if isinstance(kernel, (list, tuple)) else kernel,
            "activation": reader.activation(config),
            "stride": strides[0] if isinstance(strides, (list, tuple)) else strides,
            "padding": config.get("padding", "valid"), **_read_weights(config, reader)}


def build_reshape(layer: ResolvedLayer, ctx):
    from keras import layers

    return layers.Reshape(tuple(layer.args["shape"]), name=layer.name)


def code_reshape(layer: ResolvedLayer, script) -> str:
    return f"keras.layers.Reshape({tuple(layer.args['shape'])!r})"


def read_reshape(config, reader) -> dict:
    return {"shape": tuple(config["target_shape"])}


LAYER_BUILDERS = (
    *(LayerBuilder("keras", kind, build_recurrent, code=code_recurrent, reads=(keras_class, "Bidirectional"),
                   read=read_recurrent(kind)) for kind, keras_class in CLASSES.items()),
    LayerBuilder("keras", "conv1d", build_conv1d, code=code_conv1d, reads=("Conv1D",), read=read_conv1d),
    LayerBuilder("keras", "reshape", build_reshape, code=code_reshape, reads=("Reshape",), read=read_reshape),
)
