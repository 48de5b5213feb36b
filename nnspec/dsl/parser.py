"""Text -> Spec, by recursive descent over dsl/lexer.py's tokens, recovering at statement ends.

grammar.lark is the reference grammar (tests/test_grammar.py checks that it and this
parser accept the same texts); a hand-written parser does what a generated one did
not: it parses 10,000 lines several times faster, and it recovers at the end of the
statement it is in. A statement ends at a newline, `;` or the `}` of its block; after
an error the parser skips to that end and goes on, keeping what the broken statement
held before the error, so one mistake hides no other. `parse` raises every problem it
found; `parse_recovering` returns them as diagnostics beside the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NNSpecError, SpecSyntaxError, UsageError
from . import limits
from .ast import Comment, Spec
from .diagnostics import Collector, Diagnostic
from .reader import Reader


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
        limits.check_text(text, filename)  # size, line length, nesting: before the recursive reader
    except NNSpecError as error:
        out.error(error, 1, 1)
        return ParseResult(Spec((), filename, text), out.diagnostics, checkable=False)
    parser = Reader(text, out)
    statements = parser.statements(None)
    comments = tuple(
        Comment(c.text, c.line, c.column, c.own_line, c.line, c.column + len(c.text)) for c in parser.comments
    )
    spec = Spec(statements=tuple(statements), filename=filename, source=text, comments=comments)
    try:
        limits.check_spec(spec)  # repeats, layers, variants: before anyone expands them
    except NNSpecError as error:
        out.error(error, 1, 1)
        return ParseResult(spec, out.diagnostics, parser.broken, checkable=False)
    return ParseResult(spec, out.diagnostics, parser.broken)


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
    """(line, column) from 1 of an index into text or bytes: where a binary file goes wrong."""
    newline = b"\n" if isinstance(content, bytes) else "\n"
    line_start = content.rfind(newline, 0, index) + 1
    return content.count(newline, 0, index) + 1, index - line_start + 1
