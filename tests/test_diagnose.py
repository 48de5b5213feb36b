"""nnspec.diagnose: every problem of a spec as data, never an exception."""

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from typer.testing import CliRunner

import nnspec
from nnspec.cli import app
from nnspec.errors import NNSpecError
from spec_strategies import mutated_specs


def by_code(diagnostics):
    return {d.code: d for d in diagnostics}


def test_errors_and_warnings_come_back_as_data_with_ranges_and_fixes():
    found = nnspec.diagnose("input 4\nlet a = 1\ndense 3 relv\n", "t.nn")
    assert [(d.severity, d.code) for d in found] == [
        ("warning", "single-value-sweep"),
        ("warning", "unused-variable"),
        ("error", "unknown-name"),
    ]
    unknown = by_code(found)["unknown-name"]
    assert (unknown.line, unknown.column, unknown.end_line, unknown.end_column) == (3, 9, 3, 13)
    assert unknown.message == "unknown activation 'relv'"
    assert unknown.hint == "did you mean 'relu'?"
    assert unknown.fix == nnspec.Fix(3, 9, 3, 13, "relu")
    assert isinstance(unknown, nnspec.Diagnostic)


def test_an_unknown_layer_kinds_did_you_mean_is_also_its_fix(tmp_path):
    path = tmp_path / "t.nn"
    path.write_text("input 4\ndenze 3\ntrain adam\n")
    result = CliRunner().invoke(app, ["check", "--format", "json", str(path)])
    (printed,) = json.loads(result.stdout)
    assert printed["hint"] == "did you mean 'dense'?"
    assert printed["fix"] == {"line": 2, "column": 1, "end_line": 2, "end_column": 6, "replacement": "dense"}
    (statement,) = nnspec.diagnose("input 4\noptimizer adam\n")  # a statement's word, not a kind: no fix
    assert statement.hint.startswith("statements are") and statement.fix is None


def test_a_clean_spec_has_no_diagnostics():
    assert nnspec.diagnose("input 4\ndense 3 softmax\n") == []


def test_diagnostics_are_json_ready():
    found = nnspec.diagnose("input 4\ndense 3 relv\n")
    data = json.loads(json.dumps([d.to_dict() for d in found]))
    assert data[0]["fix"] == {"line": 2, "column": 9, "end_line": 2, "end_column": 13, "replacement": "relu"}
    assert set(data[0]) == {"severity", "code", "message", "line", "column", "end_line", "end_column", "hint", "fix"}


def test_diagnose_never_raises_for_broken_text():
    for text in ["dense 3\x00", 'data csv path="abc', "{ dense 3", "}", "dense 3 @", "= = =", "\ufeff\u2028x"]:
        found = nnspec.diagnose(text)
        assert found and all(d.severity == "error" for d in found[:1]), text


def test_check_format_json_prints_the_same_diagnostics(tmp_path):
    path = tmp_path / "t.nn"
    text = "input 4\nlet a = 1\ndense 3 relv\n"
    path.write_text(text)
    result = CliRunner().invoke(app, ["check", "--format", "json", str(path)])
    assert result.exit_code == 1
    printed = json.loads(result.stdout)
    assert printed == [{"file": str(path), **d.to_dict()} for d in nnspec.diagnose(text, str(path))]


def test_check_text_output_renders_warnings_and_errors_in_source_order(tmp_path):
    path = tmp_path / "t.nn"
    path.write_text("input 4\nlet a = 1\ndense 3 relv\n")
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    heads = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert heads == [
        f"{path}:2:1: warning: variable 'a' has one value: it sweeps nothing",
        f"{path}:2:1: warning: variable 'a' is never used",
        f"{path}:3:9: unknown activation 'relv'; did you mean 'relu'?",
    ]


def test_a_dataset_option_error_points_at_the_option(tmp_path):
    found = nnspec.diagnose('data csv  test=0.2 path="no/such.csv"\ndense 1\n')
    error = found[0]
    assert error.severity == "error"
    assert (error.line, error.column) == (1, 20)


def test_diagnose_does_not_import_tensorflow():
    code = (
        "import sys, nnspec\n"
        "nnspec.diagnose('data iris\\ndense 3 relv\\ntrain adamm')\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@settings(max_examples=300, deadline=None)
@given(mutated_specs())
def test_diagnose_never_raises_and_every_range_is_ordered(text):
    for d in nnspec.diagnose(text):
        assert d.severity in ("error", "warning", "info")
        assert (d.end_line, d.end_column) > (d.line, d.column) >= (1, 1), d


def test_a_spec_with_data_and_no_layers_is_an_error_not_a_crash():
    assert [d.code for d in nnspec.diagnose("data iris\n")] == ["no-layers"]


def test_check_reports_a_wrong_layer_and_a_wrong_backend_at_once(tmp_path):
    path = tmp_path / "two.nn"
    path.write_text("data iris\ndense 8 relu\ndens 3 softmax\nbackend tf2\n")
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3:1: unknown layer kind 'dens'" in result.output
    assert f"{path}:4:9: unknown backend 'tf2'" in result.output


# one wrong statement each; any two of different statements are reported together
WRONG = {
    "data": ["data irs", "data iris test=2", "data iris colour=1"],
    "input": ["input abc"],
    "hidden": ["dens 8 relu", "dense 8 relv", "dense 8 relu foo=1", "dense -3 relu", "dense 8 relu init=hee"],
    "output": ["dense 3 softmx", "dropout 2"],
    "train": ["train adm", "train adam lr=abc", "train adam loss=mse2", "train adam epochs=0"],
    "seed": ["seed -1", "seed abc"],
    "backend": ["backend tf2"],
}
RIGHT = {"data": "data iris", "input": None, "hidden": "dense 8 relu", "output": "dense 3 softmax",
         "train": "train adam lr=0.01 epochs=2", "seed": "seed 1", "backend": "backend keras"}


def test_errors_in_different_statements_never_hide_each_other():
    import itertools

    hidden = []
    for (first, one), (second, other) in itertools.combinations(
            [(statement, wrong) for statement, wrongs in WRONG.items() for wrong in wrongs], 2):
        if first == second:
            continue
        lines = [{first: one, second: other}.get(statement, RIGHT[statement]) for statement in RIGHT]
        lines = [line for line in lines if line]
        text = "\n".join(lines) + "\n"
        wanted = {lines.index(one) + 1, lines.index(other) + 1}
        found = {d.line for d in nnspec.diagnose(text) if d.severity == "error"}
        with pytest.raises(NNSpecError) as raised:
            nnspec.check(text)
        if not wanted <= found or not wanted <= {error.line for error in raised.value.errors}:
            hidden.append(f"{one!r} + {other!r}: errors on lines {sorted(found)}")
    assert not hidden, "\n".join(hidden)
