"""The keyword statements' own rules: what `data`, `input`, `train`, `seed` and
`backend` take, and the node each becomes (anything else is a layer)."""

from __future__ import annotations

from typing import Callable

from .ast import Arg, BackendStmt, DataStmt, InputStmt, LayerStmt, Option, SeedStmt, ShapeValue, TrainStmt

KEYWORDS = ("data", "input", "train", "seed", "backend", "let")
_SINGLE = {
    "input": "a shape, e.g. 'input 784' or 'input 28x28x1'",
    "seed": "a number, e.g. 'seed 42'",
    "backend": "a backend name, e.g. 'backend keras'",
    "train": "an optimizer, e.g. 'train adam lr=0.001'",
}
Span = tuple[int, int, int, int]
Report = Callable[[str, Span, str], None]  # (message, where, code)


def build_statement(keyword: str, where: Span, args: list[Arg], options: list[Option],
                    repeat: tuple[int, Span] | None, error: Report):
    """The node for a statement read as `keyword args options [xN]`, reporting what breaks its rules.

    `where` spans the whole statement; `repeat` is the count and where `xN` was written.
    """
    head = (where[0], where[1], where[0], where[1] + len(keyword))
    if keyword in KEYWORDS and repeat is not None:
        error(f"'{keyword}' cannot be repeated", repeat[1], "cannot-repeat")
    if keyword == "data":
        name = _single(keyword, args, head, "a dataset name, e.g. 'data iris'", error)
        if name is not None and not isinstance(name.value, str):
            error("the dataset name must be a name, e.g. 'data iris'", _arg_span(name), "bad-value")
        return DataStmt(name.value if name and isinstance(name.value, str) else "", tuple(options),
                        *where[:2], name.column if name else 0, *where[2:])
    if keyword in _SINGLE:
        value = _single(keyword, args, head, _SINGLE[keyword], error)
        if keyword != "train" and options:
            first = options[0]
            error(f"'{keyword}' takes no options", (first.line, first.column, first.end_line, first.end_column),
                  "no-options")
        v, column = (value.value, value.column) if value else (None, 0)
        if keyword == "input":
            if isinstance(v, int) and not isinstance(v, bool):
                v = ShapeValue((v,))
            return InputStmt(v, *where[:2], column, *where[2:])
        if keyword == "seed":
            return SeedStmt(v, *where[:2], column, *where[2:])
        if keyword == "backend":
            return BackendStmt(v, *where[:2], column, *where[2:])
        return TrainStmt(v, tuple(options), *where[:2], column, *where[2:])
    count, repeat_column = (repeat[0], repeat[1][1]) if repeat else (1, 0)
    return LayerStmt(keyword, tuple(args), tuple(options), count, where[0], where[1], repeat_column, *where[2:])


def _single(keyword: str, args: list[Arg], head: Span, what: str, error: Report) -> Arg | None:
    if not args:
        error(f"'{keyword}' needs {what}", head, "missing-value")
        return None
    if len(args) > 1:
        error(f"'{keyword}' takes one value, found {len(args)}", _arg_span(args[1]), "too-many-values")
    return args[0]


def _arg_span(arg: Arg) -> Span:
    return arg.line, arg.column, arg.end_line, arg.end_column
