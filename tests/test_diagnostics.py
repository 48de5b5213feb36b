"""Training diagnostics: per-layer gradient norms and activation statistics on both backends."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import nnspec
from backend_data import BACKENDS, plan_of, quiet_run, tiny_data
from nnspec.builtins.layer_diagnostics import COLUMNS, PROBE_SAMPLES, dead_fraction, saturated_fraction

pytest.importorskip("tensorflow")

DEEP = """data digits test=0.25 seed=0
dense 64 {activation} x10
dense 10 softmax
train sgd lr=0.05 epochs=3 batch=64 diagnostics=true
"""


def _hidden_gradients(result, epoch):
    rows = [r for r in result.diagnostics["rows"] if r["epoch"] == epoch and r["activation"] != "softmax"]
    return [r["grad_norm"] for r in rows]


@pytest.mark.parametrize("backend", BACKENDS)
def test_deep_sigmoid_gradients_vanish_where_relu_ones_do_not(backend, tmp_path):
    """The course's point: first/last hidden gradient ratio is far smaller under sigmoid."""
    ratios = {}
    for activation in ("sigmoid", "relu"):
        result = nnspec.run(DEEP.format(activation=activation), backend, out=tmp_path / activation,
                            progress="none", report=False).best
        gradients = _hidden_gradients(result, epoch=3)
        assert len(gradients) == 10
        ratios[activation] = gradients[0] / gradients[-1]
    assert ratios["sigmoid"] * 10 <= ratios["relu"], ratios


@pytest.mark.parametrize("backend", BACKENDS)
def test_diagnostics_go_to_results_json_and_a_csv_row_per_epoch_and_layer(backend, tmp_path):
    text = "input 4\ndense 8 relu\ndropout keep=0.5\ndense 6 tanh\ndense 3 softmax\ntrain adam epochs=2 batch=8"
    result = quiet_run(text, tiny_data(), tmp_path, backend, diagnostics=True).best
    with open(tmp_path / "run" / "diagnostics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == COLUMNS
    # epochs 0 (before training), 1 and 2; the dropout layer has nothing of its own to show
    assert [(r["epoch"], r["layer"]) for r in rows] == [
        (str(e), name) for e in range(3) for name in ("dense_1", "dense_2", "dense_3")
    ]
    saved = json.loads((tmp_path / "run" / "results.json").read_text())["diagnostics"]
    assert saved["rows"] == json.loads(json.dumps(result.diagnostics["rows"]))
    first = {r["layer"]: r for r in saved["rows"] if r["epoch"] == 0}
    last = {r["layer"]: r for r in saved["rows"] if r["epoch"] == 2}
    assert first["dense_1"]["update_ratio"] is None and last["dense_1"]["update_ratio"] > 0
    assert first["dense_1"]["dead"] is not None and first["dense_1"]["saturated"] is None
    assert first["dense_2"]["saturated"] is not None and first["dense_2"]["dead"] is None
    assert all(r["grad_norm"] > 0 and r["weight_norm"] > 0 for r in saved["rows"])
    assert set(saved["histograms"]) == {"first", "last"}
    assert saved["histograms"]["last"]["dense_2"]["epoch"] == 2


def test_both_backends_report_the_same_quantities_with_the_same_names(tmp_path):
    text = "input 4\ndense 8 tanh\ndense 3 softmax\ntrain sgd epochs=1 batch=8"
    data = tiny_data()
    keras_rows, tf1_rows = (quiet_run(text, data, tmp_path, b, name=b, diagnostics=True).best.diagnostics["rows"]
                            for b in BACKENDS)
    assert [(r.keys(), r["layer"]) for r in keras_rows] == [(r.keys(), r["layer"]) for r in tf1_rows]
    assert all(value is not None for row in keras_rows + tf1_rows
               for key, value in row.items() if key not in ("dead", "update_ratio", "saturated"))


def test_without_diagnostics_nothing_is_probed(tmp_path):
    result = quiet_run("input 4\ndense 3 softmax\ntrain adam epochs=1", tiny_data(), tmp_path).best
    assert result.diagnostics is None
    assert not (tmp_path / "run" / "diagnostics.csv").exists()


def test_the_probe_batch_is_the_first_training_samples(tmp_path):
    result = quiet_run("input 4\ndense 3 softmax\ntrain sgd epochs=1 diagnostics=true", tiny_data(n_train=600),
                       tmp_path).best
    assert result.diagnostics["probe_samples"] == PROBE_SAMPLES
    assert len(result.diagnostics["probe_seconds"]) == 2  # before training, after epoch 1


def test_saturation_counts_outputs_near_the_bounds():
    values = np.array([[0.001, 0.5], [0.999, 0.2]])
    assert saturated_fraction(values, "sigmoid") == 0.5
    assert saturated_fraction(np.array([[-0.995, 0.0]]), "tanh") == 0.5
    assert saturated_fraction(values, "relu") is None


def test_a_dead_unit_is_zero_for_every_sample():
    values = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    assert dead_fraction(values, "relu") == pytest.approx(1 / 3)
    assert dead_fraction(values, "tanh") is None


def test_the_report_draws_gradients_activations_and_a_sweep_overlay(tmp_path):
    text = "input 4\ndense 8 tanh|relu\ndense 3 softmax\ntrain adam epochs=2 batch=16 diagnostics=true"
    outcome = nnspec.run(text, data=tiny_data(), out=tmp_path / "sweep", progress="none")
    for result in outcome:
        assert (result.dir / "gradients.png").stat().st_size > 0
        assert (result.dir / "activations.png").stat().st_size > 0
    assert (tmp_path / "sweep" / "sweep_gradients.png").stat().st_size > 0
    assert "sweep_gradients.png" in (tmp_path / "sweep" / "index.html").read_text()


def test_the_plugin_docs_example_adds_a_per_layer_quantity_with_the_probe(tmp_path):
    """docs/plugins.md's per-layer example: a third-party callback using trainer.probe()."""
    import re
    import types
    from pathlib import Path

    from conftest import registered

    docs = (Path(__file__).resolve().parent.parent / "docs" / "plugins.md").read_text()
    section = docs[docs.index("**Per-layer quantities.**"):]
    code = re.search(r"^```python\n(.*?)^```\n", section, flags=re.MULTILINE | re.DOTALL).group(1)
    module = types.ModuleType("first_layer_peak_plugin")
    exec(compile(code, "docs/plugins.md", "exec"), module.__dict__)
    for backend in BACKENDS:
        with registered(module, "first-layer-peak"):
            result = quiet_run("input 4\ndense 8 relu\ndense 3 softmax\ntrain adam epochs=2 batch=8",
                               tiny_data(), tmp_path, backend, name=backend).best
        assert len(result.history["first_layer_peak"]) == 2 and result.history["first_layer_peak"][0] > 0
