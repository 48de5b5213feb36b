"""The editor files: the TextMate grammar highlights what the parser reads, and the
VS Code extension points at the files that exist.

A small TextMate-style scanner (leftmost match wins, ties go to the earlier pattern)
runs the grammar's regexes with Python's `re`, which agrees with Oniguruma on the simple
patterns the grammar keeps to. What each token should be comes from the parsed spec.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import nnspec
from nnspec.errors import source_lines
from nnspec.lsp.tokens import TOKEN_TYPES, semantic_tokens
from nnspec.dsl.ast import Alt, Block, LayerStmt, LetStmt, ShapeValue, Text, Var, keyword_of

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = ROOT / "editors" / "vscode" / "syntaxes" / "nnspec.tmLanguage.json"
VSCODE = ROOT / "editors" / "vscode"

EXTRA = """\
# every kind of token, for the grammar
data csv path="data/my file; #1.csv" target=2 header=true
input 28x28x1
let init = xavier | he
{ conv2d 8 3x3 relu padding=same; maxpool 2x2 } x2
flatten; dense 16 tanh|relu init=$init x2  # two hidden layers
dropout .5
dense 10 softmax
train momentum lr=1e-3 momentum=0.9 nesterov=false metrics=accuracy,mae batch=all val=0.1
seed 42
backend tf1
"""


def load_rules() -> list[tuple[re.Pattern, str | None, dict]]:
    """The grammar's match rules in the order a scanner tries them."""
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))

    def flatten(entry):
        if "include" in entry:
            yield from flatten(grammar["repository"][entry["include"].lstrip("#")])
        elif "patterns" in entry:
            for inner in entry["patterns"]:
                yield from flatten(inner)
        else:
            yield re.compile(entry["match"]), entry.get("name"), entry.get("captures", {})

    return [rule for entry in grammar["patterns"] for rule in flatten(entry)]


def tokenize(line: str, rules) -> list[tuple[int, int, str]]:
    """(start, end, scope) of the tokens of one line, captures included."""
    tokens, position = [], 0
    while position < len(line):
        best = None
        for regex, name, captures in rules:
            match = regex.search(line, position)
            if match and match.end() > match.start() and (best is None or match.start() < best[0].start()):
                best = (match, name, captures)
        if best is None:
            break
        match, name, captures = best
        if name:
            tokens.append((match.start(), match.end(), name))
        for group, capture in captures.items():
            if match.group(int(group)) is not None:
                tokens.append((match.start(int(group)), match.end(int(group)), capture["name"]))
        position = match.end()
    return tokens


def scope_at(tokens, column: int) -> str | None:
    """The innermost scope over a 0-based column."""
    covering = [t for t in tokens if t[0] <= column < t[1]]
    return min(covering, key=lambda t: t[1] - t[0])[2] if covering else None


def value_scope(value) -> str:
    if isinstance(value, Alt):
        return value_scope(value.values[0])
    if isinstance(value, tuple):
        return value_scope(value[0])
    if isinstance(value, bool) or value == "all":
        return "constant.language"
    if isinstance(value, ShapeValue):
        return "constant.numeric.shape" if len(value.dims) > 1 else "constant.numeric"
    if isinstance(value, (int, float)):
        return "constant.numeric"
    if isinstance(value, Text):
        return "string.quoted.double"
    if isinstance(value, Var):
        return "variable.other"
    return "support.constant.name"


def expected_scopes(spec) -> list[tuple[int, int, str]]:
    """(line, column, scope prefix) for every token the parser placed (1-based positions)."""
    out = [(c.line, c.column, "comment.line") for c in spec.comments]

    lines = source_lines(spec.source or "")

    def visit(stmt):
        if isinstance(stmt, Block):
            brace = (stmt.line, stmt.column)
            if stmt.kind:  # `residual {`: the head reads as a layer kind does, then the brace
                out.append((stmt.line, stmt.column, "entity.name.function.layer"))
                out.extend((o.line, o.column, "variable.parameter.option") for o in stmt.options)
                brace = (stmt.line, lines[stmt.line - 1].index("{", stmt.column - 1) + 1)
            out.append((*brace, "punctuation.section.block.begin"))
            out.append((stmt.line if stmt.repeat_column else 0, stmt.repeat_column, "keyword.operator.repeat"))
            for inner in stmt.body:
                visit(inner)
            return
        if isinstance(stmt, LayerStmt):
            out.append((stmt.line, stmt.column, "entity.name.function.layer"))
            if stmt.repeat_column:
                out.append((stmt.line, stmt.repeat_column, "keyword.operator.repeat"))
            out.extend((arg.line, arg.column, value_scope(arg.value)) for arg in stmt.args)
        else:
            out.append((stmt.line, stmt.column, "keyword.control.statement"))
        if isinstance(stmt, LetStmt):
            out.append((stmt.line, stmt.column + 4, "variable.other.definition"))
        for attribute in ("name_column", "value_column", "optimizer_column"):
            column = getattr(stmt, attribute, 0)
            if column:
                value = next(getattr(stmt, a) for a in ("name", "shape", "value", "optimizer") if hasattr(stmt, a))
                out.append((stmt.line, column, value_scope(value)))
        for option in getattr(stmt, "options", ()):
            out.append((option.line, option.column, "variable.parameter.option"))
            out.append((option.line, option.value_column, value_scope(option.value)))

    for stmt in spec.statements:
        visit(stmt)
    return [item for item in out if item[0]]


CORPUS = sorted((ROOT / "specs").glob("*.nn"))


def test_grammar_is_json_with_nnspec_scopes():
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    assert grammar["scopeName"] == "source.nnspec" and "nn" in grammar["fileTypes"]
    names = re.findall(r'"name": "([^"]+)"', GRAMMAR.read_text(encoding="utf-8"))
    assert names and all(name.endswith(".nnspec") for name in names if name != "nnspec")
    assert len(load_rules()) >= 12  # every regex compiles in Python's re too


@pytest.mark.parametrize("path", CORPUS + ["EXTRA"], ids=lambda p: getattr(p, "name", p))
def test_grammar_gives_each_parsed_token_its_scope(path):
    text = EXTRA if path == "EXTRA" else path.read_text(encoding="utf-8")
    spec = nnspec.parse(text)
    rules = load_rules()
    lines = text.split("\n")
    tokens = [tokenize(line, rules) for line in lines]
    for line, column, scope in expected_scopes(spec):
        found = scope_at(tokens[line - 1], column - 1)
        assert found is not None and found.startswith(scope), (lines[line - 1], column, scope, found)


@pytest.mark.parametrize("path", CORPUS + ["EXTRA"], ids=lambda p: getattr(p, "name", p))
def test_grammar_leaves_no_character_unhighlighted(path):
    text = EXTRA if path == "EXTRA" else path.read_text(encoding="utf-8")
    rules = load_rules()
    for line in text.split("\n"):
        tokens = tokenize(line, rules)
        bare = [i for i, char in enumerate(line) if not char.isspace() and scope_at(tokens, i) is None]
        assert not bare, (line, bare)


def test_grammar_tells_a_shape_from_a_repeat_and_a_number():
    tokens = tokenize("maxpool 2x2 x3", load_rules())
    assert scope_at(tokens, 8).startswith("constant.numeric.shape")
    assert scope_at(tokens, 12).startswith("keyword.operator.repeat")
    tokens = tokenize("dense 1e-3 relu6", load_rules())
    assert scope_at(tokens, 6) == "constant.numeric.nnspec"
    assert scope_at(tokens, 15) == "support.constant.name.nnspec"


def test_vscode_extension_uses_the_shipped_grammar_and_starts_nnspec_lsp():
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    (grammar,) = package["contributes"]["grammars"]
    assert grammar["scopeName"] == "source.nnspec"
    assert json.loads((VSCODE / grammar["path"]).read_text(encoding="utf-8"))["scopeName"] == "source.nnspec"
    (language,) = package["contributes"]["languages"]
    assert language["extensions"] == [".nn"]
    assert json.loads((VSCODE / language["configuration"]).read_text(encoding="utf-8"))["comments"]["lineComment"] == "#"
    main = (VSCODE / package["main"]).read_text(encoding="utf-8")
    assert "'lsp'" in main and "vscode-languageclient" in main


# the scope the grammar gives to what the server calls each semantic token type
SCOPE_OF_TOKEN = {
    "keyword": ("keyword.control",),
    "function": ("entity.name.function",),
    "parameter": ("variable.parameter",),
    "number": ("constant.numeric",),
    "string": ("string.quoted",),
    "variable": ("variable.other",),
    "comment": ("comment.line",),
    "operator": ("keyword.operator",),
    "enumMember": ("support.constant", "constant.language"),
}


@pytest.mark.parametrize("path", CORPUS + ["EXTRA"], ids=lambda p: getattr(p, "name", p))
def test_semantic_tokens_agree_with_the_grammar(path):
    text = EXTRA if path == "EXTRA" else path.read_text(encoding="utf-8")
    rules = load_rules()
    lines = text.split("\n")
    tokens = semantic_tokens(lines)
    assert tokens
    for line, start, length, kind in tokens:
        scope = scope_at(tokenize(lines[line], rules), start)
        assert scope is not None and scope.startswith(SCOPE_OF_TOKEN[TOKEN_TYPES[kind]]), \
            (lines[line], lines[line][start:start + length], TOKEN_TYPES[kind], scope)
