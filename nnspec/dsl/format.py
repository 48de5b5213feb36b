"""The canonical layout of a spec. Comments survive; formatting never changes meaning.

One statement a line, single spaces, options in the order written, `let x = a | b`
with spaces, inline alternatives and lists without, numbers in their shortest form,
one blank line kept where the source had one or more, and a block on one line
(`{ dense 16 relu; dropout 0.3 } x3`) when it is short and holds no comments.
"""

from __future__ import annotations

import re

from .ast import (
    Alt,
    BackendStmt,
    Block,
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
        return "x".join(str(d) for d in value.dims)
    if isinstance(value, Text):
        escaped = value.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
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
        text = f"{{ {inner} }}"
        return text + (f" x{stmt.repeat}" if stmt.repeat != 1 else "")
    else:  # pragma: no cover
        raise TypeError(type(stmt).__name__)
    return " ".join(parts)


def _last_line(stmt) -> int:
    if isinstance(stmt, Block):
        return max([stmt.line, getattr(stmt, "end_line", 0) or 0, *(_last_line(s) for s in stmt.body)])
    return stmt.line


class _Writer:
    def __init__(self, spec: Spec) -> None:
        self.lines: list[str] = []
        self.comments = sorted(spec.comments, key=lambda c: (c.line, c.column))
        self.used: set[int] = set()
        source_lines = (spec.source or "").splitlines()
        self.blank = {i + 1 for i, text in enumerate(source_lines) if not text.strip()}

    def comments_before(self, line: int, indent: str) -> None:
        for i, comment in enumerate(self.comments):
            if i not in self.used and comment.own_line and comment.line < line:
                self.used.add(i)
                self.lines.append(indent + comment.text.rstrip())

    def trailing(self, first: int, last: int) -> str:
        texts = []
        for i, comment in enumerate(self.comments):
            if i not in self.used and not comment.own_line and first <= comment.line <= last:
                self.used.add(i)
                texts.append(comment.text.rstrip())
        return ("  " + " ".join(texts)) if texts else ""

    def has_comments(self, first: int, last: int) -> bool:
        return any(first <= c.line <= last for i, c in enumerate(self.comments) if i not in self.used)

    def statements(self, statements, indent: str) -> None:
        previous_end = None
        for stmt in statements:
            if previous_end is not None and self.lines and self._blank_between(previous_end, stmt.line):
                self.lines.append("")
            self.comments_before(stmt.line, indent)
            self.statement(stmt, indent)
            previous_end = _last_line(stmt)

    def _blank_between(self, end: int, start: int) -> bool:
        return any(end < n < start for n in self.blank)

    def statement(self, stmt, indent: str) -> None:
        last = _last_line(stmt)
        if isinstance(stmt, Block):
            one_line = indent + format_statement(stmt)
            inner_comments = self.has_comments(stmt.line, last) and (
                last > stmt.line or any(c.own_line for c in self.comments if stmt.line <= c.line <= last)
            )
            if len(one_line) <= MAX_LINE and not (inner_comments and last > stmt.line):
                self.lines.append(one_line + self.trailing(stmt.line, last))
                return
            self.lines.append(indent + "{" + self.trailing(stmt.line, stmt.line))
            self.statements(stmt.body, indent + INDENT)
            self.comments_before(last + 1, indent + INDENT)
            close = "}" + (f" x{stmt.repeat}" if stmt.repeat != 1 else "")
            self.lines.append(indent + close + self.trailing(stmt.line, last))
            return
        self.lines.append(indent + format_statement(stmt) + self.trailing(stmt.line, last))


def format_spec(spec: Spec) -> str:
    """The spec in canonical layout, ending with one newline."""
    writer = _Writer(spec)
    writer.statements(spec.statements, "")
    writer.comments_before(10**9, "")
    for i, comment in enumerate(writer.comments):  # trailing comments of lines without statements
        if i not in writer.used:
            writer.lines.append(comment.text.rstrip())
    while writer.lines and not writer.lines[-1].strip():
        writer.lines.pop()
    return "\n".join(writer.lines) + "\n" if writer.lines else ""
