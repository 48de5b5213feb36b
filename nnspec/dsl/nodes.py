"""The nodes of the syntax tree: statements, their arguments and options, comments.

Every node has `line`, `column` (where it starts) and `end_line`, `end_column` (just
past its last character; 1-based, 0 when unknown, as for nodes built in code).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Union


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
    """`{ stmt; stmt } xN`: layers repeated together; with a head, layers connected.

    `kind` is the head (`residual`, `add`, `concat`; docs/language.md, "Graphs") or ""
    for a plain group, which runs its layers in order; `args` and `options` are what
    the head was written with. A headed block's `line`/`column` are its head's.
    """

    body: tuple["LayerStmt | Block", ...]
    repeat: int = 1
    line: int = 0
    column: int = 0
    repeat_column: int = 0
    end_line: int = _end()
    end_column: int = _end()
    kind: str = ""
    args: tuple[Arg, ...] = ()
    options: tuple[Option, ...] = ()


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
    """One layer of the expanded list: kind, positional values, options by name.

    `inputs` holds the indexes, in the expanded list, of the layers whose outputs this
    one takes (-1: the network's input); None means the layer before it, as in a
    plain stack. A merge (`add`, `concat`, made from a block's head) takes several.
    """

    kind: str
    args: tuple[Any, ...]
    options: Mapping[str, Any]
    line: int = 0
    column: int = 0
    stmt: LayerStmt | None = field(default=None, compare=False, repr=False)
    inputs: tuple[int, ...] | None = None
