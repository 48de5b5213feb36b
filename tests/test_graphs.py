"""Graphs: block heads (residual, add, concat) in the language, the checker and both backends."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import nnspec
from backend_data import BACKENDS, plan_of, quiet_run, tiny_data
from nnspec.dsl.format import format_spec
from nnspec.dsl.show import render_plan

GRAPH = """input 6
dense 8 relu
residual { dense 8 relu; dense 8 } x2
concat { dense 4 tanh; { dense 3 relu; dense 5 } }
add { dense 6; { dense 2; dense 6 } }
dense 3 softmax
"""


def codes(text):
    return [(d.code, d.line, d.column) for d in nnspec.diagnose(text) if d.severity == "error"]


def test_a_head_before_a_block_says_how_its_layers_connect():
    spec = nnspec.parse(GRAPH)
    residual, concat, add = spec.statements[2:5]
    assert (residual.kind, residual.repeat, len(residual.body)) == ("residual", 2, 2)
    assert (concat.kind, add.kind) == ("concat", "add")
    assert [layer.kind for layer in spec.layers].count("add") == 3  # two residual repeats and the add block


def test_expanded_layers_name_what_each_branch_and_merge_reads():
    layers = nnspec.parse("input 4\ndense 4\nresidual { dense 4; dense 4 }\nconcat { dense 2; { dense 1; dense 3 } }").layers
    assert [(layer.kind, layer.inputs) for layer in layers] == [
        ("dense", None), ("dense", None), ("dense", None), ("add", (0, 2)),
        ("dense", None), ("dense", (3,)), ("dense", None), ("concat", (4, 6)),
    ]


def test_plain_stacks_and_blocks_keep_their_json_form():
    data = nnspec.parse("{ dense 3; dropout 0.1 } x2\ndense 2").to_dict()
    assert "kind" not in data["statements"][0] and "options" not in data["statements"][0]


def test_heads_round_trip_through_format_and_json():
    text = "input 6\nresidual { dense 6 relu; dense 6 } x$d\nlet d = 1 | 2\nconcat { dense 2; dense 3 }\ndense 1\n"
    spec = nnspec.parse(text)
    formatted = format_spec(spec)
    assert "residual { dense 6 relu; dense 6 } x$d" in formatted and "concat { dense 2; dense 3 }" in formatted
    assert format_spec(nnspec.parse(formatted)) == formatted
    again = nnspec.Spec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again.statements == spec.statements


def test_heads_match_the_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parent.parent / "docs" / "spec.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(nnspec.parse(GRAPH).to_dict())


def test_a_long_head_block_formats_over_lines_with_its_comments():
    text = ("input 64\nresidual {  # the first block\n  dense 64 relu init=he\n  dense 64 init=he\n} x2\n"
            "dense 10 softmax\n")
    formatted = format_spec(nnspec.parse(text))
    assert formatted.splitlines()[1:5] == ["residual {  # the first block", "    dense 64 relu init=he",
                                           "    dense 64 init=he", "} x2"]


def test_show_counts_the_parameters_keras_counts_and_says_what_merges_read():
    keras = pytest.importorskip("keras")
    plan = plan_of(GRAPH)
    x = inputs = keras.Input((6,))
    x = keras.layers.Dense(8, activation="relu")(x)
    for _ in range(2):
        x = keras.layers.Add()([x, keras.layers.Dense(8)(keras.layers.Dense(8, activation="relu")(x))])
    x = keras.layers.Concatenate()([keras.layers.Dense(4)(x), keras.layers.Dense(5)(keras.layers.Dense(3)(x))])
    x = keras.layers.Add()([keras.layers.Dense(6)(x), keras.layers.Dense(6)(keras.layers.Dense(2)(x))])
    model = keras.Model(inputs, keras.layers.Dense(3)(x))
    assert plan.param_count == model.count_params()
    table = render_plan(plan)
    assert "reads" in table.splitlines()[0]
    assert any(row.startswith("add_1  (add)") and row.endswith("dense_1, dense_3") for row in table.splitlines())
    assert any(row.startswith("concat_1  (concat)") and row.endswith("dense_6, dense_8") for row in table.splitlines())


def test_a_residual_whose_output_differs_from_its_input_is_a_shape_error_at_its_head():
    (error,) = [d for d in nnspec.diagnose("input 64\ndense 64\nresidual { dense 128 }\ndense 1\n") if d.severity == "error"]
    assert (error.code, error.line, error.column, error.message) == ("shape", 3, 1, "add needs equal shapes: 64 and 128")


def test_concat_needs_shapes_that_differ_only_in_the_last_axis():
    text = "input 8x8x1\nconcat { conv2d 4 3x3 padding=same; conv2d 4 3x3 }\nflatten\ndense 2\n"
    (error,) = [d for d in nnspec.diagnose(text) if d.severity == "error"]
    assert error.code == "shape" and "8x8x4 and 6x6x4" in error.message


def test_a_wrong_head_a_lone_branch_and_a_merge_without_branches_are_named():
    found = nnspec.diagnose("input 4\nresidul { dense 4 }\nadd { dense 4 }\nconcat\ndense 3 { dense 2 }\ndense 1\n")
    assert [(d.code, d.line) for d in found if d.severity == "error"] == [
        ("unknown-block", 2), ("one-branch", 3), ("merge-without-branches", 4), ("unknown-block", 5)]
    assert found[0].fix.replacement == "residual"


def test_heads_nest_and_sweep():
    text = "input 8\nlet depth = 1 | 3\nresidual { concat { dense 4; dense 4 }; dense 8 } x$depth\ndense 2\n"
    plans = nnspec.check(nnspec.parse(text))
    assert [p.variant for p in plans] == [(("depth", 1),), (("depth", 3),)]
    assert plans[1].param_count - plans[0].param_count == 2 * (2 * (8 * 4 + 4) + 8 * 8 + 8)


def test_an_error_inside_a_branch_points_at_its_line():
    assert codes("input 4\nconcat {\n  dense 2 relv\n  dense 3\n}\ndense 1\n") == [("unknown-name", 3, 11)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_both_backends_build_and_train_a_graph_with_the_checkers_parameters(backend, tmp_path):
    text = GRAPH + "train adam epochs=3 batch=16"
    plan = plan_of(text, backend)
    model = nnspec.build(plan, backend)
    assert model.count_params() == plan.param_count
    if backend == "tf1":
        model.close()
    (result,) = quiet_run(text, tiny_data(shape=(6,)), tmp_path, backend)
    assert np.all(np.isfinite(result.history["loss"])) and result.history["loss"][-1] < result.history["loss"][0]


def test_a_keras_graph_is_a_functional_model_that_reloads(tmp_path):
    keras = pytest.importorskip("keras")
    plan = plan_of(GRAPH)
    model = nnspec.build(plan, "keras")
    assert not isinstance(model, keras.Sequential)
    model.save(tmp_path / "graph.keras")
    again = keras.models.load_model(tmp_path / "graph.keras", compile=False)  # the graph, not the compiled metrics
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_diagnostics_probe_every_layer_of_a_graph(tmp_path):
    text = GRAPH + "train sgd lr=0.05 epochs=2 batch=16 diagnostics=true"
    for backend in BACKENDS:
        (result,) = quiet_run(text, tiny_data(shape=(6,)), tmp_path / backend, backend)
        rows = result.diagnostics["rows"]
        assert {"dense_1", "dense_9", "add_1", "concat_1"} <= {row["layer"] for row in rows}, backend
        assert all(np.isfinite(row["grad_norm"]) for row in rows if row["kind"] == "dense"), backend
