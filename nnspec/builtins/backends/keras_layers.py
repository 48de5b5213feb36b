"""How the keras backend builds each core layer kind: a Keras layer for a `ResolvedLayer`.

A builder gets the layer (every argument by name) and the `KerasContext` (keras.py:
seeded initializers, activations by name) and returns a Keras layer. Keras is
imported inside the builders only, so importing this module stays cheap.
"""

from __future__ import annotations

from ...types import ResolvedLayer


def build_dense(layer: ResolvedLayer, ctx):
    from keras import layers

    a = layer.args
    return layers.Dense(
        a["units"],
        activation=ctx.activation(a["activation"]),
        kernel_initializer=ctx.layer_initializer("init"),
        **_bias(ctx),
        name=layer.name,
    )


def _bias(ctx) -> dict:
    """Keras' bias arguments: `bias=none` builds the layer without one."""
    if ctx.layer.args["bias"] == "none":
        return {"use_bias": False}
    return {"bias_initializer": ctx.layer_initializer("bias")}


def build_dropout(layer: ResolvedLayer, ctx):
    from keras import layers

    return layers.Dropout(layer.args["rate"], seed=ctx.seed(), name=layer.name)


def build_flatten(layer: ResolvedLayer, ctx):
    from keras import layers

    return layers.Flatten(name=layer.name)


def build_batchnorm(layer: ResolvedLayer, ctx):
    from keras import layers

    a = layer.args
    return layers.BatchNormalization(momentum=a["momentum"], epsilon=a["epsilon"], name=layer.name)


def build_conv2d(layer: ResolvedLayer, ctx):
    from keras import layers

    a = layer.args
    return layers.Conv2D(
        a["filters"],
        tuple(a["kernel"]),
        strides=tuple(a["stride"]),
        padding=a["padding"],
        activation=ctx.activation(a["activation"]),
        kernel_initializer=ctx.layer_initializer("init"),
        **_bias(ctx),
        name=layer.name,
    )


def build_maxpool(layer: ResolvedLayer, ctx):
    from keras import layers

    a = layer.args
    return layers.MaxPooling2D(tuple(a["pool"]), strides=tuple(a["stride"]), padding=a["padding"], name=layer.name)


def build_embedding(layer: ResolvedLayer, ctx):
    from keras import layers

    a = layer.args
    initializer = ctx.initializer("uniform")  # Keras' own default for embeddings
    return layers.Embedding(a["vocab"], a["dim"], embeddings_initializer=initializer, name=layer.name)


def build_activation(layer: ResolvedLayer, ctx):
    from keras import layers

    return layers.Activation(ctx.activation(layer.args["activation"]), name=layer.name)


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
