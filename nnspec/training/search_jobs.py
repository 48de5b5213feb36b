"""A search's trials in N local processes at a time (`--trials N --jobs J`), sharing one Optuna study.

Each process opens the study in the run folder (study.journal, Optuna's JournalStorage
on a file, safe for several processes) and asks it for trials until the study holds
as many as the search wants; the pruner sees every process's intermediate values
through the same file. There is no queue of nnspec's own: the driver only starts
the processes and reads the study to say what is running, done and pruned.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Callable

from ..errors import NNSpecError, TrainingError
from .search import SearchSettings, open_study, trial_label

POLL_SECONDS = 0.5


def _worker(spec, settings: SearchSettings, root: Path, tracking: dict, index: int, errors) -> None:
    """One process of the search: train trials until the study holds enough (quietly)."""
    from .data import DataLoader
    from .environment import import_tensorflow_quietly
    from .progress import Progress
    from .search import run_trials

    try:
        import_tensorflow_quietly()
        run_trials(spec, settings, root, DataLoader(None), Progress(), tracking, worker=index)
    except NNSpecError as error:  # the data cannot load, a wrong --objective: the search stops
        errors.put(error)
    except KeyboardInterrupt:
        pass


def run_trial_processes(spec, settings: SearchSettings, root: Path, tracking: dict,
                        say: Callable[[str], None]) -> None:
    """Start `settings.jobs` processes on the study and report its trials until all have ended.

    A process that dies leaves its trial running in the study; it is marked failed here
    (the folder keeps what it trained). Ctrl-C stops every process; `--resume` continues.
    """
    context = multiprocessing.get_context("spawn")  # TensorFlow's threads do not survive a fork
    errors = context.SimpleQueue()
    study = open_study(root, settings)  # created once here, before the processes open it
    processes = [context.Process(target=_worker, args=(spec, settings, root, tracking, index, errors),
                                 name=f"nnspec-search-{index}") for index in range(settings.jobs)]
    board = TrialBoard(settings.trials, say)
    try:
        for process in processes:
            process.start()
        say(f"{settings.jobs} processes share the study in {root}")
        while any(process.is_alive() for process in processes):
            board.update(study)
            time.sleep(POLL_SECONDS)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
    _fail_orphans(study, processes)
    board.update(study)
    if not errors.empty():
        raise errors.get()
    codes = [process.exitcode for process in processes]
    if any(codes) and not board.seen:
        raise TrainingError(f"every process of the search ended before a trial began (exit codes {codes})")
    for index, code in enumerate(codes):
        if code:
            say(f"warning: search process {index} ended with exit code {code}")


def _fail_orphans(study, processes) -> None:
    """Trials still running after every process ended belonged to one that died: they failed."""
    from optuna.trial import TrialState

    if all(process.exitcode == 0 for process in processes):
        return
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study._storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)


class TrialBoard:
    """The trials of a shared study as they change: running, done with their value, pruned, failed."""

    def __init__(self, total: int, say: Callable[[str], None]) -> None:
        self.total, self.say = total, say
        self.seen: dict[int, str] = {}

    def update(self, study) -> None:
        for trial in study.get_trials(deepcopy=False):
            state = trial.state.name
            if self.seen.get(trial.number) == state or (state == "RUNNING" and "folder" not in trial.user_attrs):
                continue
            self.seen[trial.number] = state
            label = trial_label(trial.number, trial.params)
            worker = trial.user_attrs.get("worker")
            steps = sorted(trial.intermediate_values)
            what = {
                "RUNNING": f"running (process {worker})" if worker is not None else "running",
                "COMPLETE": f"done: {trial.value:.4g}" if trial.value is not None else "done",
                "PRUNED": f"pruned after epoch {steps[-1]}" if steps else "pruned",
                "FAIL": "failed",
            }.get(state, state.lower())
            self.say(f"[{label}] {what}  ({self._counts()})")

    def _counts(self) -> str:
        states = list(self.seen.values())
        running = states.count("RUNNING")
        done = len(states) - running
        return f"{done} of {self.total} finished, {running} running"

