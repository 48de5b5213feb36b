"""Meaning checks: names, arguments, shapes, the fit with the data, the loss.

`check(spec)` returns one `Plan` per sweep variant, the form every backend
translates, or raises every error found (SpecErrors). Nothing here imports TensorFlow.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


from ..errors import SpecError, SpecWarning
from ..plugins import get_registries
from ..types import DatasetMeta, Param, Plan
from .ast import (
    BackendStmt,
    Block,
    LayerStmt,
    SeedStmt,
    Spec,
    TrainStmt,
    shape_text,
)
from . import limits
from .backend_check import check_implementations
from .layer_check import check_layers
from .diagnostics import Collector, Diagnostic
from ..schedules import OPTIONS as SCHEDULE_OPTIONS
from .data_check import check_data
from .options import check_options, coerce
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


def _plan(spec: Spec, out: Collector) -> Plan | None:
    """The plan of one variant, or None when it has errors; every statement is checked either way."""
    errors_before = len(out.errors())
    dataset_name, dataset_options, meta = "", {}, None
    if spec.data is not None:
        dataset_name, dataset_options, meta = check_data(spec.data, out) or ("", {}, None)
    input_shape = _input_shape(spec, dataset_name, meta, out)
    # seed and backend are statements of their own: a wrong layer above them hides neither
    seed, backend = _seed(spec, out), _backend(spec, out)
    layers = check_layers(spec, input_shape, meta, out)  # without a shape, still names and arguments
    training = _train_options(spec, out)
    if input_shape is None or not layers or training is None:  # no layers: reported once, by check_statements
        return None
    train = check_train(spec, layers, meta, training, out)
    if train is None or len(out.errors()) > errors_before:
        return None
    config, encoding = train
    plan = Plan(
        spec=spec,
        dataset=dataset_name,
        dataset_options=dataset_options,
        meta=meta or DatasetMeta(input_shape=input_shape, task=None),
        input_shape=input_shape,
        layers=layers,
        train=config,
        seed=seed,
        backend=backend,
        label_encoding=encoding,
        variant=spec.variant,
    )
    find_pitfalls(plan, out)
    return plan


def _input_shape(spec: Spec, dataset_name: str, meta: DatasetMeta | None, out: Collector) -> tuple | None:
    """The shape of one sample: `input`'s, else the data's; None when unknown or wrongly written."""
    supplied = tuple(meta.input_shape) if meta is not None and meta.input_shape is not None else None
    stmt = spec.input
    if stmt is None:
        if supplied is None and spec.data is not None and meta is not None:
            out.error(f"data {dataset_name} does not say its input shape", spec.data.line, spec.data.column,
                      hint="add 'input SHAPE'", code="no-input")
        return supplied
    try:
        written = tuple(coerce(Param("input", "shape"), stmt.shape, "input"))
    except SpecError as error:
        out.error(error, stmt.line, stmt.value_column)
        return None
    if supplied is not None and written != supplied:
        out.error(f"input {shape_text(written)} does not match data {dataset_name}, "
                  f"which supplies {shape_text(supplied)}", stmt.line, stmt.value_column, code="input-mismatch")
    return written


def _seed(spec: Spec, out: Collector) -> int:
    if spec.seed is None:
        return DEFAULT_SEED
    stmt = spec.first(SeedStmt)
    try:
        return coerce(Param("seed", "int", min=0, max=MAX_SEED), spec.seed, "")
    except SpecError as error:
        out.error(error, stmt.line, stmt.value_column)
        return DEFAULT_SEED


def _backend(spec: Spec, out: Collector) -> str:
    if spec.backend is None:
        return DEFAULT_BACKEND
    stmt = spec.first(BackendStmt)
    try:
        return coerce(Param("backend", "backend"), spec.backend, "")
    except SpecError as error:
        out.error(error, stmt.line, stmt.value_column)
        return DEFAULT_BACKEND



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
    options = check_options(params, stmt.options, f"train {optimizer_name}", out, stmt.line, stmt.column)
    if options is None:
        return None
    return optimizer, options
