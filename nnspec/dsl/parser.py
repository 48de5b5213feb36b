"""Text -> Spec with the Lark parser built from grammar.lark, recovering at statement ends.

One Lark LALR parser (contextual lexer) is built once per process from grammar.lark,
with transform.py's callbacks inside it, so that a parse goes from text to the syntax
tree's nodes without building a tree first. A text with a syntax error is parsed again
through recovery.py, which reports each error and goes on at the end of the statement it
is in, keeping what the broken statement held before the error: one mistake hides no
other. `parse` raises every problem it found; `parse_recovering` returns them as
diagnostics beside the spec. No Lark type leaves this package.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from lark import Lark
from lark.exceptions import UnexpectedInput

from ..errors import NNSpecError, SpecSyntaxError, UsageError
from . import limits
from .ast import Spec
from .diagnostics import Collector, Diagnostic
from .recovery import recover
from .transform import STATE, ParseState, NodeBuilder, comment

@dataclass
class ParseResult:
    """The spec recovered from a text, what was wrong with it, and which statements broke.

    `broken` holds (head, span) for each statement that had an error: what the checker
    says inside such a span is likely a consequence, not a cause.
    """

    spec: Spec
    diagnostics: list[Diagnostic] = field(default_factory=list)
    broken: list[tuple[str, tuple[int, int, int, int]]] = field(default_factory=list)
    checkable: bool = True  # false past a size limit: checking would expand what is too large


def parse(text: str, filename: str | None = None) -> Spec:
    """Parse spec text into a Spec; raises SpecSyntaxError / SpecErrors with every error found."""
    result = parse_recovering(text, filename)
    out = Collector(text, filename)
    out.diagnostics = result.diagnostics
    out.raise_errors()
    return result.spec


def parse_recovering(text: str, filename: str | None = None) -> ParseResult:
    """Parse as far as the text allows: the spec of every statement read, and the problems."""
    if not isinstance(text, str):
        raise UsageError(f"parse() takes spec text (str), not {type(text).__name__}")
    out = Collector(text, filename)
    if "\x00" in text:
        line, column = _position(text, text.index("\x00"))
        out.error("this is not a spec text file (it contains NUL bytes)", line, column, code="not-text")
        return ParseResult(Spec((), filename, text), out.diagnostics, checkable=False)
    try:
        limits.check_text(text, filename)  # size, line length, nesting: before anything is built
    except NNSpecError as error:
        out.error(error, 1, 1)
        return ParseResult(Spec((), filename, text), out.diagnostics, checkable=False)
    statements, state = _read(text, filename)
    out = state.out
    spec = Spec(statements=tuple(statements), filename=filename, source=text, comments=tuple(state.comments))
    try:
        limits.check_spec(spec)  # repeats, layers, variants: before anyone expands them
    except NNSpecError as error:
        out.error(error, 1, 1)
        return ParseResult(spec, out.diagnostics, state.broken, checkable=False)
    return ParseResult(spec, out.diagnostics, state.broken)


@functools.lru_cache(maxsize=None)
def lark_parser() -> Lark:
    """The one parser of the language, built from grammar.lark the first time it is needed."""
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", transformer=NodeBuilder(),
                lexer_callbacks={"COMMENT": comment}, cache=True)


# Lark counts lines at \n only; a lone \r ends a line too, and turning it into \n keeps every offset
_LONE_CR = re.compile(r"\r(?!\n)")


def _read(text: str, filename: str | None) -> tuple[list, ParseState]:
    """The statements of `text` and what the parse collected (its diagnostics in `state.out`)."""
    lark_text = _LONE_CR.sub("\n", text) if "\r" in text else text
    parser = lark_parser()
    state = ParseState(lark_text, Collector(text, filename))
    token = STATE.set(state)
    try:
        try:
            return parser.parse(lark_text), state
        except UnexpectedInput:  # parse again, mending each error: what the first try collected is dropped
            state = ParseState(lark_text, Collector(text, filename))
            STATE.set(state)
            return recover(parser.parse_interactive(lark_text), state), state
    finally:
        STATE.reset(token)


def load(path: str | Path) -> Spec:
    """Read and parse a spec file; unreadable or binary files are NNSpecErrors."""
    return parse(read_spec_text(path), filename=str(path))


def read_spec_text(path: str | Path) -> str:
    """A spec file's text; unreadable or binary files are NNSpecErrors."""
    path = Path(path)
    name = str(path)
    try:
        limits.check_file_size(path.stat().st_size, name)
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such spec file: {name}") from None
    except IsADirectoryError:
        raise UsageError(f"{name} is a folder, not a spec file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(raw, exc.start)
        raise SpecSyntaxError(
            f"this is not a spec text file (invalid UTF-8 at byte {exc.start})", filename=name, code="not-text",
            line=line, column=column,
        ) from None


def _position(content: str | bytes, index: int) -> tuple[int, int]:
    """(line, column) from 1 of an index into text or bytes: where a binary file goes wrong.

    Lines end at \n, \r\n or \r, as everywhere in the language."""
    head = content[:index]
    if isinstance(head, bytes):
        head = head.decode("latin-1")  # one character per byte: the same offsets
    ends = list(re.finditer(r"\r\n|\r|\n", head))
    line_start = ends[-1].end() if ends else 0
    return len(ends) + 1, index - line_start + 1
