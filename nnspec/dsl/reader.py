"""The recursive-descent reader behind parser.py: tokens -> statement nodes and diagnostics.

A statement ends at a newline, `;` or the `}` of its block. On an error the reader
reports it, skips to that end and goes on; the broken statement keeps what it held
before the error (`Reader.broken` lists where such statements are).
"""

from __future__ import annotations

import math
import re

from .ast import Alt, Arg, Block, LayerStmt, LetStmt, Option, ShapeValue, Text, Var, keyword_of
from .diagnostics import Collector
from .keywords import KEYWORDS, build_statement
from .lexer import Token, tokenize

_ENDS = frozenset({"NL", "SEMI", "RBRACE", "EOF"})
_ATOMS = frozenset({"NAME", "NUMBER", "SHAPE", "STRING", "VAR", "REPEAT"})
_JOINS = frozenset({"PIPE", "COMMA"})


class _Broken(Exception):
    """A statement cannot be read further; `partial` is what it held before the error."""

    def __init__(self, partial=None, name: str | None = None) -> None:
        super().__init__()
        self.partial = partial
        self.name = name


def _describe(token: Token) -> str:
    if token.kind == "EOF":
        return "end of file"
    if token.kind == "NL":
        return "end of line"
    return f"'{token.text}'"


def _span(first: Token, last: Token) -> tuple[int, int, int, int]:
    return first.line, first.column, last.line, last.end_column


class Reader:
    """Reads the statements of one text, reporting problems to a Collector."""

    def __init__(self, text: str, out: Collector) -> None:
        self.tokens, self.comments = tokenize(text)
        self.tokens.extend([self.tokens[-1]] * 3)  # EOF padding: looking ahead needs no bounds check
        self.pos = 0
        self.out = out
        self.broken: list[tuple[str, tuple[int, int, int, int]]] = []

    # ---- tokens and errors
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[self.pos + ahead]

    def last(self) -> Token:
        return self.tokens[max(self.pos - 1, 0)]

    def error(self, message: str, where, code: str, hint: str | None = None,
              replacement: str | None = None) -> None:
        span = (where.line, where.column, where.line, where.end_column) if isinstance(where, Token) else where
        self.out.error(message, span=span, code=code, hint=hint, replacement=replacement)

    def unexpected(self, token: Token) -> None:
        """Report a token that cannot stand where it is."""
        kind = token.kind
        if kind == "BAD":
            char = token.text
            shown = f"'{char}'" if char.isprintable() else repr(char)
            self.error(f"unexpected character {shown}", token, "unexpected-character")
        elif kind == "OPEN_STRING":
            self.error("unterminated string", token, "unterminated-string", hint='close it with " on the same line')
        elif kind == "BAD_REPEAT":
            self.error(f"a repeat count is a whole number, found '{token.text}'", token, "bad-repeat",
                       hint="repeat with x and a whole number, e.g. x2")
        elif kind == "RBRACE":
            self.error("unmatched '}'", token, "unmatched-brace")
        elif kind == "EQUAL":
            self.error("unexpected '='", token, "unexpected-token",
                       hint="an option is key=value after a layer or statement name")
        else:
            self.error(f"unexpected {_describe(token)}", token, "unexpected-token")

    def skip(self) -> None:
        """Move to the end of the current statement (a `{ ... }` inside it is skipped whole)."""
        depth = 0
        while True:
            kind = self.peek().kind
            if kind == "EOF" or (depth == 0 and kind in _ENDS):
                return
            if kind == "LBRACE":
                depth += 1
            elif kind == "RBRACE":
                depth -= 1
            self.pos += 1

    # ---- structure
    def statements(self, block_open: Token | None) -> list:
        """Statements up to the end of the file, or up to the `}` of the open block."""
        out = []
        while True:
            token = self.peek()
            kind = token.kind
            if kind == "NL" or kind == "SEMI":
                self.pos += 1
                continue
            if kind == "EOF":
                return out
            if kind == "RBRACE":
                if block_open is not None:
                    return out
                self.unexpected(token)
                self.pos += 1
                continue
            errors_before = len(self.out.diagnostics)
            head = token.text.lower() if kind == "NAME" else keyword_of_token(kind)
            try:
                node = self.statement()
                following = self.peek()
                if following.kind not in _ENDS or (following.kind == "RBRACE" and block_open is None):
                    self.unexpected(following)
                    self.pos += 1
                    raise _Broken(node)
            except _Broken as broken:
                node = broken.partial
                if broken.name:
                    head = f"let {broken.name}"
                self.skip()
            if node is not None:
                out.append(node)
            if len(self.out.diagnostics) > errors_before and any(
                d.code != "name-case" for d in self.out.diagnostics[errors_before:]
            ):
                self.broken.append((head, _span(token, self.last())))

    def statement(self):
        token = self.peek()
        if token.kind == "LBRACE":
            return self.block()
        if token.kind == "NAME" and token.text == "let":
            return self.let()
        if token.kind in ("NAME", "REPEAT"):  # `x3` first in a statement is a name
            return self.stmt()
        self.unexpected(token)
        self.pos += 1
        raise _Broken()

    def block(self) -> Block:
        opening = self.tokens[self.pos]
        self.pos += 1
        body = []
        for node in self.statements(opening):
            if isinstance(node, (LayerStmt, Block)):
                body.append(node)
            else:
                self.error(f"'{keyword_of(node)}' cannot be inside a block: only layers can",
                           (node.line, node.column, node.end_line, node.end_column), "not-in-block")
        if self.peek().kind != "RBRACE":
            self.error("unclosed '{': the block needs a closing '}'", opening, "unclosed-brace")
            raise _Broken(self.make_block(body, opening, None) if body else None)
        closing = self.tokens[self.pos]
        self.pos += 1
        if not body:
            self.error("a block needs at least one layer", _span(opening, closing), "empty-block")
        repeat = None
        if self.peek().kind == "REPEAT":
            repeat = self.tokens[self.pos]
            self.pos += 1
            self.repeat_is_last(repeat)
        return self.make_block(body, opening, repeat) if body else None

    def make_block(self, body: list, opening: Token, repeat: Token | None) -> Block:
        end = self.last()
        return Block(tuple(body), self.repeat(repeat) if repeat else 1, opening.line, opening.column,
                     repeat.column if repeat else 0, end.line, end.end_column)

    def repeat_is_last(self, repeat: Token) -> None:
        following = self.peek()
        if following.kind not in _ENDS:
            self.error(f"unexpected {_describe(following)} after the repeat '{repeat.text}'", following,
                       "repeat-not-last", hint="the repeat must be the last token of a layer or block")
            raise _Broken()

    def let(self) -> LetStmt:
        let_token = self.tokens[self.pos]
        self.pos += 1
        name_token = self.peek()
        if name_token.kind not in ("NAME", "REPEAT"):
            self.error(f"expected a variable name after 'let', found {_describe(name_token)}", name_token,
                       "expected-value", hint="e.g. 'let init = xavier | he'")
            raise _Broken()
        self.pos += 1
        name = self.name(name_token)
        if self.peek().kind != "EQUAL":
            self.error(f"expected '=' after 'let {name}', found {_describe(self.peek())}", self.peek(),
                       "unexpected-token", hint="e.g. 'let init = xavier | he'")
            raise _Broken(name=name)
        self.pos += 1
        try:
            value, first, last = self.value()
        except _Broken as broken:
            broken.name = name
            raise
        if isinstance(value, Alt):
            values, spans = value.values, value.spans
        else:
            values, spans = (value,), (_span(first, last),)
        return LetStmt(name, tuple(values), let_token.line, let_token.column, last.line, last.end_column,
                       tuple(spans))

    def stmt(self):
        head = self.tokens[self.pos]
        self.pos += 1
        keyword = self.name(head)
        args: list[Arg] = []
        options: list[Option] = []
        seen: dict[str, Option] = {}
        repeat = None
        broken = False
        tokens = self.tokens
        try:
            while True:
                token = tokens[self.pos]
                kind = token.kind
                if kind in _ENDS:
                    break
                if kind == "REPEAT":
                    self.pos += 1
                    self.repeat_is_last(token)
                    repeat = token
                    break
                if kind == "NAME" and tokens[self.pos + 1].kind == "EQUAL":
                    self.pos += 2
                    value, first, last = self.value()
                    option = Option(self.name(token), value, token.line, token.column, first.column,
                                    last.line, last.end_column)
                    if option.key in seen:
                        self.error(f"duplicate option '{option.key}'", token, "duplicate-option",
                                   hint=f"it was already given at column {seen[option.key].column}")
                    seen[option.key] = option
                    options.append(option)
                elif kind in _ATOMS:
                    value, first, last = self.value()
                    if options:
                        self.error("positional argument after options", _span(first, last),
                                   "positional-after-option",
                                   hint="write positional arguments first, then key=value options")
                    args.append(Arg(value, first.line, first.column, last.line, last.end_column))
                else:
                    self.unexpected(token)
                    raise _Broken()
        except _Broken:
            broken = True
        end = self.last()
        where = (head.line, head.column, end.line, end.end_column)
        counted = None
        if repeat is not None:
            count = self.repeat(repeat) if keyword not in KEYWORDS else 1
            counted = (count, (repeat.line, repeat.column, repeat.line, repeat.end_column))
        node = build_statement(keyword, where, args, options, counted, self.error)
        if broken:
            raise _Broken(node)
        return node

    # ---- values
    def value(self):
        """`a|b|c` (Alt), `a,b` (tuple) or one atom; with its first and last token."""
        first = self.tokens[self.pos]
        if first.kind in _ATOMS and self.tokens[self.pos + 1].kind not in _JOINS:  # the common case
            return self.atom(), first, first
        items, spans = [], []
        while True:
            item_first = self.peek()
            atoms = [self.atom()]
            while self.peek().kind == "COMMA":
                self.pos += 1
                atoms.append(self.atom())
            items.append(atoms[0] if len(atoms) == 1 else tuple(atoms))
            spans.append(_span(item_first, self.last()))
            if self.peek().kind != "PIPE":
                break
            self.pos += 1
        last = self.last()
        if len(items) == 1:
            return items[0], first, last
        return Alt(tuple(items), tuple(spans)), first, last

    def atom(self):
        token = self.tokens[self.pos]
        kind = token.kind
        if kind not in _ATOMS:
            if kind in ("BAD", "OPEN_STRING", "BAD_REPEAT"):
                self.unexpected(token)
            else:
                self.error(f"expected a value, found {_describe(token)}", token, "expected-value")
            raise _Broken()
        self.pos += 1
        if kind == "NAME" or kind == "REPEAT":
            name = token.text
            if name != name.lower():
                name = self.name(token)
            if name == "true":
                return True
            if name == "false":
                return False
            return name
        text = token.text
        if kind == "NUMBER":
            if "." in text or "e" in text or "E" in text:
                number = float(text)
                if math.isinf(number):
                    self.error(f"number too large: {text[:12]}", token, "number-too-large")
                    return 0.0
                return number
            value = self.integer(text, token)
            return 0 if value is None else value
        if kind == "SHAPE":
            dims = [self.integer(part, token) for part in text.split("x")]
            return ShapeValue(tuple(d if d is not None else 0 for d in dims))
        if kind == "STRING":
            return Text(_unescape(text[1:-1]))
        name = text[1:]  # VAR
        if name != name.lower():
            self.error(f"names are lower case: '{text}'", token, "name-case", hint=f"write '{text.lower()}'",
                       replacement=text.lower())
        return Var(name.lower())

    def name(self, token: Token) -> str:
        text = token.text
        if text != text.lower():
            self.error(f"names are lower case: '{text}'", token, "name-case", hint=f"write '{text.lower()}'",
                       replacement=text.lower())
            return text.lower()
        return text

    def repeat(self, token: Token) -> int | Var:
        if token.text[1:2] == "$":  # `x$depth`: the count is a sweep variable
            return Var(token.text[2:])
        count = self.integer(token.text[1:], token)
        if count is not None and count < 1:
            self.error(f"repeat count must be at least 1, found '{token.text}'", token, "repeat-count")
        return count if count is not None else 1

    def integer(self, text: str, token: Token) -> int | None:
        try:
            return int(text)
        except ValueError:  # more digits than Python converts
            self.error(f"number too large: {text[:12]}...", token, "number-too-large")
            return None


def keyword_of_token(kind: str) -> str:
    """What a statement starting with a token of this kind is, for `ParseResult.broken`."""
    return "block" if kind == "LBRACE" else ""


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)
