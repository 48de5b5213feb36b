"""Meaning checks: names, arguments, shapes, the fit with the data, the loss.

`check(spec)` returns one `Plan` per sweep variant, the form every backend
translates, or raises every error found (SpecErrors). Nothing here imports TensorFlow.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import NNSpecError, SpecError, SpecWarning
from ..plugins import get_registries
from ..types import REQUIRED, DatasetMeta, Param, Plan, ResolvedLayer
from .ast import (
    BackendStmt,
    Block,
    DataStmt,
    LayerStmt,
    LetStmt,
    Option,
    SeedStmt,
    Spec,
    TrainStmt,
    Var,
    keyword_of,
    shape_text,
)
from . import limits
from .backend_check import check_implementations
from .diagnostics import Collector, Diagnostic
from ..schedules import OPTIONS as SCHEDULE_OPTIONS
from .options import coerce, default_of, describe
from .spec_checks import SHAPELESS_NOTE, check_statements  # noqa: F401  (SHAPELESS_NOTE: callers read it here)
from .sweep import PartialOptions, repeat_problems
from .sweep import variant_label_of as variant_label
from .train_check import check_train
from .pitfalls import find_pitfalls

DEFAULT_SEED = 0
DEFAULT_BACKEND = "keras"
MAX_SEED = 2**32 - 1

TRAIN_OPTIONS = (
    Param("lr", "float", default=None, min=0, doc="learning rate (default: the optimizer's `lr` option)"),
    Param("loss", "loss", default=None, doc="loss (default: from the task and the last activation)"),
    Param("metrics", "metrics", default=None, doc="metrics to report (default: accuracy or mae)"),
    Param("epochs", "int", default=10, min=1, max=100_000, doc="passes over the training data"),
    Param("batch", "int_or_all", default=32, min=1, doc="samples per step, or all"),
    Param("val", "int_or_fraction", default=None, min=1, doc="fraction or count held out of train"),
    Param("diagnostics", "bool", default=False, doc="record per-layer gradients and activations each epoch"),
    *SCHEDULE_OPTIONS,
)


@dataclass
class CheckResult:
    """The plans of every variant and the warnings found on the way (iterating gives the plans)."""

    plans: list[Plan]
    warnings: list[SpecWarning] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    # list-like over the plans, as nnspec.check's result was before it carried the warnings
    def __iter__(self):
        return iter(self.plans)

    def __len__(self) -> int:
        return len(self.plans)

    def __getitem__(self, index):
        return self.plans[index]

    def _repr_html_(self) -> str:
        """In a notebook: the warnings with their carets, then each variant's layers, shapes, parameters."""
        from .html import check_html

        spec = self.plans[0].spec if self.plans else None
        source = getattr(spec, "source", None)
        return check_html(self.plans, self.diagnostics, getattr(spec, "filename", None), source)


def check_spec(spec: Spec, backend: str | None = None) -> CheckResult:
    """Check every variant of `spec`; raises SpecErrors listing all problems found.

    `backend`, when given, replaces the spec's `backend` line (as `--backend` does).
    """
    limits.check_spec(spec)  # a spec built in code (from_dict, overrides) never met the parser's check
    out = Collector(spec.source, spec.filename)
    plans = collect(spec, out, backend)
    out.raise_errors()
    warnings = [w.to_warning(spec.filename, spec.source) for w in out.warnings()]
    return CheckResult(plans, warnings, out.warnings())


def collect(spec: Spec, out: Collector, backend: str | None = None) -> list[Plan]:
    """Check every variant of `spec`, adding each problem to `out`; the plans of the good ones.

    With a backend chosen (`backend`, or the spec's `backend` line), a layer kind or a
    name that backend cannot build is an error at the line that uses it.
    """
    check_statements(spec, out)
    options = PartialOptions(spec, TRAIN_OPTIONS)  # `train sgd|momentum momentum=0.9`: momentum= goes where it is taken
    if backend is not None:
        backend = get_registries().backends.get(backend).name
    plans = []
    for variant in spec.variants():
        out.remap = variant.origins  # an error in a swept value points where the value was written
        problems = repeat_problems(variant)  # `x$depth` with a value that is no count
        for message, line, column in problems:
            out.error(message, line, column, code="invalid-repeat")
        if problems:
            continue
        if not variant.layers and any(isinstance(s, (LayerStmt, Block)) for s in spec.statements):
            out.error(f"variant {variant_label(variant)} has no layers (every repeat count is 0)", 1, 1,
                      code="no-layers")
            continue
        plan = _plan(options.narrow(variant), out)
        if plan is not None:
            if backend is not None:
                plan = dataclasses.replace(plan, backend=backend)
            if backend is not None or variant.backend is not None:  # a backend chosen, not the default
                check_implementations(plan, out)
            plans.append(plan)
    out.remap = None
    options.report(out)
    return plans


def check(spec: Spec) -> list[Plan]:
    """One Plan per variant of a checked spec; raises every error found.

    A plan has shapes, so a spec without `input` or `data` (which check_spec accepts
    with a note) is an error here.
    """
    plans = check_spec(spec).plans
    if not plans:
        error = SpecError("the input shape is unknown", line=1, column=1, hint="add 'data NAME' or 'input SHAPE'",
                          code="no-input")
        raise error.located(spec.filename, spec.source)
    return plans


def param_count(spec: Spec) -> int:
    """The number of weights of the network (of the first variant, for a sweep)."""
    return check(spec)[0].param_count


# ------------------------------------------------------------------ one variant


def _options(params: tuple[Param, ...], options: tuple[Option, ...], what: str, out: Collector,
             line: int, column: int, extra: dict | None = None) -> dict | None:
    """Checked options by name with defaults filled; None when any was wrong."""
    from ..registry import did_you_mean

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


def _plan(spec: Spec, out: Collector) -> Plan | None:
    registries = get_registries()
    errors_before = len(out.errors())

    dataset_name, dataset_options, meta = "", {}, None
    data = spec.data
    if data is not None:
        dataset_name, dataset_options, meta = _data(data, out) or ("", {}, None)

    input_shape = meta.input_shape if meta else None
    if spec.input is not None:
        stmt = spec.input
        try:
            written = coerce(Param("input", "shape"), stmt.shape, "input")
        except SpecError as error:
            out.error(error, stmt.line, stmt.value_column)
            return None
        if input_shape is not None and tuple(written) != tuple(input_shape):
            out.error(
                f"input {shape_text(written)} does not match data {dataset_name}, "
                f"which supplies {shape_text(input_shape)}",
                stmt.line, stmt.value_column,
                code="input-mismatch",
            )
        input_shape = tuple(written)
    if input_shape is None:
        if data is not None and meta is not None:
            out.error(f"data {dataset_name} does not say its input shape", data.line, data.column,
                      hint="add 'input SHAPE'", code="no-input")
        _layers(spec, None, meta, out)  # still check names and arguments
        _train_options(spec, out)
        return None

    layers = _layers(spec, tuple(input_shape), meta, out)
    training = _train_options(spec, out)
    if not layers or training is None:  # no layers: reported once, by check_statements
        return None
    train = check_train(spec, layers, meta, training, out)
    seed = spec.seed if spec.seed is not None else DEFAULT_SEED
    if spec.seed is not None:
        stmt = spec.first(SeedStmt)
        try:
            seed = coerce(Param("seed", "int", min=0, max=MAX_SEED), spec.seed, "")
        except SpecError as error:
            out.error(error, stmt.line, stmt.value_column)
    backend = DEFAULT_BACKEND
    if spec.backend is not None:
        stmt = spec.first(BackendStmt)
        try:
            backend = coerce(Param("backend", "backend"), spec.backend, "")
        except SpecError as error:
            out.error(error, stmt.line, stmt.value_column)
    if train is None or len(out.errors()) > errors_before:
        return None
    config, encoding = train
    plan = Plan(
        spec=spec,
        dataset=dataset_name,
        dataset_options=dataset_options,
        meta=meta or DatasetMeta(input_shape=tuple(input_shape), task=None),
        input_shape=tuple(input_shape),
        layers=layers,
        train=config,
        seed=seed,
        backend=backend,
        label_encoding=encoding,
        variant=spec.variant,
    )
    find_pitfalls(plan, out)
    return plan


def _data(stmt: DataStmt, out: Collector):
    registries = get_registries()
    try:
        dataset = registries.datasets.get(stmt.name)
    except SpecError as error:
        out.error(error, stmt.line, stmt.name_column)
        return None
    name = registries.datasets.resolve(stmt.name)
    options = _options(dataset.options, stmt.options, f"data {name}", out, stmt.line, stmt.column)
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


def _layers(spec: Spec, shape: tuple | None, meta: DatasetMeta | None, out: Collector):
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
    options = _options(option_params, tuple(o for o in stmt.options if o.key not in values), name, out,
                       stmt.line, stmt.column, extra=values)
    if options is None or not ok:
        return None
    return options


def _train_options(spec: Spec, out: Collector):
    """The optimizer and the checked `train` options (defaults when there is no train line)."""
    stmt = spec.train or TrainStmt("adam", (), 0, 0, 0)
    try:
        optimizer_name = coerce(Param("optimizer", "optimizer"), stmt.optimizer, "train")
    except SpecError as error:
        out.error(error, stmt.line, stmt.optimizer_column)
        return None
    optimizer = get_registries().optimizers.get(optimizer_name)
    # the optimizer's own `lr` option, when it declares one, carries its default
    params = tuple(p for p in TRAIN_OPTIONS if p.name not in {o.name for o in optimizer.options})
    params += tuple(optimizer.options)
    options = _options(params, stmt.options, f"train {optimizer_name}", out, stmt.line, stmt.column)
    if options is None:
        return None
    return optimizer, options
