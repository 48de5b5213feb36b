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

from .errors import TrainingError, UsageError
from .files import TEMP_PREFIX
from .results import RunResult, RunResults
from .rundir import CHECKPOINT_FILE, SPEC_FILE, default_folder, new_folder, write_text
from .training.data import DataLoader
from .training.environment import import_tensorflow_quietly, seed_everything
from .training.evaluation import rank
from .training.progress import Progress, make_progress
from .training.variants import backend_name, backend_named, run_plans
from .dsl.ast import BackendStmt
from .dsl.ranges import has_ranges, needs_trials_error
from .dsl.sweep import seed_axes, with_seeds
from .summary import group_runs, rank_groups
from .api_specs import (  # noqa: F401  (apply_overrides, QUICK_*: public here as before)
    QUICK_ENV, QUICK_EPOCHS, apply_overrides, as_spec, check_data_present, plans_for, quick, show_check_notes,
)
from .tracking import load_tracking, log_finished, save_tracking, tracking_options
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
    trials: int | None = None,
    sampler: str = "tpe",
    prune: str = "median",
    objective: str | None = None,
    tensorboard: bool = False,
    mlflow: str | bool | None = None,
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
    `trials=N` searches the spec's ranges and choices with Optuna (`sampler` tpe or
    random, `prune` median, asha or none, `objective` a history series; `jobs` and
    `ray` run trials in parallel): nnspec/api_search.py. `tensorboard=True` writes event
    files per variant; `mlflow=True` or a tracking URI logs every variant to MLflow.
    The check's warnings and notes are shown first (`Progress.spec_warning`); with
    NNSPEC_QUICK=1 in the environment every run stops after at most QUICK_EPOCHS epochs.
    """
    reporter = progress if isinstance(progress, Progress) else make_progress(progress, stream or sys.stdout)
    name = spec_or_path if isinstance(spec_or_path, (str, Path)) and str(spec_or_path).endswith(".nn") else "the spec"
    reporter.message(f"checking {name} ...")
    # everything a user can get wrong is checked before TensorFlow's seconds-long import
    from .training.checkpoint import interval

    interval()  # a bad NNSPEC_CHECKPOINT_SECONDS is a usage error now, not after the import
    spec = as_spec(spec_or_path)
    written = spec.first(BackendStmt) is not None
    if backend is not None:
        backend = backend_name(backend)  # a wrong name is the caller's, not the spec's line
    spec = apply_overrides(spec, epochs=epochs, batch=batch, lr=lr, seed=seed, backend=backend,
                           diagnostics=diagnostics or None)
    if seeds is not None:
        spec = with_seeds(spec, seeds)
    spec = quick(spec, reporter)
    plans = plans_for(spec)
    reporter.message(backend_line(plans, given=backend is not None, written=written))
    show_check_notes(spec, reporter)
    tracking = tracking_options(tensorboard, mlflow)
    if trials is not None:
        if workers is not None or cluster is not None:
            raise UsageError("a search trains each trial in one process: give --trials or --workers, not both")
        from .api_search import run_search
        from .training.search import SearchSettings

        if data is None:
            check_data_present(plans)
        settings = SearchSettings(trials, sampler, prune, objective, jobs or 1, ray, plans[0].seed)
        return run_search(spec, settings, out, reporter, data, tracking, report)
    if has_ranges(spec):
        raise needs_trials_error(spec)
    plans = [dataclasses.replace(plan, tracking=tracking) for plan in plans] if tracking else plans
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
    save_tracking(root, tracking)
    sweep = len(plans) > 1
    parallel = sweep and (jobs is not None or bool(ray))
    if not parallel:  # in parallel the workers import TensorFlow, each once, and this process never needs it
        reporter.message("loading TensorFlow ...")
        import_tensorflow_quietly()
    if sweep:
        from .dsl.format import format_spec

        write_text(root / SPEC_FILE, format_spec(spec))
    if parallel:
        from .training.parallel import run_in_parallel

        results, errors = run_in_parallel(plans, root, data, reporter, repeated, jobs=jobs, ray=ray)
    else:
        results, errors = run_plans(plans, root, DataLoader(data), reporter, seed_axes=repeated)
    return _finish(plans, root, results, errors, reporter, report, repeated, tracking)


def backend_line(plans: list[Plan], given: bool, written: bool) -> str:
    """`backend tf1 (--backend)`: what the run trains on, and what chose it."""
    names = ", ".join(dict.fromkeys(plan.backend for plan in plans))
    source = ("--backend" if given else "the spec's backend line" if written
              else "the default; --backend tf1 chooses another")
    return f"backend {names} ({source})"


def resume(folder: str | Path, *, progress: str = "auto", stream: TextIO | None = None,
           report: bool = True) -> RunResults:
    """Continue an interrupted run in its folder from its last checkpoint, to the end.

    The spec, overrides and seed come from the folder (spec.nn, results.json); the
    weights, optimizer state, shuffling RNG and history from checkpoint.npz.
    """
    from .files import held_alone
    from .rundir import check_folder

    folder = check_folder(Path(folder))
    with held_alone(folder, "resumed"):  # two resumes of one folder would both write it
        return _resume(folder, progress, stream, report)


def _resume(folder: Path, progress: str, stream: TextIO | None, report: bool) -> RunResults:
    from .dsl.parser import parse
    from .rundir import RESULTS_FILE, SEARCH_FILE, is_sweep, read_json
    from .training import checkpoint

    reporter = make_progress(progress, stream or sys.stdout)
    reporter.message(f"checking {folder} ...")
    if (folder / SEARCH_FILE).is_file():
        from .api_search import resume_search

        return resume_search(folder, reporter, report)
    if is_sweep(folder):
        return _resume_sweep(folder, reporter, report)
    saved = read_json(folder / RESULTS_FILE)
    if not saved.get("interrupted"):
        raise UsageError(f"the run in '{folder}' is not interrupted: there is nothing to resume")
    text = (folder / SPEC_FILE).read_text(encoding="utf-8")
    plans = with_tracking(plans_for(parse(text, saved.get("spec_file") or str(folder / SPEC_FILE))), folder)
    if len(plans) != 1:
        raise UsageError(f"'{folder}' holds a spec with {len(plans)} variants; resume one variant's folder")
    check_data_present(plans)
    if (folder / CHECKPOINT_FILE).is_file():
        resume_from = checkpoint.load(folder)
    else:  # killed before its first checkpoint: what is lost is less than the checkpoint interval
        resume_from = None
        reporter.message(f"no checkpoint yet in {folder} (killed within its first {checkpoint.interval():g} s "
                         "of training): training it again from the start")
    _remove_strays(folder)
    reporter.message("loading TensorFlow ...")
    import_tensorflow_quietly()
    results, failures = run_plans(plans, folder, DataLoader(None), reporter, resume=resume_from)
    return _finish(plans, folder, results, failures, reporter, report, tracking=load_tracking(folder))


def _resume_sweep(root: Path, reporter: Progress, report: bool) -> RunResults:
    """Finish a sweep: finished variants are kept, the interrupted one resumes, the rest run."""
    from .dsl.parser import parse
    from .rundir import RESULTS_FILE, read_json, unique_slug, write_sweep
    from .training import checkpoint
    from .training.variants import run_plan

    saved_runs = {p.parent.name: read_json(p) for p in root.glob(f"*/{RESULTS_FILE}")}
    spec_file = next((r.get("spec_file") for r in saved_runs.values() if r.get("spec_file")), None)
    plans = plans_for(parse((root / SPEC_FILE).read_text(encoding="utf-8"), spec_file or str(root / SPEC_FILE)))
    plans = with_tracking(plans, root)
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
    outcome = _finish(plans, root, results, errors, reporter, report, tracking=load_tracking(root))
    outcome.failures = failures
    return outcome


def with_tracking(plans: list[Plan], folder: Path) -> list[Plan]:
    """The plans with what the run in `folder` tracked (tracking.json), for a resumed run."""
    tracking = load_tracking(folder)
    return [dataclasses.replace(plan, tracking=tracking) for plan in plans] if tracking else plans


def _remove_strays(folder: Path) -> None:
    """Delete what a kill left half written (temporary names, never read)."""
    for stray in folder.glob(f"{TEMP_PREFIX}*"):
        shutil.rmtree(stray) if stray.is_dir() else stray.unlink()


def _finish(plans, root: Path, results, errors, reporter: Progress, report: bool,
            repeated: frozenset = frozenset(), tracking: dict | None = None) -> RunResults:
    """Rank, report, log to MLflow, and raise the variants' training errors, as a fresh run does.

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
    log_finished(root, tracking, reporter.warn)
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


def _write_report(root: Path, reporter: Progress):
    """Draw the run folder's report and return it; its failure is a warning (None), never lost results."""
    from .reports import write_report

    try:
        return write_report(root)
    except Exception as error:
        reporter.warn(f"the report could not be written: {getattr(error, 'message', None) or error}")
        return None


