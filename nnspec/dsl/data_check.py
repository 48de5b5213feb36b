"""The `data` statement against its dataset plugin: the name, the options, files beside the spec, the metadata.

A relative `path=` is read from the spec file's folder; the plugin's `meta(options)`
describes the data (input shape, task, classes) without loading it, and what it
raises is an error at the option it names. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import NNSpecError, SpecError
from ..plugins import get_registries
from .ast import DataStmt
from .diagnostics import Collector
from .options import check_options


def check_data(stmt: DataStmt, out: Collector):
    """(dataset name, checked options, DatasetMeta) of a `data` statement, or None (each problem is in `out`)."""
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
    options = _paths_beside_spec(options, dataset.options, out.filename)
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


def _paths_beside_spec(options: dict, params, filename: str | None) -> dict:
    """A relative `path=` is read from the spec file's folder, wherever nnspec runs from."""
    if not filename:
        return options  # spec text without a file: the current directory
    out = dict(options)
    for param in params:
        value = out.get(param.name)
        if param.name == "path" and param.type == "str" and isinstance(value, str) and value:
            path = Path(value).expanduser()
            if not path.is_absolute():
                out[param.name] = str(Path(filename).parent / path)
    return out


def _option_named_in(stmt: DataStmt, message: str) -> tuple[int, int] | None:
    """Where the option a dataset's error names (`path=...`, `test=0.3`) was written."""
    for option in stmt.options:
        if f"{option.key}=" in message:
            return option.line, option.column
    return None
