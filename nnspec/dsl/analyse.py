"""Every problem of a spec text at once: `diagnose(text)` for tools, `analyse` for the CLI.

Parsing recovers at statement boundaries, so one syntax error does not hide the
meaning errors of other statements; the spec that was recovered is then checked.
Nothing here raises for a problem in the spec, and nothing imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import NNSpecError
from .ast import Spec
from .diagnostics import Collector, Diagnostic, sort_diagnostics


@dataclass
class Analysis:
    """What one pass over a spec text found: the recovered spec, the plans, the diagnostics."""

    spec: Spec | None
    plans: list = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics of severity error."""
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def ok(self) -> bool:
        """True when the spec has no errors (warnings allowed)."""
        return not self.errors


def analyse(text: str, path: str | None = None, backend: str | None = None) -> Analysis:
    """Parse (recovering from syntax errors) and check `text`; never raises for a spec problem.

    `backend` checks for that backend instead of the spec's `backend` line.
    """
    from .parser import parse_recovering
    from .validate import collect

    parsed = parse_recovering(text, path)
    out = Collector(text, path)
    plans: list = []
    if parsed.checkable and (parsed.spec.statements or not parsed.diagnostics):
        try:
            plans = collect(parsed.spec, out, backend)
        except RecursionError:
            out.error("the spec is nested too deeply to check", 1, 1, code="too-deep")
        except NNSpecError as error:  # a check that still raises instead of collecting
            out.error(error, 1, 1)
    found = parsed.diagnostics + _consequences_dropped(out.diagnostics, parsed)
    if any(d.severity == "error" for d in found):
        plans = []
    return Analysis(parsed.spec, plans, sort_diagnostics(_merge_name_case(found)))


def _consequences_dropped(checked: list[Diagnostic], parsed) -> list[Diagnostic]:
    """The checker's diagnostics without those a syntax error already explains.

    Inside a statement that had an error, what the checker says is about what the
    parser could read, not what was meant; a broken `let x` leaves `$x` undefined; a
    broken `data` or `input` leaves the input shape unknown; any broken statement may
    have been the layer the spec lacks.
    """
    if not parsed.broken:
        return checked
    spans = [span for _, span in parsed.broken]
    heads = {head for head, _ in parsed.broken}
    kept = []
    for d in checked:
        if any((line, column) <= (d.line, d.column) < (end_line, end_column)
               for line, column, end_line, end_column in spans):
            continue
        if d.code == "undefined-variable" and any(d.message == f"undefined variable '${h[4:]}'" for h in heads
                                                   if h.startswith("let ")):
            continue
        if d.code == "no-input" and heads & {"data", "input"}:
            continue
        if d.code == "no-layers":
            continue
        kept.append(d)
    return kept


def _merge_name_case(found: list[Diagnostic]) -> list[Diagnostic]:
    """Drop a `name-case` error where the checker found the lower-cased name unknown too:
    the checker's fix (`Relv` -> `relu`) fixes both at once."""
    checked_at = {(d.line, d.column) for d in found if d.code == "unknown-name"}
    return [d for d in found if not (d.code == "name-case" and (d.line, d.column) in checked_at)]


def diagnose(text: str, path: str | None = None) -> list[Diagnostic]:
    """Every error, warning and note of a spec text, in source order, as data.

    Never raises for a problem in the spec (only for text that is not a str);
    never imports TensorFlow.
    """
    return analyse(text, path).diagnostics
