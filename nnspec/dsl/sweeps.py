"""Sweeps: the variables and inline alternatives of a spec, and its variants.

A variant is the spec with every `$var` and every inline alternative replaced by one
chosen value. It remembers, in `Spec.origins`, where each chosen value was written,
so that an error in `adamm` of `let opt = adam | adamm` points at `adamm` in the `let`
line rather than at the `$opt` that used it.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any, Iterator

from .nodes import BackendStmt, Block, InputStmt, LayerStmt, LetStmt, SeedStmt, TrainStmt
from .values import Alt, Var, plain

# statements that hold one sweepable value: the field, the label a sweep gives it,
# and the field with the value's column
_SINGLE_VALUE = {
    InputStmt: ("shape", "input", "value_column"),
    TrainStmt: ("optimizer", "optimizer", "optimizer_column"),
    SeedStmt: ("value", "seed", "value_column"),
    BackendStmt: ("name", "backend", "value_column"),
}


def walk_values(stmt):
    """Yield (label, value) for every value a statement holds, in source order (a block's head first)."""
    if isinstance(stmt, (LayerStmt, Block)):
        for arg in stmt.args:
            yield stmt.kind, arg.value
    if type(stmt) in _SINGLE_VALUE:
        attribute, label, _ = _SINGLE_VALUE[type(stmt)]
        yield label, getattr(stmt, attribute)
    for option in getattr(stmt, "options", ()):
        yield option.key, option.value
    for inner in getattr(stmt, "body", ()):
        yield from walk_values(inner)
    if isinstance(getattr(stmt, "repeat", None), Var):  # `x$depth`: a swept repeat count
        yield "repeat", stmt.repeat


def used_variables(statements) -> set[str]:
    """The names of the `$variables` the statements refer to."""
    names: set[str] = set()

    def visit(value) -> None:
        if isinstance(value, Var):
            names.add(value.name)
        elif isinstance(value, Alt):
            for item in value.values:
                visit(item)
        elif isinstance(value, tuple):
            for item in value:
                visit(item)

    for stmt in statements:
        for _, value in walk_values(stmt):
            if not isinstance(value, (int, float, str)):  # most values hold no variable
                visit(value)
    return names


def _inline_alts(statements) -> list[tuple[str, Alt]]:
    return [(label, value) for stmt in statements for label, value in walk_values(stmt) if isinstance(value, Alt)]


def sweep_axes(spec) -> list[tuple[str, tuple[Any, ...]]]:
    """(variable, values) for every used `let` and every inline alternative, in order."""
    return [(name, values) for name, values, _ in _axes(spec)]


def _axes(spec) -> list[tuple[str, tuple[Any, ...], tuple]]:
    """(variable, values, where each value was written) for every sweep axis.

    A `let` no statement refers to sweeps nothing (check warns about it), so it does
    not multiply the variants.
    """
    used = used_variables(spec.statements) if spec.lets else set()
    axes = [(let.name, let.values, let.value_spans) for let in spec.lets if let.name in used]
    taken = {let.name for let in spec.lets}  # an unused `let b` still keeps `b=1|2` from being named b
    for label, alt in _inline_alts(spec.statements):
        name = label
        n = 2
        while name in taken:
            name = f"{label}{n}"
            n += 1
        taken.add(name)
        axes.append((name, alt.values, alt.spans))
    return axes


def variants(spec) -> Iterator:
    """One plain Spec per combination of sweep values (a plain spec yields itself)."""
    axes = _axes(spec)
    if not axes:
        yield spec
        return
    let_names = {let.name for let in spec.lets}
    inline_names = [name for name, _, _ in axes if name not in let_names]
    for combo in itertools.product(*(range(len(values)) for _, values, _ in axes)):
        chosen = {}
        for (name, values, spans), index in zip(axes, combo):
            chosen[name] = (values[index], spans[index] if index < len(spans) else None)
        inline_values = iter(chosen[name] for name in inline_names)
        origins: dict = {}
        statements = tuple(
            _substitute(stmt, chosen, inline_values, origins)
            for stmt in spec.statements
            if not isinstance(stmt, LetStmt)
        )
        variant = tuple((name, plain(chosen[name][0])) for name, _, _ in axes)
        yield replace(spec, statements=statements, variant=variant, origins=origins)


def _sub_value(value, chosen, inline_values, origins, where):
    picked = None
    if isinstance(value, Var) and value.name in chosen:
        picked = chosen[value.name]
    elif isinstance(value, Alt):
        picked = next(inline_values)
    if picked is None:
        return value
    value, span = picked
    if span and where[0]:
        origins[where] = span
    return value


def _substitute(stmt, chosen, inline_values, origins):
    """The statement with `$vars` and inline alternatives replaced by chosen values.

    Values are visited in the same order as `walk_values`, so inline alternatives
    meet their chosen values in order.
    """
    changes = {}
    if isinstance(stmt, (LayerStmt, Block)):
        changes["args"] = tuple(
            replace(a, value=_sub_value(a.value, chosen, inline_values, origins, (a.line, a.column)))
            for a in stmt.args
        )
    if isinstance(stmt, Block):
        changes["options"] = _sub_options(stmt, chosen, inline_values, origins)
        changes["body"] = tuple(_substitute(s, chosen, inline_values, origins) for s in stmt.body)
        changes["repeat"] = _sub_value(stmt.repeat, chosen, inline_values, origins, (stmt.line, stmt.column))
        return replace(stmt, **changes)
    if isinstance(stmt, LayerStmt):
        changes["repeat"] = _sub_value(stmt.repeat, chosen, inline_values, origins, (stmt.line, stmt.column))
    if type(stmt) in _SINGLE_VALUE:
        attribute, _, column = _SINGLE_VALUE[type(stmt)]
        where = (stmt.line, getattr(stmt, column))
        changes[attribute] = _sub_value(getattr(stmt, attribute), chosen, inline_values, origins, where)
    if hasattr(stmt, "options"):
        changes["options"] = _sub_options(stmt, chosen, inline_values, origins)
    return replace(stmt, **changes)


def _sub_options(stmt, chosen, inline_values, origins) -> tuple:
    return tuple(replace(o, value=_sub_value(o.value, chosen, inline_values, origins, (o.line, o.value_column)))
                 for o in stmt.options)
