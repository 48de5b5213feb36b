"""The core layer kinds on the keras backend: how each is built, written in a script, and read back.

Each kind has three functions, registered together as its `LayerBuilder("keras", ...)`:

- `build_<kind>(layer, ctx)`: a new Keras layer for the `ResolvedLayer` (keras.py's contract);
- `code_<kind>(layer, script)`: the Python expression of that layer in the script
  `nnspec code` writes (`script.activation(name)`, `script.initializer(name)` give how a
  name is written, from its registration; `script.literal(value)` a Python literal);
- `read_<kind>(config, reader)`: the kind's arguments from a Keras layer's config, for
  `nnspec import` (`reader.activation(config)`, `reader.initializer(value)` map Keras'
  names back through the registrations; `reader.require(config, key=value)` refuses
  settings nnspec cannot say).

Keras is imported inside the builders only, so importing this module stays cheap.
"""

from __future__ import annotations

from ...types import LayerBuilder, ResolvedLayer


def _bias(ctx) -> dict:
    """Keras' bias arguments: `bias=none` builds the layer without one."""
    if ctx.layer.args["bias"] == "none":
        return {"use_bias": False}
    return {"bias_initializer": ctx.layer_initializer("bias")}


def _written_weights(args, script) -> str:
    """`, kernel_initializer=...` and the bias's arguments where they differ from Keras' defaults."""
    text = ""
    if args["init"] != "xavier_uniform":  # Keras' default, glorot_uniform
        text += f", kernel_initializer={script.initializer(args['init'])}"
    if args["bias"] == "none":
        text += ", use_bias=False"
    elif args["bias"] != "zeros":
        text += f", bias_initializer={script.initializer(args['bias'])}"
    return text


def _written_activation(name, script) -> str:
    return f", activation={script.activation(name)}" if name else ""


def _read_weights(config, reader) -> dict:
    """`init=` and `bias=` from a Keras layer's initializers (`bias=none` without a bias)."""
    args = {"init": reader.initializer(config.get("kernel_initializer")) or "xavier_uniform"}
    if config.get("use_bias", True) is False:
        args["bias"] = "none"
    else:
        args["bias"] = reader.initializer(config.get("bias_initializer")) or "zeros"
    return args


# ------------------------------------------------------------------ dense


def build_dense(layer: ResolvedLayer, ctx):
    from keras import layers

    a = layer.args
    return layers.Dense(a["units"], activation=ctx.activation(a["activation"]),
                        kernel_initializer=ctx.layer_initializer("init"), **_bias(ctx), name=layer.name)


def code_dense(layer: ResolvedLayer, script) -> str:
    a = layer.args
    return f"keras.layers.Dense({a['units']}{_written_activation(a['activation'], script)}{_written_weights(a, script)})"


def read_dense(config, reader) -> dict:
    return {"units": config["units"], "activation": reader.activation(config), **_read_weights(config, reader)}


# ------------------------------------------------------------------ dropout, flatten, activation


def build_dropout(layer: ResolvedLayer, ctx):
    from keras import layers

    return layers.Dropout(layer.args["rate"], seed=ctx.seed(), name=layer.name)


def code_dropout(layer: ResolvedLayer, script) -> str:
    return f"keras.layers.Dropout({layer.args['rate']!r})"


def read_dropout(config, reader) -> dict:
    return {"rate": config["rate"]}


def build_flatten(layer: ResolvedLayer, ctx):
    from keras import layers

    return layers.Flatten(name=layer.name)


def code_flatten(layer: ResolvedLayer, script) -> str:
    return "keras.layers.Flatten()"


def read_flatten(config, reader) -> dict:
    reader.require(config, data_format="channels_last")
    return {}


def build_activation(layer: ResolvedLayer, ctx):
    from keras import layers

    return layers.Activation(ctx.activation(layer.args["activation"]), name=layer.name)


def code_activation(layer: ResolvedLayer, script) -> str:
    return f"keras.layers.Activation({script.activation(layer.args['activation'])})"


def read_activation(config, reader) -> dict:
    return {"activation": reader.activation(config) or "linear"}


# ------------------------------------------------------------------ batchnorm


def build_batchnorm(layer: ResolvedLayer, ctx):
    from keras import layers

    a = layer.args
    return layers.BatchNormalization(momentum=a["momentum"], epsilon=a["epsilon"], name=layer.name)


def code_batchnorm(layer: ResolvedLayer, script) -> str:
    a = layer.args
    return f"keras.layers.BatchNormalization(momentum={a['momentum']!r}, epsilon={a['epsilon']!r})"


def read_batchnorm(config, reader) -> dict:
    reader.require(config, axis=-1, center=True, scale=True)
    return {"momentum": config.get("momentum", 0.99), "epsilon": config.get("epsilon", 0.001)}


# ------------------------------------------------------------------ conv2d


def build_conv2d(layer: ResolvedLayer, ctx):
    from keras import layers

    a = layer.args
    return layers.Conv2D(a["filters"], tuple(a["kernel"]), strides=tuple(a["stride"]), padding=a["padding"],
                         activation=ctx.activation(a["activation"]), kernel_initializer=ctx.layer_initializer("init"),
                         **_bias(ctx), name=layer.name)


def code_conv2d(layer: ResolvedLayer, script) -> str:
    a = layer.args
    return (
        f"keras.layers.Conv2D({a['filters']}, {tuple(a['kernel'])!r}, strides={tuple(a['stride'])!r}, "
        f"padding=\"{a['padding']}\"{_written_activation(a['activation'], script)}{_written_weights(a, script)})"
    )


def read_conv2d(config, reader) -> dict:
    reader.require(config, dilation_rate=[1, 1], groups=1, data_format="channels_last")
    return {"filters": config["filters"], "kernel": tuple(config["kernel_size"]),
            "activation": reader.activation(config), "stride": tuple(config.get("strides", (1, 1))),
            "padding": config.get("padding", "valid"), **_read_weights(config, reader)}


# ------------------------------------------------------------------ embedding


def build_embedding(layer: ResolvedLayer, ctx):
    from keras import layers

    a = layer.args
    initializer = ctx.initializer("uniform")  # Keras' own default for embeddings
    return layers.Embedding(a["vocab"], a["dim"], embeddings_initializer=initializer, name=layer.name)


def code_embedding(layer: ResolvedLayer, script) -> str:
    return f"keras.layers.Embedding({layer.args['vocab']}, {layer.args['dim']})"


def read_embedding(config, reader) -> dict:
    reader.require(config, mask_zero=False)
    return {"dim": config["output_dim"], "vocab": config["input_dim"]}


def _builder(kind: str, *reads: str) -> LayerBuilder:
    found = globals()
    return LayerBuilder("keras", kind, found[f"build_{kind}"], code=found[f"code_{kind}"], reads=reads,
                        read=found[f"read_{kind}"])


LAYER_BUILDERS = (
    _builder("dense", "Dense"),
    _builder("dropout", "Dropout"),
    _builder("flatten", "Flatten"),
    _builder("batchnorm", "BatchNormalization"),
    _builder("conv2d", "Conv2D"),
    _builder("embedding", "Embedding"),
    _builder("activation", "Activation"),
)
