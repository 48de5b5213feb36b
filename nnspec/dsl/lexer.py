"""Spec text -> tokens, with one compiled pattern; comments are kept beside the tokens.

The token rules are those of grammar.lark (the reference grammar; a test checks that
both accept the same texts). Lines end at \\n, \\r\\n or \\r and nowhere else, so line
numbers agree with `errors.source_lines`. A token is a tuple
`(kind, text, line, column, end_column)`: tokens never span lines.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Order matters where two rules match at one place: a repeat (`x3`) and a shape (`3x3`)
# win over a name and a number, as the priorities in grammar.lark say.
_RULES = (
    ("NL", r"\r\n|\r|\n"),
    ("COMMENT", r"#[^\r\n]*"),
    ("STRING", r'"(?:[^"\\\r\n]|\\[^\r\n])*"'),
    ("OPEN_STRING", r'"(?:[^"\\\r\n]|\\[^\r\n])*\\?'),
    # `x1.5` is neither a repeat nor the name `x1` followed by `.5`: reading it either way
    # would let the formatter change its meaning, so it is an error of its own.
    ("BAD_REPEAT", r"x[0-9]+\.[0-9A-Za-z_.]*"),
    ("REPEAT", r"x(?:[0-9]+|\$[A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_.])"),  # x3, or x$depth (swept)
    ("SHAPE", r"[0-9]+(?:x[0-9]+)+(?![A-Za-z0-9_.])"),
    ("NUMBER", r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?"),
    ("NAME", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("VAR", r"\$[A-Za-z_][A-Za-z0-9_]*"),
    ("PUNCT", r"[;{}=|,]"),
    ("BAD", r"[^ \t\f]"),  # not a blank: trailing blanks must match nothing, not BAD
)
# blanks before a token are matched with it: half as many matches to loop over
_PATTERN = re.compile("[ \t\f]*(?:" + "|".join(f"(?P<{name}>{rule})" for name, rule in _RULES) + ")", re.DOTALL)
_PUNCT = {";": "SEMI", "{": "LBRACE", "}": "RBRACE", "=": "EQUAL", "|": "PIPE", ",": "COMMA"}


class Token(NamedTuple):
    """One token: its kind (NAME, NUMBER, SHAPE, STRING, VAR, REPEAT, NL, SEMI, ...)."""

    kind: str
    text: str
    line: int
    column: int
    end_column: int


class RawComment(NamedTuple):
    """A `# comment` and whether code precedes it on its line."""

    text: str
    line: int
    column: int
    own_line: bool


def tokenize(text: str) -> tuple[list[Token], list[RawComment]]:
    """The tokens of `text` (ending with an EOF token) and its comments.

    Characters that start no token become BAD tokens, an unclosed string an
    OPEN_STRING token and `x1.5` a BAD_REPEAT token: the parser reports them.
    """
    tokens: list[Token] = []
    comments: list[RawComment] = []
    append = tokens.append
    new = tuple.__new__  # builds a Token without NamedTuple's Python-level __new__: lexing is hot
    line, line_start = 1, 0
    code_on_line = False
    for match in _PATTERN.finditer(text):
        kind = match.lastgroup
        value = match.group(kind)
        column = match.start(kind) - line_start + 1
        if kind == "NL":
            append(new(Token, ("NL", value, line, column, column + len(value))))
            line += 1
            line_start = match.end()
            code_on_line = False
            continue
        if kind == "COMMENT":  # trailing blanks are not part of a comment's text
            comments.append(RawComment(value.rstrip(" \t\f"), line, column, not code_on_line))
            continue
        if kind == "PUNCT":
            kind = _PUNCT[value]
        code_on_line = True
        append(new(Token, (kind, value, line, column, column + len(value))))
    end = len(text) - line_start + 1
    append(Token("EOF", "", line, end, end))
    return tokens, comments
