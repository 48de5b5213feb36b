"""Ranges and the search space: `let lr = 0.0001..0.1 log`, `let units = 16..256`, beside `a | b` choices.

A range is a `let`'s one value. `nnspec run --trials N` samples inside it; everywhere
else (`check`, `show`, `code`, a plain `run`) it stands for its two ends, which is
where a range's shape or size problems show. This module checks ranges (at the place
they were written) and lists what a search samples: every used range and every
sweep axis of choices, in the order `sweep_axes` gives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .ast import Alt, Block, LetStmt, Range, Spec
from .diagnostics import Collector
from .sweeps import sweep_axes, used_variables, walk_values

CODE = "bad-range"
NEEDS_TRIALS = "needs-trials"


@dataclass(frozen=True)
class Axis:
    """One dimension a search samples: a range, or choices (`a | b`, inline `a|b`)."""

    name: str
    range: Range | None = None
    choices: tuple[Any, ...] = ()

    def describe(self) -> str:
        """`lr 0.0001..0.1 log` or `init xavier|he`, as docs and messages name an axis."""
        from .format import format_value

        if self.range is not None:
            return f"{self.name} {format_value(self.range)}"
        return f"{self.name} " + "|".join(format_value(c) for c in self.choices)


def range_problem(value: Range) -> str | None:
    """What is wrong with a range (ends that are no numbers, low >= high, log over 0), or None."""
    from .format import format_value

    ends = (value.low, value.high)
    if any(isinstance(end, bool) or not isinstance(end, (int, float)) for end in ends):
        return f"the ends of a range are numbers, not '{format_value(value)}'"
    written = format_value(value)
    if not value.low < value.high:
        return f"the range {written} is empty: its low end must be below its high end"
    if value.log and value.low <= 0:
        return f"the log range {written} touches or crosses 0: a log range lies above 0"
    return None


def range_let(let: LetStmt) -> Range | None:
    """The range of `let NAME = LOW..HIGH [log]`, or None for a let of choices."""
    if len(let.values) == 1 and isinstance(let.values[0], Range):
        return let.values[0]
    return None


def has_ranges(spec: Spec) -> bool:
    """True when a used `let` is a range (the spec is a search space, not only a grid)."""
    used = used_variables(spec.statements) if spec.lets else set()
    return any(range_let(let) is not None and let.name in used for let in spec.lets)


def search_axes(spec: Spec) -> list[Axis]:
    """What a search samples: every used range and every axis of choices, in sweep order."""
    ranges = {let.name: range_let(let) for let in spec.lets}
    return [
        Axis(name, range=ranges[name]) if ranges.get(name) is not None else Axis(name, choices=tuple(values))
        for name, values in sweep_axes(spec)
    ]


def check_ranges(spec: Spec, out: Collector) -> None:
    """A located `bad-range` error for each wrong range, and for a range outside a `let`."""
    for let in spec.lets:
        for index, value in enumerate(let.values):
            if not isinstance(value, Range):
                continue
            line, column = _span(let, index)
            if len(let.values) > 1:
                out.error(f"a range is the only value of its let: 'let {let.name} = {_text(value)}'", line, column,
                          hint="sample choices and a range with two lets", code=CODE)
                continue
            problem = range_problem(value)
            if problem:
                out.error(problem, line, column, hint=_hint(value), code=CODE)
    for stmt in spec.statements:
        if not isinstance(stmt, LetStmt):
            _misplaced(stmt, out)


def _misplaced(stmt, out: Collector) -> None:
    if isinstance(stmt, Block):
        for inner in stmt.body:
            _misplaced(inner, out)
        return
    for _, value in walk_values(stmt):
        inner = value.values if isinstance(value, Alt) else (value,)
        for item in inner:
            if isinstance(item, Range):
                line, column = _where(stmt, value)
                out.error(f"a range is written in a let: 'let name = {_text(item)}', used as $name", line, column,
                          code=CODE)


def _where(stmt, value) -> tuple[int, int]:
    for arg in getattr(stmt, "args", ()):
        if arg.value is value:
            return arg.line, arg.column
    for option in getattr(stmt, "options", ()):
        if option.value is value:
            return option.line, option.value_column or option.column
    return stmt.line, stmt.column


def _span(let: LetStmt, index: int) -> tuple[int, int]:
    if index < len(let.value_spans):
        return let.value_spans[index][0], let.value_spans[index][1]
    return let.line, let.column


def _text(value: Range) -> str:
    from .format import format_value

    return format_value(value)


def _hint(value: Range) -> str | None:
    ends = (value.low, value.high)
    if any(isinstance(end, bool) or not isinstance(end, (int, float)) for end in ends):
        return "write 'let units = 16..256' or 'let lr = 0.0001..0.1 log'"
    if not value.low < value.high:
        return "write the low end first, e.g. 'let lr = 0.0001..0.1 log'"
    return "start a log range above 0, e.g. 0.0001..0.1 log, or drop 'log'"


def needs_trials_error(spec: Spec):
    """The SpecError of running a spec with ranges without `--trials`, at the first range."""
    from ..errors import SpecError

    let = next(let for let in spec.lets if range_let(let) is not None)
    line, column = _span(let, 0)
    error = SpecError(f"'let {let.name} = {_text(let.values[0])}' is a range: a run samples it in a search",
                      line=line, column=column, hint="run it with --trials N (e.g. nnspec run SPEC --trials 20)",
                      code=NEEDS_TRIALS)
    return error.located(spec.filename, spec.source)

