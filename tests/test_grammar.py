"""grammar.lark, the reference grammar, and the reader accept exactly the same texts."""

from importlib import resources

import lark
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnspec.dsl.diagnostics import GRAMMAR_CODES
from nnspec.dsl.parser import parse_recovering
from spec_strategies import spec_texts

GRAMMAR = lark.Lark(resources.files("nnspec.dsl").joinpath("grammar.lark").read_text(), parser="lalr")

# characters that make and break structure, inserted into valid specs
NOISE = list(" \t;{}=|,$\"#.x0123+-eE\n\r\u2028\x0bAaZ_@")


def grammar_accepts(text: str) -> bool:
    try:
        GRAMMAR.parse(text)
    except lark.exceptions.LarkError:
        return False
    return True


def reader_accepts(text: str) -> bool:
    return not any(d.code in GRAMMAR_CODES for d in parse_recovering(text).diagnostics)


@st.composite
def mutated_specs(draw):
    text = draw(spec_texts())
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()) and at < len(text):
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + draw(st.sampled_from(NOISE)) + text[at:]
    return text


@settings(max_examples=400, deadline=None)
@given(mutated_specs())
def test_the_reader_accepts_what_the_reference_grammar_accepts(text):
    assert reader_accepts(text) == grammar_accepts(text)


@pytest.mark.parametrize("text", [
    "dense 16 relu x1.5", "x3 4", "let let = 1", "init=x3", "dense 3 init=x3", "{ }", "{ dense 3 } x2 x3",
    "dense 3 }", "{ dense 3", 'data csv path="a', "dense 3 # c\r\ndense 4\rdense 5", "dense\u20283",
    "dense 3 relu x3 relu", "a=1", "dense = 3", "let x 1", "let = 1", "dense 3,", "dense a||b", "dense 3x3x",
])
def test_edge_cases_agree(text):
    assert reader_accepts(text) == grammar_accepts(text), text
