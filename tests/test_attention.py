"""Transformers: layernorm, attention and positions on both backends, and the IMDB transformer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nnspec
from backend_data import BACKENDS, plan_of, quiet_run, tiny_data
from dataset_files import write_imdb
from nnspec.dsl.parser import load

ROOT = Path(__file__).resolve().parent.parent
TRANSFORMER = ROOT / "specs" / "imdb_transformer.nn"
SMALL = """input 6x4
positions
residual { attention heads=2 key=3 dropout=0.1 }
layernorm epsilon=1e-06
residual { dense 8 relu; dense 4 }
layernorm
flatten
dense 3 softmax
"""


def errors(text):
    return [(d.code, d.line, d.message) for d in nnspec.diagnose(text) if d.severity == "error"]


def test_each_layer_counts_what_keras_counts():
    keras = pytest.importorskip("keras")
    plan = plan_of(SMALL)
    x = inputs = keras.Input((6, 4))
    x = x + keras.Variable(np.zeros((6, 4), "float32"))  # positions: 24 weights, counted below
    x = keras.layers.Add()([x, keras.layers.MultiHeadAttention(2, 3)(x, x)])
    x = keras.layers.LayerNormalization(epsilon=1e-6)(x)
    x = keras.layers.Add()([x, keras.layers.Dense(4)(keras.layers.Dense(8, activation="relu")(x))])
    x = keras.layers.LayerNormalization()(x)
    model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(x)))
    assert plan.param_count == model.count_params() + 6 * 4
    counts = {layer.kind: layer.param_count for layer in plan.layers}
    assert counts["attention"] == 3 * (4 * 2 * 3 + 2 * 3) + 2 * 3 * 4 + 4 == 118
    assert counts["layernorm"] == 8 and counts["positions"] == 24


def test_attention_needs_a_sequence_and_its_sizes():
    assert errors("input 8\nattention heads=2 key=4\ndense 1\n") == [
        ("shape", 2, "attention expects a sequence steps x features, found 8 (an embedding gives one: embedding 32)")]
    assert [code for code, _, _ in errors("input 5x4\nattention key=4\nflatten\ndense 1\n")] == ["missing-option"]
    assert [code for code, _, _ in errors("input 5x4\npositions\nflatten\ndense 1\n")] == []


def test_dense_applies_to_each_step_of_a_sequence_and_still_wants_images_flattened():
    plan = plan_of("input 5x4\ndense 7 relu\nflatten\ndense 1")
    assert (plan.layers[0].output_shape, plan.layers[0].param_count) == ((5, 7), 4 * 7 + 7)
    assert errors("input 28x28x1\ndense 10\n")[0][2] == "dense expects a flat input, found 28x28x1; add 'flatten' before it"


@pytest.mark.parametrize("backend", BACKENDS)
def test_both_backends_build_the_checkers_count_and_train(backend, tmp_path):
    text = SMALL + "train adam lr=0.01 epochs=4 batch=16"
    plan = plan_of(text, backend)
    model = nnspec.build(plan, backend)
    assert model.count_params() == plan.param_count
    if backend == "tf1":
        model.close()
    (result,) = quiet_run(text, tiny_data(shape=(6, 4)), tmp_path, backend)
    assert np.all(np.isfinite(result.history["loss"])) and result.history["loss"][-1] < result.history["loss"][0]


def test_both_backends_draw_attentions_kernels_with_keras_glorot_limit():
    plan = plan_of("input 7x4\nattention heads=3 key=5\nflatten\ndense 1")
    limit = (6 / (4 + 3 * 5)) ** 0.5
    keras_model = nnspec.build(plan, "keras")
    tf1_model = nnspec.build(plan_of("input 7x4\nattention heads=3 key=5\nflatten\ndense 1", "tf1"), "tf1")
    tf1_weights = dict(zip([v.name for v in tf1_model.variables], tf1_model.session.run(tf1_model.variables)))
    tf1_model.close()
    for part in ("query", "key", "value", "attention_output"):
        keras_kernel = next(w.numpy() for w in keras_model.weights if w.path == f"attention_1/{part}/kernel")
        for kernel in (keras_kernel, tf1_weights[f"attention_1/{part}/kernel:0"]):
            assert 0.8 * limit < np.abs(kernel).max() <= limit, part
    assert not np.allclose(tf1_weights["attention_1/query/kernel:0"], tf1_weights["attention_1/key/kernel:0"])


def test_diagnostics_probe_attention_in_a_plain_stack(tmp_path):
    text = ("input 6\nembedding 4 vocab=10\nattention heads=2 key=2\nlayernorm\nflatten\ndense 3 softmax\n"
            "train sgd lr=0.05 epochs=2 batch=16 diagnostics=true")
    for backend in BACKENDS:
        (result,) = quiet_run(text, tiny_data(shape=(6,), vocab=10), tmp_path / backend, backend)
        rows = result.diagnostics["rows"]
        assert {"attention_1", "layernorm_1", "dense_1"} <= {row["layer"] for row in rows}, backend
        assert all(np.isfinite(row["grad_norm"]) for row in rows if row["kind"] == "dense"), backend
        attention = [row for row in rows if row["layer"] == "attention_1"]
        assert attention and all(np.isfinite(row["mean"]) for row in attention), backend
        # its query projection's kernel stands for it, on both backends
        assert all(row["grad_norm"] > 0 and row["weight_norm"] > 0 for row in attention), backend


def test_code_writes_attention_in_a_stack_as_a_call_on_the_tensor_twice(tmp_path):
    from nnspec.export.code import generate_code

    spec = tmp_path / "stack.nn"
    spec.write_text("data imdb words=10 encode=sequence maxlen=6\nembedding 4\nattention heads=2 key=2\nlayernorm\n"
                    "flatten\ndense 1 sigmoid\n")
    script = generate_code(spec, "keras", None)
    assert "x = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)(x, x)" in script
    assert "model = keras.Model(inputs, x)" in script
    assert "tf.nn.softmax(scores2, axis=-1)" in generate_code(spec, "tf1", None)


def test_a_tf1_run_exports_to_every_format_through_the_keras_model_its_weights_load_into(tmp_path, monkeypatch):
    from nnspec.export.export import export_run

    monkeypatch.setenv("NNSPEC_DATA", str(tmp_path / "data"))
    write_imdb(tmp_path / "data" / "imdb", (*_reviews(32, 0), *_reviews(16, 1)))
    text = ("data imdb words=8 encode=sequence maxlen=6\nembedding 4\npositions\n"
            "residual { attention heads=2 key=3 }\nlayernorm\nflatten\ndense 1 sigmoid\ntrain adam epochs=1 batch=16")
    (result,) = nnspec.run(text, "tf1", out=tmp_path / "run", progress="none", report=False)
    for format in ("keras", "savedmodel", "onnx", "tflite"):
        exported = export_run(result.dir, format)
        assert exported.path.exists() and exported.verification.ok and exported.verification.samples == 16, format


def test_import_reads_attention_layernorm_and_positions_back(tmp_path):
    keras = pytest.importorskip("keras")
    from nnspec.export.importer import import_model

    x = inputs = keras.Input((6, 4))
    x = keras.layers.Add()([x, keras.layers.MultiHeadAttention(2, 3, dropout=0.1)(x, x)])
    x = keras.layers.LayerNormalization(epsilon=1e-6)(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    model.save(tmp_path / "attention.keras")
    text = import_model(tmp_path / "attention.keras")
    assert text.splitlines()[2:] == ["input 6x4", "residual { attention heads=2 key=3 dropout=0.1 }",
                                     "layernorm epsilon=1e-06", "flatten", "dense 1"]
    assert nnspec.check(nnspec.parse(text))[0].param_count == model.count_params()

    (result,) = quiet_run(SMALL + "train adam epochs=1 batch=16", tiny_data(shape=(6, 4)), tmp_path, "keras")
    imported = import_model(Path(result.dir) / "model.keras")
    assert imported.splitlines()[3:6] == ["positions", "residual { attention heads=2 key=3 dropout=0.1 }",
                                          "layernorm epsilon=1e-06"]


def test_a_model_with_positions_loads_in_a_fresh_process_after_import_keras_objects(tmp_path):
    import subprocess
    import sys

    (result,) = quiet_run(SMALL + "train adam epochs=1 batch=16", tiny_data(shape=(6, 4)), tmp_path, "keras")
    code = ("import sys, keras, nnspec.plugins as p; p.import_keras_objects(); "
            "print(keras.models.load_model(sys.argv[1]).count_params())")
    done = subprocess.run([sys.executable, "-c", code, str(Path(result.dir) / "model.keras")],
                          capture_output=True, text=True, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == str(result.param_count)


# ------------------------------------------------------------------ the IMDB transformer


def _reviews(n, seed):
    """Reviews of IMDB's format whose label a word decides: 4 ("great") in positives, 5 ("bad") in negatives."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    reviews = [[int(w) for w in rng.choice([1, 2, 3, 6, 7], size=rng.integers(3, 12))] + [4 if y else 5]
               for y in labels]
    return reviews, labels


def _long_reviews(n, seed):
    """Reviews of IMDB's length (100 to 200 words) whose label is which words occur in them.

    A positive review holds 15 to 30 of "great" (4) and "fine" (8) among neutral words, a
    negative one as many of "bad" (5) and "dull" (9): the average over the steps that
    GlobalAveragePooling1D takes (as the Keras example) sees them wherever they are.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    reviews = []
    for y in labels:
        words = [int(w) for w in rng.choice([1, 2, 3, 6, 7], size=rng.integers(100, 200))]
        for _ in range(rng.integers(15, 30)):
            words.insert(int(rng.integers(0, len(words) + 1)), int(rng.choice([4, 8] if y else [5, 9])))
        reviews.append(words)
    return reviews, labels


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_imdb_transformer_learns_which_words_make_a_review_positive(backend, tmp_path, monkeypatch):
    monkeypatch.setenv("NNSPEC_DATA", str(tmp_path / "data"))
    write_imdb(tmp_path / "data" / "imdb", (*_long_reviews(256, 0), *_long_reviews(64, 1)))
    spec = load(TRANSFORMER)
    (result,) = nnspec.run(spec, backend, epochs=4, out=tmp_path / "run", progress="none", report=False)
    assert result.param_count == nnspec.check(spec)[0].param_count == 657_737
    loss = result.history["loss"]
    assert np.all(np.isfinite(loss)) and loss[-1] < 0.7 * loss[0], loss
    assert result.metrics["accuracy"] >= 0.8, result.metrics  # chance is 0.5: half the reviews are positive
