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
    assert error.hint == "the branches must end in one shape: a residual block's last layer gives back its input's shape"


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


GRAPH_SPECS = ("residual_mlp",)  # shipped graph specs, smoke-run for one epoch on both backends


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", GRAPH_SPECS)
def test_each_shipped_graph_spec_trains_one_epoch(name, backend, tmp_path):
    from nnspec.dsl.parser import load

    spec = load(Path(__file__).resolve().parent.parent / "specs" / f"{name}.nn")
    (result,) = nnspec.run(spec, backend, epochs=1, out=tmp_path / name, progress="none", report=False)
    assert result.param_count == nnspec.check(spec)[0].param_count
    assert np.isfinite(result.history["loss"][0]) and result.metrics


def test_the_residual_mlp_counts_what_keras_counts():
    keras = pytest.importorskip("keras")
    from nnspec.dsl.parser import load

    plan = nnspec.check(load(Path(__file__).resolve().parent.parent / "specs" / "residual_mlp.nn"))[0]
    x = inputs = keras.Input((64,))
    x = keras.layers.Dense(64, activation="relu")(x)
    for _ in range(3):
        x = keras.layers.Add()([x, keras.layers.Dense(64)(keras.layers.Dense(64, activation="relu")(x))])
    assert plan.param_count == keras.Model(inputs, keras.layers.Dense(10)(x)).count_params() == 29_770


def test_code_writes_a_graph_as_keras_functional_calls_and_tf1_joins():
    from nnspec.export.code import generate_code

    spec = Path(__file__).resolve().parent.parent / "specs" / "residual_mlp.nn"
    keras_script = generate_code(spec, "keras", None)
    assert "add_1 = keras.layers.Add()([dense_1, dense_3])" in keras_script
    assert "model = keras.Model(inputs, dense_8)" in keras_script
    assert "tf.add_n([L1, L3])" in generate_code(spec, "tf1", None)


def _functional_residual_and_branch(keras):
    x = inputs = keras.Input((8,))
    x = keras.layers.Dense(8, activation="relu")(x)
    for _ in range(2):
        x = keras.layers.Add()([x, keras.layers.Dense(8)(keras.layers.Dense(8, activation="relu")(x))])
    x = keras.layers.Concatenate()([keras.layers.Dense(4)(x), keras.layers.Dense(3)(keras.layers.Dense(2)(x))])
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))


def test_import_writes_a_functional_model_in_the_compact_form_and_round_trips(tmp_path):
    keras = pytest.importorskip("keras")
    from nnspec.export.importer import import_model

    model = _functional_residual_and_branch(keras)
    model.save(tmp_path / "graph.keras")
    text = import_model(tmp_path / "graph.keras")
    assert text.splitlines()[2:] == ["input 8", "dense 8 relu", "residual { dense 8 relu; dense 8 } x2",
                                     "concat { dense 4; { dense 2; dense 3 } }", "dense 3 softmax"]
    plan = nnspec.check(nnspec.parse(text))[0]
    assert plan.param_count == model.count_params()
    rebuilt = nnspec.build(plan, "keras")
    assert [type(layer).__name__ for layer in rebuilt.layers] == [type(layer).__name__ for layer in model.layers]


def test_a_graph_run_imports_back_to_its_spec(tmp_path):
    keras = pytest.importorskip("keras")
    from nnspec.export.importer import import_model

    text = GRAPH + "train adam epochs=1 batch=16"
    (result,) = quiet_run(text, tiny_data(shape=(6,)), tmp_path, "keras")
    imported = nnspec.parse(import_model(Path(result.dir) / "model.keras"))
    layers = [s for s in nnspec.parse(text).statements if not isinstance(s, nnspec.dsl.TrainStmt)]
    assert format_spec(nnspec.Spec(tuple(layers))) == format_spec(
        nnspec.Spec(tuple(s for s in imported.statements if not isinstance(s, nnspec.dsl.TrainStmt))))


def test_graphs_import_cannot_write_are_errors_that_say_why(tmp_path):
    keras = pytest.importorskip("keras")
    from nnspec.errors import NNSpecError
    from nnspec.export.importer import import_model

    a, b = keras.Input((4,)), keras.Input((4,))
    two_inputs = keras.Model([a, b], keras.layers.Dense(1)(keras.layers.Add()([a, b])))
    shared = keras.layers.Dense(4)
    x = keras.Input((4,))
    called_twice = keras.Model(x, shared(shared(x)))
    x = keras.Input((4,))
    a = keras.layers.Dense(4)(x)
    joined = keras.layers.Add()([a, keras.layers.Dense(4)(x)])
    crossing = keras.Model(x, keras.layers.Add()([joined, a]))  # a feeds two different merges
    for model, words in ((two_inputs, "2 inputs"), (called_twice, "calls layer"), (crossing, "do not meet in one merge")):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        with pytest.raises(NNSpecError, match=words):
            import_model(path)


def test_the_graph_examples_in_the_language_doc_are_the_shipped_specs():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text()
    section = doc[doc.index("## Graphs"):doc.index("## Names")]
    for name in GRAPH_SPECS:
        shipped = (Path(__file__).resolve().parent.parent / "specs" / f"{name}.nn").read_text()
        statements = [line for line in shipped.splitlines() if line and not line.startswith("#")]
        start = section.index(f"# specs/{name}.nn")
        written = [line.strip() for line in section[start:].splitlines()[1:len(statements) + 1]]
        assert written == statements
        count = f"{nnspec.check(nnspec.parse(shipped))[0].param_count:,} parameters"
        assert count in section[start:].splitlines()[0]


def test_the_editor_offers_block_heads_where_a_statement_starts():
    from nnspec.lsp.completion import complete

    found = complete(["input 4", "resi"], 1, 4)  # "res" would also offer the layer kind reshape
    assert [(c.label, c.detail) for c in found.items] == [("residual", "block head")]
