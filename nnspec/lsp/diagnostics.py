"""Diagnostics as data for the language server.

Uses `nnspec.diagnose` when the library has it; until then a small adapter turns
today's parse/check exceptions and warnings into the same shape (this module goes
away when `nnspec.diagnose` is in).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Fix:
    line: int
    column: int
    end_line: int
    end_column: int
    replacement: str


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    code: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    hint: str | None = None
    fix: Fix | None = None


_TOKEN = re.compile(r'\$?[A-Za-z0-9_.+-]+|"(?:[^"\\\n]|\\.)*"?|\S')
_SUGGESTION = re.compile(r"(?:did you mean|write) '([^']*)'\??$")


def diagnose(text: str, path: str | None = None) -> list:
    """Every problem in `text` as data; never raises for a spec problem."""
    import nnspec

    library = getattr(nnspec, "diagnose", None)
    if library is not None:
        return list(library(text, path))
    return _from_exceptions(text, path)


def _from_exceptions(text: str, path: str | None) -> list[Diagnostic]:
    from ..errors import NNSpecError, SpecSyntaxError
    from ..dsl.parser import parse
    from ..dsl.validate import check_spec

    lines = text.split("\n")
    try:
        result = check_spec(parse(text, filename=path))
    except NNSpecError as error:
        return [_diagnostic("error", "syntax" if isinstance(e, SpecSyntaxError) else "spec", e.message,
                            e.line, e.column, e.hint, lines) for e in error.errors]
    return [_diagnostic("warning", "warning", w.message, w.line, w.column, None, lines) for w in result.warnings]


def _diagnostic(severity, code, message, line, column, hint, lines) -> Diagnostic:
    line = line if line and line <= len(lines) else 1
    column = column or 1
    source = lines[line - 1]
    match = _TOKEN.match(source, column - 1) if column - 1 < len(source) else None
    end = match.end() + 1 if match else column + 1
    fix = None
    suggestion = _SUGGESTION.search(hint or "")
    if suggestion and match:
        fix = Fix(line, column, line, end, suggestion.group(1))
    return Diagnostic(severity, code, message, line, column, line, end, hint, fix)
