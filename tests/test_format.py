"""The formatter: one canonical layout, idempotent, comments kept, meaning unchanged."""

from pathlib import Path

import pytest
from hypothesis import given, settings

import nnspec
from nnspec.dsl.format import format_spec
from nnspec.dsl.parser import parse_recovering
from spec_strategies import spec_texts

SPECS = sorted(Path(__file__).parent.parent.joinpath("specs").glob("*.nn"))


def meaning(spec):
    """The spec's statements without positions: what formatting must not change."""

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("line", "column", "value_column",
                                                                        "name_column", "optimizer_column",
                                                                        "repeat_column", "end_line", "end_column")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(spec.to_dict()["statements"])


def formatted(text):
    return format_spec(nnspec.parse(text))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_shipped_specs_are_formatted_and_idempotent(path):
    text = path.read_text()
    assert formatted(text) == text


def test_canonical_layout():
    assert formatted("dense   256 relu  init=he   x4 ;dense 10 softmax") == (
        "dense 256 relu init=he x4\ndense 10 softmax\n"
    )
    assert formatted("let a=1|2\ntrain adam lr=.5 metrics=accuracy,mae") == (
        "let a = 1 | 2\ntrain adam lr=0.5 metrics=accuracy,mae\n"
    )


def test_comments_survive_in_place():
    text = "# head\n\ndata iris  # the flowers\n{\n  # inside\n  dense 4  # four\n  dropout 0.25\n} x2  # end\n# tail\n"
    out = formatted(text)
    assert out == (
        "# head\n\ndata iris  # the flowers\n{\n    # inside\n    dense 4  # four\n    dropout 0.25\n} x2  # end\n# tail\n"
    )
    assert formatted(out) == out


def test_short_blocks_stay_on_one_line():
    assert formatted("{\n dense 16 relu\n dropout 0.3\n} x3\n") == "{ dense 16 relu; dropout 0.3 } x3\n"


def test_runs_of_blank_lines_become_one():
    assert formatted("\n\ndense 1\n\n\n\ndense 2\n\n") == "dense 1\n\ndense 2\n"


def test_paths_stay_quoted():
    assert formatted('data csv path="my data/x.csv"') == 'data csv path="my data/x.csv"\n'


@settings(max_examples=300, deadline=None)
@given(spec_texts())
def test_formatting_is_idempotent_and_keeps_meaning(text):
    spec = parse_recovering(text).spec  # the text is well formed; it may be past a size limit
    once = format_spec(spec)
    again = parse_recovering(once).spec
    assert meaning(again) == meaning(spec)
    assert format_spec(again) == once
    assert [c.text for c in again.comments] == [c.text for c in spec.comments]
