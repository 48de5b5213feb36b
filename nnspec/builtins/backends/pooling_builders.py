"""The pooling kinds (`maxpool`, `avgpool`, `globalmaxpool`, `globalavgpool`) on both built-in backends.

A pool's window has as many numbers as its input has spatial axes (nnspec/builtins/pooling.py),
so each builder picks the 1-D or 2-D form from `len(layer.args["pool"])` or the input's
rank: keras' MaxPooling1D/2D, AveragePooling1D/2D, GlobalMax/AveragePooling1D/2D, read
back by `nnspec import`; tf1's `tf.nn.max_pool1d/2d`, `avg_pool1d/2d` and a reduction
over the spatial axes, and the same written in `nnspec code`'s scripts. TensorFlow is
imported inside the functions only.
"""

from __future__ import annotations

from ...types import LayerBuilder, ResolvedLayer

KERAS = {"maxpool": "MaxPooling", "avgpool": "AveragePooling",
         "globalmaxpool": "GlobalMaxPooling", "globalavgpool": "GlobalAveragePooling"}
TF1 = {"maxpool": "max_pool", "avgpool": "avg_pool", "globalmaxpool": "reduce_max", "globalavgpool": "reduce_mean"}


def _rank(layer: ResolvedLayer) -> int:
    return len(layer.input_shape) - 1


def _keras_class(layer: ResolvedLayer) -> str:
    return f"{KERAS[layer.kind]}{_rank(layer)}D"


def _window(values) -> object:
    values = tuple(values)
    return values[0] if len(values) == 1 else values


def build_keras(layer: ResolvedLayer, ctx):
    from keras import layers

    cls = getattr(layers, _keras_class(layer))
    if layer.kind.startswith("global"):
        return cls(name=layer.name)
    a = layer.args
    return cls(_window(a["pool"]), strides=_window(a["stride"]), padding=a["padding"], name=layer.name)


def code_keras(layer: ResolvedLayer, script) -> str:
    if layer.kind.startswith("global"):
        return f"keras.layers.{_keras_class(layer)}()"
    a = layer.args
    return (f"keras.layers.{_keras_class(layer)}({_window(a['pool'])!r}, strides={_window(a['stride'])!r}, "
            f"padding=\"{a['padding']}\")")


def read_keras(kind: str):
    def read(config, reader) -> dict:
        reader.require(config, data_format="channels_last")
        if kind.startswith("global"):
            reader.require(config, keepdims=False)
            return {}
        pool = config["pool_size"]
        pool = tuple(pool) if isinstance(pool, (list, tuple)) else (pool,)
        strides = config.get("strides") or pool
        strides = tuple(strides) if isinstance(strides, (list, tuple)) else (strides,)
        return {"pool": pool, "stride": None if strides == pool else strides, "padding": config.get("padding", "valid")}
    return read


def build_tf1(x, layer: ResolvedLayer, ctx):
    import tensorflow as tf

    axes = list(range(1, _rank(layer) + 1))
    if layer.kind.startswith("global"):
        return getattr(tf, TF1[layer.kind])(x, axis=axes)
    a = layer.args
    pool = getattr(tf.nn, f"{TF1[layer.kind]}{_rank(layer)}d")
    return pool(x, ksize=list(a["pool"]), strides=list(a["stride"]), padding=a["padding"].upper())


def code_tf1(x: str, layer: ResolvedLayer, graph) -> str:
    out, rank = f"L{layer.index + 1}", _rank(layer)
    if layer.kind.startswith("global"):
        graph.line(f"{out} = tf.{TF1[layer.kind]}({x}, axis={list(range(1, rank + 1))})")
        return out
    a = layer.args
    graph.line(f"{out} = tf.nn.{TF1[layer.kind]}{rank}d({x}, ksize={list(a['pool'])}, strides={list(a['stride'])}, "
               f"padding=\"{a['padding'].upper()}\")")
    return out


LAYER_BUILDERS = tuple(
    builder
    for kind, keras_class in KERAS.items()
    for builder in (
        LayerBuilder("keras", kind, build_keras, code=code_keras, reads=(f"{keras_class}1D", f"{keras_class}2D"),
                     read=read_keras(kind)),
        LayerBuilder("tf1", kind, build_tf1, code=code_tf1),
    )
)
