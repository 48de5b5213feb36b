"""The one weight-name contract: which tf1 variable holds which Keras weight, for every built-in shape of layer."""

from __future__ import annotations

import pytest

keras = pytest.importorskip("keras")

from nnspec.builtins.backends.weight_names import tf1_names  # noqa: E402
from nnspec.errors import NNSpecError  # noqa: E402


def _names(model, layers):
    return sorted(name for name, _ in tf1_names(model, layers))


def test_a_recurrent_cell_is_left_out_and_bidirectional_reads_as_forward_and_backward():
    inputs = keras.Input((5, 3))
    x = keras.layers.LSTM(4, name="lstm_1", return_sequences=True)(inputs)
    x = keras.layers.Bidirectional(keras.layers.GRU(2, name="gru_2"), name="gru_2")(x)
    model = keras.Model(inputs, x)
    assert _names(model, ["lstm_1", "gru_2"]) == sorted([
        "lstm_1/kernel", "lstm_1/recurrent_kernel", "lstm_1/bias",
        "gru_2/forward/kernel", "gru_2/forward/recurrent_kernel", "gru_2/forward/bias",
        "gru_2/backward/kernel", "gru_2/backward/recurrent_kernel", "gru_2/backward/bias",
    ])


def test_sublayers_and_parts_keep_their_names():
    inputs = keras.Input((6, 8))
    x = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="attention_1")(inputs, inputs)
    x = keras.layers.Dense(8, name="residual_2_dense")(x)
    model = keras.Model(inputs, x)
    names = _names(model, ["attention_1", "residual_2"])
    assert "attention_1/query/kernel" in names and "attention_1/attention_output/bias" in names
    assert "residual_2/dense/kernel" in names


def test_a_keras_layer_named_after_no_nnspec_layer_is_refused():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="mystery")])
    with pytest.raises(NNSpecError, match="mystery"):
        tf1_names(model, ["dense_1"])
