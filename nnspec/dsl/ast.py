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
from typing import Any, Iterator, Mapping, Union

from .values import Alt, ShapeValue, Text, Value, Var, plain, shape_text, value_from_json, value_to_json

__all__ = [
    "Alt", "Arg", "BackendStmt", "Block", "Comment", "DataStmt", "InputStmt", "Layer", "LayerStmt",
    "LetStmt", "Option", "SeedStmt", "ShapeValue", "Spec", "Statement", "Text", "TrainStmt", "Value",
    "Var", "keyword_of", "plain", "shape_text", "value_from_json", "value_to_json",
]


def _end():
    # end positions do not take part in equality: a node built in code, without them,
    # equals the parsed one where line and column agree
    return field(default=0, compare=False)


@dataclass(frozen=True)
class Arg:
    """A positional argument and where it was written."""

    value: Any
    line: int = 0
    column: int = 0
    end_line: int = _end()
    end_column: int = _end()


@dataclass(frozen=True)
class Option:
    """A `key=value` option; `value_column` points at the value."""

    key: str
    value: Any
    line: int = 0
    column: int = 0
    value_column: int = 0
    end_line: int = _end()
    end_column: int = _end()


@dataclass(frozen=True)
class DataStmt:
    """`data NAME [opt=value ...]`: the dataset plugin and its options."""

    name: str
    options: tuple[Option, ...] = ()
    line: int = 0
    column: int = 0
    name_column: int = 0
    end_line: int = _end()
    end_column: int = _end()


@dataclass(frozen=True)
class InputStmt:
    """`input SHAPE`."""

    shape: Any
    line: int = 0
    column: int = 0
    value_column: int = 0
    end_line: int = _end()
    end_column: int = _end()


@dataclass(frozen=True)
class TrainStmt:
    """`train OPTIMIZER [opt=value ...]`."""

    optimizer: Any
    options: tuple[Option, ...] = ()
    line: int = 0
    column: int = 0
    optimizer_column: int = 0
    end_line: int = _end()
    end_column: int = _end()


@dataclass(frozen=True)
class SeedStmt:
    """`seed N`."""

    value: Any
    line: int = 0
    column: int = 0
    value_column: int = 0
    end_line: int = _end()
    end_column: int = _end()


@dataclass(frozen=True)
class BackendStmt:
    """`backend NAME`."""

    name: Any
    line: int = 0
    column: int = 0
    value_column: int = 0
    end_line: int = _end()
    end_column: int = _end()


@dataclass(frozen=True)
class LetStmt:
    """`let NAME = a | b`; `value_spans` says where each value was written."""

    name: str
    values: tuple[Any, ...]
    line: int = 0
    column: int = 0
    end_line: int = _end()
    end_column: int = _end()
    value_spans: tuple[tuple[int, int, int, int], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class LayerStmt:
    """One layer line: `dense 32 relu init=he x3`."""

    kind: str
    args: tuple[Arg, ...] = ()
    options: tuple[Option, ...] = ()
    repeat: int = 1
    line: int = 0
    column: int = 0
    repeat_column: int = 0
    end_line: int = _end()
    end_column: int = _end()


@dataclass(frozen=True)
class Block:
    """`{ stmt; stmt } xN`: layers repeated together."""

    body: tuple["LayerStmt | Block", ...]
    repeat: int = 1
    line: int = 0
    column: int = 0
    repeat_column: int = 0
    end_line: int = _end()
    end_column: int = _end()


@dataclass(frozen=True)
class Comment:
    """A `# comment`; `own_line` is false for a comment after a statement."""

    text: str
    line: int = 0
    column: int = 0
    own_line: bool = True
    end_line: int = _end()
    end_column: int = _end()


Statement = Union[DataStmt, InputStmt, TrainStmt, SeedStmt, BackendStmt, LetStmt, LayerStmt, Block]

STATEMENT_TYPES = {
    "data": DataStmt,
    "input": InputStmt,
    "train": TrainStmt,
    "seed": SeedStmt,
    "backend": BackendStmt,
    "let": LetStmt,
    "layer": LayerStmt,
    "block": Block,
}
_TYPE_NAMES = {cls: name for name, cls in STATEMENT_TYPES.items()}


def keyword_of(stmt) -> str:
    """The statement's kind as the language names it: data, input, ..., layer, block."""
    return _TYPE_NAMES[type(stmt)]


def span_of(node) -> tuple[int, int, int, int]:
    """(line, column, end_line, end_column) of a node (zeros where unknown)."""
    return node.line, node.column, node.end_line, node.end_column


@dataclass(frozen=True)
class Layer:
    """One layer of the expanded list: kind, positional values, options by name."""

    kind: str
    args: tuple[Any, ...]
    options: Mapping[str, Any]
    line: int = 0
    column: int = 0
    stmt: LayerStmt | None = field(default=None, compare=False, repr=False)


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
        """The layer list with every repeat and block unrolled."""
        out: list[Layer] = []
        for stmt in self.statements:
            if isinstance(stmt, (LayerStmt, Block)):
                out.extend(_expand(stmt))
        return tuple(out)

    # ---- sweeps (dsl/sweeps.py)
    def sweep_axes(self) -> list[tuple[str, tuple[Any, ...]]]:
        """(variable, values) for every used `let` and every inline alternative, in order."""
        from .sweeps import sweep_axes

        return sweep_axes(self)

    @property
    def is_sweep(self) -> bool:
        """True when the spec stands for several variants."""
        return bool(self.sweep_axes())

    def variants(self) -> Iterator["Spec"]:
        """One plain Spec per combination of sweep values (a plain spec yields itself)."""
        from .sweeps import variants

        return variants(self)

    # ---- JSON (dsl/serialize.py)
    def to_dict(self) -> dict:
        """A JSON-ready dict (docs/spec.schema.json describes it)."""
        from .serialize import spec_to_dict

        return spec_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Spec":
        """Rebuild a Spec from `to_dict()` output; positions may be left out."""
        from .serialize import spec_from_dict

        return spec_from_dict(data)


def _expand(stmt: LayerStmt | Block) -> list[Layer]:
    if isinstance(stmt, LayerStmt):
        layer = Layer(
            kind=stmt.kind,
            args=tuple(a.value for a in stmt.args),
            options={o.key: o.value for o in stmt.options},
            line=stmt.line,
            column=stmt.column,
            stmt=stmt,
        )
        return [layer] * max(stmt.repeat if isinstance(stmt.repeat, int) else 1, 0)
    body: list[Layer] = []
    for inner in stmt.body:
        body.extend(_expand(inner))
    return body * max(stmt.repeat if isinstance(stmt.repeat, int) else 1, 0)

