"""Ranges in the language: `let lr = 0.0001..0.1 log`, `let units = 16..256`.

The grammar and its errors, their JSON form and the schema, the formatter, the checks
(located `bad-range` errors), `check` and `show` at the ends of each range, the size
limit, the LSP's words for them, and what `run` says without `--trials`. None of this
imports TensorFlow.
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
from range_specs import digits_search

ROOT = Path(__file__).resolve().parents[1]
TEXT = "data digits\nlet units = {units}\nlet lr = {lr}\ndense $units relu\ndense 10 softmax\ntrain adam lr=$lr\n"


def written(low, high, log) -> str:
    return f"{low}..{high}" + (" log" if log else "")


def spec_with(units=(16, 256, False), lr=(0.0001, 0.1, True)) -> Spec:
    return nnspec.parse(TEXT.format(units=written(*units), lr=written(*lr)), "ranges.nn")


def test_the_grammar_reads_ranges_whole_numbers_decimals_exponents_signs_and_log():
    spec = nnspec.parse("let a = 16..256\nlet b = 0.0001..0.1 log\nlet c = 1e-05..1E2 log\nlet d = -1.5..+2\n"
                        "let e = .5..1\ninput 4\ndense 3 softmax\n")
    assert [let.values for let in spec.lets] == [(Range(16, 256),), (Range(0.0001, 0.1, True),),
                                                 (Range(1e-05, 100.0, True),), (Range(-1.5, 2),), (Range(0.5, 1),)]
    first = spec.lets[0]
    assert first.value_spans == ((1, 9, 1, 16),) and (first.end_line, first.end_column) == (1, 16)
    assert spec.lets[1].value_spans == ((2, 9, 2, 24),)  # `log` belongs to the range


def test_log_is_a_keyword_only_right_after_a_range():
    spec = nnspec.parse("let log = 2 | 3\ninput 4\ndense $log relu\ndense 3 softmax\n")
    assert spec.lets[0].name == "log" and spec.lets[0].values == (2, 3)


@pytest.mark.parametrize("text, code, column", [
    ("let a = 1..3 | 5", "unexpected-token", 14),
    ("let a = 1..", "unexpected-character", 11),
    ("let a = 1..3 linear", "unexpected-token", 14),
])
def test_a_range_written_wrongly_is_a_located_syntax_error(text, code, column):
    found = [d for d in nnspec.diagnose(text + "\ninput 4\ndense $a\n", "r.nn") if d.severity == "error"]
    assert (found[0].code, found[0].line, found[0].column) == (code, 1, column)


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
    assert (found[0].line, found[0].column) == (3, 10)  # where the range is written
    with pytest.raises((SpecError, SpecErrors)) as raised:
        check_spec(spec_with(lr=lr))
    assert "ranges.nn:3:10: " in raised.value.render() and "\n             ^" in raised.value.render()
    assert any(d.code == "bad-range" for d in nnspec.diagnose(spec_with(lr=lr).source, "ranges.nn"))


def test_a_range_beside_choices_and_a_range_outside_a_let_are_errors():
    data = spec_with().to_dict()
    data["statements"][1]["values"].append(32)  # only a tool building the JSON can write this
    (mixed,) = [d for d in problems(Spec.from_dict(data)) if d.code == "bad-range"]
    assert mixed.message.startswith("a range is the only value of its let")
    text = "data digits\ndense 16..256 relu\ndense 10 softmax\ntrain adam lr=0.001..0.1 log\n"
    found = [(d.code, d.line, d.column) for d in nnspec.diagnose(text) if d.code == "bad-range"]
    assert found == [("bad-range", 2, 7), ("bad-range", 4, 15)]
    assert "found a range '16..256'" in " ".join(d.message for d in nnspec.diagnose(text))


def test_a_float_range_where_a_count_belongs_is_an_error():
    found = problems(spec_with(units=(16.0, 256.0, False)))
    assert any(d.severity == "error" and "units" in d.message for d in found), found


def test_a_range_counts_as_its_two_ends_towards_the_variant_limit():
    lets = "".join(f"let v{i} = 1..2\n" for i in range(14))
    uses = "".join(f"dense ${'v' + str(i)}\n" for i in range(14))
    with pytest.raises(SpecError, match="variants or more"):
        nnspec.parse(f"input 4\n{lets}{uses}dense 3 softmax\n")


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
    result = CliRunner().invoke(app, ["run", str(ROOT / "specs" / "digits_search.nn"), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "specs/digits_search.nn:4:10: 'let lr = 0.0001..0.1 log' is a range" in result.output
    assert "run it with --trials N" in result.output and "    let lr = 0.0001..0.1 log\n             ^" in result.output
    assert not (tmp_path / "r").exists()  # refused before anything is written
    with pytest.raises(SpecError) as raised:
        nnspec.run(spec_with(), out=tmp_path / "r", progress="none")
    assert raised.value.code == "needs-trials"


def test_trials_on_a_spec_without_ranges_or_choices_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["run", str(ROOT / "specs" / "iris.nn"), "--trials", "3",
                                      "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "--trials samples a spec's ranges and choices, and this spec has none" in result.output
    assert not (tmp_path / "r").exists()


def test_search_options_without_trials_are_a_usage_error():
    result = CliRunner().invoke(app, ["run", str(ROOT / "specs" / "iris.nn"), "--prune", "asha"])
    assert result.exit_code == 2 and "give --trials N too" in result.output


def test_check_show_and_fmt_of_the_shipped_search(tmp_path):
    path = ROOT / "specs" / "digits_search.nn"
    checked = CliRunner().invoke(app, ["check", str(path)])
    assert checked.exit_code == 0
    assert "search space lr 0.0001..0.1 log, units 16..256, checked at the ends of each range" in checked.output
    shown = CliRunner().invoke(app, ["show", str(path)])
    assert shown.output.startswith("search space: lr 0.0001..0.1 log, units 16..256")
    assert "4 variants at the ends of each range" in shown.output and "19,210 params" in shown.output
    assert CliRunner().invoke(app, ["fmt", "--check", str(path)]).exit_code == 0
    messy = tmp_path / "m.nn"
    messy.write_text("input 4\nlet  u =   16..256\ndense $u\ndense 3 softmax\n")
    assert CliRunner().invoke(app, ["fmt", "--stdout", str(messy)]).output.splitlines()[1] == "let u = 16..256"


def test_the_digits_search_checks_without_tensorflow():
    code = ("import sys; sys.path.insert(0, 'tests'); from range_specs import digits_search; import nnspec; "
            "nnspec.check(digits_search()); assert 'tensorflow' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    assert len(nnspec.check(digits_search()).plans) == 4
