"""Type-checking of argument and option values against `Param` declarations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from ..errors import SpecError
from ..plugins import get_registries
from ..registry import closest_name, did_you_mean
from ..types import REQUIRED, Param
from .ast import Alt, Option, ShapeValue, Text, Var

if TYPE_CHECKING:
    from .diagnostics import Collector

MAX_SIZE = 1_000_000  # units, filters, dims: larger is a typo, not a network that fits here

_REGISTRY_KINDS = {"activation", "initializer", "optimizer", "loss", "metric", "metrics", "dataset", "backend", "layer"}


def default_of(param: Param, what: str) -> Any:
    """A `Param`'s default, resolved exactly as a written value is (`xavier` -> `xavier_uniform`).

    Only registry kinds need it: other defaults are already in the form a plugin
    receives. Raises SpecError when a plugin's default names nothing registered.
    """
    if param.default is None or param.type not in _REGISTRY_KINDS:
        return param.default
    try:
        return coerce(param, param.default, what)
    except SpecError as error:
        error.message = f"{error.message} (the default of {what} {param.name}, set by its plugin)"
        raise


def describe(value: Any) -> str:
    """A value as the user wrote it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(describe(v) for v in value)
    if isinstance(value, Text):
        return f'"{value.value}"'
    return str(value)


def _number_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, ShapeValue):
        return "a shape"
    if isinstance(value, (Text, str)):
        return "a name"
    if isinstance(value, tuple):
        return "a list"
    if isinstance(value, float):
        return "a fraction" if 0 < value < 1 else "a decimal number"
    return "a number"


def coerce(param: Param, value: Any, what: str) -> Any:
    """`value` converted to what `param` declares; raises SpecError (without position)."""
    try:
        return _coerce(param, value, what)
    except SpecError as error:
        error.code = error.code or "bad-value"
        raise


def _coerce(param: Param, value: Any, what: str) -> Any:
    if isinstance(value, Var):
        raise SpecError(f"undefined variable '${value.name}'", hint=f"define it with 'let {value.name} = a | b'",
                        code="undefined-variable")
    if isinstance(value, Alt):  # only reached when a caller checks before expanding sweeps
        return tuple(_coerce(param, v, what) for v in value.values)
    label = f"{what} {param.name}" if what else param.name
    kind = param.type
    if kind in _REGISTRY_KINDS:
        return _registered(param, value, label)
    if kind == "any":
        return value.value if isinstance(value, Text) else value
    if kind == "str":
        if isinstance(value, (Text, str)) and not isinstance(value, bool):
            return str(value)
        raise SpecError(f"{label} expects text, found {describe(value)}", hint='quote it, e.g. path="data.csv"')
    if kind == "name":
        if not isinstance(value, str) or isinstance(value, bool):
            raise SpecError(f"{label} expects a name, found {describe(value)}")
        if param.choices and value not in param.choices:
            raise SpecError(
                f"{label} must be one of {', '.join(param.choices)}, found '{value}'",
                hint=did_you_mean(value, param.choices),
                code="unknown-name",
                replacement=closest_name(value, param.choices),
            )
        return value
    if kind == "names":
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if not isinstance(item, str) or isinstance(item, bool):
                raise SpecError(f"{label} expects names, found {describe(item)}")
        return tuple(items)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise SpecError(f"{label} expects true or false, found {describe(value)}")
    if kind == "shape":
        if isinstance(value, int) and not isinstance(value, bool):
            value = ShapeValue((value,))
        if not isinstance(value, ShapeValue):
            raise SpecError(f"{label} expects a shape such as 3x3, found {describe(value)}")
        for dim in value.dims:
            _range(param, dim, label, minimum=1, maximum=MAX_SIZE)
        return value.dims
    if kind == "int_or_all":
        if value == "all":
            return None
        return _integer(param, value, label, hint="or 'all' for full-batch training")
    if kind == "int_or_fraction":
        if isinstance(value, float) and not isinstance(value, bool):
            if not 0 < value < 1:
                raise SpecError(f"{label} must be a fraction between 0 and 1 or a count, found {describe(value)}")
            return value
        return _integer(param, value, label)
    if kind == "int":
        return _integer(param, value, label)
    if kind in ("float", "number", "fraction"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SpecError(f"{label} expects a number, found {describe(value)}")
        if kind == "fraction":
            lo = 0.0 if param.min is None else param.min
            hi = 1.0 if param.max is None else param.max
            if not lo <= value < hi:
                raise SpecError(f"{label} must be at least {lo:g} and below {hi:g}, found {describe(value)}")
            return float(value)
        _range(param, value, label)
        return float(value) if kind == "float" else value
    raise SpecError(f"{label}: unknown parameter type '{kind}' (a plugin declared it)")


def _integer(param: Param, value: Any, label: str, hint: str | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        extra = ""
        if isinstance(value, ShapeValue) and len(value.dims) == 2 and value.dims[0] > 0:
            hint = f"to repeat the layer, put a space before the x: '{value.dims[0]} x{value.dims[1]}'"
        raise SpecError(f"{label} expects a whole number, found {_number_kind(value)} '{describe(value)}'{extra}", hint=hint)
    _range(param, value, label, maximum=MAX_SIZE if param.max is None else None)
    return value


def _range(param: Param, value: float, label: str, minimum=None, maximum=None) -> None:
    lo = param.min if param.min is not None else minimum
    hi = param.max if param.max is not None else maximum
    if lo is not None and value < lo:
        raise SpecError(f"{label} must be at least {lo:g}, found {describe(value)}")
    if hi is not None and value > hi:
        raise SpecError(f"{label} must be at most {hi:g}, found {describe(value)}")


def _registered(param: Param, value: Any, label: str) -> Any:
    registry = get_registries().by_kind(param.type)
    items = value if param.type == "metrics" and isinstance(value, tuple) else (value,)
    out = []
    for item in items:
        if item is None and param.default is None:
            out.append(None)
            continue
        if not isinstance(item, str) or isinstance(item, bool):
            raise SpecError(f"{label} expects {registry.kind} name, found {describe(item)}")
        if param.choices and item in param.choices:  # a word the option takes besides names (bias=none)
            out.append(item)
            continue
        canonical = registry.resolve(item)
        if canonical is None:
            raise SpecError(f"unknown {registry.kind} '{item}'", hint=registry.suggest(item), code="unknown-name",
                            replacement=registry.closest(item) if len(items) == 1 else None)
        out.append(canonical)
    return tuple(out) if param.type == "metrics" else out[0]


def complete_options(params: tuple[Param, ...], given: Mapping[str, Any], what: str) -> dict:
    """Every declared option by name: given values checked and converted, defaults filled.

    Unknown keys and missing required options raise SpecError (no position attached).
    """
    declared = {p.name: p for p in params}
    for key in given:
        if key not in declared:
            raise SpecError(
                f"{what} has no option '{key}'"
                + (f" (options: {', '.join(sorted(declared))})" if declared else " (it takes no options)"),
                hint=did_you_mean(key, declared),
            )
    out = {}
    for param in params:
        if param.name in given:
            out[param.name] = coerce(param, given[param.name], what)
        elif param.default is REQUIRED:
            raise SpecError(f"{what} needs the option {param.name}=")
        else:
            out[param.name] = param.default
    return out


def check_options(params: tuple[Param, ...], options: tuple[Option, ...], what: str, out: Collector,
                  line: int, column: int, extra: dict | None = None) -> dict | None:
    """Checked options by name with defaults filled; None when any was wrong (each problem is in `out`)."""
    declared = {p.name: p for p in params}
    values: dict[str, Any] = dict(extra or {})
    ok = True
    for option in options:
        param = declared.get(option.key)
        if param is None:
            known = ", ".join(sorted(declared)) or "none"
            out.error(f"{what} has no option '{option.key}' (its options: {known})", option.line, option.column,
                      hint=did_you_mean(option.key, declared), code="unknown-option")
            ok = False
            continue
        try:
            values[option.key] = coerce(param, option.value, what)
        except SpecError as error:
            out.error(error, option.line, option.value_column)
            ok = False
    for param in params:
        if param.name not in values:
            if param.default is REQUIRED:
                out.error(f"{what} needs {param.name}=", line, column, code="missing-option")
                ok = False
            else:
                try:
                    values[param.name] = default_of(param, what)
                except SpecError as error:
                    out.error(error, line, column)
                    ok = False
    return values if ok else None
