"""The merge layers `add` and `concat` (the ends of block heads) on both built-in backends.

A merge's builder gets the list of what its branches produced (common.build_layers):
keras returns the Keras layer that joins them, tf1 joins the tensors with ops. Each
also writes itself in `nnspec code`'s scripts (keras: the layer's expression, called on
the list of branch outputs; tf1: a line joining the branches' tensors) and is read
back by `nnspec import` from Keras' Add and Concatenate. TensorFlow is imported
inside the functions only.
"""

from __future__ import annotations

from ...types import LayerBuilder, ResolvedLayer

_KERAS = {"add": "Add", "concat": "Concatenate"}


def build_keras(layer: ResolvedLayer, ctx):
    from keras import layers

    if layer.kind == "add":
        return layers.Add(name=layer.name)
    return layers.Concatenate(axis=-1, name=layer.name)


def code_keras(layer: ResolvedLayer, script) -> str:
    return f"keras.layers.{_KERAS[layer.kind]}()"


def read_keras(config, reader) -> dict | None:
    if config.get("axis", -1) not in (-1, None):  # nnspec's concat joins the last axis
        reader.require(config, axis=-1)
    return {}


def build_tf1(inputs, layer: ResolvedLayer, ctx):
    import tensorflow as tf

    if layer.kind == "add":
        return tf.add_n(inputs)
    return tf.concat(inputs, axis=-1)


def code_tf1(inputs: list[str], layer: ResolvedLayer, graph) -> str:
    name = f"L{layer.index + 1}"
    joined = ", ".join(inputs)
    graph.line(f"{name} = tf.add_n([{joined}])" if layer.kind == "add" else f"{name} = tf.concat([{joined}], axis=-1)")
    return name


LAYER_BUILDERS = tuple(
    builder
    for kind, keras_class in _KERAS.items()
    for builder in (
        LayerBuilder("keras", kind, build_keras, code=code_keras, reads=(keras_class,), read=read_keras),
        LayerBuilder("tf1", kind, build_tf1, code=code_tf1),
    )
)
