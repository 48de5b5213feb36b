"""The canonical layout of a spec. Comments survive; formatting never changes meaning.

One statement a line, single spaces, options in the order written, `let x = a | b`
with spaces, inline alternatives and lists without, numbers in their shortest form,
one blank line kept where the source had one or more, and a block on one line
(`{ dense 16 relu; dropout 0.3 } x3`, `residual { dense 64 relu; dense 64 }`) when it
is short and holds no comments.
"""

from __future__ import annotations

import re

from ..errors import source_lines
from .ast import (
    Alt,
    BackendStmt,
    Block,
    Comment,
    DataStmt,
    InputStmt,
    LayerStmt,
    LetStmt,
    SeedStmt,
    ShapeValue,
    Spec,
    Text,
    TrainStmt,
    Var,
)

INDENT = "    "
MAX_LINE = 88
_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def format_value(value) -> str:
    """A value as canonical spec text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float
    if isinstance(value, ShapeValue):
        return str(value)
    if isinstance(value, Text):
        escaped = (value.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
                   .replace("\r", "\\r"))
        return f'"{escaped}"'
    if isinstance(value, Var):
        return f"${value.name}"
    if isinstance(value, Alt):
        return "|".join(format_value(v) for v in value.values)
    if isinstance(value, tuple):
        return ",".join(format_value(v) for v in value)
    if isinstance(value, str):
        return value if _NAME.fullmatch(value) else format_value(Text(value))
    if value is None:
        return ""
    return str(value)


def _options(options) -> list[str]:
    return [f"{o.key}={format_value(o.value)}" for o in options]


def format_statement(stmt) -> str:
    """One statement on one line (a block on one line too)."""
    if isinstance(stmt, DataStmt):
        parts = ["data", stmt.name, *_options(stmt.options)]
    elif isinstance(stmt, InputStmt):
        parts = ["input", format_value(stmt.shape)]
    elif isinstance(stmt, TrainStmt):
        parts = ["train", format_value(stmt.optimizer), *_options(stmt.options)]
    elif isinstance(stmt, SeedStmt):
        parts = ["seed", format_value(stmt.value)]
    elif isinstance(stmt, BackendStmt):
        parts = ["backend", format_value(stmt.name)]
    elif isinstance(stmt, LetStmt):
        return f"let {stmt.name} = " + " | ".join(format_value(v) for v in stmt.values)
    elif isinstance(stmt, LayerStmt):
        parts = [stmt.kind, *(format_value(a.value) for a in stmt.args), *_options(stmt.options)]
        if stmt.repeat != 1:
            parts.append(f"x{stmt.repeat}")
    elif isinstance(stmt, Block):
        inner = "; ".join(format_statement(s) for s in stmt.body)
        text = f"{_opening(stmt)} {inner} }}"
        return text + (f" x{stmt.repeat}" if stmt.repeat != 1 else "")
    else:  # pragma: no cover
        raise TypeError(type(stmt).__name__)
    return " ".join(parts)


def _opening(block: Block) -> str:
    """`{`, or a head and `{`: `residual {`, `concat axis=1 {`."""
    if not block.kind:
        return "{"
    return " ".join([block.kind, *(format_value(a.value) for a in block.args), *_options(block.options), "{"])


def _last_line(stmt) -> int:
    if isinstance(stmt, Block):
        return max([stmt.line, stmt.end_line, *(_last_line(s) for s in stmt.body)])
    return max(stmt.line, stmt.end_line)


class _Writer:
    """Emits statements and comments in source order, keeping one blank line where there were some.

    Linear in the file: comments are consumed in line order through a cursor (own-line
    comments) and a by-line table (comments after code), and "was there a blank line
    between a and b" is a difference of two prefix counts.
    """

    def __init__(self, spec: Spec) -> None:
        self.lines: list[str] = []
        ordered = sorted(spec.comments, key=lambda c: (c.line, c.column))
        self.own = [c for c in ordered if c.own_line]
        self.next_own = 0
        self.after_code: dict[int, list[Comment]] = {}
        for comment in ordered:
            if not comment.own_line:
                self.after_code.setdefault(comment.line, []).append(comment)
        self.blanks_upto = [0]  # blanks_upto[n]: blank source lines among lines 1..n
        for text in source_lines(spec.source or ""):
            self.blanks_upto.append(self.blanks_upto[-1] + (not text.strip(" \t\f")))
        self.last_line = 0  # source line of what was emitted last

    def blank_between(self, after: int, before: int) -> bool:
        """True when a blank source line lies strictly between lines `after` and `before`."""
        top = len(self.blanks_upto) - 1
        hi = min(before - 1, top)
        lo = min(after, top)
        return hi > lo and self.blanks_upto[hi] > self.blanks_upto[lo]

    def emit(self, text: str, source_line: int, last_line: int | None = None) -> None:
        if self.lines and self.lines[-1] != "" and self.blank_between(self.last_line, source_line):
            self.lines.append("")
        self.lines.append(text)
        self.last_line = max(self.last_line, last_line or source_line)

    def comments_before(self, line: int, indent: str) -> None:
        while self.next_own < len(self.own) and self.own[self.next_own].line < line:
            comment = self.own[self.next_own]
            self.next_own += 1
            self.emit(indent + comment.text, comment.line)

    def trailing(self, first: int, last: int) -> str:
        texts = []
        if self.after_code:
            for line in range(first, last + 1):
                texts.extend(c.text for c in self.after_code.pop(line, ()))
        return ("  " + " ".join(texts)) if texts else ""

    def has_comments(self, first: int, last: int) -> bool:
        """Unwritten comments inside lines first..last (a comment after the last line's code excepted)."""
        if self.next_own < len(self.own) and self.own[self.next_own].line <= last:
            return True
        return any(line in self.after_code for line in range(first, last)) if self.after_code else False

    def statements(self, statements, indent: str) -> None:
        for i, stmt in enumerate(statements):
            self.comments_before(stmt.line, indent)
            # a comment after `a; b  # c` belongs to b, the last statement on its line
            shares_line = i + 1 < len(statements) and statements[i + 1].line <= _last_line(stmt)
            self.statement(stmt, indent, take_trailing=not shares_line)

    def statement(self, stmt, indent: str, take_trailing: bool = True) -> None:
        last = _last_line(stmt)
        last_for_comments = last if take_trailing else last - 1
        if isinstance(stmt, Block):
            one_line = indent + format_statement(stmt)
            if len(one_line) <= MAX_LINE and not self.has_comments(stmt.line, last):
                self.emit(one_line + self.trailing(stmt.line, last_for_comments), stmt.line, last)
                return
            self.emit(indent + _opening(stmt) + self.trailing(stmt.line, stmt.line), stmt.line)
            self.statements(stmt.body, indent + INDENT)
            self.comments_before(last, indent + INDENT)
            close = "}" + (f" x{stmt.repeat}" if stmt.repeat != 1 else "")
            self.emit(indent + close + self.trailing(stmt.line, last_for_comments), last)
            return
        self.emit(indent + format_statement(stmt) + self.trailing(stmt.line, last_for_comments), stmt.line, last)


def format_spec(spec: Spec) -> str:
    """The spec in canonical layout, ending with one newline."""
    writer = _Writer(spec)
    writer.statements(spec.statements, "")
    writer.comments_before(10**9, "")
    for line in sorted(writer.after_code):  # comments after code that no statement took
        for comment in writer.after_code[line]:
            writer.emit(comment.text, comment.line)
    return "\n".join(writer.lines) + "\n" if writer.lines else ""
