"""`nnspec show` counts parameters in pure Python; they must equal what Keras counts."""

import pytest

import nnspec
from nnspec.dsl.validate import check

keras = pytest.importorskip("keras")
L = keras.layers

CASES = [
    ("input 4\ndense 32 relu x3\ndense 3 softmax", lambda: [L.Input((4,)), *[L.Dense(32) for _ in range(3)], L.Dense(3)]),
    ("input 28x28x1\nconv2d 8 3x3 relu\nbatchnorm\nmaxpool 2x2\nconv2d 4 5x5 padding=same stride=2\nflatten\ndropout 0.5\ndense 10",
     lambda: [L.Input((28, 28, 1)), L.Conv2D(8, 3), L.BatchNormalization(), L.MaxPooling2D(2),
              L.Conv2D(4, 5, strides=2, padding="same"), L.Flatten(), L.Dropout(0.5), L.Dense(10)]),
    ("input 100\nembedding 16 vocab=5000\nflatten\nactivation relu\ndense 1 sigmoid",
     lambda: [L.Input((100,)), L.Embedding(5000, 16), L.Flatten(), L.Activation("relu"), L.Dense(1)]),
    ("input 784\n{ dense 256 relu; dropout 0.3; batchnorm } x4\ndense 10",
     lambda: [L.Input((784,)), *[layer for _ in range(4) for layer in (L.Dense(256), L.Dropout(0.3), L.BatchNormalization())], L.Dense(10)]),
]


@pytest.mark.parametrize("text, layers", CASES, ids=["mlp", "cnn", "embedding", "blocks"])
def test_counts_and_shapes_equal_keras(text, layers):
    (plan,) = check(nnspec.parse(text))
    model = keras.Sequential(layers())
    assert plan.param_count == model.count_params()
    assert [layer.param_count for layer in plan.layers] == [layer.count_params() for layer in model.layers]
    assert [layer.output_shape for layer in plan.layers] == [tuple(layer.output.shape[1:]) for layer in model.layers]
