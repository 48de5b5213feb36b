"""Recurrent, conv1d and pooling layers together with attention, layernorm and positions.

The two families were written apart: here a recurrent layer reads its `return_sequences`
from the transformer kinds and the merges after it, each mixed spec builds to the
checker's count and trains on both backends, `nnspec code` writes a script that builds
it, and the per-layer diagnostics carry the recurrent layers' kernels.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from backend_data import BACKENDS, plan_of, quiet_run, tiny_data

import nnspec

ROOT = Path(__file__).resolve().parent.parent

MIXED = {
    "lstm_attention": "input 10x8\nlstm 16\nattention heads=2 key=4\nglobalavgpool\ndense 3 softmax\n",
    "lstm_positions": "input 10x8\ngru 8\nlayernorm\npositions\nattention heads=2 key=4\nglobalmaxpool\ndense 3 softmax\n",
    "lstm_residual_attention": "input 10x8\nlstm 16\nresidual { attention heads=2 key=4 }\nglobalmaxpool\n"
                               "dense 3 softmax\n",
    "conv1d_layernorm": "input 10x8\nconv1d 16 3 relu\nlayernorm\nlstm 8 return_sequences=true\ndense 4 relu\n"
                        "flatten\ndense 3 softmax\n",
    "lstm_concat": "input 10x8\nlstm 16\nconcat { attention heads=2 key=4; conv1d 4 1 }\nglobalavgpool\n"
                   "dense 3 softmax\n",
}


def _returns(text: str) -> dict:
    return {layer.name: layer.args["return_sequences"] for layer in plan_of(text).layers
            if layer.kind in ("lstm", "gru", "rnn")}


def test_a_recurrent_layer_gives_every_step_to_attention_positions_and_what_reads_a_merge():
    assert _returns(MIXED["lstm_attention"]) == {"lstm_1": True}
    assert _returns(MIXED["lstm_positions"]) == {"gru_1": True}  # past layernorm, positions needs the steps
    # a residual's add (and a concat) keeps its inputs' rank: the global pool after it decides
    assert _returns(MIXED["lstm_residual_attention"]) == {"lstm_1": True}
    assert _returns(MIXED["lstm_concat"]) == {"lstm_1": True}
    assert _returns("input 10x8\nlstm 16\nresidual { dense 16 relu; dense 16 }\ndense 3 softmax\n") == {"lstm_1": False}


def test_dense_after_a_recurrent_layer_still_reads_its_last_step_unless_every_step_is_written():
    plan = plan_of("input 10x8\nlstm 16\ndense 4 relu\ndense 3 softmax\n")
    assert [layer.output_shape for layer in plan.layers] == [(16,), (4,), (3,)]
    plan = plan_of("input 10x8\nlstm 16 return_sequences=true\ndense 4 relu\nglobalavgpool\ndense 3 softmax\n")
    assert [layer.output_shape for layer in plan.layers] == [(10, 16), (10, 4), (4,), (3,)]
    # the doc states the one rule where it describes dense on a sequence
    doc = (ROOT / "docs" / "language.md").read_text()
    assert "a recurrent layer before `dense` gives its last step" in " ".join(doc.split())


@pytest.mark.parametrize("name", sorted(MIXED))
def test_mixed_specs_build_to_the_checkers_count_on_both_backends(name):
    for backend in BACKENDS:
        plan = plan_of(MIXED[name], backend)
        model = nnspec.build(plan, backend)
        assert model.count_params() == plan.param_count, backend
        if backend == "tf1":
            model.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_code_writes_a_script_that_builds_a_mixed_spec(backend, tmp_path):
    from nnspec.export.code import generate_code

    spec = tmp_path / "mixed.nn"
    body = MIXED["lstm_residual_attention"].replace("input 10x8\n", "embedding 8\n").replace("dense 3 softmax", "dense 1 sigmoid")
    spec.write_text("data imdb words=30 encode=sequence maxlen=10\n" + body)
    script = tmp_path / "mixed.py"
    script.write_text(generate_code(spec, backend, None))
    done = subprocess.run([sys.executable, str(script), "--build-only"], check=False, capture_output=True, text=True,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    count = nnspec.check(nnspec.parse(spec.read_text()))[0].param_count
    assert f"parameters: {count}" in done.stdout


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_mixed_spec_trains_and_its_diagnostics_carry_every_recurrent_kernel(backend, tmp_path):
    text = ("input 6x4\nlstm 5 bidirectional=true\ngru 4\nrnn 3 return_sequences=true\nconv1d 4 3 relu\n"
            "attention heads=2 key=2\nlayernorm\nglobalavgpool\ndense 3 softmax\n"
            "train adam lr=0.01 epochs=3 batch=16 diagnostics=true")
    (result,) = quiet_run(text, tiny_data(shape=(6, 4)), tmp_path, backend)
    assert np.all(np.isfinite(result.history["loss"]))
    rows = result.diagnostics["rows"]
    for name in ("lstm_1", "gru_1", "rnn_1", "conv1d_1", "attention_1", "dense_1"):
        mine = [row for row in rows if row["layer"] == name]
        assert len(mine) == 4, name  # epoch 0 (before training) and each of the 3 epochs
        # the input kernel stands for a recurrent layer (the forward direction's when bidirectional)
        assert all(row["grad_norm"] > 0 and row["weight_norm"] > 0 for row in mine), name
        assert all(row["update_ratio"] > 0 for row in mine if row["epoch"] > 0), name
    assert all(row["grad_norm"] is None for row in rows if row["layer"] in ("layernorm_1", "globalavgpool_1"))


def test_a_sequence_layer_after_a_last_step_says_which_recurrent_layer_to_give_every_step():
    text = "input 20\nembedding 8 vocab=100\nlstm 16\ndense 4 relu\nglobalavgpool\ndense 1 sigmoid\n"
    (error,) = [d for d in nnspec.diagnose(text) if d.severity == "error"]
    assert (error.code, error.line) == ("shape", 5)
    assert "lstm_1 (line 3) gives only its last step" in error.hint
    assert "return_sequences=true" in error.hint
    written = text.replace("lstm 16", "lstm 16 return_sequences=false")
    (error,) = [d for d in nnspec.diagnose(written) if d.severity == "error"]
    assert error.hint is None  # written by the spec: nothing was inferred to point at
