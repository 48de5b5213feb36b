"""The formatter: one canonical layout, idempotent, comments kept, meaning unchanged."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnspec
from nnspec.dsl.format import format_spec

SPECS = sorted(Path(__file__).parent.parent.joinpath("specs").glob("*.nn"))


def meaning(spec):
    """The spec's statements without positions: what formatting must not change."""

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("line", "column", "value_column",
                                                                        "name_column", "optimizer_column",
                                                                        "repeat_column", "end_line")}
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


# ---------------------------------------------------------------- generated specs

names = st.sampled_from(["relu", "tanh", "he", "xavier", "zeros", "a_b", "valid", "true", "false"])
numbers = st.one_of(
    st.integers(min_value=-10**6, max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
)
shapes = st.lists(st.integers(min_value=1, max_value=512), min_size=2, max_size=3).map(lambda d: "x".join(map(str, d)))
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).map(
    lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
)
atoms = st.one_of(names, numbers.map(repr), shapes, texts, st.sampled_from(["$a", "$b"]))
values = st.one_of(
    atoms,
    st.lists(st.one_of(names, numbers.map(repr)), min_size=2, max_size=3).map(",".join),
    st.lists(st.one_of(names, numbers.map(repr), shapes), min_size=2, max_size=3).map("|".join),
)
keys = st.sampled_from(["init", "bias", "lr", "path", "rate", "stride"])


@st.composite
def layer_lines(draw):
    kind = draw(st.sampled_from(["dense", "dropout", "conv2d", "flatten", "my_layer"]))
    args = draw(st.lists(values, max_size=3))
    option_keys = draw(st.lists(keys, max_size=3, unique=True))
    options = [f"{k}={draw(values)}" for k in option_keys]
    repeat = draw(st.sampled_from(["", " x2", " x10"]))
    return " ".join([kind, *args, *options]) + repeat


@st.composite
def statements(draw):
    choice = draw(st.integers(0, 6))
    if choice == 0:
        return "data " + draw(st.sampled_from(["iris", "my_data"])) + "".join(f" {k}={draw(values)}" for k in draw(st.lists(keys, max_size=2, unique=True)))
    if choice == 1:
        return "let " + draw(st.sampled_from(["a", "b"])) + " = " + " | ".join(draw(st.lists(atoms, min_size=1, max_size=3)))
    if choice == 2:
        return "train " + draw(names) + "".join(f" {k}={draw(values)}" for k in draw(st.lists(keys, max_size=3, unique=True)))
    if choice == 3:
        return "{ " + "; ".join(draw(st.lists(layer_lines(), min_size=1, max_size=3))) + " }" + draw(st.sampled_from(["", " x3"]))
    return draw(layer_lines())


@st.composite
def spec_texts(draw):
    lines = draw(st.lists(statements(), min_size=1, max_size=8))
    out = []
    for line in lines:
        if draw(st.booleans()):
            line += "  # " + draw(st.sampled_from(["note", "why", "x=1 | 2"]))
        out.append(line)
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(st.sampled_from(["", "# own line"])))
    separator = draw(st.sampled_from(["\n", "\n\n"]))
    return separator.join(out) + "\n"


@settings(max_examples=300, deadline=None)
@given(spec_texts())
def test_formatting_is_idempotent_and_keeps_meaning(text):
    spec = nnspec.parse(text)
    once = format_spec(spec)
    again = nnspec.parse(once)
    assert meaning(again) == meaning(spec)
    assert format_spec(again) == once
    assert [c.text for c in again.comments] == [c.text for c in spec.comments]
