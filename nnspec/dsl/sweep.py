"""Sweep helpers that sit beside the AST: seed axes and `--seeds`, and structural sweeps.

A run repeated over seeds is a sweep whose seed axis is set aside when results are
compared: `seed 0|1|2` (an inline alternative) or `let s = 0|1|2` with `seed $s`.
A structural sweep changes the network itself: `dense 64 relu x$depth` with
`let depth = 2|4|8`, or `x$extra` with `let extra = 0|1` for a layer present in some
variants only; `train sgd|momentum momentum=0.9` gives momentum= to the optimizers
that take it, and the others ignore it (check says which).
"""

from __future__ import annotations

import dataclasses

from ..errors import UsageError
from .ast import Alt, Block, LayerStmt, LetStmt, SeedStmt, Spec, TrainStmt, Var
from .sweeps import _inline_alts

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


# ------------------------------------------------------------------ structural sweeps


def repeat_problems(variant: Spec) -> list[tuple[str, int, int]]:
    """(message, line, column) for each swept repeat count (`x$depth`) that is not a whole number from 0."""
    problems = []

    def visit(stmt) -> None:
        for inner in getattr(stmt, "body", ()):
            visit(inner)
        count = getattr(stmt, "repeat", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            where = stmt.repeat_column or stmt.column
            problems.append((f"a repeat count must be a whole number from 0, found '{count}'", stmt.line, where))

    for stmt in variant.statements:
        if isinstance(stmt, (LayerStmt, Block)):
            visit(stmt)
    return problems


def present(variant: Spec) -> Spec:
    """The variant without the layers and blocks its swept repeats leave out (`x$bn` with bn=0).

    A variant's spec.nn is written from this: `x0` is no count the language reads back,
    and a statement repeated no times makes no layer.
    """
    def keep(stmt):
        if not isinstance(stmt, (LayerStmt, Block)):
            return stmt
        if stmt.repeat == 0:
            return None
        if isinstance(stmt, Block):
            body = tuple(s for s in (keep(s) for s in stmt.body) if s is not None)
            return dataclasses.replace(stmt, body=body) if body else None
        return stmt

    statements = tuple(s for s in (keep(s) for s in variant.statements) if s is not None)
    return variant if statements == variant.statements else dataclasses.replace(variant, statements=statements)


def variant_label_of(variant: Spec) -> str:
    """`depth=4 seed=1` for a variant spec, `default` for a spec without sweep values."""
    return " ".join(f"{name}={value}" for name, value in variant.variant) or "default"


def swept_optimizers(spec: Spec) -> tuple[str, ...]:
    """The optimizer names a train line sweeps (`train sgd|adam`, `train $opt`); () when it sweeps none."""
    stmt = spec.first(TrainStmt)
    if stmt is None:
        return ()
    value = stmt.optimizer
    if isinstance(value, Alt):
        return tuple(v for v in value.values if isinstance(v, str))
    if isinstance(value, Var):
        let = next((s for s in spec.lets if s.name == value.name), None)
        return tuple(v for v in let.values if isinstance(v, str)) if let else ()
    return ()


def without_options(variant: Spec, keys: set[str]) -> Spec:
    """The variant with the train line's options in `keys` removed."""
    statements = tuple(
        dataclasses.replace(s, options=tuple(o for o in s.options if o.key not in keys)) if isinstance(s, TrainStmt) else s
        for s in variant.statements
    )
    return dataclasses.replace(variant, statements=statements)


class PartialOptions:
    """Gives each variant of `train a|b opt=v` the options its optimizer takes, and notes the rest.

    An option that some swept optimizers take and others do not is dropped from the
    variants whose optimizer does not take it; `report` then adds one info diagnostic
    per option naming those variants.
    """

    def __init__(self, spec: Spec, train_options) -> None:
        """`train_options`: the Params every optimizer's train line takes (lr=, epochs=, ...)."""
        from ..plugins import get_registries

        self.spec = spec
        optimizers = get_registries().optimizers
        self.canonical = {name: optimizers.resolve(name) for name in swept_optimizers(spec)}
        accepted = {
            canonical: {p.name for p in train_options} | {p.name for p in optimizers.get(canonical).options}
            for canonical in self.canonical.values() if canonical is not None
        }
        self.partial = self._partial(accepted)
        self.ignored: dict[str, list[str]] = {}

    def _partial(self, accepted: dict[str, set[str]]) -> dict[str, set[str]]:
        stmt = self.spec.first(TrainStmt)
        optimizers = {c for c in self.canonical.values() if c is not None}
        if stmt is None or len(optimizers) < 2:
            return {}
        out = {}
        for option in stmt.options:
            takers = {name for name in optimizers if option.key in accepted[name]}
            if takers and len(takers) < len(optimizers):
                out[option.key] = takers
        return out

    def narrow(self, variant: Spec) -> Spec:
        """The variant without the options its optimizer does not take (recorded for `report`)."""
        if not self.partial or variant.train is None:
            return variant
        chosen = self.canonical.get(variant.train.optimizer, variant.train.optimizer)
        dropped = {key for key, takers in self.partial.items() if chosen not in takers}
        for key in dropped:
            self.ignored.setdefault(key, []).append(chosen)
        return without_options(variant, dropped) if dropped else variant

    def report(self, out) -> None:
        """One info diagnostic per option that some variants ignore, at the option."""
        stmt = self.spec.first(TrainStmt)
        for key, ignoring in self.ignored.items():
            option = next(o for o in stmt.options if o.key == key)
            takers = " and ".join(sorted(self.partial[key]))
            others = " or ".join(dict.fromkeys(ignoring))
            count = len(ignoring)
            out.add("info", f"{key}= applies to train {takers} only: the {count} variant{'s' if count > 1 else ''} "
                    f"with train {others} ignore{'' if count > 1 else 's'} it", option.line, option.column,
                    code="option-ignored-by-variant")
