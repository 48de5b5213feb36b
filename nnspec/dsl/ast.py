"""The typed syntax tree of a spec: frozen dataclasses that remember where they were written.

`Spec.statements` is what was written; `Spec.layers` is the expanded layer list
(repeats and blocks unrolled); `Spec.variants()` yields one plain Spec per combination
of sweep values. `Spec.to_dict()` / `Spec.from_dict()` round-trip through JSON.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, fields, replace
from typing import Any, Iterator, Mapping, Union

FORMAT_VERSION = 0

# ---------------------------------------------------------------- values


def shape_text(dims) -> str:
    """A shape as the language writes it: (28, 28, 1) -> `28x28x1`."""
    return "x".join(str(d) for d in dims)


@dataclass(frozen=True)
class ShapeValue:
    """A shape such as `28x28x1`."""

    dims: tuple[int, ...]

    def __str__(self) -> str:
        return shape_text(self.dims)


@dataclass(frozen=True)
class Text:
    """A double-quoted string (paths)."""

    value: str

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Var:
    """A reference to a sweep variable, `$init`."""

    name: str

    def __str__(self) -> str:
        return f"${self.name}"


@dataclass(frozen=True)
class Alt:
    """Alternatives written inline, `tanh|relu`: one value per variant."""

    values: tuple[Any, ...]


Value = Union[int, float, bool, str, ShapeValue, Text, Var, Alt, tuple]


def plain(value: Any) -> Any:
    """A value as plain Python: shapes as tuples, quoted text as str."""
    if isinstance(value, ShapeValue):
        return value.dims
    if isinstance(value, Text):
        return value.value
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value


def value_to_json(value: Any) -> Any:
    if isinstance(value, ShapeValue):
        return {"shape": list(value.dims)}
    if isinstance(value, Text):
        return {"text": value.value}
    if isinstance(value, Var):
        return {"var": value.name}
    if isinstance(value, Alt):
        return {"alt": [value_to_json(v) for v in value.values]}
    if isinstance(value, tuple):
        return {"list": [value_to_json(v) for v in value]}
    return value


def value_from_json(data: Any) -> Any:
    if isinstance(data, dict):
        ((key, inner),) = data.items()
        if key == "shape":
            return ShapeValue(tuple(inner))
        if key == "text":
            return Text(inner)
        if key == "var":
            return Var(inner)
        if key == "alt":
            return Alt(tuple(value_from_json(v) for v in inner))
        if key == "list":
            return tuple(value_from_json(v) for v in inner)
        raise ValueError(f"unknown value form {key!r}")
    return data


# ---------------------------------------------------------------- nodes


@dataclass(frozen=True)
class Arg:
    """A positional argument and where it was written."""

    value: Any
    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class Option:
    """A `key=value` option; `value_column` points at the value."""

    key: str
    value: Any
    line: int = 0
    column: int = 0
    value_column: int = 0


@dataclass(frozen=True)
class DataStmt:
    name: str
    options: tuple[Option, ...] = ()
    line: int = 0
    column: int = 0
    name_column: int = 0


@dataclass(frozen=True)
class InputStmt:
    shape: Any
    line: int = 0
    column: int = 0
    value_column: int = 0


@dataclass(frozen=True)
class TrainStmt:
    optimizer: Any
    options: tuple[Option, ...] = ()
    line: int = 0
    column: int = 0
    optimizer_column: int = 0


@dataclass(frozen=True)
class SeedStmt:
    value: Any
    line: int = 0
    column: int = 0
    value_column: int = 0


@dataclass(frozen=True)
class BackendStmt:
    name: Any
    line: int = 0
    column: int = 0
    value_column: int = 0


@dataclass(frozen=True)
class LetStmt:
    name: str
    values: tuple[Any, ...]
    line: int = 0
    column: int = 0


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


@dataclass(frozen=True)
class Block:
    """`{ stmt; stmt } xN`: layers repeated together."""

    body: tuple["LayerStmt | Block", ...]
    repeat: int = 1
    line: int = 0
    column: int = 0
    repeat_column: int = 0
    end_line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Comment:
    """A `# comment`; `own_line` is false for a comment after a statement."""

    text: str
    line: int
    column: int
    own_line: bool = True


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
    """A parsed spec. `variant` names the sweep values a variant was made with."""

    statements: tuple[Statement, ...]
    filename: str | None = None
    source: str | None = field(default=None, compare=False, repr=False)
    comments: tuple[Comment, ...] = field(default=(), compare=False)
    variant: tuple[tuple[str, Any], ...] = ()

    # ---- what was written, by statement kind
    def first(self, cls):
        """The first statement of a kind (DataStmt, SeedStmt, ...), or None."""
        found = [s for s in self.statements if isinstance(s, cls)]
        return found[0] if found else None

    @property
    def data(self) -> DataStmt | None:
        return self.first(DataStmt)

    @property
    def input(self) -> InputStmt | None:
        return self.first(InputStmt)

    @property
    def train(self) -> TrainStmt | None:
        return self.first(TrainStmt)

    @property
    def seed(self) -> int | None:
        stmt = self.first(SeedStmt)
        return stmt.value if stmt else None

    @property
    def backend(self) -> str | None:
        stmt = self.first(BackendStmt)
        return stmt.name if stmt else None

    @property
    def lets(self) -> tuple[LetStmt, ...]:
        return tuple(s for s in self.statements if isinstance(s, LetStmt))

    @property
    def layers(self) -> tuple[Layer, ...]:
        """The layer list with every repeat and block unrolled."""
        out: list[Layer] = []
        for stmt in self.statements:
            if isinstance(stmt, (LayerStmt, Block)):
                out.extend(_expand(stmt))
        return tuple(out)

    # ---- sweeps
    def sweep_axes(self) -> list[tuple[str, tuple[Any, ...]]]:
        """(variable, values) for every used `let` and every inline alternative, in order.

        A `let` no statement refers to sweeps nothing (check warns about it), so it
        does not multiply the variants.
        """
        used = used_variables(self.statements)
        axes = [(let.name, let.values) for let in self.lets if let.name in used]
        taken = {name for name, _ in axes}
        for label, alt in _inline_alts(self.statements):
            name = label
            n = 2
            while name in taken:
                name = f"{label}{n}"
                n += 1
            taken.add(name)
            axes.append((name, alt.values))
        return axes

    @property
    def is_sweep(self) -> bool:
        return bool(self.sweep_axes())

    def variants(self) -> Iterator["Spec"]:
        """One plain Spec per combination of sweep values (a plain spec yields itself)."""
        axes = self.sweep_axes()
        if not axes:
            yield self
            return
        let_names = {let.name for let in self.lets}
        inline_names = [name for name, _ in axes if name not in let_names]
        for combo in itertools.product(*(values for _, values in axes)):
            chosen = dict(zip((name for name, _ in axes), combo))
            inline_values = iter(chosen[name] for name in inline_names)
            statements = tuple(
                _substitute(stmt, chosen, inline_values)
                for stmt in self.statements
                if not isinstance(stmt, LetStmt)
            )
            variant = tuple((name, plain(chosen[name])) for name, _ in axes)
            yield replace(self, statements=statements, variant=variant)

    # ---- JSON
    def to_dict(self) -> dict:
        """A JSON-ready dict (docs/spec.schema.json describes it)."""
        return {
            "nnspec": FORMAT_VERSION,
            "filename": self.filename,
            "statements": [_node_to_json(s) for s in self.statements],
            "comments": [
                {"text": c.text, "line": c.line, "column": c.column, "own_line": c.own_line}
                for c in self.comments
            ],
            "variant": [[name, value_to_json(value)] for name, value in self.variant],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Spec":
        """Rebuild a Spec from `to_dict()` output."""
        from ..errors import SpecError

        try:
            if data.get("nnspec") != FORMAT_VERSION:
                raise SpecError(f"unsupported spec format version {data.get('nnspec')!r}")
            return cls(
                statements=tuple(_node_from_json(s) for s in data["statements"]),
                filename=data.get("filename"),
                comments=tuple(Comment(**c) for c in data.get("comments", ())),
                variant=tuple((n, value_from_json(v)) for n, v in data.get("variant", ())),
            )
        except SpecError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SpecError(f"not a spec dict: {exc}") from None


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


# statements that hold one sweepable value, and the label a sweep gives it
_SINGLE_VALUE = {InputStmt: ("shape", "input"), TrainStmt: ("optimizer", "optimizer"),
                 SeedStmt: ("value", "seed"), BackendStmt: ("name", "backend")}


def _walk_values(stmt):
    """Yield (label, value) for every value a statement holds, in source order."""
    if isinstance(stmt, Block):
        for inner in stmt.body:
            yield from _walk_values(inner)
    if isinstance(stmt, LayerStmt):
        for arg in stmt.args:
            yield stmt.kind, arg.value
    if type(stmt) in _SINGLE_VALUE:
        attribute, label = _SINGLE_VALUE[type(stmt)]
        yield label, getattr(stmt, attribute)
    for option in getattr(stmt, "options", ()):
        yield option.key, option.value
    if isinstance(getattr(stmt, "repeat", None), Var):  # `x$depth`: a swept repeat count
        yield "repeat", stmt.repeat


def _inline_alts(statements) -> list[tuple[str, Alt]]:
    return [(label, value) for stmt in statements for label, value in _walk_values(stmt) if isinstance(value, Alt)]


def _sub_value(value, chosen, inline_values):
    if isinstance(value, Var) and value.name in chosen:
        return chosen[value.name]
    if isinstance(value, Alt):
        return next(inline_values)
    return value


def _substitute(stmt, chosen, inline_values):
    """The statement with `$vars` and inline alternatives replaced by chosen values.

    Values are visited in the same order as `_walk_values`, so inline alternatives
    meet their chosen values in order.
    """
    if isinstance(stmt, Block):
        return replace(stmt, body=tuple(_substitute(s, chosen, inline_values) for s in stmt.body),
                       repeat=_sub_value(stmt.repeat, chosen, inline_values))
    changes = {}
    if isinstance(stmt, LayerStmt):
        changes["repeat"] = _sub_value(stmt.repeat, chosen, inline_values)
    if isinstance(stmt, LayerStmt):
        changes["args"] = tuple(replace(a, value=_sub_value(a.value, chosen, inline_values)) for a in stmt.args)
    if type(stmt) in _SINGLE_VALUE:
        attribute = _SINGLE_VALUE[type(stmt)][0]
        changes[attribute] = _sub_value(getattr(stmt, attribute), chosen, inline_values)
    if hasattr(stmt, "options"):
        changes["options"] = tuple(
            replace(o, value=_sub_value(o.value, chosen, inline_values)) for o in stmt.options
        )
    return replace(stmt, **changes)


_VALUE_FIELDS = {"value", "shape", "optimizer", "name", "repeat"}


def _node_to_json(node) -> dict:
    out: dict[str, Any] = {"type": _TYPE_NAMES[type(node)]}
    for f in fields(node):
        item = getattr(node, f.name)
        if f.name == "body":
            out["body"] = [_node_to_json(s) for s in item]
        elif f.name == "args":
            out["args"] = [{"value": value_to_json(a.value), "line": a.line, "column": a.column} for a in item]
        elif f.name == "options":
            out["options"] = [
                {
                    "key": o.key,
                    "value": value_to_json(o.value),
                    "line": o.line,
                    "column": o.column,
                    "value_column": o.value_column,
                }
                for o in item
            ]
        elif f.name == "values":
            out["values"] = [value_to_json(v) for v in item]
        elif f.name in _VALUE_FIELDS:
            out[f.name] = value_to_json(item)
        else:
            out[f.name] = item
    return out


def _node_from_json(data: Mapping[str, Any]):
    cls = STATEMENT_TYPES[data["type"]]
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        item = data[f.name]
        if f.name == "body":
            kwargs["body"] = tuple(_node_from_json(s) for s in item)
        elif f.name == "args":
            kwargs["args"] = tuple(Arg(value_from_json(a["value"]), a["line"], a["column"]) for a in item)
        elif f.name == "options":
            kwargs["options"] = tuple(
                Option(o["key"], value_from_json(o["value"]), o["line"], o["column"], o["value_column"])
                for o in item
            )
        elif f.name == "values":
            kwargs["values"] = tuple(value_from_json(v) for v in item)
        elif f.name in _VALUE_FIELDS:
            kwargs[f.name] = value_from_json(item)
        else:
            kwargs[f.name] = item
    return cls(**kwargs)


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
        for _, value in _walk_values(stmt):
            visit(value)
    return names
