"""The public API behind `nnspec.build` and `nnspec.run`: coerce what the caller gave, apply overrides, delegate.

    import nnspec
    runs = nnspec.run("specs/iris.nn")             # trains, evaluates, writes runs/iris/<time>/
    runs.best.metrics["accuracy"], runs.dir        # RunResults: one RunResult per variant, best first
    model = nnspec.build(plan)                     # the spec's backend: keras.Model (tf1: TF1Model)
    nnspec.check("specs/iris.nn").warnings         # CheckResult: the plans and the warnings

Training itself lives in nnspec.training, the run folder's format in nnspec.rundir
and the report in nnspec.reports; this module only ties them together.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence, TextIO

from .errors import DataError, TrainingError, UsageError
from .files import TEMP_PREFIX
from .results import RunResult, RunResults
from .rundir import CHECKPOINT_FILE, SPEC_FILE, default_folder, new_folder, write_text
from .training.data import DataLoader
from .training.environment import import_tensorflow_quietly, seed_everything
from .training.evaluation import rank
from .training.progress import Progress, make_progress
from .training.variants import backend_name, backend_named, run_plans
from .dsl.sweep import seed_axes, with_seeds
from .summary import group_runs, rank_groups
from .types import Data, Plan

if TYPE_CHECKING:
    from .dsl.validate import CheckResult


def build(spec_or_plan, backend: str | None = None):
    """The backend's model for one variant: a compiled keras.Model, or a TF1Model.

    Accepts a Plan, a Spec, spec text or a path; a spec with several variants must be
    narrowed to one first (`nnspec.check(spec)` lists them). The backend is the
    spec's `backend` line (keras without one) unless `backend` names another.
    """
    import_tensorflow_quietly()
    plans = plans_for(spec_or_plan, backend=backend)
    if len(plans) != 1:
        raise UsageError(
            f"the spec has {len(plans)} variants; build one of them",
            hint="nnspec.check(spec) returns one plan per variant",
        )
    plan = plans[0]
    seed_everything(plan.seed)
    return backend_named(plan.backend).build(plan)


def run(
    spec_or_path,
    backend: str | None = None,
    *,
    epochs: int | None = None,
    batch: int | str | None = None,
    lr: float | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    progress: str | Progress = "auto",
    stream: TextIO | None = None,
    data: Data | None = None,
    report: bool = True,
    diagnostics: bool = False,
    seeds: Sequence[int] | None = None,
    jobs: int | None = None,
    ray: str | bool | None = None,
    workers: int | None = None,
    cluster: str | Sequence[str] | None = None,
    task: int | None = None,
) -> RunResults:
    """Train, evaluate and save every variant of a spec: RunResults, best first.

    `backend`, `epochs`, `batch` (a number or "all"), `lr` and `seed` override the
    spec. `out` is the run folder (default `runs/<spec name>/<time>/`; an existing
    folder is never overwritten). `progress` is "auto" (a bar on a terminal, epoch
    lines otherwise), "bar", "lines", "none", or a Progress of your own (the notebook's
    live bar and curves are one). `data` replaces the spec's dataset
    with arrays you supply. Every spec gives RunResults: a list of RunResult (the
    content of each variant's results.json), best first, with `.best`, `.dir` and
    `.failures`. `diagnostics=True` records per-layer gradients and activations each
    epoch, as `train ... diagnostics=true` does. A NaN loss raises TrainingError; in a
    sweep the other variants still run first. The error's `.result` holds the RunResults.
    `seeds` repeats every variant once per seed; `.groups` then summarise each variant
    over its seeds (mean, sd, n), best mean first. `jobs=N` trains a sweep's variants in
    N local processes at a time, `ray=True` on a local Ray instance and `ray="ADDRESS"`
    on a Ray cluster: the numbers and the run folder are the serial run's. `workers=N`
    trains one keras model data-parallel on N local processes; `cluster="h1:port,h2:port"`
    with `task=I` (or a TF_CONFIG in the environment) makes this process worker I of a
    cluster, worker 0 writing the run folder (nnspec/training/distributed.py).
    The check's warnings and notes are shown first (`Progress.spec_warning`); with
    NNSPEC_QUICK=1 in the environment every run stops after at most QUICK_EPOCHS epochs.
    """
    reporter = progress if isinstance(progress, Progress) else make_progress(progress, stream or sys.stdout)
    name = spec_or_path if isinstance(spec_or_path, (str, Path)) and str(spec_or_path).endswith(".nn") else "the spec"
    reporter.message(f"checking {name} ...")
    # everything a user can get wrong is checked before TensorFlow's seconds-long import
    spec = as_spec(spec_or_path)
    if backend is not None:
        backend = backend_name(backend)  # a wrong name is the caller's, not the spec's line
    spec = apply_overrides(spec, epochs=epochs, batch=batch, lr=lr, seed=seed, backend=backend,
                           diagnostics=diagnostics or None)
    if seeds is not None:
        spec = with_seeds(spec, seeds)
    spec = quick(spec, reporter)
    plans = plans_for(spec)
    show_check_notes(spec, reporter)
    repeated = frozenset(seed_axes(spec))
    if workers is not None or cluster is not None or "TF_CONFIG" in os.environ:
        from .training import distributed

        joined = distributed.prepare_cluster(plans, workers, cluster, task)
        if joined is None:  # this process starts the local workers and waits for the chief's result
            return distributed.run_local_workers(workers, run, dict(
                spec_or_path=spec, out=out, progress=progress, data=data, report=report))
        return distributed.run_as_worker(spec, plans, joined, out, progress, stream, data,
                                         _write_report if report else None)
    if data is None:
        check_data_present(plans)
    stem = Path(spec.filename).stem if getattr(spec, "filename", None) else "spec"
    root = new_folder(Path(out) if out is not None else default_folder(stem))
    reporter.message("loading TensorFlow ...")
    import_tensorflow_quietly()
    sweep = len(plans) > 1
    if sweep:
        from .dsl.format import format_spec

        write_text(root / SPEC_FILE, format_spec(spec))
    if sweep and (jobs is not None or ray):
        from .training.parallel import run_in_parallel

        results, errors = run_in_parallel(plans, root, data, reporter, repeated, jobs=jobs, ray=ray)
    else:
        results, errors = run_plans(plans, root, DataLoader(data), reporter, seed_axes=repeated)
    return _finish(plans, root, results, errors, reporter, report, repeated)


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


def resume(folder: str | Path, *, progress: str = "auto", stream: TextIO | None = None,
           report: bool = True) -> RunResults:
    """Continue an interrupted run in its folder from its last checkpoint, to the end.

    The spec, overrides and seed come from the folder (spec.nn, results.json); the
    weights, optimizer state, shuffling RNG and history from checkpoint.npz.
    """
    from .dsl.parser import parse
    from .rundir import RESULTS_FILE, check_folder, is_sweep, read_json
    from .training import checkpoint

    folder = check_folder(Path(folder))
    reporter = make_progress(progress, stream or sys.stdout)
    reporter.message(f"checking {folder} ...")
    if is_sweep(folder):
        return _resume_sweep(folder, reporter, report)
    saved = read_json(folder / RESULTS_FILE)
    if not saved.get("interrupted"):
        raise UsageError(f"the run in '{folder}' is not interrupted: there is nothing to resume")
    text = (folder / SPEC_FILE).read_text(encoding="utf-8")
    plans = plans_for(parse(text, saved.get("spec_file") or str(folder / SPEC_FILE)))
    if len(plans) != 1:
        raise UsageError(f"'{folder}' holds a spec with {len(plans)} variants; resume one variant's folder")
    check_data_present(plans)
    position, state = checkpoint.load(folder)
    _remove_strays(folder)
    reporter.message("loading TensorFlow ...")
    import_tensorflow_quietly()
    results, failures = run_plans(plans, folder, DataLoader(None), reporter, resume=(position, state))
    return _finish(plans, folder, results, failures, reporter, report)


def _resume_sweep(root: Path, reporter: Progress, report: bool) -> RunResults:
    """Finish a sweep: finished variants are kept, the interrupted one resumes, the rest run."""
    from .dsl.parser import parse
    from .rundir import RESULTS_FILE, read_json, unique_slug, write_sweep
    from .training import checkpoint
    from .training.variants import run_plan

    saved_runs = {p.parent.name: read_json(p) for p in root.glob(f"*/{RESULTS_FILE}")}
    spec_file = next((r.get("spec_file") for r in saved_runs.values() if r.get("spec_file")), None)
    plans = plans_for(parse((root / SPEC_FILE).read_text(encoding="utf-8"), spec_file or str(root / SPEC_FILE)))
    check_data_present(plans)
    reporter.message("loading TensorFlow ...")
    import_tensorflow_quietly()
    loader = DataLoader(None)
    results: list[RunResult] = []
    failures: list[RunResult] = []  # kept from before, and this time's
    errors: list[TrainingError] = []
    for number, plan in enumerate(plans, 1):
        name = unique_slug(plan.variant_label, [r.dir.name for r in results + failures if r.dir is not None])
        folder, saved = root / name, saved_runs.get(name)
        if saved is not None and not saved.get("interrupted"):  # finished (or failed): kept as it is
            done = RunResult(**{k: v for k, v in saved.items() if k in RunResult.__dataclass_fields__})
            done.dir = folder
            (failures if done.error else results).append(done)
            continue
        resume_from = None
        if saved is not None and (folder / CHECKPOINT_FILE).is_file():
            resume_from = checkpoint.load(folder)
            _remove_strays(folder)
        reporter.start_variant(plan.variant_label, number, len(plans))
        try:
            results.append(run_plan(plan, folder, loader, reporter, resume_from))
        except TrainingError as error:
            errors.append(error)
            failures.append(error.result)
            reporter.message(f"{plan.variant_label}: {error.message}")
        write_sweep(root, results + failures)
    outcome = _finish(plans, root, results, errors, reporter, report)
    outcome.failures = failures
    return outcome


def _remove_strays(folder: Path) -> None:
    """Delete what a kill left half written (temporary names, never read)."""
    for stray in folder.glob(f"{TEMP_PREFIX}*"):
        shutil.rmtree(stray) if stray.is_dir() else stray.unlink()


def _finish(plans, root: Path, results, errors, reporter: Progress, report: bool,
            repeated: frozenset = frozenset()) -> RunResults:
    """Rank, report, and raise the variants' training errors, as a fresh run does.

    `repeated` names the seed's sweep axes: the runs are then grouped by variant.
    """
    reporter.close()
    sweep = len(plans) > 1
    failures = [error.result for error in errors]
    outcome = RunResults(rank(results), root, failures, sweep=sweep)
    if sweep and repeated:
        outcome.groups = rank_groups(group_runs(results + failures))
        outcome[:] = [r for group in outcome.groups for r in group.members if r.error is None]
    if report and results:
        outcome.report = _write_report(root, reporter)
    if errors:
        if sweep:
            names = "; ".join(f"{r.label}: {r.error}" for r in failures)
            error = TrainingError(f"{len(failures)} of {len(plans)} variants failed ({names})")
        else:
            error = errors[0]  # the variant's own message and hint
        error.result = outcome
        raise error
    return outcome


def check(spec_or_path) -> "CheckResult":
    """Check every variant of a Spec, spec text or a path: CheckResult(.plans, .warnings).

    Iterating over the result gives the plans, one per variant. Problems raise
    SpecErrors listing them all; TensorFlow is not imported.
    """
    from .dsl.validate import check_spec

    return check_spec(as_spec(spec_or_path))


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


def _write_report(root: Path, reporter: Progress):
    """Draw the run folder's report and return it; its failure is a warning (None), never lost results."""
    from .reports import write_report

    try:
        return write_report(root)
    except Exception as error:
        reporter.warn(f"the report could not be written: {getattr(error, 'message', None) or error}")
        return None


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
