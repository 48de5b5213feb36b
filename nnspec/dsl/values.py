"""The values a spec holds besides numbers, names and booleans: shapes, text, variables,
alternatives, ranges; and their JSON form (docs/spec.schema.json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


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
    """Alternatives written inline, `tanh|relu`: one value per variant.

    `spans` holds where each alternative was written, (line, column, end_line,
    end_column), so that an error in one variant points at its own value.
    """

    values: tuple[Any, ...]
    spans: tuple[tuple[int, int, int, int], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Range:
    """A range a search samples from (`nnspec run --trials N`), written as a `let`'s one value.

    `let units = 16..256` is uniform over the whole numbers from 16 to 256 (both ends
    whole numbers), `let lr = 0.0001..0.1 log` log-uniform over the reals between.
    """

    low: Any
    high: Any
    log: bool = False

    @property
    def integers(self) -> bool:
        """True when both ends are whole numbers: the range then holds whole numbers only."""
        return all(isinstance(end, int) and not isinstance(end, bool) for end in (self.low, self.high))

    @property
    def ends(self) -> tuple:
        """The two ends (one if they are equal): `check`, `show` and a grid stand a range for them."""
        return tuple(dict.fromkeys((self.low, self.high)))

    def __str__(self) -> str:
        return f"{self.low}..{self.high}" + (" log" if self.log else "")


Value = Union[int, float, bool, str, ShapeValue, Text, Var, Alt, Range, tuple]


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
    """A value in its JSON form: numbers, names and booleans as they are, the rest tagged."""
    if isinstance(value, ShapeValue):
        return {"shape": list(value.dims)}
    if isinstance(value, Text):
        return {"text": value.value}
    if isinstance(value, Var):
        return {"var": value.name}
    if isinstance(value, Alt):
        return {"alt": [value_to_json(v) for v in value.values]}
    if isinstance(value, Range):
        return {"range": {"low": value.low, "high": value.high, "log": value.log}}
    if isinstance(value, tuple):
        return {"list": [value_to_json(v) for v in value]}
    return value


def value_from_json(data: Any) -> Any:
    """The value a JSON form stands for (the inverse of value_to_json)."""
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
        if key == "range":
            return Range(inner["low"], inner["high"], bool(inner.get("log", False)))
        raise ValueError(f"unknown value form {key!r}")
    if isinstance(data, list):  # a list written plainly, as a tool building a spec would
        return tuple(value_from_json(v) for v in data)
    return data
