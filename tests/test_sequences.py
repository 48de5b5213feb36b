"""Sequence and pooling layers: rnn, lstm, gru (bidirectional), conv1d, pools 1-D and 2-D, global pools, reshape.

Counts and shapes against Keras models built here; return_sequences from what comes next;
errors at the layer's line; both backends computing the same function (a tf1 checkpoint
loaded into the Keras model); training on both; `nnspec import` and `nnspec code`.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import nnspec
from backend_data import BACKENDS, plan_of, quiet_run, tiny_data
from nnspec.dsl.validate import check
from nnspec.errors import NNSpecError

keras = pytest.importorskip("keras")
L = keras.layers

CASES = {
    "lstm": ("input 20\nembedding 8 vocab=100\nlstm 16\ndense 1 sigmoid",
             lambda: [L.Input((20,)), L.Embedding(100, 8), L.LSTM(16), L.Dense(1)]),
    "gru-bidirectional": ("input 20\nembedding 8 vocab=100\ngru 6 bidirectional=true\nrnn 5 relu\ndense 2",
                          lambda: [L.Input((20,)), L.Embedding(100, 8), L.Bidirectional(L.GRU(6, return_sequences=True)),
                                   L.SimpleRNN(5), L.Dense(2)]),
    "stacked": ("input 12x3\nlstm 4 bidirectional=true\ndropout 0.2\nrnn 3 bidirectional=true\ngru 2\ndense 2",
                lambda: [L.Input((12, 3)), L.Bidirectional(L.LSTM(4, return_sequences=True)), L.Dropout(0.2),
                         L.Bidirectional(L.SimpleRNN(3, return_sequences=True)), L.GRU(2), L.Dense(2)]),
    "conv1d": ("input 30x4\nconv1d 8 5 relu stride=2 padding=same\nmaxpool 2\navgpool 3 stride=1\nglobalavgpool\ndense 3",
               lambda: [L.Input((30, 4)), L.Conv1D(8, 5, strides=2, padding="same"), L.MaxPooling1D(2),
                        L.AveragePooling1D(3, strides=1), L.GlobalAveragePooling1D(), L.Dense(3)]),
    "pools-2d": ("input 12x12x3\navgpool 2x2\nmaxpool 2 padding=same\nconv2d 4 2x2\nglobalmaxpool\ndense 2",
                 lambda: [L.Input((12, 12, 3)), L.AveragePooling2D(2), L.MaxPooling2D(2, padding="same"),
                          L.Conv2D(4, 2), L.GlobalMaxPooling2D(), L.Dense(2)]),
    "reshape": ("input 784\nreshape 28x28\nlstm 10 return_sequences=true\nglobalmaxpool\ndense 10",
                lambda: [L.Input((784,)), L.Reshape((28, 28)), L.LSTM(10, return_sequences=True),
                         L.GlobalMaxPooling1D(), L.Dense(10)]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_counts_and_shapes_equal_keras(case):
    text, layers = CASES[case]
    (plan,) = check(nnspec.parse(text))
    model = keras.Sequential(layers())
    assert plan.param_count == model.count_params()
    assert [layer.param_count for layer in plan.layers] == [layer.count_params() for layer in model.layers]
    assert [layer.output_shape for layer in plan.layers] == [tuple(layer.output.shape[1:]) for layer in model.layers]


# ---------------------------------------------------------------- return_sequences follows what comes next


def _sequences(text: str) -> list:
    (plan,) = check(nnspec.parse(text))
    return [layer.args["return_sequences"] for layer in plan.layers if "return_sequences" in layer.args]


@pytest.mark.parametrize("after, expected", [
    ("lstm 4", True), ("dropout 0.2\nlstm 4", True), ("conv1d 4 3", True), ("globalmaxpool", True),
    ("maxpool 2\nflatten", True), ("dense 2", False), ("activation relu\ndropout 0.1\ndense 2", False),
    ("flatten", False), ("dropout 0.5", False), ("lstm 4\nlstm 3", True),
])
def test_return_sequences_follows_the_layer_after(after, expected):
    assert _sequences(f"input 10x3\ngru 5\n{after}\nflatten")[0] is expected


def test_a_recurrent_layer_at_the_end_gives_its_last_step():
    assert _sequences("input 10x3\nlstm 5") == [False]


def test_a_written_return_sequences_wins():
    (plan,) = check(nnspec.parse("input 10x3\nlstm 5 return_sequences=true\nflatten\ndense 2"))
    assert plan.layers[1].output_shape == (50,)


def test_a_layer_that_could_take_either_asks_for_the_option():
    with pytest.raises(NNSpecError) as caught:  # the first of the errors: the rest follow from it
        check(nnspec.parse("input 10x3\nlstm 5\nreshape 5\ndense 1"))
    assert caught.value.line == 2
    assert "lstm cannot tell from 'reshape' after it" in caught.value.message
    assert "return_sequences=true" in caught.value.message


def test_branches_that_disagree_ask_for_the_option():
    with pytest.raises(NNSpecError, match="readers, which disagree"):
        check(nnspec.parse("input 10x3\nlstm 5\nconcat { lstm 2; dense 2 }"))


@pytest.mark.parametrize("text, line, message", [
    ("input 784\nlstm 8\ndense 1", 2, "lstm expects a sequence steps x features, found 784"),
    ("input 10x3\nmaxpool 2x2", 2, "maxpool window 2x2 does not fit a 1-d input; write one like 2"),
    ("input 8x8x1\navgpool 2x2x2", 2, "avgpool window 2x2x2 does not fit a 2-d input"),
    ("input 784\nglobalmaxpool", 2, "globalmaxpool expects a sequence steps x features or an image"),
    ("input 784\nreshape 27x28", 2, "reshape to 27x28 needs 756 values per sample; the input 784 has 784"),
    ("input 5x3\nconv1d 4 7", 2, "conv1d kernel 7 does not fit the 5 steps"),
])
def test_shape_errors_point_at_the_layer(text, line, message):
    with pytest.raises(NNSpecError) as caught:
        check(nnspec.parse(text))
    assert caught.value.line == line
    assert message in caught.value.message


def test_editors_complete_the_new_kinds_and_their_options():
    from nnspec.lsp.completion import complete

    def labels(text: str) -> set:
        return {item.label for item in complete([text], 0, len(text)).items}

    assert {"lstm", "gru", "rnn", "conv1d", "avgpool", "globalmaxpool", "globalavgpool", "reshape"} <= labels("")
    assert {"return_sequences=", "bidirectional="} <= labels("lstm 64 ")


# ---------------------------------------------------------------- both backends


pytest.importorskip("tensorflow")

SAME_FUNCTION = {
    "recurrent": "input 12\nembedding 5 vocab=30\nlstm 4 bidirectional=true\ngru 3 bidirectional=true\nrnn 2\ndense 2 softmax",
    "sequences": ("input 12\nembedding 5 vocab=30\nrnn 4 relu bidirectional=true\nconv1d 3 3 relu padding=same\n"
                  "avgpool 2\nlstm 2 return_sequences=true\nglobalavgpool\ndense 2"),
    "reshape": "input 12\nembedding 5 vocab=30\nconv1d 6 3\nmaxpool 2 stride=1\nreshape 18x3\ngru 2\ndense 1",
    "images": "input 8x8x1\nconv2d 4 3x3 relu\navgpool 2x2\nmaxpool 2 padding=same\nglobalmaxpool\ndense 2",
}


def _inputs(plan):
    rng = np.random.default_rng(0)
    if plan.input_dtype == "int32":
        return rng.integers(0, 30, size=(7, *plan.input_shape)).astype("int32")
    return rng.normal(size=(7, *plan.input_shape)).astype("float32")


@pytest.mark.parametrize("case", sorted(SAME_FUNCTION))
def test_a_tf1_checkpoint_in_the_keras_model_gives_the_same_outputs(case, tmp_path):
    from nnspec.export.model import _load_checkpoint

    plan = plan_of(SAME_FUNCTION[case])
    graph_model = nnspec.build(plan, "tf1")
    keras_model = nnspec.build(plan, "keras")
    assert graph_model.count_params() == keras_model.count_params() == plan.param_count
    x = _inputs(plan)
    with graph_model.graph.as_default():
        prefix = graph_model.saver.save(graph_model.session, str(tmp_path / "model"))
    assert np.abs(graph_model.predict(x) - keras_model.predict(x, verbose=0)).max() > 1e-4  # drawn apart
    _load_checkpoint(keras_model, prefix, [layer.name for layer in plan.layers])
    np.testing.assert_allclose(graph_model.predict(x), keras_model.predict(x, verbose=0), atol=1e-5)
    graph_model.close()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("layer", ["lstm 6 bidirectional=true", "gru 6", "rnn 6 relu", "conv1d 6 3 relu\nglobalmaxpool"])
def test_each_sequence_layer_trains(layer, backend, tmp_path):
    text = f"input 10\nembedding 4 vocab=20\n{layer}\ndense 3 softmax\ntrain adam lr=0.01 epochs=3 batch=16"
    (result,) = quiet_run(text, tiny_data(shape=(10,), vocab=20, n_train=64), tmp_path, backend)
    loss = result.history["loss"]
    assert all(np.isfinite(loss)) and loss[-1] < loss[0]
    assert result.param_count == plan_of(text).param_count


# ---------------------------------------------------------------- nnspec import and nnspec code


@pytest.mark.parametrize("case", sorted(SAME_FUNCTION))
def test_each_kind_comes_back_from_its_keras_config(case, tmp_path):
    from nnspec.export.importer import import_model

    plan = plan_of(SAME_FUNCTION[case])
    path = tmp_path / "model.json"
    path.write_text(nnspec.build(plan, "keras").to_json())
    (imported,) = check(nnspec.parse(import_model(path)))
    assert [(x.kind, dict(x.args), x.output_shape) for x in imported.layers] == \
           [(x.kind, dict(x.args), x.output_shape) for x in plan.layers]
    assert imported.param_count == plan.param_count


def test_a_hand_written_keras_bidirectional_model_imports(tmp_path):
    from nnspec.export.importer import import_model

    model = keras.Sequential([L.Input((40,)), L.Embedding(500, 16), L.Bidirectional(L.LSTM(8, return_sequences=True)),
                              L.Conv1D(4, 3, activation="relu"), L.GlobalMaxPooling1D(), L.Dense(1, activation="sigmoid")])
    path = tmp_path / "model.json"
    path.write_text(model.to_json())
    text = import_model(path)
    assert "lstm 8 return_sequences=true bidirectional=true" in text
    assert "conv1d 4 3 relu" in text and "globalmaxpool" in text
    (plan,) = check(nnspec.parse(text))
    assert plan.param_count == model.count_params()


def test_a_backward_layer_unlike_the_forward_one_is_refused(tmp_path):
    from nnspec.export.importer import import_model

    model = keras.Sequential([L.Input((10, 3)), L.Bidirectional(L.LSTM(4), backward_layer=L.LSTM(
        4, go_backwards=True, activation="relu")), L.Dense(1)])
    path = tmp_path / "model.json"
    path.write_text(model.to_json())
    with pytest.raises(NNSpecError, match="backward layer unlike its forward one"):
        import_model(path)


RUN_ALL = """
import contextlib, io, runpy, sys
for path in sys.argv[1:]:
    sys.argv = [path, "--build-only"]
    import tensorflow as tf
    tf.compat.v1.reset_default_graph()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        runpy.run_path(path, run_name="__main__")
    print(path, *[line for line in out.getvalue().splitlines() if line.startswith("parameters:")])
"""


CODE_SPECS = {
    "recurrent": "lstm 4 bidirectional=true\ngru 3 bidirectional=true\nrnn 2 relu\ndense 1 sigmoid",
    "sequences": "rnn 4 bidirectional=true\nconv1d 3 3 relu padding=same\navgpool 2\nlstm 2\nglobalavgpool\ndense 1 sigmoid",
    "reshape": "conv1d 6 3\nmaxpool 2 stride=1\nreshape 18x3\ngru 2\nglobalmaxpool\ndense 1 sigmoid",
}


def test_generated_scripts_of_every_kind_build_the_count_show_prints(tmp_path):
    from nnspec.export.code import generate_code

    texts = {case: f"data imdb words=30 encode=sequence maxlen=12\nembedding 5\n{layers}"
             for case, layers in CODE_SPECS.items()}
    texts["images"] = "data fashion_mnist flatten=false\nconv2d 4 3x3 relu\navgpool 2x2\nmaxpool 2 padding=same\n" \
                      "globalmaxpool\ndense 10 softmax"
    expected = {}
    for case, text in texts.items():
        spec = tmp_path / f"{case}.nn"
        spec.write_text(text + "\ntrain adam epochs=1\n")
        (plan,) = check(nnspec.parse(text))
        for backend in BACKENDS:
            script = tmp_path / f"{case}_{backend}.py"
            script.write_text(generate_code(spec, backend, None))
            expected[str(script)] = plan.param_count
    done = subprocess.run([sys.executable, "-c", RUN_ALL, *expected], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert {p: int(n) for p, n in re.findall(r"^(\S+) parameters: (\d+)$", done.stdout, re.MULTILINE)} == expected
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,F,W,I",
                           "--line-length", "120", "."], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert lint.returncode == 0, lint.stdout


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_recurrent_run_exports_to_every_format_tflite_unrolled(backend, tmp_path, monkeypatch):
    """TFLite has no loop over a tensor list: the export unrolls the recurrent layers, same weights, same outputs."""
    from dataset_files import write_imdb
    from nnspec.export.export import export_run

    rng = np.random.default_rng(0)
    reviews = [[int(w) for w in rng.integers(1, 9, size=int(rng.integers(3, 9)))] for _ in range(48)]
    labels = np.arange(48) % 2
    monkeypatch.setenv("NNSPEC_DATA", str(tmp_path / "data"))
    write_imdb(tmp_path / "data" / "imdb", (reviews[:32], labels[:32], reviews[32:], labels[32:]))
    text = ("data imdb words=10 encode=sequence maxlen=6\nembedding 4\nlstm 5 bidirectional=true\n"
            "conv1d 3 2 relu\ngru 4\ndense 1 sigmoid\ntrain adam epochs=1 batch=16")
    (result,) = nnspec.run(text, backend, out=tmp_path / "run", progress="none", report=False)
    for format in ("keras", "savedmodel", "onnx", "tflite"):
        exported = export_run(result.dir, format)
        assert exported.path.exists() and exported.verification.ok and exported.verification.samples == 16, format
