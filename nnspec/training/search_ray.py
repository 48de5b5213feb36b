"""A search on Ray Tune (`--trials N --ray [ADDRESS]`): OptunaSearch samples, ASHA stops trials early.

Tune drives the trials; Ray's OptunaSearch asks the same Optuna study as the local
engine (study.journal in the run folder, so `--resume` finds it), and the scheduler
(ASHAScheduler for `--prune asha`, MedianStoppingRule for `median`, none for `none`)
decides after every epoch whether a trial goes on. Each trial is a Tune class
trainable: the variant trains in a thread on the node Tune chose, in a scratch
folder; after each epoch it reports the objective and waits for Tune's next step, so
a trial Tune stops ends after that epoch, is evaluated and saved as any pruned trial
is, and its folder's files are sent to an actor on the driver's node that writes
them into the run folder. The folder layout is the local search's.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import shutil
import signal
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .search import (
    MIN_EPOCHS,
    SearchSettings,
    make_sampler,
    mark,
    objective_name,
    saved_trials,
    suggest,
    trial_folder,
    trial_label,
    trial_outcome,
    trial_plan,
    values_from_params,
)

METRIC = "objective"


@dataclass
class TuneJob:
    """What every trial of the search needs, sent once to the trainables."""

    spec: Any
    settings: SearchSettings
    tracking: dict
    writer: Any  # the FolderWriter actor on the driver's node


class FolderWriter:
    """A Ray actor on the driver's node: writes a trial's files into the run folder there."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def write(self, name: str, files: dict[str, bytes]) -> None:
        from .parallel import _write_files

        _write_files(self.root / name, files)


def run_on_tune(spec, settings: SearchSettings, root: Path, tracking: dict, say: Callable[[str], None]) -> None:
    """Run the search's remaining trials on Ray Tune; their folders are written into `root`."""
    from optuna.storages.journal import JournalFileBackend, JournalStorage
    from optuna.trial import TrialState
    from ray import tune
    from ray.tune.search.optuna import OptunaSearch
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from ..dsl.ranges import search_axes
    from ..rundir import STUDY_FILE
    from .parallel import connect_ray

    logging.getLogger("ray.tune").setLevel(logging.WARNING)
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")  # Tune's own tables stay quiet: the board below speaks
    stop = signal.getsignal(signal.SIGTERM)
    ray = connect_ray(None if settings.ray is True else str(settings.ray))
    if callable(stop) and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)  # Ray's own handler would end the driver without a word
    storage = JournalStorage(JournalFileBackend(str(root / STUDY_FILE)))
    finished = [r for r in saved_trials(root) if not r.interrupted]
    _fail_interrupted(storage, TrialState)
    remaining = settings.trials - len(finished)
    if remaining <= 0:
        return
    space = _Space(search_axes(spec))
    mode = "min" if settings.direction == "minimize" else "max"
    searcher = OptunaSearch(space=space, metric=METRIC, mode=mode, sampler=make_sampler(settings, len(finished)),
                            study_name="nnspec", storage=storage)
    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
    writer = ray.remote(num_cpus=0)(FolderWriter).options(scheduling_strategy=here).remote(str(root))
    trainable = tune.with_resources(tune.with_parameters(TrialTrainable, job=TuneJob(spec, settings, tracking,
                                                                                        writer)), {"cpu": 1})
    scratch = tempfile.mkdtemp(prefix="nnspec-tune-")
    say(f"running {remaining} trials on Ray Tune ({_scheduler_name(settings)})")
    try:
        tuner = tune.Tuner(trainable, tune_config=tune.TuneConfig(
            search_alg=searcher, scheduler=_scheduler(settings, spec, mode), num_samples=remaining,
            reuse_actors=True),  # TensorFlow is imported once per actor, not once per trial
            run_config=tune.RunConfig(name="tune", storage_path=scratch, verbose=0,
                                      checkpoint_config=tune.CheckpointConfig(checkpoint_at_end=False),
                                      callbacks=[_Board(say, _epochs_of(spec))]))
        tuner.fit()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class _Space:
    """OptunaSearch's define-by-run space: the spec's axes, and the trial's number passed on to Tune."""

    def __init__(self, axes) -> None:
        self.axes = axes

    def __call__(self, trial) -> dict:
        suggest(trial, self.axes)
        return {"trial": trial.number}  # a constant Tune hands the trainable: the trial's number in the study


def _fail_interrupted(storage, TrialState) -> None:
    """A resumed Ray search: trials left running by the interruption trained on nodes now gone."""
    for study in storage.get_all_studies():
        for trial in storage.get_all_trials(study._study_id, states=(TrialState.RUNNING,)):
            storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)


def _epochs_of(spec) -> int:
    from ..dsl.validate import check

    return check(spec)[0].train.epochs


def _scheduler_name(settings: SearchSettings) -> str:
    return {"asha": "ASHAScheduler", "median": "MedianStoppingRule", "none": "no early stopping"}[settings.prune]


def _scheduler(settings: SearchSettings, spec, mode: str):
    from ray.tune.schedulers import ASHAScheduler, FIFOScheduler, MedianStoppingRule

    if settings.prune == "asha":
        return ASHAScheduler(time_attr="epoch", metric=METRIC, mode=mode, max_t=_epochs_of(spec),
                             grace_period=MIN_EPOCHS, reduction_factor=3)
    if settings.prune == "median":
        return MedianStoppingRule(time_attr="epoch", metric=METRIC, mode=mode, grace_period=MIN_EPOCHS,
                                  min_samples_required=max(1, min(5, settings.trials // 4)))
    return FIFOScheduler()


def _trainable_base():
    from ray import tune

    return tune.Trainable


class TrialTrainable(_trainable_base()):
    """One trial on a Ray node: trains in a thread, one epoch per Tune step; stopped, it ends cleanly."""

    def setup(self, config: dict, job: TuneJob = None) -> None:
        self.job = job
        self._start(config)

    def reset_config(self, new_config: dict) -> bool:
        """The actor trains another trial (TensorFlow stays imported): finish the last one first."""
        self._finish()
        self._start(new_config)
        return True

    def cleanup(self) -> None:
        """Tune is done with the actor: finish its trial."""
        self._finish()

    def _start(self, config: dict) -> None:
        from ..dsl.ranges import search_axes

        job = self.job
        self.number = int(config["trial"])
        values = values_from_params({k: v for k, v in config.items() if k != "trial"}, search_axes(job.spec))
        self.plan = trial_plan(job.spec, values, self.number, job.tracking)
        self.name = trial_folder(Path("."), self.plan, job.settings.trials).name
        self.scratch = Path(tempfile.mkdtemp(prefix="nnspec-trial-"))
        self.epochs: queue.Queue = queue.Queue()
        self.decisions: queue.Queue = queue.Queue()
        self.waiting = False
        self.last: dict = {METRIC: math.inf if job.settings.direction == "minimize" else -math.inf, "epoch": 0}
        self.result = None
        self.failure = None
        self.thread = threading.Thread(target=self._train, daemon=True, name=f"nnspec-trial-{self.number}")
        self.thread.start()

    def _train(self) -> None:
        from ..errors import NNSpecError, TrainingError
        from ..types import TrainingCallback
        from .data import DataLoader
        from .environment import import_tensorflow_quietly
        from .progress import Progress
        from .variants import run_plan

        callback = TrainingCallback("search", on_epoch_end=self._epoch_end, probe_size=1)
        try:
            import_tensorflow_quietly()
            self.result = run_plan(self.plan, self.scratch / self.name, DataLoader(None), Progress(),
                                   callbacks=(callback,))
        except TrainingError as error:
            self.result = getattr(error, "result", None)
        except NNSpecError as error:
            self.failure = error
        finally:
            self.epochs.put(None)  # training is over

    def _epoch_end(self, state) -> None:
        name = objective_name(self.job.settings.objective, state.logs)
        value = float(state.logs.get(name, math.nan))
        self.epochs.put({METRIC: value if math.isfinite(value) else self.last[METRIC], "epoch": state.epoch})
        if self.decisions.get() == "stop":
            state.stop_training = True

    def step(self) -> dict:
        if self.waiting:
            self.decisions.put("go")
        item = self.epochs.get()
        if item is None:  # a failure, or the end of training
            self.waiting = False
            if self.failure is not None:  # Tune marks the trial failed
                raise RuntimeError(self.failure.render())
            return {**self.last, "done": True}
        self.waiting, self.last = True, item
        return {**item, "done": item["epoch"] >= self.plan.train.epochs}

    def save_checkpoint(self, checkpoint_dir: str) -> dict:
        return {}  # a trial is not moved between nodes: it trains where it started

    def load_checkpoint(self, checkpoint) -> None:
        pass

    def _finish(self) -> None:
        """Tune is done with the trial (stopped or finished): end training after this epoch, send the folder."""
        if self.thread is None:
            return
        if self.waiting:
            self.decisions.put("stop")
        self.thread.join()
        self.thread = None
        folder = self.scratch / self.name
        try:
            if self.result is not None:
                state, value = trial_outcome(self.result, self.job.settings.objective)
                mark(self.result, self.number, state, value, self.job.settings.objective)
            files = {path.relative_to(folder).as_posix(): path.read_bytes()
                     for path in sorted(folder.rglob("*")) if path.is_file()}
            if files:
                import ray

                ray.get(self.job.writer.write.remote(self.name, files))
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)


def _board_base():
    from ray import tune

    return tune.Callback


class _Board(_board_base()):
    """Says which trials Tune started and how each ended."""

    def __init__(self, say: Callable[[str], None], epochs: int) -> None:
        self.talk, self.epochs = say, epochs
        self.last: dict[str, int] = {}

    def __getstate__(self) -> dict:
        return {**self.__dict__, "talk": None}  # Tune saves its callbacks; the terminal stays here

    def say(self, text: str) -> None:
        if self.talk is not None:
            self.talk(text)

    def _label(self, trial) -> str:
        config = dict(trial.config)
        return trial_label(int(config.pop("trial", -1)), config)

    def on_trial_start(self, iteration, trials, trial, **info) -> None:
        self.say(f"[{self._label(trial)}] running on Ray")

    def on_trial_result(self, iteration, trials, trial, result, **info) -> None:
        self.last[trial.trial_id] = int(result.get("epoch", 0))

    def on_trial_complete(self, iteration, trials, trial, **info) -> None:
        epoch = self.last.get(trial.trial_id, 0)
        value = (trial.last_result or {}).get(METRIC)
        what = "done" if epoch >= self.epochs else f"pruned after epoch {epoch}"
        self.say(f"[{self._label(trial)}] {what}" + (f": {value:.4g}" if isinstance(value, float) else ""))

    def on_trial_error(self, iteration, trials, trial, **info) -> None:
        self.say(f"[{self._label(trial)}] failed on Ray")
