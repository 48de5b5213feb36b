"""Meaning checks: names, arguments, shapes, the fit with the data, the loss.

`check(spec)` returns one `Plan` per sweep variant, the form every backend
translates, or raises every error found (SpecErrors). Nothing here imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import SpecError, SpecWarning
from ..types import DatasetMeta, Param, Plan
from .ast import BackendStmt, SeedStmt, Spec, shape_text
from .diagnostics import Collector, Diagnostic
from . import limits
from .layer_checks import check_data, check_layers
from .options import coerce
from .spec_checks import SHAPELESS_NOTE, check_statements
from .train_checks import CROSSENTROPY, TRAIN_OPTIONS, train_config, train_options

__all__ = ["CROSSENTROPY", "SHAPELESS_NOTE", "TRAIN_OPTIONS", "CheckResult", "check", "check_spec", "collect", "param_count"]

DEFAULT_SEED = 0
DEFAULT_BACKEND = "keras"
MAX_SEED = 2**32 - 1



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


def check_spec(spec: Spec) -> CheckResult:
    """Check every variant of `spec`; raises SpecErrors listing all problems found."""
    limits.check_spec(spec)  # a spec built in code (from_dict, overrides) never met the parser's check
    out = Collector(spec.source, spec.filename)
    plans = collect(spec, out)
    out.raise_errors()
    warnings = [w.to_warning(spec.filename, spec.source) for w in out.warnings()]
    return CheckResult(plans, warnings, out.warnings())


def collect(spec: Spec, out: Collector) -> list[Plan]:
    """Check every variant of `spec`, adding each problem to `out`; the plans of the good ones."""
    check_statements(spec, out)
    plans = []
    for variant in spec.variants():
        out.remap = variant.origins  # an error in a swept value points where the value was written
        plan = _plan(variant, out)
        if plan is not None:
            plans.append(plan)
    out.remap = None
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




def _plan(spec: Spec, out: Collector) -> Plan | None:
    errors_before = len(out.errors())

    dataset_name, dataset_options, meta = "", {}, None
    data = spec.data
    if data is not None:
        dataset_name, dataset_options, meta = check_data(data, out) or ("", {}, None)

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
        check_layers(spec, None, meta, out)  # still check names and arguments
        train_options(spec, out)
        return None

    layers = check_layers(spec, tuple(input_shape), meta, out)
    training = train_options(spec, out)
    if not layers or training is None:  # no layers: reported once, by check_statements
        return None
    train = train_config(spec, layers, meta, training, out)
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
    return Plan(
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

