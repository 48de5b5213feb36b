"""Parsing on after a syntax error, with Lark's interactive parser: one error per broken statement.

parser.py parses a text in one go; only when Lark stops at an error does it parse the
text again through `recover`, which feeds the tokens to the interactive parser itself.
At an error it reports what was expected in the project's own words, then

- skips to the end of the statement it is in: a newline, `;`, the `}` of its block or
  the end of the file (a `{ ... }` inside is skipped whole);
- inserts the tokens the parser's expected set asks for (a value after `=`, the `}` of
  a block the file leaves open) as placeholders, whose text is empty: transform.py drops
  a value holding one, so the broken statement keeps what it held before the error;
- notes the broken statement, so that the checker's word on it is not taken as a cause.

Lark's exceptions stay in this module: what comes out is diagnostics in a Collector.
"""

from __future__ import annotations

import re

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedToken

from .transform import ParseState, token_end

_ENDS = frozenset({"_NL", "_SEMICOLON", "RBRACE"})
_ATOMS = frozenset({"NAME", "NUMBER", "SHAPE", "STRING", "VAR"})
# text no terminal of grammar.lark matches, read as one token so that it gets one message
_BAD = re.compile(r'(?P<OPEN_STRING>"(?:[^"\\\r\n]|\\[^\r\n])*\\?)|(?P<BAD_REPEAT>x[0-9]+\.[0-9A-Za-z_.]*)|(?P<BAD>.)',
                  re.DOTALL)
_BAD_KINDS = frozenset({"OPEN_STRING", "BAD_REPEAT", "BAD"})


def recover(interactive, state: ParseState):
    """The statements of `state.text`, parsed with `interactive` (a fresh Lark interactive parser)."""
    return _Recovery(interactive, state).run()


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type == "_NL":
        return "end of line"
    return f"'{token.value}'"


class _Recovery:
    """Feeds one text's tokens to the parser, mending it at each error."""

    def __init__(self, interactive, state: ParseState) -> None:
        self.parser = interactive
        self.lexer = interactive.lexer_thread
        self.state = state
        self.tokens = None  # the lexer's token stream, restarted after each lexing error
        self.pending: list[Token] = []  # tokens read but not yet fed
        self.open: list[Token] = []  # the `{` of each open block, innermost last
        self.current: list[list | None] = [None]  # per open block: [head, first token] of the statement being read
        self.last_fed: Token | None = None  # the last real token the parser took
        self.last_seen: Token | None = None  # the last real token read, fed or skipped

    # ---- tokens
    def next(self) -> Token:
        """The next token; text no terminal matches comes as a BAD, OPEN_STRING or BAD_REPEAT token."""
        if self.pending:
            return self.pending.pop()
        lexer_state = self.lexer.state
        while True:
            if self.tokens is None:
                self.tokens = self.lexer.lex(self.parser.parser_state)
            try:
                return next(self.tokens)
            except StopIteration:
                self.tokens = None
                counter = lexer_state.line_ctr
                return Token("$END", "", counter.char_pos, counter.line, counter.column, counter.line,
                             counter.column, counter.char_pos)
            except UnexpectedToken as error:  # a token the parser's state does not take: the lexer read it
                self.tokens = None
                return error.token
            except UnexpectedCharacters as error:
                self.tokens = None
                match = _BAD.match(self.state.text, error.pos_in_stream)
                text = match.group(0)
                lexer_state.line_ctr.feed(text, test_newline=False)
                return Token(match.lastgroup, text, error.pos_in_stream, error.line, error.column, error.line,
                             error.column + len(text), error.pos_in_stream + len(text))

    def placeholder(self, kind: str) -> None:
        """Feed an empty token of `kind`, just past the last token (read, for a `}`; taken, otherwise)."""
        after = self.last_seen if kind == "RBRACE" else self.last_fed
        (line, column), pos = (token_end(after), after.end_pos) if after is not None else ((1, 1), 0)
        self.parser.feed_token(Token(kind, "", pos, line, column, line, column, pos))
        if kind == "RBRACE":
            self.open.pop()
            self.current.pop()
        elif kind == "_NL":
            self.current[-1] = None

    def choices(self) -> set[str]:
        return {name for name in self.parser.choices() if name.isupper()}

    # ---- the loop
    def run(self):
        while True:
            token = self.next()
            if token.type in _BAD_KINDS:
                self.report(token)
                self.abandon(token)
                continue
            try:
                result = self.parser.feed_token(token)
            except UnexpectedToken:
                self.mend(token)
                continue
            if token.type == "$END":
                return result
            self.track(token)

    def track(self, token: Token) -> None:
        """Follow which statement is being read, and which blocks are open."""
        kind = token.type
        if kind in ("_NL", "_SEMICOLON"):
            self.current[-1] = None
        elif kind == "LBRACE":
            if self.current[-1] is None:
                self.current[-1] = ["block", token]
            self.open.append(token)
            self.current.append(None)
        elif kind == "RBRACE":
            self.open.pop()
            self.current.pop()
        elif self.current[-1] is None:
            self.current[-1] = [_head(token), token]
        elif kind == "NAME" and self.last_fed is not None and self.last_fed.type == "LET":
            self.current[-1][0] = f"let {token.value.lower()}"
        self.last_fed = self.last_seen = token

    def mend(self, token: Token) -> None:
        """The parser refused `token`: report it and bring the parser to where it can go on."""
        kind = token.type
        statement = self.current[-1]
        if kind == "RBRACE" and not self.open:
            if statement is not None and "_NL" not in self.choices():  # `init= }`: the value is missing first
                self.report(token)
                self.complete()
                self.note_broken()
                self.placeholder("_NL")
                self.pending.append(token)
                return
            self.state.error("unmatched '}'", token, "unmatched-brace")
            self.last_seen = token
            if statement is None:
                self.state.mark = len(self.state.out.diagnostics)
            else:
                self.abandon(token)
            return
        if kind == "RBRACE" and statement is None:  # `{ }`: the block's own check reports it
            self.placeholder("NAME")
            self.pending.append(token)
            return
        if kind == "$END":
            if "_NL" not in self.choices():
                self.report(token)
                self.complete()
                self.note_broken()
            for brace in self.open:
                self.state.error("unclosed '{': the block needs a closing '}'", brace, "unclosed-brace")
            while self.open:
                while "RBRACE" not in self.choices():
                    self.placeholder("NAME")
                self.placeholder("RBRACE")
            self.pending.append(token)
            return
        self.report(token)
        if kind in _ENDS:  # the statement ends before it is whole
            self.complete()
            self.note_broken()
            self.pending.append(token)
            return
        self.abandon(token)

    def report(self, token: Token) -> None:
        """The error at `token`, in words that say what was expected there."""
        error = self.state.error
        after = self.last_fed if self.current[-1] is not None else None
        expected = self.choices()
        if after is not None and after.type == "REPEAT":
            self.state.dropped_repeats.add(after.start_pos)  # the statement keeps what came before its repeat
            error(f"unexpected {_describe(token)} after the repeat '{after.value}'", token, "repeat-not-last",
                  hint="the repeat must be the last token of a layer or block")
        elif after is not None and after.type == "LET":
            error(f"expected a variable name after 'let', found {_describe(token)}", token, "expected-value",
                  hint="e.g. 'let init = xavier | he'")
        elif after is not None and expected == {"_EQUAL"}:
            error(f"expected '=' after 'let {after.value.lower()}', found {_describe(token)}", token,
                  "unexpected-token", hint="e.g. 'let init = xavier | he'")
        elif token.type == "BAD":
            shown = f"'{token.value}'" if token.value.isprintable() else repr(token.value)
            error(f"unexpected character {shown}", token, "unexpected-character")
        elif token.type == "OPEN_STRING":
            error("unterminated string", token, "unterminated-string", hint='close it with " on the same line')
        elif token.type == "BAD_REPEAT":
            error(f"a repeat count is a whole number, found '{token.value}'", token, "bad-repeat",
                  hint="repeat with x and a whole number, e.g. x2")
        elif expected and expected <= _ATOMS:
            error(f"expected a value, found {_describe(token)}", token, "expected-value")
        elif token.type == "_EQUAL":
            error("unexpected '='", token, "unexpected-token",
                  hint="an option is key=value after a layer or statement name")
        else:
            error(f"unexpected {_describe(token)}", token, "unexpected-token")

    def abandon(self, token: Token) -> None:
        """Skip the rest of the statement `token` broke, finish it, and go on after it."""
        statement = self.current[-1] or [_head(token), token]
        self.last_seen = token
        # a `{` inside a statement is skipped with its block; after a whole block or `let` it is one stray token
        whole = "_NL" in self.choices() and (statement[0] == "block" or statement[0].startswith("let"))
        depth = 1 if token.type == "LBRACE" and not whole else 0
        while True:
            end = self.next()
            kind = end.type
            if kind == "$END" or (depth == 0 and kind in _ENDS):
                break
            if kind == "LBRACE":
                depth += 1
            elif kind == "RBRACE":
                depth -= 1
            self.last_seen = end
        self.complete()
        self.note_broken(statement)
        if end.type == "RBRACE" and not self.open:  # a stray `}` ends the statement, then is reported
            self.placeholder("_NL")
        self.pending.append(end)

    def complete(self) -> None:
        """Feed placeholders until the statement being read could end (a value after `=`, ...)."""
        while "_NL" not in (expected := self.choices()):
            self.placeholder("NAME" if "NAME" in expected else "_EQUAL")

    def note_broken(self, statement: list | None = None) -> None:
        head, first = statement or self.current[-1] or ("", self.last_seen)
        last = self.last_seen or first
        self.state.broken.append((head, (first.line, first.column, *token_end(last))))
        self.state.mark = len(self.state.out.diagnostics)


def _head(token: Token) -> str:
    """What a statement starting with `token` is called in `ParseResult.broken`."""
    if token.type == "NAME":
        return token.value.lower()
    return {"LBRACE": "block", "LET": "let"}.get(token.type, "")
