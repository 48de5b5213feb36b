"""A search over a spec's ranges and choices with Optuna: trials sampled, trained, pruned at epoch ends.

`nnspec run SPEC --trials N` asks an Optuna study (TPE, or random) for N trials. Each
trial is one variant of the spec with a value for every range and choice, trained
into its own folder (`trial-03_lr-0.00123_units-57/`) as any variant is. At each
epoch's end the trial reports its objective (the validation loss, else the training
loss, or `--objective NAME`) and the pruner (median or ASHA) may stop it; a pruned
trial is still evaluated and saved, with the epochs it trained. The study lives in the
run folder (`study.journal`, Optuna's JournalStorage), so processes that share it
(`--jobs`) coordinate through Optuna itself and `--resume` continues where it stopped.

Each trial's sampler is seeded from the spec's seed and the trial's number, so the
same spec with the same seed gives the same trials, across `--resume` too (with
`--jobs` the order trials finish in decides what TPE has seen, so it varies).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..dsl.format import format_value
from ..dsl.ranges import Axis, search_axes
from ..dsl.sweep import seed_axes
from ..dsl.sweeps import variant_with
from ..errors import NNSpecError, TrainingError, UsageError
from ..results import RunResult
from ..rundir import STUDY_FILE, read_json, slug, write_results, write_sweep
from ..types import Plan, TrainingCallback
from .evaluation import LOWER_IS_BETTER

SAMPLERS = ("tpe", "random")
PRUNERS = ("median", "asha", "none")
INSTALL = "pip install 'nnspec[search]'"
STUDY_NAME = "nnspec"
STATES = ("complete", "pruned", "failed")
MIN_EPOCHS = 2  # no trial is pruned before it has trained this many epochs


@dataclass
class SearchSettings:
    """How a search runs: N trials, the sampler, the pruner, what it minimises or maximises, where."""

    trials: int
    sampler: str = "tpe"
    prune: str = "median"
    objective: str | None = None  # a history series; None: val_loss where there is validation, else loss
    jobs: int = 1
    ray: str | bool | None = None
    seed: int = 0

    @property
    def direction(self) -> str:
        """minimize for losses and errors, maximize for anything else (accuracy)."""
        name = (self.objective or "loss").removeprefix("val_")
        return "minimize" if name in LOWER_IS_BETTER else "maximize"

    def to_dict(self) -> dict[str, Any]:
        """What search.json holds."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SearchSettings":
        """The settings of search.json."""
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


def optuna_module():
    """Optuna, quiet, or a UsageError naming the extra to install."""
    try:
        import optuna
    except ImportError:
        raise UsageError("--trials needs Optuna, which is not installed", hint=INSTALL) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def check_search(spec, settings: SearchSettings) -> list[Axis]:
    """The axes the search samples, or a UsageError for what cannot be searched."""
    if settings.trials < 1:
        raise UsageError(f"--trials must be at least 1, not {settings.trials}")
    if settings.sampler not in SAMPLERS:
        raise UsageError(f"--sampler is one of {', '.join(SAMPLERS)}, not '{settings.sampler}'")
    if settings.prune not in PRUNERS:
        raise UsageError(f"--prune is one of {', '.join(PRUNERS)}, not '{settings.prune}'")
    axes = search_axes(spec)
    if not axes:
        raise UsageError("--trials samples a spec's ranges and choices, and this spec has none",
                         hint="add e.g. 'let lr = 0.0001..0.1 log' and use $lr, or leave out --trials")
    if seed_axes(spec):
        raise UsageError("--trials does not sweep the seed: a trial is one run",
                         hint="write one seed, or leave out --trials to repeat the grid over seeds")
    optuna_module()
    return axes


# ------------------------------------------------------------------ the study


def open_study(root: Path, settings: SearchSettings):
    """The run folder's study (created on first use), with the pruner of the settings."""
    optuna = optuna_module()
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    storage = JournalStorage(JournalFileBackend(str(root / STUDY_FILE)))
    return optuna.create_study(storage=storage, study_name=STUDY_NAME, direction=settings.direction,
                               pruner=make_pruner(settings), load_if_exists=True)


def make_pruner(settings: SearchSettings):
    """median: below the median of earlier trials at the same epoch; asha: successive halving; none.

    Both judge a trial from its MIN_EPOCHS-th epoch on: one epoch says little about a rate.
    """
    optuna = optuna_module()
    if settings.prune == "median":
        startup = max(1, min(5, settings.trials // 4))
        return optuna.pruners.MedianPruner(n_startup_trials=startup, n_warmup_steps=MIN_EPOCHS)
    if settings.prune == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=MIN_EPOCHS, reduction_factor=3)
    return optuna.pruners.NopPruner()


def make_sampler(settings: SearchSettings, number: int):
    """The sampler of trial `number`, seeded from the spec's seed and the number (reproducible, resumable)."""
    optuna = optuna_module()
    seed = (settings.seed * 1_000_003 + number) % 2**32
    if settings.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    startup = max(1, min(10, settings.trials // 3))  # TPE models what a few random trials found
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup)


def suggest(trial, axes: list[Axis]) -> dict[str, Any]:
    """A value for every axis, asked of the Optuna trial (choices by their spec text)."""
    values: dict[str, Any] = {}
    for axis in axes:
        if axis.range is not None:
            low, high, log = axis.range.low, axis.range.high, axis.range.log
            if axis.range.integers:
                values[axis.name] = trial.suggest_int(axis.name, low, high, log=log)
            else:
                values[axis.name] = trial.suggest_float(axis.name, float(low), float(high), log=log)
        else:
            labels = [format_value(choice) for choice in axis.choices]
            values[axis.name] = axis.choices[labels.index(trial.suggest_categorical(axis.name, labels))]
    return values


def params_of(values: dict[str, Any]) -> dict[str, Any]:
    """The sampled values as Optuna records them (choices by their spec text)."""
    return {name: value if isinstance(value, (int, float)) else format_value(value) for name, value in values.items()}


def values_from_params(params: dict[str, Any], axes: list[Axis]) -> dict[str, Any]:
    """A trial's recorded params as the spec's values again (the inverse of params_of)."""
    out = {}
    for axis in axes:
        value = params[axis.name]
        if axis.range is None:
            value = axis.choices[[format_value(c) for c in axis.choices].index(value)]
        out[axis.name] = value
    return out


# ------------------------------------------------------------------ one trial


def trial_plan(spec, values: dict[str, Any], number: int, tracking: dict | None = None) -> Plan:
    """The checked plan of the trial with these values; its variant names the trial and the values."""
    from ..dsl.validate import check

    variant = variant_with(spec, values)
    shown = tuple((name, _shown(value)) for name, value in variant.variant)
    variant = dataclasses.replace(variant, variant=(("trial", number), *shown))
    (plan,) = check(variant)
    return dataclasses.replace(plan, tracking=dict(tracking or {}))


def trial_folder(root: Path, plan: Plan, trials: int) -> Path:
    """`trial-03_lr-0.00123_units-57`: numbered so that the folders sort in trial order."""
    number = dict(plan.variant)["trial"]
    rest = " ".join(f"{name}={value}" for name, value in plan.variant if name != "trial")
    return root / slug(f"trial={number:0{len(str(max(trials - 1, 1)))}d} {rest}".strip())


def trial_label(number: int, params: dict[str, Any]) -> str:
    """`trial=3 lr=0.001235 units=57`, from a trial's recorded params."""
    return " ".join([f"trial={number}", *(f"{name}={_shown(value)}" for name, value in params.items())])


def _shown(value: Any) -> Any:
    """A sampled float to 4 significant digits, for labels and folder names (the spec keeps it whole)."""
    return float(f"{value:.4g}") if isinstance(value, float) else value


class Reporting:
    """The training callback of one trial: reports the objective each epoch, stops the trial when pruned."""

    def __init__(self, report: Callable[[float, int], bool], objective: str | None) -> None:
        """`report(value, epoch)` tells the search and returns True when the trial should stop."""
        self.report, self.objective = report, objective
        self.problem: str | None = None

    def on_epoch_end(self, state) -> None:
        name = objective_name(self.objective, state.logs)
        if name not in state.logs:
            self.problem = (f"the objective {name} is not among this run's series ({', '.join(state.logs)})"
                            + ("; add val= to the train line" if name.startswith("val_") else ""))
            state.stop_training = True
            return
        value = float(state.logs[name])
        if self.report(value if math.isfinite(value) else math.inf, state.epoch):
            state.stop_training = True

    def callback(self) -> TrainingCallback:
        return TrainingCallback("search", on_epoch_end=self.on_epoch_end, probe_size=1,
                                doc="reports a trial's objective each epoch; stops it when pruned")


def objective_name(objective: str | None, series) -> str:
    """The series a trial is judged by: the one asked for, else val_loss where there is one, else loss."""
    return objective or ("val_loss" if "val_loss" in series else "loss")


def trial_outcome(result: RunResult, objective: str | None) -> tuple[str, float | None]:
    """(state, objective value at the last epoch): complete, pruned (stopped early) or failed."""
    name = objective_name(objective, result.history)
    values = result.history.get(name) or []
    value = float(values[-1]) if values and math.isfinite(float(values[-1])) else None
    if result.error or value is None:
        return "failed", value
    return ("pruned" if result.epochs_done < result.epochs else "complete"), value


def mark(result: RunResult, number: int, state: str, value: float | None, objective: str | None) -> None:
    """Record the trial in results.json (`search`), beside the run's own results."""
    result.extras["search"] = {"trial": number, "state": state, "objective": objective_name(objective, result.history),
                               "value": value, "epochs_trained": result.epochs_done}
    if result.dir is not None:
        write_results(result.dir, result)


def train_trial(trial, plan: Plan, folder: Path, loader, reporter, settings: SearchSettings,
                resume=None) -> RunResult:
    """Train one Optuna trial into `folder`, tell the study how it ended, and return its result."""
    from optuna.trial import TrialState

    from .variants import run_plan

    def report(value: float, epoch: int) -> bool:
        trial.report(value, epoch)
        return trial.should_prune()

    reporting = Reporting(report, settings.objective)
    study = trial.study
    try:
        result = run_plan(plan, folder, loader, reporter, resume, callbacks=(reporting.callback(),))
    except NNSpecError as error:
        if not isinstance(error, TrainingError) or getattr(error, "result", None) is None:
            study.tell(trial.number, state=TrialState.FAIL)  # the data cannot load: the search stops
            raise
        result = error.result
    if reporting.problem:
        study.tell(trial.number, state=TrialState.FAIL)
        raise UsageError(f"--objective: {reporting.problem}")
    state, value = trial_outcome(result, settings.objective)
    if state == "complete":
        study.tell(trial.number, value)
    else:
        study.tell(trial.number, state=TrialState.PRUNED if state == "pruned" else TrialState.FAIL)
    mark(result, trial.number, state, value, settings.objective)
    return result


# ------------------------------------------------------------------ the search in this process


def run_trials(spec, settings: SearchSettings, root: Path, loader, reporter, tracking: dict | None = None,
               worker: int = 0) -> list[RunResult]:
    """Ask the study for trials and train them here until it holds `settings.trials`; this process's results.

    Asking is done under a lock beside the study, so processes sharing the folder start
    exactly `trials` trials between them.
    """
    from optuna.storages.journal import JournalFileOpenLock

    axes = search_axes(spec)
    study = open_study(root, settings)
    lock = JournalFileOpenLock(str(root / ".trials.lock"))
    results = []
    while True:
        lock.acquire()
        try:
            number = len(study.get_trials(deepcopy=False))
            if number >= settings.trials:
                break
            study.sampler = make_sampler(settings, number)
            trial = study.ask()
        finally:
            lock.release()
        values = suggest(trial, axes)
        plan = trial_plan(spec, values, trial.number, tracking)
        folder = trial_folder(root, plan, settings.trials)
        trial.set_user_attr("worker", worker)
        trial.set_user_attr("folder", folder.name)
        reporter.start_variant(plan.variant_label, trial.number + 1, settings.trials)
        results.append(train_trial(trial, plan, folder, loader, reporter, settings))
        say_outcome(results[-1], reporter.message)
        write_sweep(root, ranked(saved_trials(root), settings))  # the folder reads as a sweep at every step
    return results


def say_outcome(result: RunResult, say: Callable[[str], None]) -> None:
    """`trial 3 (lr=0.001 units=57): pruned after epoch 2, val_loss 0.52`."""
    info = result.extras.get("search") or {}
    value = info.get("value")
    shown = f", {info.get('objective')} {value:.4g}" if value is not None else ""
    what = {"complete": "done", "pruned": f"pruned after epoch {result.epochs_done}"}.get(info.get("state"), "failed")
    if result.error:
        what += f": {result.error}"
    say(f"[{result.label}] {what}{shown}")


def resume_running(spec, settings: SearchSettings, root: Path, loader, reporter, tracking: dict | None = None
                   ) -> list[RunResult]:
    """Finish the trials an interruption left running: from their checkpoint, with their own values."""
    import optuna
    from optuna.trial import TrialState

    from ..rundir import CHECKPOINT_FILE
    from . import checkpoint

    axes = search_axes(spec)
    study = open_study(root, settings)
    results = []
    for frozen in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        trial = optuna.trial.Trial(study, frozen._trial_id)
        plan = trial_plan(spec, values_from_params(frozen.params, axes), frozen.number, tracking)
        folder = root / frozen.user_attrs.get("folder", trial_folder(root, plan, settings.trials).name)
        resume = checkpoint.load(folder) if (folder / CHECKPOINT_FILE).is_file() else None
        reporter.start_variant(plan.variant_label, frozen.number + 1, settings.trials)
        results.append(train_trial(trial, plan, folder, loader, reporter, settings, resume))
        say_outcome(results[-1], reporter.message)
        write_sweep(root, ranked(saved_trials(root), settings))
    return results


# ------------------------------------------------------------------ the outcome


def saved_trials(root: Path) -> list[RunResult]:
    """Every trial folder's result, as results.json holds it (finished or not)."""
    from ..rundir import RESULTS_FILE

    out = []
    for path in sorted(root.glob(f"trial-*/{RESULTS_FILE}")):
        saved = read_json(path)
        result = RunResult(**{k: v for k, v in saved.items() if k in RunResult.__dataclass_fields__})
        result.extras = {k: v for k, v in saved.items() if k not in RunResult.__dataclass_fields__}
        result.dir = path.parent
        out.append(result)
    return out


def ranked(results: list[RunResult], settings: SearchSettings) -> list[RunResult]:
    """Complete trials best first by the objective, then the pruned ones (by their last value), then failed ones."""
    sign = 1.0 if settings.direction == "minimize" else -1.0

    def key(result: RunResult):
        info = result.extras.get("search") or {}
        value = info.get("value")
        order = STATES.index(info.get("state", "failed")) if info.get("state") in STATES else len(STATES)
        return (order, sign * value if value is not None else math.inf, info.get("trial", 0))

    return sorted(results, key=key)
