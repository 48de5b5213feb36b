"""How both built-in backends build the merge layers `add` and `concat` (the ends of block heads).

A merge's builder gets the list of what its branches produced (common.build_layers):
keras returns the Keras layer that joins them, tf1 joins the tensors with ops.
TensorFlow is imported inside the functions only.
"""

from __future__ import annotations

from ...types import ResolvedLayer


def keras_add(layer: ResolvedLayer, ctx):
    from keras import layers

    return layers.Add(name=layer.name)


def keras_concat(layer: ResolvedLayer, ctx):
    from keras import layers

    return layers.Concatenate(axis=-1, name=layer.name)


def tf1_add(inputs, layer: ResolvedLayer, ctx):
    import tensorflow as tf

    return tf.add_n(inputs)


def tf1_concat(inputs, layer: ResolvedLayer, ctx):
    import tensorflow as tf

    return tf.concat(inputs, axis=-1)


BUILDERS = {
    "keras": {"add": keras_add, "concat": keras_concat},
    "tf1": {"add": tf1_add, "concat": tf1_concat},
}
