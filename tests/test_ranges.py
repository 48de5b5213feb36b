"""Ranges in the language: `let lr = 0.0001..0.1 log`, `let units = 16..256`, built through Spec.from_dict.

Their JSON form, the schema, the formatter, the checks (located `bad-range` errors),
`check` and `show` at the ends of each range, the size limit, the LSP's words for
them, and what `run` says without `--trials`. None of this imports TensorFlow.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nnspec
from nnspec.cli import app
from nnspec.dsl import Range, Spec
from nnspec.dsl.diagnostics import Collector
from nnspec.dsl.ranges import has_ranges, search_axes
from nnspec.dsl.show import render_plans
from nnspec.dsl.validate import check_spec, collect
from nnspec.errors import SpecError, SpecErrors
from range_specs import digits_search, with_ranges

ROOT = Path(__file__).resolve().parents[1]
TEXT = "data digits\nlet units = 1 | 2\nlet lr = 1 | 2\ndense $units relu\ndense 10 softmax\ntrain adam lr=$lr\n"


def spec_with(units=(16, 256, False), lr=(0.0001, 0.1, True)) -> Spec:
    return with_ranges(TEXT, {"units": units, "lr": lr}, "ranges.nn")


def problems(spec: Spec) -> list:
    out = Collector(spec.source, spec.filename)
    collect(spec, out)
    return out.diagnostics


def test_a_range_round_trips_through_json_and_matches_the_schema():
    import jsonschema  # a test dependency (pip install -e '.[test]')

    spec = spec_with()
    data = spec.to_dict()
    lets = [s for s in data["statements"] if s["type"] == "let"]
    assert lets[0]["values"] == [{"range": {"low": 16, "high": 256, "log": False}}]
    assert lets[1]["values"] == [{"range": {"low": 0.0001, "high": 0.1, "log": True}}]
    assert Spec.from_dict(json.loads(json.dumps(data))) == spec
    schema = json.loads((ROOT / "docs" / "spec.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    bad = json.loads(json.dumps(data))
    bad["statements"][1]["values"] = [{"range": {"low": "a", "high": 2}}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(bad)


def test_fmt_writes_ranges_as_the_language_does():
    text = nnspec.format(spec_with(lr=(1e-05, 0.1, True)))
    assert "let units = 16..256\n" in text
    assert "let lr = 1e-05..0.1 log\n" in text


def test_integer_ends_make_a_range_of_whole_numbers():
    assert Range(16, 256).integers and not Range(16, 256.0).integers and not Range(0.1, 1).integers
    assert Range(1, 4).ends == (1, 4)


def test_check_and_show_take_each_range_at_its_two_ends():
    result = check_spec(spec_with())
    assert [p.variant_label for p in result.plans] == [
        "units=16 lr=0.0001", "units=16 lr=0.1", "units=256 lr=0.0001", "units=256 lr=0.1"]
    assert result.plans[0].param_count < result.plans[2].param_count
    shown = render_plans(result.plans, spec_with())
    assert shown.startswith("search space: units 16..256, lr 0.0001..0.1 log (nnspec run --trials N samples it)")
    assert has_ranges(spec_with())
    assert [a.describe() for a in search_axes(spec_with())] == ["units 16..256", "lr 0.0001..0.1 log"]


def test_a_range_without_a_single_value_sweep_warning():
    assert not [d for d in problems(spec_with()) if d.code == "single-value-sweep"]


@pytest.mark.parametrize("lr, message", [
    ((0.1, 0.0001, True), "the range 0.1..0.0001 log is empty: its low end must be below its high end"),
    ((0.1, 0.1, False), "the range 0.1..0.1 is empty"),
    ((0, 0.1, True), "the log range 0..0.1 log touches or crosses 0: a log range lies above 0"),
    ((-1, 1, True), "the log range -1..1 log touches or crosses 0"),
])
def test_a_wrong_range_is_a_located_error(lr, message):
    found = [d for d in problems(spec_with(lr=lr)) if d.code == "bad-range"]
    assert len(found) == 1 and found[0].message.startswith(message)
    assert (found[0].line, found[0].column) == (3, 1)  # the let; parsed specs point at the range itself
    with pytest.raises((SpecError, SpecErrors)) as raised:
        check_spec(spec_with(lr=lr))
    assert "ranges.nn:3:1: " in raised.value.render()


def test_a_located_error_points_at_the_range_where_it_was_written():
    spec = spec_with(units=(256, 16, False))
    let = spec.lets[0]
    placed = Spec.from_dict(spec.to_dict())
    statements = list(placed.statements)
    statements[1] = type(let)(let.name, let.values, line=2, column=1, value_spans=((2, 13, 2, 20),))
    placed = type(placed)(tuple(statements), filename="ranges.nn", source=TEXT)
    (error,) = [d for d in problems(placed) if d.code == "bad-range"]
    assert (error.line, error.column) == (2, 13)


def test_a_range_beside_choices_and_a_range_outside_a_let_are_errors():
    data = spec_with().to_dict()
    data["statements"][1]["values"].append(32)
    (mixed,) = [d for d in problems(Spec.from_dict(data)) if d.code == "bad-range"]
    assert mixed.message.startswith("a range is the only value of its let")
    data = spec_with().to_dict()
    data["statements"][5]["options"].append({"key": "epochs", "value": {"range": {"low": 1, "high": 5}}})
    (inline,) = [d for d in problems(Spec.from_dict(data)) if d.code == "bad-range"]
    assert inline.message.startswith("a range is written in a let")


def test_a_float_range_where_a_count_belongs_is_an_error():
    found = problems(spec_with(units=(16.0, 256.0, False)))
    assert any(d.severity == "error" and "units" in d.message for d in found), found


def test_a_range_counts_as_its_two_ends_towards_the_variant_limit():
    ranges = {f"v{i}": (1, 2, False) for i in range(14)}
    lets = "".join(f"let v{i} = 1\n" for i in range(14))  # one value each: no limit before the ranges
    uses = "".join(f"dense ${'v' + str(i)}\n" for i in range(14))
    spec = with_ranges(f"input 4\n{lets}{uses}dense 3 softmax\n", ranges)
    with pytest.raises(SpecError, match="variants or more"):
        check_spec(spec)


def test_hover_completion_and_highlighting_know_ranges():
    from nnspec.lsp.analysis import Snapshot
    from nnspec.lsp.completion import complete
    from nnspec.lsp.hover import hover
    from nnspec.lsp.tokens import TOKEN_TYPES, semantic_tokens

    lines = ["let lr = 0.0001..0.1 log", "let units = 16..256 ", "dense $units relu", "train adam lr=$lr"]
    snapshot = Snapshot("\n".join(lines), None, ())
    about = hover(snapshot, 3, 15)
    assert "search range `lr`" in about.markdown and "log-uniform" in about.markdown
    assert "whole numbers from 16 to 256" in hover(snapshot, 1, 14).markdown
    assert [c.label for c in complete(lines, 1, len(lines[1])).items] == ["log"]
    kinds = {(line, start): TOKEN_TYPES[kind] for line, start, _, kind in semantic_tokens(lines)}
    assert kinds[(0, 9)] == "number" and kinds[(0, 15)] == "operator" and kinds[(0, 21)] == "keyword"


def test_run_without_trials_says_to_use_trials(tmp_path):
    with pytest.raises(SpecError) as raised:
        nnspec.run(spec_with(), out=tmp_path / "r", progress="none")
    assert raised.value.code == "needs-trials"
    assert "--trials N" in raised.value.render()
    assert not (tmp_path / "r").exists()  # refused before anything is written


def test_trials_on_a_spec_without_ranges_or_choices_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["run", str(ROOT / "specs" / "iris.nn"), "--trials", "3",
                                      "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "--trials samples a spec's ranges and choices, and this spec has none" in result.output
    assert not (tmp_path / "r").exists()


def test_search_options_without_trials_are_a_usage_error():
    result = CliRunner().invoke(app, ["run", str(ROOT / "specs" / "iris.nn"), "--prune", "asha"])
    assert result.exit_code == 2 and "give --trials N too" in result.output


def test_the_digits_search_checks_without_tensorflow():
    code = ("import sys; sys.path.insert(0, 'tests'); from range_specs import digits_search; import nnspec; "
            "nnspec.check(digits_search()); assert 'tensorflow' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    assert len(nnspec.check(digits_search()).plans) == 4
