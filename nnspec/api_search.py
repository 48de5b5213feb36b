"""`nnspec.run(spec, trials=N)` and `--resume` of a search: the folder, the engine, the ranking, the report.

The engine is nnspec/training/search.py (one process), search_jobs.py (`--jobs`, the
study shared through its file) or search_ray.py (`--ray`, Ray Tune). A search folder
holds spec.nn (the spec with its ranges), search.json (the settings and the spec as
JSON), study.journal (the Optuna study), one folder per trial and sweep.json, so the
report, `nnspec runs` and `--resume` read it as they read a sweep.
"""

from __future__ import annotations

from pathlib import Path

from .dsl.format import format_spec
from .errors import Interrupted, UsageError
from .results import RunResults
from .rundir import SEARCH_FILE, SPEC_FILE, default_folder, new_folder, read_json, write_json, write_sweep, write_text
from .training.data import DataLoader
from .training.environment import import_tensorflow_quietly
from .training.progress import Progress
from .training.search import SearchSettings, check_search, ranked, resume_running, run_trials, saved_trials


class SearchInterrupted(Interrupted):
    """A search stopped by Ctrl-C or SIGTERM: the finished trials are kept, `--resume` continues."""

    def __init__(self, folder: Path, done: int, trials: int) -> None:
        super().__init__(folder, done, trials)

    def render(self) -> str:
        return (f"interrupted after {self.epochs_done} of {self.epochs} trials; the search is saved in {self.folder}\n"
                f"continue it with: nnspec run --resume {self.folder}")


def run_search(spec, settings: SearchSettings, out, reporter: Progress, data=None, tracking: dict | None = None,
               report: bool = True) -> RunResults:
    """Claim the folder, run the trials on the chosen engine, then rank, report and log them."""
    check_search(spec, settings)
    if data is not None and (settings.jobs > 1 or settings.ray):
        raise UsageError("a search on arrays passed to run(data=...) trains in this process only",
                         hint="leave out jobs= and ray=")
    stem = Path(spec.filename).stem if spec.filename else "spec"
    root = new_folder(Path(out) if out is not None else default_folder(stem))
    write_text(root / SPEC_FILE, format_spec(spec))
    write_json(root / SEARCH_FILE, {"settings": settings.to_dict(), "tracking": tracking or {},
                                    "spec_file": str(spec.filename) if spec.filename else None,
                                    "spec": spec.to_dict()})
    reporter.message(f"searching {settings.trials} trials ({settings.sampler} sampler, {settings.prune} pruning) "
                     f"into {root}")
    return _engine(spec, settings, root, reporter, DataLoader(data), tracking or {}, report)


def resume_search(root: Path, reporter: Progress, report: bool = True) -> RunResults:
    """Continue a search: finished trials kept, interrupted ones from their checkpoint, the rest sampled."""
    from .dsl.ast import Spec

    saved = read_json(root / SEARCH_FILE)
    settings = SearchSettings.from_dict(saved["settings"])
    spec = Spec.from_dict(saved["spec"])
    tracking = saved.get("tracking") or {}
    done = len([r for r in saved_trials(root) if not r.interrupted])
    reporter.message(f"resuming the search in {root}: {done} of {settings.trials} trials finished")
    loader = DataLoader(None)
    if not settings.ray:  # Ray Tune keeps no study of its own: its trials are told to the next OptunaSearch
        reporter.message("loading TensorFlow ...")
        import_tensorflow_quietly()
        try:
            resume_running(spec, settings, root, loader, reporter, tracking)
        except KeyboardInterrupt:
            raise _interrupted(root, settings) from None
    return _engine(spec, settings, root, reporter, loader, tracking, report)


def _engine(spec, settings: SearchSettings, root: Path, reporter: Progress, loader, tracking: dict,
            report: bool) -> RunResults:
    try:
        if settings.ray:
            from .training.search_ray import run_on_tune

            run_on_tune(spec, settings, root, tracking, reporter.message)
        elif settings.jobs > 1:
            from .training.search_jobs import run_trial_processes

            run_trial_processes(spec, settings, root, tracking, reporter.message)
        else:
            reporter.message("loading TensorFlow ...")
            import_tensorflow_quietly()
            run_trials(spec, settings, root, loader, reporter, tracking)
    except KeyboardInterrupt:
        raise _interrupted(root, settings) from None
    return _finish(root, settings, reporter, tracking, report)


def _interrupted(root: Path, settings: SearchSettings) -> SearchInterrupted:
    results = saved_trials(root)
    write_sweep(root, ranked(results, settings))
    return SearchInterrupted(root, len([r for r in results if not r.interrupted]), settings.trials)


def _finish(root: Path, settings: SearchSettings, reporter: Progress, tracking: dict, report: bool) -> RunResults:
    """sweep.json best first, the report, MLflow; RunResults of the complete and pruned trials, best first."""
    from .tracking import log_finished

    reporter.close()
    results = ranked(saved_trials(root), settings)
    write_sweep(root, results)
    failed = [r for r in results if (r.extras.get("search") or {}).get("state") not in ("complete", "pruned")]
    kept = [r for r in results if r not in failed]
    if report and kept:
        from .reports import write_report

        try:
            write_report(root)
        except Exception as error:
            reporter.warn(f"the report could not be written: {getattr(error, 'message', None) or error}")
    log_finished(root, tracking, reporter.warn)
    outcome = RunResults(kept, root, failed, sweep=True)
    outcome.search = settings
    return outcome
