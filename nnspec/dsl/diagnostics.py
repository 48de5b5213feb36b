"""Problems as data: `Diagnostic` and `Fix`, and the one place that collects them.

A diagnostic is what an editor or a notebook needs to underline a problem: severity,
a stable code (docs/language.md lists them), a message, a 1-based range whose end is
exclusive, a hint, and where the fix is certain a `Fix` (a range and its replacement).
The exceptions `parse` and `check` raise are made from the same diagnostics.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from ..errors import NNSpecError, SpecError, SpecErrors, SpecSyntaxError, SpecWarning, source_lines

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Fix:
    """Replace the text from (line, column) up to (end_line, end_column) by `replacement`."""

    line: int
    column: int
    end_line: int
    end_column: int
    replacement: str

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Diagnostic:
    """One problem of a spec, with its range (1-based lines and columns, end exclusive)."""

    severity: str
    code: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    hint: str | None = None
    fix: Fix | None = None

    def to_dict(self) -> dict:
        """A JSON-ready dict (the form `nnspec check --format json` prints)."""
        out = asdict(self)
        out["fix"] = self.fix.to_dict() if self.fix else None
        return out

    def to_error(self, filename: str | None = None, source: str | None = None) -> NNSpecError:
        """The diagnostic as the exception `parse` or `check` raises."""
        cls = SpecSyntaxError if self.code in SYNTAX_CODES else SpecError
        return cls(
            self.message,
            line=self.line,
            column=self.column,
            hint=self.hint,
            code=self.code,
            end_line=self.end_line,
            end_column=self.end_column,
            replacement=self.fix.replacement if self.fix else None,
        ).located(filename, source)

    def to_warning(self, filename: str | None = None, source: str | None = None) -> SpecWarning:
        """The diagnostic as a SpecWarning (what `check_spec` returns beside the plans)."""
        lines = source_lines(source or "")
        source_line = lines[self.line - 1] if 0 < self.line <= len(lines) else None
        return SpecWarning(self.message, filename, self.line or None, self.column or None, source_line,
                           code=self.code, hint=self.hint)

    def render(self, filename: str | None = None, source: str | None = None) -> str:
        """`file:line:col: [warning: ]message; hint`, the source line and a caret."""
        if self.severity == "error":
            return self.to_error(filename, source).render()
        text = self.to_warning(filename, source).render()
        if self.severity != "warning":
            text = text.replace(": warning: ", f": {self.severity}: ", 1)
        return text


# codes of problems in the text's form rather than its meaning (SpecSyntaxError)
SYNTAX_CODES = frozenset({
    "not-text", "unexpected-character", "unterminated-string", "unexpected-token",
    "expected-value", "unclosed-brace", "unmatched-brace", "repeat-not-last",
    "positional-after-option", "duplicate-option", "missing-value", "too-many-values",
    "no-options", "cannot-repeat", "not-in-block", "bad-repeat", "repeat-count", "empty-block",
    "number-too-large", "syntax",
})

# of those, the ones the grammar (grammar.lark) itself rejects; the others are
# rules of single statements that the parser applies as it reduces them (dsl/transform.py)
GRAMMAR_CODES = frozenset({
    "unexpected-character", "unterminated-string", "unexpected-token", "expected-value",
    "unclosed-brace", "unmatched-brace", "repeat-not-last", "bad-repeat", "empty-block",
})

# the end of a token that starts at a column, when only the start is known
_TOKEN = re.compile(r'"(?:[^"\\\r\n]|\\.)*"?|[^\s;#{}]+|.')


def token_end(source: str | None, line: int, column: int) -> tuple[int, int]:
    """(line, column) just past the token starting at (line, column); one character if unknown."""
    lines = source_lines(source or "")
    if not 0 < line <= len(lines) or column < 1:
        return line, max(column, 1) + 1
    text = lines[line - 1]
    match = _TOKEN.match(text, column - 1)
    if match is None or match.end() == match.start():
        return line, column + 1
    return line, match.end() + 1


def from_error(error: NNSpecError, source: str | None, severity: str = "error") -> list[Diagnostic]:
    """The diagnostics an exception stands for (several for SpecErrors)."""
    if isinstance(error, SpecErrors):
        return [d for e in error.errors for d in from_error(e, source, severity)]
    line = error.line or 1
    column = error.column or 1
    if error.end_line and error.end_column:
        end_line, end_column = error.end_line, error.end_column
    elif error.line:
        end_line, end_column = token_end(source, line, column)
    else:
        end_line, end_column = line, column + 1
    code = error.code or ("syntax" if isinstance(error, SpecSyntaxError) else "invalid")
    fix = None
    if error.replacement is not None and error.line:
        fix = Fix(line, column, end_line, end_column, error.replacement)
    return [Diagnostic(severity, code, error.message, line, column, end_line, end_column, error.hint, fix)]


class Collector:
    """Gathers the diagnostics of one spec, once each: the one place problems are added.

    `error` and `warn` take a message or an NNSpecError and where it is: a (line, column)
    pair, or `span=(line, column, end_line, end_column)` when the end is known. Positions
    the collector cannot place go to line 1, column 1.
    """

    def __init__(self, source: str | None = None, filename: str | None = None) -> None:
        self.source = source
        self.filename = filename
        self.diagnostics: list[Diagnostic] = []
        self.remap = None  # a variant's map from a use site to the `let` value it came from
        self._seen: set = set()

    def add(self, severity: str, problem, line: int = 0, column: int = 0, *, hint: str | None = None,
            code: str | None = None, span: tuple[int, int, int, int] | None = None,
            replacement: str | None = None) -> None:
        """Record one diagnostic (a duplicate of one already recorded is dropped)."""
        if isinstance(problem, str):
            problem = SpecError(problem, hint=hint, code=code, replacement=replacement)
        if span is None and problem.line is not None:
            line, column = problem.line, problem.column or 1
            span = (line, column, problem.end_line or 0, problem.end_column or 0)
        if span is None:
            span = (line, column, 0, 0)
        if self.remap is not None and span[:2] in self.remap:
            span = self.remap[span[:2]]
        line, column, end_line, end_column = span
        if not line:
            line, column = 1, 1
        column = column or 1
        if not end_line or (end_line, end_column) <= (line, column):
            end_line, end_column = token_end(self.source, line, column)
        code = code or problem.code or ("syntax" if isinstance(problem, SpecSyntaxError) else "invalid")
        hint = hint if hint is not None else problem.hint
        fix = None
        if problem.replacement is not None:
            fix = Fix(line, column, end_line, end_column, problem.replacement)
        key = (severity, line, column, problem.message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.diagnostics.append(
            Diagnostic(severity, code, problem.message, line, column, end_line, end_column, hint, fix)
        )

    def error(self, problem, line: int = 0, column: int = 0, **where) -> None:
        """Record an error."""
        self.add("error", problem, line, column, **where)

    def warn(self, problem, line: int = 0, column: int = 0, **where) -> None:
        """Record a warning: legal, but probably not what the user meant."""
        self.add("warning", problem, line, column, **where)

    def errors(self) -> list[Diagnostic]:
        """The error diagnostics, in source order."""
        return sorted((d for d in self.diagnostics if d.severity == "error"), key=_order)

    def warnings(self) -> list[Diagnostic]:
        """The warning and info diagnostics, in source order."""
        return sorted((d for d in self.diagnostics if d.severity != "error"), key=_order)

    def raise_errors(self) -> None:
        """Raise the errors as one exception (SpecErrors for several), if there are any."""
        errors = [d.to_error(self.filename, self.source) for d in self.errors()]
        if errors:
            raise errors[0] if len(errors) == 1 else SpecErrors(errors)


def _order(diagnostic: Diagnostic) -> tuple:
    return diagnostic.line, diagnostic.column


def sort_diagnostics(diagnostics) -> list[Diagnostic]:
    """In source order; at one position errors before warnings."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(diagnostics, key=lambda d: (d.line, d.column, rank.get(d.severity, 3)))
