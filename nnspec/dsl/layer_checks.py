"""Checks of the data statement, each layer, and the options of either, for one variant."""

from __future__ import annotations

from typing import Any

from ..errors import NNSpecError, SpecError
from ..plugins import get_registries
from ..registry import did_you_mean
from ..types import REQUIRED, DatasetMeta, Param, ResolvedLayer
from . import limits
from .ast import DataStmt, LayerStmt, Option, Spec
from .diagnostics import Collector
from .options import coerce, describe


def check_options(params: tuple[Param, ...], options: tuple[Option, ...], what: str, out: Collector,
             line: int, column: int, extra: dict | None = None) -> dict | None:
    """Checked options by name with defaults filled; None when any was wrong."""
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
                values[param.name] = param.default
    return values if ok else None



def check_data(stmt: DataStmt, out: Collector):
    """(dataset name, checked options, its metadata), or None when any of it is wrong."""
    registries = get_registries()
    try:
        dataset = registries.datasets.get(stmt.name)
    except SpecError as error:
        out.error(error, stmt.line, stmt.name_column)
        return None
    name = registries.datasets.resolve(stmt.name)
    options = check_options(dataset.options, stmt.options, f"data {name}", out, stmt.line, stmt.column)
    if options is None:
        return None
    try:
        meta = dataset.meta(options)
    except NNSpecError as error:
        line, column = _option_named_in(stmt, error.message) or (stmt.line, stmt.name_column or stmt.column)
        out.error(error, line, column, code=error.code or "data-error")
        return None
    except Exception as exc:  # a plugin's bug must not become a traceback
        out.error(f"dataset plugin '{name}' failed to describe its data: {type(exc).__name__}: {exc}",
                  stmt.line, stmt.column, code="plugin-failed")
        return None
    return name, options, meta


def _option_named_in(stmt: DataStmt, message: str) -> tuple[int, int] | None:
    """Where the option a dataset's error names (`path=...`, `test=0.3`) was written."""
    for option in stmt.options:
        if f"{option.key}=" in message:
            return option.line, option.column
    return None


def check_layers(spec: Spec, shape: tuple | None, meta: DatasetMeta | None, out: Collector):
    """Each layer resolved with its shapes and parameters; None when any layer is wrong."""
    registries = get_registries()
    resolved: list[ResolvedLayer] = []
    counts: dict[str, int] = {}
    total_params = 0
    ok = True
    for index, layer in enumerate(spec.layers):
        stmt = layer.stmt
        if stmt is not None and stmt.repeat < 1:
            continue
        try:
            kind = registries.layers.get(layer.kind)
        except SpecError as error:
            hint = error.hint
            if layer.kind in ("dataset", "optimizer", "epochs", "lr", "loss", "batch"):
                hint = "statements are data, input, train, seed, backend, let, or a layer"
            out.error(SpecError(error.message, hint=hint), layer.line, layer.column, code="unknown-name")
            ok = False
            continue
        name = registries.layers.resolve(layer.kind)
        args = _layer_args(kind, name, stmt, out)
        if args is None or shape is None:
            ok = False
            continue
        try:
            if kind.finalize is not None:
                args = kind.finalize(args, meta)
            out_shape = tuple(kind.output_shape(shape, args))
            params = int(kind.param_count(shape, args))
            total_params += params
            limits.check_layer(total_params, out_shape, layer.line, layer.column)
        except SpecError as error:  # past a size limit: the layers after it would only repeat it
            out.error(error, layer.line, layer.column, code="too-large")
            return None
        except ValueError as exc:
            out.error(str(exc), layer.line, layer.column, code="shape")
            ok = False
            continue
        except Exception as exc:
            out.error(f"layer plugin '{name}' failed: {type(exc).__name__}: {exc}", layer.line, layer.column, code="plugin-failed")
            ok = False
            continue
        counts[name] = counts.get(name, 0) + 1
        resolved.append(
            ResolvedLayer(index, name, f"{name}_{counts[name]}", args, shape, out_shape, params,
                          layer.line, layer.column)
        )
        shape = out_shape
    return tuple(resolved) if ok else None


def _layer_args(kind, name: str, stmt: LayerStmt, out: Collector) -> dict | None:
    """Positional arguments matched to the kind's parameters, then its options."""
    values: dict[str, Any] = {}
    ok = True
    if len(stmt.args) > len(kind.positional):
        extra = stmt.args[len(kind.positional)]
        expected = " ".join(p.name for p in kind.positional) or "no positional arguments"
        out.error(f"{name} takes {len(kind.positional)} positional argument(s) ({expected}), "
                  f"found '{describe(extra.value)}'", extra.line, extra.column,
                  hint="options are written key=value" if kind.options else None, code="too-many-arguments")
        ok = False
    for param, arg in zip(kind.positional, stmt.args):
        try:
            values[param.name] = coerce(param, arg.value, name)
        except SpecError as error:
            out.error(error, arg.line, arg.column)
            values[param.name] = None  # written, though wrongly: not also "missing"
            ok = False
    option_params = tuple(kind.options) + tuple(p for p in kind.positional if p.name not in values)
    for option in stmt.options:
        if option.key in values:
            out.error(f"{name} {option.key} is given twice (as a positional argument and as an option)",
                      option.line, option.column, code="duplicate-argument")
            ok = False
    options = check_options(option_params, tuple(o for o in stmt.options if o.key not in values), name, out,
                       stmt.line, stmt.column, extra=values)
    if options is None or not ok:
        return None
    return options

