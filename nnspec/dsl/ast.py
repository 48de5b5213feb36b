"""The typed syntax tree of a spec: frozen dataclasses that remember where they were written.

Every node has `line`, `column` (where it starts) and `end_line`, `end_column` (just
past its last character; 1-based, 0 when unknown, as for nodes built in code).
`Spec.statements` is what was written; `Spec.layers` is the expanded layer list
(repeats and blocks unrolled); `Spec.variants()` yields one plain Spec per combination
of sweep values. `Spec.to_dict()` / `Spec.from_dict()` round-trip through JSON.

A spec can be built from these classes directly, positions left out:

    Spec((InputStmt(ShapeValue((4,))), LayerStmt("dense", (Arg(3), Arg("softmax")))))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from .nodes import (
    STATEMENT_TYPES,
    Arg,
    BackendStmt,
    Block,
    Comment,
    DataStmt,
    InputStmt,
    Layer,
    LayerStmt,
    LetStmt,
    Option,
    SeedStmt,
    Statement,
    TrainStmt,
    keyword_of,
    span_of,
)
from .graph import expand
from .serialize import spec_from_dict, spec_to_dict
from .sweeps import sweep_axes, variants
from .values import Alt, ShapeValue, Text, Value, Var, plain, shape_text, value_from_json, value_to_json

__all__ = [
    "Alt", "Arg", "BackendStmt", "Block", "Comment", "DataStmt", "InputStmt", "Layer", "LayerStmt",
    "LetStmt", "Option", "SeedStmt", "ShapeValue", "Spec", "Statement", "Text", "TrainStmt", "Value",
    "Var", "STATEMENT_TYPES", "keyword_of", "plain", "shape_text", "span_of", "value_from_json", "value_to_json",
]


# ---------------------------------------------------------------- the spec


@dataclass(frozen=True)
class Spec:
    """A parsed spec. `variant` names the sweep values a variant was made with.

    In a variant, `origins` maps where a swept value is used, (line, column), to where
    it was written (a `let` value or an inline alternative): errors point there.
    """

    statements: tuple[Statement, ...]
    filename: str | None = None
    source: str | None = field(default=None, compare=False, repr=False)
    comments: tuple[Comment, ...] = field(default=(), compare=False)
    variant: tuple[tuple[str, Any], ...] = ()
    origins: Mapping[tuple[int, int], tuple[int, int, int, int]] | None = field(
        default=None, compare=False, repr=False
    )

    # ---- what was written, by statement kind
    def first(self, cls):
        """The first statement of a kind (DataStmt, SeedStmt, ...), or None."""
        for stmt in self.statements:
            if isinstance(stmt, cls):
                return stmt
        return None

    @property
    def data(self) -> DataStmt | None:
        """The `data` statement, or None."""
        return self.first(DataStmt)

    @property
    def input(self) -> InputStmt | None:
        """The `input` statement, or None."""
        return self.first(InputStmt)

    @property
    def train(self) -> TrainStmt | None:
        """The `train` statement, or None."""
        return self.first(TrainStmt)

    @property
    def seed(self) -> int | None:
        """The seed written, or None."""
        stmt = self.first(SeedStmt)
        return stmt.value if stmt else None

    @property
    def backend(self) -> str | None:
        """The backend written, or None."""
        stmt = self.first(BackendStmt)
        return stmt.name if stmt else None

    @property
    def lets(self) -> tuple[LetStmt, ...]:
        """The `let` statements."""
        return tuple(s for s in self.statements if isinstance(s, LetStmt))

    @property
    def layers(self) -> tuple[Layer, ...]:
        """The layer list with every repeat and block unrolled (dsl/graph.py: merges and inputs too)."""
        return expand(self.statements)

    # ---- sweeps (dsl/sweeps.py)
    def sweep_axes(self) -> list[tuple[str, tuple[Any, ...]]]:
        """(variable, values) for every used `let` and every inline alternative, in order."""
        return sweep_axes(self)

    @property
    def is_sweep(self) -> bool:
        """True when the spec stands for several variants."""
        return bool(self.sweep_axes())

    def variants(self) -> Iterator["Spec"]:
        """One plain Spec per combination of sweep values (a plain spec yields itself)."""
        return variants(self)

    # ---- JSON (dsl/serialize.py)
    def to_dict(self) -> dict:
        """A JSON-ready dict (docs/spec.schema.json describes it)."""
        return spec_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Spec":
        """Rebuild a Spec from `to_dict()` output; positions may be left out."""
        return spec_from_dict(data, cls)
