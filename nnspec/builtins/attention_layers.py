"""The layer kinds of a transformer: `layernorm`, `attention` and `positions` (shapes, parameters as Keras counts).

Each works on a sequence, `steps x features` per sample (what `embedding` gives);
`layernorm` on any shape, over its last axis. Their builders are in
backends/keras_attention.py and backends/tf1_attention.py.
"""

from __future__ import annotations

from ..dsl.ast import shape_text
from ..types import LayerKind, Param


def _sequence(kind: str, shape: tuple) -> tuple[int, int]:
    if len(shape) != 2:
        hint = " (an embedding gives one: embedding 32)" if len(shape) == 1 else ""
        raise ValueError(f"{kind} expects a sequence steps x features, found {shape_text(shape)}{hint}")
    return shape


def _attention_count(shape: tuple, a) -> int:
    """Keras' MultiHeadAttention: query, key and value projections to heads x key, then back to the features."""
    _, features = _sequence("attention", shape)
    heads, key = a["heads"], a["key"]
    projections = 3 * (features * heads * key + heads * key)
    return projections + heads * key * features + features


ATTENTION_LAYERS = (
    LayerKind(
        "layernorm",
        options=(Param("epsilon", "float", default=0.001, min=0, doc="added to the variance"),),
        param_count=lambda shape, a: 2 * shape[-1],  # gamma and beta per feature
        doc="layer normalization over the last axis (each sample, each step on its own)",
        aliases=("layer_norm", "layernormalization", "layer_normalization"),
    ),
    LayerKind(
        "attention",
        options=(
            Param("heads", "int", min=1, doc="number of attention heads"),
            Param("key", "int", min=1, doc="size of each head's query and key (and value)"),
            Param("dropout", "fraction", default=0.0, doc="fraction of the attention weights dropped while training"),
        ),
        output_shape=lambda shape, a: tuple(_sequence("attention", shape)),
        param_count=_attention_count,
        doc="multi-head self-attention over a sequence (Keras MultiHeadAttention called as mha(x, x))",
        aliases=("multiheadattention", "multi_head_attention", "self_attention"),
    ),
    LayerKind(
        "positions",
        output_shape=lambda shape, a: tuple(_sequence("positions", shape)),
        param_count=lambda shape, a: _sequence("positions", shape)[0] * shape[1],
        doc="adds a learned embedding of each step's position to a sequence",
        aliases=("position_embedding",),
    ),
)
