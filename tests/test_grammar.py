"""grammar.lark is the parser: a text has a grammar-level diagnostic exactly when Lark, given
nothing but grammar.lark, rejects it (recovery neither invents syntax errors nor hides them)."""

from importlib import resources

import lark
import pytest
from hypothesis import given, settings

from nnspec.dsl.diagnostics import GRAMMAR_CODES
from nnspec.dsl.parser import parse_recovering
from spec_strategies import mutated_specs

GRAMMAR = lark.Lark(resources.files("nnspec.dsl").joinpath("grammar.lark").read_text(), parser="lalr")


def grammar_accepts(text: str) -> bool:
    try:
        GRAMMAR.parse(text)
    except lark.exceptions.LarkError:
        return False
    return True


def nnspec_accepts(text: str) -> bool:
    return not any(d.code in GRAMMAR_CODES for d in parse_recovering(text).diagnostics)


@settings(max_examples=400, deadline=None)
@given(mutated_specs())
def test_nnspec_accepts_what_the_bare_grammar_accepts(text):
    assert nnspec_accepts(text) == grammar_accepts(text)


@pytest.mark.parametrize("text", [
    "dense 16 relu x1.5", "x3 4", "let let = 1", "init=x3", "dense 3 init=x3", "{ }", "{ dense 3 } x2 x3",
    "dense 3 }", "{ dense 3", 'data csv path="a', "dense 3 # c\r\ndense 4\rdense 5", "dense\u20283",
    "dense 3 relu x3 relu", "a=1", "dense = 3", "dense 3\n ", "dense 3 \t", " ", "let x 1", "let = 1", "dense 3,", "dense a||b", "dense 3x3x",
])
def test_edge_cases_agree(text):
    assert nnspec_accepts(text) == grammar_accepts(text), text
