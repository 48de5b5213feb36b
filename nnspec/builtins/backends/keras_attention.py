"""`layernorm`, `attention` and `positions` on the keras backend: built, written in a script, read back.

As keras_layers.py: `build_<kind>(layer, ctx)`, `code_<kind>(layer, script)` and
`read_<kind>(config, reader)`, registered together as the kind's `LayerBuilder`.
`attention` is a function of its input (Keras' MultiHeadAttention called as
`mha(x, x)`), so a network holding one is a functional model and its script code is a
template of the incoming tensor `{x}`. `positions` is nnspec's own Keras layer
(keras_objects.py, built by reference so that Keras loads only when needed).
Keras is imported inside the functions only.
"""

from __future__ import annotations

from ...types import LayerBuilder, ResolvedLayer

OBJECTS = "nnspec.builtins.backends.keras_objects"

# ------------------------------------------------------------------ layernorm


def build_layernorm(layer: ResolvedLayer, ctx):
    from keras import layers

    return layers.LayerNormalization(epsilon=layer.args["epsilon"], name=layer.name)


def code_layernorm(layer: ResolvedLayer, script) -> str:
    return f"keras.layers.LayerNormalization(epsilon={layer.args['epsilon']!r})"


def read_layernorm(config, reader) -> dict:
    axis = config.get("axis", -1)
    if axis not in (-1, [-1]):
        raise reader.fail(f"normalizes axis {axis}; nnspec's layernorm normalizes the last axis")
    reader.require(config, center=True, scale=True, rms_scaling=False)
    return {"epsilon": config.get("epsilon", 0.001)}


# ------------------------------------------------------------------ attention


def build_attention(layer: ResolvedLayer, ctx):
    from keras import layers

    a = layer.args
    # Keras' default initializers, drawn from the seed nnspec sets: one seeded initializer
    # would be cloned into the query, key and value projections, which would then start equal
    attention = layers.MultiHeadAttention(a["heads"], a["key"], dropout=a["dropout"], seed=ctx.seed(),
                                          name=layer.name)
    return lambda x: attention(x, x)


def code_attention(layer: ResolvedLayer, script) -> str:
    a = layer.args
    dropout = f", dropout={a['dropout']!r}" if a["dropout"] else ""
    return f"keras.layers.MultiHeadAttention(num_heads={a['heads']}, key_dim={a['key']}{dropout})({{x}}, {{x}})"


def read_attention(config, reader) -> dict:
    key = config["key_dim"]
    if config.get("value_dim") not in (None, key):
        raise reader.fail(f"has value_dim={config['value_dim']} and key_dim={key}; nnspec's attention has one size")
    if config.get("attention_axes") not in (None, [1], (1,), 1):
        raise reader.fail(f"attends over axes {config['attention_axes']}; nnspec's attention is over the steps")
    reader.require(config, use_bias=True, output_shape=None, use_gate=False, sliding_window=None)
    if (reader.initializer(config.get("kernel_initializer")) or "xavier_uniform") != "xavier_uniform" \
            or (reader.initializer(config.get("bias_initializer")) or "zeros") != "zeros":
        raise reader.fail("has initializers other than Keras' defaults, which nnspec's attention cannot say")
    return {"heads": config["num_heads"], "key": key, "dropout": config.get("dropout", 0.0)}


# ------------------------------------------------------------------ positions


POSITION_EMBEDDING = '''\
@keras.saving.register_keras_serializable(package="nnspec")
class PositionEmbedding(keras.layers.Layer):
    """Adds a learned vector per position to a sequence: x + embeddings (steps x features)."""

    def build(self, input_shape):
        self.embeddings = self.add_weight(name="embeddings", shape=tuple(input_shape[1:]), initializer="uniform")

    def call(self, inputs):
        return inputs + self.embeddings

'''


def code_positions(layer: ResolvedLayer, script) -> str:
    script.definitions.setdefault("PositionEmbedding", POSITION_EMBEDDING)
    return "PositionEmbedding()"


def read_positions(config, reader) -> dict:
    return {}


LAYER_BUILDERS = (
    LayerBuilder("keras", "layernorm", build_layernorm, code=code_layernorm, reads=("LayerNormalization",),
                 read=read_layernorm),
    LayerBuilder("keras", "attention", build_attention, code=code_attention, reads=("MultiHeadAttention",),
                 read=read_attention),
    LayerBuilder("keras", "positions", f"{OBJECTS}:build_positions", code=code_positions,
                 reads=("PositionEmbedding",), read=read_positions),
)
