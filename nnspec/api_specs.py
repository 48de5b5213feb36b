"""What the public functions accept, made into checked specs: text, a path or a Spec, overrides, plans.

`as_spec` turns a Spec, spec text or a path into a Spec; `apply_overrides` writes
command-line values into it (so the run folder's spec.nn shows what ran); `plans_for`
checks it into plans; `quick` caps every run at QUICK_EPOCHS epochs under
NNSPEC_QUICK=1; `show_check_notes` shows check's warnings before training; and
`check_data_present` says, before TensorFlow loads, that a dataset's files are missing.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from .errors import DataError, UsageError
from .training.progress import Progress
from .training.variants import backend_name
from .types import Plan


QUICK_ENV = "NNSPEC_QUICK"
QUICK_EPOCHS = 2


def quick(spec, reporter: Progress):
    """With NNSPEC_QUICK=1 (a notebook or docs smoke run), the spec capped at QUICK_EPOCHS epochs."""
    if os.environ.get(QUICK_ENV, "").strip() in ("", "0"):
        return spec
    if all(plan.train.epochs <= QUICK_EPOCHS for plan in plans_for(spec)):
        return spec
    reporter.message(f"{QUICK_ENV}={os.environ[QUICK_ENV]}: every run stops after {QUICK_EPOCHS} epochs")
    return apply_overrides(spec, epochs=QUICK_EPOCHS)


def show_check_notes(spec, reporter: Progress) -> None:
    """What `nnspec check` would warn about, with the source line and caret, before training starts."""
    from .dsl.validate import check_spec

    for diagnostic in check_spec(spec).diagnostics:
        reporter.spec_warning(diagnostic.render(spec.filename, spec.source), diagnostic)


def check_data_present(plans: list[Plan]) -> None:
    """A DataError at the data line when a dataset says its files are missing (cheap: no loading)."""
    from .plugins import get_registries
    from .training.data import at_data_statement

    seen = set()
    for plan in plans:
        if not plan.dataset or plan.dataset in seen:
            continue
        seen.add(plan.dataset)
        dataset = get_registries().datasets.get(plan.dataset)
        try:
            where = str(dataset.availability(plan.dataset_options))
        except Exception:  # a plugin's availability is advice; loading will say what is wrong
            continue
        if where.startswith(("missing", "not found")):
            reason = where.partition(":")[2].strip() or where
            raise at_data_statement(DataError(f"data {plan.dataset}: {reason}"), plan)


def plans_for(spec_or_plan, backend: str | None = None) -> list[Plan]:
    """Checked plans for a Plan, a Spec, spec text or a path, with `backend` overriding."""
    if isinstance(spec_or_plan, Plan):
        plan = spec_or_plan
        if backend is not None and backend != plan.backend:
            plan = dataclasses.replace(plan, backend=backend_name(backend))
        return [plan]
    from .dsl.validate import check

    if backend is not None:
        backend = backend_name(backend)
    return check(apply_overrides(as_spec(spec_or_plan), backend=backend))


def as_spec(spec_or_path):
    """A Spec from a Spec, spec text or a path (a `.nn` name); a Plan is refused."""
    from .dsl.ast import Spec
    from .dsl.parser import load, parse

    if isinstance(spec_or_path, Spec):
        return spec_or_path
    if isinstance(spec_or_path, Plan):
        raise UsageError("expected a spec, spec text or a path; a Plan is one checked variant",
                         hint="pass plan.spec")
    if isinstance(spec_or_path, Path):
        return load(spec_or_path)
    if isinstance(spec_or_path, str):
        one_line = "\n" not in spec_or_path and "\r" not in spec_or_path
        looks_like_path = one_line and spec_or_path.strip().endswith(".nn")
        return load(spec_or_path) if looks_like_path else parse(spec_or_path)
    raise UsageError(f"expected a spec, spec text or a path, not {type(spec_or_path).__name__}")


def apply_overrides(spec, *, epochs=None, batch=None, lr=None, seed=None, backend=None, diagnostics=None):
    """The spec with command-line values written into it, so spec.nn shows what ran."""
    from .dsl.ast import BackendStmt, Option, SeedStmt, TrainStmt

    statements = list(spec.statements)
    first_line = min((s.line for s in statements if getattr(s, "line", 0)), default=1)

    def set_single(cls, attribute: str, value) -> None:
        for i, stmt in enumerate(statements):
            if isinstance(stmt, cls):
                statements[i] = dataclasses.replace(stmt, **{attribute: value})
                return
        statements.insert(0, cls(value, line=first_line))

    given = (("epochs", epochs), ("batch", batch), ("lr", lr), ("diagnostics", diagnostics))
    train_values = {key: value for key, value in given if value is not None}
    if train_values:
        index = next((i for i, s in enumerate(statements) if isinstance(s, TrainStmt)), None)
        if index is None:
            last_line = max((s.line for s in statements), default=1)
            statements.append(TrainStmt("adam", line=last_line + 1))
            index = len(statements) - 1
        stmt = statements[index]
        options = [
            dataclasses.replace(o, value=train_values.pop(o.key)) if o.key in train_values else o
            for o in stmt.options
        ]
        options += [Option(key, value, line=stmt.line) for key, value in train_values.items()]
        statements[index] = dataclasses.replace(stmt, options=tuple(options))
    if seed is not None:
        set_single(SeedStmt, "value", seed)
    if backend is not None:
        set_single(BackendStmt, "name", backend)
    return dataclasses.replace(spec, statements=tuple(statements))
