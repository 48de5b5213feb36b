"""Whole-spec checks, before any variant: statements given twice, sweep variables, layers and input present."""

from __future__ import annotations

from typing import Any

from .ast import Block, LayerStmt, LetStmt, Spec, Var, keyword_of
from .diagnostics import Collector
from .graph import BRANCHING, MERGES
from .sweeps import walk_values as _walk_values

SHAPELESS_NOTE = "shapes and parameters are not inferred without 'input' or 'data'"


def check_statements(spec: Spec, out: Collector) -> None:
    """Checks of the whole spec: statements given twice, sweep variables, layers and input present."""
    singles: dict[type, Any] = {}
    for stmt in spec.statements:
        if isinstance(stmt, (LayerStmt, Block)):
            continue
        kind = type(stmt)
        if kind is LetStmt:
            continue
        if kind in singles:
            out.error(
                f"a second '{keyword_of(stmt)}' statement",
                stmt.line,
                stmt.column,
                hint=f"the first is on line {singles[kind].line}",
                code="duplicate-statement",
            )
        else:
            singles[kind] = stmt
    defined: dict[str, Any] = {}
    for let in spec.lets:
        if let.name in defined:
            out.error(f"variable '{let.name}' is defined twice", let.line, let.column,
                      hint=f"the first definition is on line {defined[let.name].line}", code="duplicate-variable")
        defined[let.name] = let
        if len(let.values) < 2:
            out.warn(f"variable '{let.name}' has one value: it sweeps nothing", let.line, let.column, code="single-value-sweep")
    used = set()
    for stmt in spec.statements:
        for _, value in _walk_values(stmt):
            for var in _vars(value):
                used.add(var.name)
                if var.name not in defined:
                    line, column = _position_of(stmt, value)
                    out.error(f"undefined variable '${var.name}'", line, column,
                              hint=_suggest_var(var.name, defined) or f"define it with 'let {var.name} = a | b'", code="undefined-variable")
    for name, let in defined.items():
        if name not in used:
            out.warn(f"variable '{name}' is never used", let.line, let.column, code="unused-variable")
    for stmt in spec.statements:
        if isinstance(stmt, Block):
            _check_heads(stmt, out)
    if not any(isinstance(s, (LayerStmt, Block)) for s in spec.statements):
        out.error("the spec has no layers", 1, 1, hint="add one, e.g. 'dense 10 softmax'", code="no-layers")
    if spec.data is None and spec.input is None:
        # legal (the design card's `dense 256 relu x4; dense 10 softmax`): names and
        # arguments are checked, shapes wait for `input` or `data`; check() refuses it
        out.add("info", SHAPELESS_NOTE, 1, 1, code="no-input")


def _check_heads(block: Block, out: Collector) -> None:
    """A block's head is residual, add or concat, takes no positional argument, and branches twice or more."""
    from ..registry import closest_name

    if block.kind and block.kind not in MERGES:
        heads = ", ".join(sorted(MERGES))
        match = closest_name(block.kind, MERGES)
        out.error(f"'{block.kind}' cannot head a block (block heads: {heads})", block.line, block.column,
                  hint=f"did you mean '{match}'?" if match else "a plain block is { ... }; a layer is written on its own",
                  code="unknown-block", replacement=match)
    elif block.kind and block.args:
        arg = block.args[0]
        out.error(f"{block.kind} takes no positional arguments", arg.line, arg.column, code="too-many-arguments")
    elif block.kind in BRANCHING and len(block.body) < 2:
        out.error(f"{block.kind} needs two or more branches, found {len(block.body)}", block.line, block.column,
                  hint="each statement inside is a branch; for the block's input plus one branch, use residual { ... }",
                  code="one-branch")
    for inner in block.body:
        if isinstance(inner, Block):
            _check_heads(inner, out)


def _vars(value):
    if isinstance(value, Var):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _vars(item)
    elif hasattr(value, "values") and isinstance(getattr(value, "values"), tuple):
        for item in value.values:
            yield from _vars(item)


def _suggest_var(name: str, defined) -> str | None:
    from ..registry import did_you_mean

    hint = did_you_mean(name, defined)
    return hint.replace("'", "'$", 1) if hint else None


def _position_of(stmt, value) -> tuple[int, int]:
    if isinstance(stmt, Block) and not any(w.value is value for w in (*stmt.args, *stmt.options)):
        for inner in stmt.body:
            for _, v in _walk_values(inner):
                if v is value:
                    return _position_of(inner, value)
        return stmt.line, stmt.column
    for arg in getattr(stmt, "args", ()):
        if arg.value is value:
            return arg.line, arg.column
    for option in getattr(stmt, "options", ()):
        if option.value is value:
            return option.line, option.value_column
    return stmt.line, getattr(stmt, "value_column", 0) or getattr(stmt, "optimizer_column", 0) or stmt.column
