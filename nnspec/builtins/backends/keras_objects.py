"""nnspec's own Keras layer classes (Keras has none for these), registered so a `model.keras` holding them loads.

This module imports Keras at its top: it is named by reference (`LayerBuilder.build`
as `"module:function"`), so it is imported only when a model is built, and
`nnspec.plugins.import_keras_objects()` imports it before `keras.models.load_model`
in a process that did not build the model. `POSITION_EMBEDDING_CODE` is the same
class as `nnspec code` writes it into a script, which then needs no nnspec.
"""

from __future__ import annotations

import keras

from ...types import ResolvedLayer


@keras.saving.register_keras_serializable(package="nnspec")
class PositionEmbedding(keras.layers.Layer):
    """Adds a learned vector per position to a sequence: x + embeddings[:steps] (steps x features)."""

    def __init__(self, embeddings_initializer="uniform", **kwargs):
        super().__init__(**kwargs)
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)

    def build(self, input_shape):
        self.embeddings = self.add_weight(name="embeddings", shape=tuple(input_shape[1:]),
                                          initializer=self.embeddings_initializer)

    def call(self, inputs):
        return inputs + keras.ops.cast(self.embeddings, inputs.dtype)

    def get_config(self):
        return {**super().get_config(),
                "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer)}


def build_positions(layer: ResolvedLayer, ctx):
    return PositionEmbedding(embeddings_initializer=ctx.initializer("uniform"), name=layer.name)
