"""What the Lark parser reduces -> the syntax tree's nodes, inside the parser (no tree is built).

parser.py gives a `NodeBuilder` to its one Lark parser, so each rule's method below runs
as the rule is reduced. A method gets the rule's children (Lark tokens and what the
methods of inner rules returned) and returns a node with start and end positions taken
from the tokens (Lark gives an in-parser transformer no `meta`). Per-parse state (the
Collector, the comments, which statements broke) lives in a `ParseState` held by a
context variable, because the parser is built once and shared.

Recovery (recovery.py) feeds placeholder tokens, whose text is empty, to finish a
statement that broke; a value holding one is dropped here, so a broken statement keeps
what it held before the error and nothing half-built.
"""

from __future__ import annotations

import math
import re
from contextvars import ContextVar
from dataclasses import dataclass, field

from lark import Token, Transformer

from .ast import Alt, Arg, Block, Comment, LayerStmt, LetStmt, Option, ShapeValue, Text, Var, keyword_of
from .diagnostics import Collector
from .keywords import KEYWORDS, build_statement

Span = tuple[int, int, int, int]


@dataclass
class ParseState:
    """What one parse collects besides the statements."""

    text: str  # the text Lark reads: lone \r already turned into \n (same length)
    out: Collector
    comments: list[Comment] = field(default_factory=list)
    broken: list[tuple[str, Span]] = field(default_factory=list)
    mark: int = 0  # diagnostics before this index belong to statements already reduced
    dropped_repeats: set[int] = field(default_factory=set)  # offsets of repeats an error followed

    def error(self, message: str, where, code: str, hint: str | None = None,
              replacement: str | None = None) -> None:
        """Report an error at a token or a span."""
        span = token_span(where) if isinstance(where, Token) else where
        self.out.error(message, span=span, code=code, hint=hint, replacement=replacement)

    def breaks(self, head: str, span: Span) -> None:
        """Note a statement that had an error since the last one: the checker's word on it is doubtful."""
        if any(d.code != "name-case" for d in self.out.diagnostics[self.mark:]):
            self.broken.append((head, span))
        self.mark = len(self.out.diagnostics)


STATE: ContextVar[ParseState] = ContextVar("nnspec_parse_state")
_MISSING = object()  # a placeholder's value: the value it stands in is dropped


def token_span(token: Token) -> Span:
    """(line, column, end_line, end_column) of a token; a line end ends on its own line."""
    return (token.line, token.column, *token_end(token))


def token_end(token: Token) -> tuple[int, int]:
    """(line, column) just past a token; just past a line end is still on its line, as in an editor."""
    if token.type == "_NL":
        return token.line, token.column + len(token.value)
    return token.end_line, token.end_column


def is_placeholder(token) -> bool:
    """True for a token recovery inserted (real tokens are never empty, but $END)."""
    return isinstance(token, Token) and not token.value and token.type != "$END"


def comment(token: Token) -> Token:
    """Lexer callback: keep a comment, noting whether code precedes it on its line."""
    state = STATE.get()
    text = state.text
    line_start = text.rfind("\n", 0, token.start_pos) + 1
    own_line = not text[line_start:token.start_pos].strip(" \t\f")
    body = token.value.rstrip(" \t\f")  # trailing blanks are not part of a comment's text
    state.comments.append(Comment(body, token.line, token.column, own_line, token.line, token.column + len(body)))
    return token


class NodeBuilder(Transformer):
    """The rule callbacks; an instance is given to the Lark parser once."""

    def start(self, children):
        return [c for c in children if c is not None]

    # ---- values
    def alt_item(self, children):
        atoms = [atom(c) if isinstance(c, Token) else c for c in children]
        first, last = atoms[0], atoms[-1]
        values = tuple(a.value for a in atoms)
        value = _MISSING if _MISSING in values else values
        return Arg(value, first.line, first.column, last.end_line, last.end_column)

    def value(self, children):
        items = [atom(c) if isinstance(c, Token) else c for c in children]
        first, last = items[0], items[-1]
        if any(i.value is _MISSING for i in items):
            return Arg(_MISSING, first.line, first.column, last.end_line, last.end_column)
        spans = tuple((i.line, i.column, i.end_line, i.end_column) for i in items)
        return Arg(Alt(tuple(i.value for i in items), spans), first.line, first.column, last.end_line,
                   last.end_column)

    def option(self, children):
        key, value = children
        value = atom(value) if isinstance(value, Token) else value
        if value.value is _MISSING:
            return Arg(_MISSING, key.line, key.column, value.end_line, value.end_column)
        return Option(name(key), value.value, key.line, key.column, value.column, value.end_line, value.end_column)

    # ---- statements
    def stmt(self, children):
        state = STATE.get()
        repeat = children[-1] if len(children) > 1 and getattr(children[-1], "type", None) == "REPEAT" else None
        head = children[0]
        if is_placeholder(head):
            state.mark = len(state.out.diagnostics)
            return None
        keyword, args, options, end = _head(children[:-1] if repeat is not None else children)
        counted = None
        if repeat is not None and repeat.start_pos in state.dropped_repeats:
            end, repeat = repeat, None
        if repeat is not None:
            end = repeat
            count = repeat_count(repeat) if keyword not in KEYWORDS else 1
            counted = (count, token_span(repeat))
        where = (head.line, head.column, end.end_line, end.end_column)
        node = build_statement(keyword, where, args, options, counted, state.error)
        state.breaks(keyword, where)
        return node

    def let_stmt(self, children):
        state = STATE.get()
        let, var, value = children
        if is_placeholder(var):
            state.mark = len(state.out.diagnostics)
            return None
        variable = name(var)
        value = atom(value) if isinstance(value, Token) else value
        if value.value is _MISSING:
            state.mark = len(state.out.diagnostics)
            return None
        if isinstance(value.value, Alt):
            values, spans = value.value.values, value.value.spans
        else:
            values, spans = (value.value,), (span_of(value),)
        node = LetStmt(variable, tuple(values), let.line, let.column, value.end_line, value.end_column, tuple(spans))
        state.breaks(f"let {variable}", span_of(node))
        return node

    def block(self, children):
        state = STATE.get()
        brace = next(i for i, c in enumerate(children) if getattr(c, "type", None) == "LBRACE")
        head = _head(children[:brace]) if brace else None  # `residual {`: the head, read as a layer's is
        repeat = children[-1] if getattr(children[-1], "type", None) == "REPEAT" else None
        *inner, closing = children[brace + 1:-1] if repeat is not None else children[brace + 1:]
        if repeat is not None and repeat.start_pos in state.dropped_repeats:
            repeat = None
        body = []
        for node in inner:
            if node is None:
                continue
            if isinstance(node, (LayerStmt, Block)):
                body.append(node)
            else:
                state.error(f"'{keyword_of(node)}' cannot be inside a block: only layers can", span_of(node),
                            "not-in-block")
        last = repeat or closing
        start = children[0]
        span = (start.line, start.column, last.end_line, last.end_column)
        if not body and not is_placeholder(closing):
            state.error("a block needs at least one layer", (start.line, start.column, closing.end_line,
                        closing.end_column), "empty-block")
        node = None
        if body:
            count = repeat_count(repeat) if repeat is not None else 1
            kind, args, options = head[:3] if head is not None else ("", [], [])
            node = Block(tuple(body), count, start.line, start.column, repeat.column if repeat else 0,
                         last.end_line, last.end_column, kind, tuple(args), tuple(options))
        if any(d.code != "name-case" and (span[0], span[1]) <= (d.line, d.column) <= (span[2], span[3])
               for d in state.out.diagnostics):
            state.broken.append(("block", span))
        state.mark = len(state.out.diagnostics)
        return node


def _head(children) -> tuple[str, list[Arg], list[Option], object]:
    """`NAME item*`: the name, the positional arguments and options, and the last of them read."""
    state = STATE.get()
    head = children[0]
    keyword = name(head)
    args: list[Arg] = []
    options: list[Option] = []
    seen: dict[str, Option] = {}
    end = head
    for item in children[1:]:
        if isinstance(item, Token):
            item = atom(item)
        end = item
        if item.value is _MISSING:
            continue
        if isinstance(item, Option):
            if item.key in seen:
                state.error(f"duplicate option '{item.key}'", (item.line, item.column, item.line,
                            item.column + len(item.key)), "duplicate-option",
                            hint=f"it was already given at column {seen[item.key].column}")
            seen[item.key] = item
            options.append(item)
        else:
            if options:
                state.error("positional argument after options", span_of(item), "positional-after-option",
                            hint="write positional arguments first, then key=value options")
            args.append(item)
    return keyword, args, options, end


def span_of(node) -> Span:
    """(line, column, end_line, end_column) of a node."""
    return node.line, node.column, node.end_line, node.end_column


def atom(token: Token) -> Arg:
    """One written value (a name, number, shape, string or `$variable`) and where it is."""
    kind, text = token.type, token.value
    where = token.line, token.column, token.end_line, token.end_column
    if not text:
        return Arg(_MISSING, *where)
    if kind == "NAME":
        value = name(token)
        if value == "true":
            value = True
        elif value == "false":
            value = False
    elif kind == "NUMBER":
        value = number(token)
    elif kind == "SHAPE":
        dims = [integer(part, token) for part in text.split("x")]
        value = ShapeValue(tuple(d if d is not None else 0 for d in dims))
    elif kind == "STRING":
        value = Text(_unescape(text[1:-1]))
    else:  # VAR
        variable = text[1:]
        if variable != variable.lower():
            STATE.get().error(f"names are lower case: '{text}'", token, "name-case", hint=f"write '{text.lower()}'",
                              replacement=text.lower())
        value = Var(variable.lower())
    return Arg(value, *where)


def name(token: Token) -> str:
    """A name, lower-cased with a `name-case` error (and its fix) where it was not."""
    text = token.value
    if text != text.lower():
        STATE.get().error(f"names are lower case: '{text}'", token, "name-case", hint=f"write '{text.lower()}'",
                          replacement=text.lower())
        return text.lower()
    return text


def number(token: Token):
    text = token.value
    if "." in text or "e" in text or "E" in text:
        value = float(text)
        if math.isinf(value):
            STATE.get().error(f"number too large: {text[:12]}", token, "number-too-large")
            return 0.0
        return value
    value = integer(text, token)
    return 0 if value is None else value


def integer(text: str, token: Token) -> int | None:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts
        STATE.get().error(f"number too large: {text[:12]}...", token, "number-too-large")
        return None


def repeat_count(token: Token) -> int | Var:
    """The count of `xN`, or the variable of `x$depth`."""
    if token.value[1:2] == "$":
        return Var(token.value[2:])
    count = integer(token.value[1:], token)
    if count is not None and count < 1:
        STATE.get().error(f"repeat count must be at least 1, found '{token.value}'", token, "repeat-count")
    return count if count is not None else 1


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), body)
