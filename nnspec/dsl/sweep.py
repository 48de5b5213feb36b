"""Sweep helpers that sit beside the AST: which sweep axes are seeds, and `--seeds`.

A run repeated over seeds is a sweep whose seed axis is set aside when results are
compared: `seed 0|1|2` (an inline alternative) or `let s = 0|1|2` with `seed $s`.
"""

from __future__ import annotations

import dataclasses

from ..errors import UsageError
from .ast import Alt, LetStmt, SeedStmt, Spec, Var, _inline_alts

MAX_SEEDS = 1000  # more runs than this is a typo for a seed, not a plan


def seed_axes(spec: Spec) -> set[str]:
    """The names of the sweep axes that choose the seed (empty: the seed is fixed)."""
    stmt = spec.first(SeedStmt)
    if stmt is None:
        return set()
    value = stmt.value
    if isinstance(value, Var):
        return {value.name}
    if not isinstance(value, Alt):
        return set()
    # inline alternatives are named in the order sweep_axes() names them
    let_names = {let.name for let in spec.lets}
    inline_names = [name for name, _ in spec.sweep_axes() if name not in let_names]
    for name, (_, alt) in zip(inline_names, _inline_alts(spec.statements)):
        if alt is value:
            return {name}
    return set()


def parse_seeds(text: str) -> tuple[int, ...]:
    """`--seeds 0,1,2` (those seeds) or `--seeds 5` (seeds 0 to 4)."""
    parts = [part.strip() for part in str(text).split(",")]
    try:
        numbers = [int(part) for part in parts]
    except ValueError:
        raise UsageError(f"--seeds takes a count (5: seeds 0-4) or a comma list (0,1,2), not '{text}'") from None
    if len(numbers) == 1:
        count = numbers[0]
        if not 1 <= count <= MAX_SEEDS:
            raise UsageError(f"--seeds {count}: the count must be from 1 to {MAX_SEEDS}")
        return tuple(range(count))
    if any(n < 0 for n in numbers):
        raise UsageError(f"--seeds {text}: seeds are whole numbers from 0")
    if len(set(numbers)) != len(numbers):
        raise UsageError(f"--seeds {text} names a seed twice")
    return tuple(numbers)


def with_seeds(spec: Spec, seeds) -> Spec:
    """The spec with its seed statement replaced by `seed a|b|c` (one run per seed)."""
    seeds = tuple(int(s) for s in seeds)
    value = seeds[0] if len(seeds) == 1 else Alt(seeds)
    statements = list(spec.statements)
    for i, stmt in enumerate(statements):
        if isinstance(stmt, SeedStmt):
            if isinstance(stmt.value, Var):  # `seed $s`: the command line replaces the variable too
                statements = [s for s in statements if not (isinstance(s, LetStmt) and s.name == stmt.value.name)]
                i = statements.index(stmt)
            statements[i] = dataclasses.replace(stmt, value=value)
            return dataclasses.replace(spec, statements=tuple(statements))
    first_line = min((s.line for s in statements if getattr(s, "line", 0)), default=1)
    return dataclasses.replace(spec, statements=(SeedStmt(value, line=first_line), *statements))
