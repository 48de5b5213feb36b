"""Every problem of a spec text at once: `diagnose(text)` for tools, `analyse` for the CLI.

Parsing recovers at statement boundaries, so one syntax error does not hide the
meaning errors of other statements; the spec that was recovered is then checked.
Nothing here raises for a problem in the spec, and nothing imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import NNSpecError, UsageError
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

    if not isinstance(text, str):
        raise UsageError(f"diagnose() takes spec text (str), not {type(text).__name__}")
    spec, found = parse_recovering(text, path)
    out = Collector(text, path)
    out.diagnostics.extend(found)
    plans: list = []
    if spec is not None:
        try:
            plans = collect(spec, out, backend)
        except RecursionError:
            out.error("the spec is nested too deeply to check", 1, 1, code="too-deep")
        except NNSpecError as error:  # a check that still raises instead of collecting
            out.error(error, 1, 1)
    if any(d.severity == "error" for d in out.diagnostics):
        plans = []
    return Analysis(spec, plans, sort_diagnostics(out.diagnostics))


def diagnose(text: str, path: str | None = None) -> list[Diagnostic]:
    """Every error, warning and note of a spec text, in source order, as data.

    Never raises for a problem in the spec (only for text that is not a str);
    never imports TensorFlow.
    """
    return analyse(text, path).diagnostics
