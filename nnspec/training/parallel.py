"""Sweep variants in parallel: separate local processes (`--jobs N`) or a Ray cluster (`--ray`).

The engines train exactly what the serial loop trains (one checked plan into its run
folder, seeded the same way), so a variant gives the same numbers wherever it runs.
Local jobs are warm worker processes (a `concurrent.futures` process pool kept for the
whole sweep), each importing TensorFlow once. Each variant is independent: one that
fails, or whose process dies, is reported as failed and the others go on. The driver
prints which variants are running, done and failed. On Ray a variant trains in a
scratch folder on whichever machine runs it and sends the folder's files back, so the
driver's run folder is complete without a shared file system.

TensorFlow is imported by the worker processes, never by this module.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import NNSpecError, TrainingError, UsageError
from ..results import RunResult
from ..rundir import variant_folders, write_sweep
from ..types import Data, Plan

RAY_INSTALL = "pip install 'nnspec[ray]'"


@dataclass
class Task:
    """One variant to train: its plan, its run folder, the arrays given to run() if any."""

    number: int
    plan: Plan
    folder: Path
    data: Data | None = None
    seed_axes: frozenset = field(default_factory=frozenset)


@dataclass
class Outcome:
    """What became of a task: its result (error set when training failed), or an error."""

    task: Task
    result: Any = None  # RunResult
    error: NNSpecError | None = None


def run_in_parallel(plans: list[Plan], root: Path, data: Data | None, reporter, seed_axes: frozenset,
                    jobs: int | None = None, ray: str | bool | None = None) -> tuple[list[RunResult], list[TrainingError]]:
    """Train a sweep's plans on local processes (`jobs`) or Ray (`ray`); the results and the training errors.

    sweep.json is rewritten as each variant ends, in the order of the variants. An error
    that is not a training failure (the data cannot load) stops the run, as serially.
    """
    folders = variant_folders(root, [plan.variant_label for plan in plans])
    tasks = [Task(n, plan, folder, data, seed_axes) for n, (plan, folder) in enumerate(zip(plans, folders))]
    if ray:
        outcomes = run_on_ray(tasks, None if ray is True else str(ray), reporter.message)
    else:
        outcomes = run_in_processes(tasks, jobs if jobs is not None else 1, reporter.message)
    place = {folder: i for i, folder in enumerate(folders)}
    results: list[RunResult] = []
    failed: list[TrainingError] = []
    stopping: list[NNSpecError] = []
    for outcome in outcomes:
        if outcome.result is None:
            stopping.append(outcome.error)
            continue
        if outcome.result.error:
            error = TrainingError(outcome.result.error)
            error.result = outcome.result
            failed.append(error)
        else:
            results.append(outcome.result)
        results.sort(key=lambda r: place[r.dir])
        failed.sort(key=lambda e: place[e.result.dir])
        write_sweep(root, results + [e.result for e in failed])
    if stopping:
        raise stopping[0]
    return results, failed


def train_task(task: Task) -> Outcome:
    """Train one task in this process, quietly (the driver reports progress)."""
    from .data import DataLoader
    from .environment import import_tensorflow_quietly
    from .progress import Progress
    from .variants import run_plan

    import_tensorflow_quietly()
    try:
        result = run_plan(task.plan, task.folder, DataLoader(task.data), Progress(), seed_axes=task.seed_axes)
    except TrainingError as error:
        result = getattr(error, "result", None)
        if result is None:
            return Outcome(task, error=error)
    except NNSpecError as error:
        return Outcome(task, error=error)
    result.model = None  # a live model does not cross processes
    return Outcome(task, result)


# ------------------------------------------------------------------ progress


class Board:
    """Which variants are running, done and failed, printed as each changes."""

    def __init__(self, total: int, say: Callable[[str], None]) -> None:
        self.total, self.say = total, say
        self.running: dict[int, str] = {}
        self.done = self.failed = 0

    def started(self, task: Task, where: str = "", state: str = "running") -> None:
        self.running[task.number] = task.plan.variant_label
        self.say(f"[{task.plan.variant_label}] {state}{where}  ({self._counts()})")

    def finished(self, outcome: Outcome) -> None:
        label = self.running.pop(outcome.task.number, outcome.task.plan.variant_label)
        failure = outcome.error.message if outcome.error else (outcome.result.error if outcome.result else None)
        if failure:
            self.failed += 1
            self.say(f"[{label}] failed: {failure}  ({self._counts()})")
        else:
            self.done += 1
            metrics = "  ".join(f"{k} {v:.4f}" for k, v in outcome.result.metrics.items())
            self.say(f"[{label}] done: {metrics}  ({self._counts()})")

    def _counts(self) -> str:
        return f"{self.done} done, {self.failed} failed, {len(self.running)} running or queued, {self.total} in all"


# ------------------------------------------------------------------ local processes


def _warm_up(threads: int) -> None:
    """Each worker process imports TensorFlow once, when it starts, for every variant it trains.

    Its thread pools get `threads` threads (the machine's cores shared among the
    workers): more would make the workers' spinning threads take cores from each other.

    At the end of the sweep a worker leaves at once (`os._exit` as its last exit handler):
    its outcomes are already sent (the pool's result queue writes synchronously) and
    its run folders written, and TensorFlow's teardown took seconds per worker.
    """
    import atexit

    from .environment import import_tensorflow_quietly

    import_tensorflow_quietly()
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    atexit.register(os._exit, 0)  # registered after TensorFlow's handlers, so it runs first


def _train_in_worker(task: Task) -> Outcome:
    """In a worker process: train the task; the outcome goes back without the task's data."""
    try:
        outcome = train_task(task)
    except BaseException as error:  # anything else is this variant's failure, not the sweep's
        outcome = Outcome(task, error=TrainingError(f"{type(error).__name__}: {error}"))
    outcome.task = None  # the driver has it; sending back the data would double the traffic
    return outcome


def run_in_processes(tasks: list[Task], jobs: int, say: Callable[[str], None]) -> Iterator[Outcome]:
    """Train tasks on `jobs` warm worker processes; yield each outcome as it ends.

    The workers are a `concurrent.futures.ProcessPoolExecutor` that lives for the whole
    sweep (spawned, not forked: TensorFlow's threads do not survive a fork); each imports
    TensorFlow once and trains one variant after another, so a sweep pays the import
    `jobs` times, not once per variant. At most `jobs` tasks are handed out at a time,
    so each one given out is running. A process that dies (killed, out of memory)
    breaks the pool: the variants it was running with are run again, each alone on a
    fresh pool, and only the one whose process dies again is reported as failed.
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    context = multiprocessing.get_context("spawn")
    board = Board(len(tasks), say)
    waiting = list(tasks)
    suspects: list[Task] = []  # running when a process died: run again, alone
    live: dict[Any, Task] = {}
    pool = None

    def new_pool(workers: int):
        threads = max(1, (os.cpu_count() or 1) // workers)
        return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm_up,
                                   initargs=(threads,))

    try:
        while waiting or suspects or live:
            if pool is None:
                pool = new_pool(1 if suspects else min(jobs, len(waiting)))
            alone = bool(suspects)
            while (suspects or waiting) and len(live) < (1 if alone else jobs):
                task = suspects.pop(0) if alone else waiting.pop(0)
                live[pool.submit(_train_in_worker, task)] = task
                board.started(task, " (run again alone: a process died)" if alone else "")
            finished, _ = wait(list(live), return_when=FIRST_COMPLETED)
            broken = False
            for future in finished:
                task = live.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    broken = True
                    if alone:  # it died again with nothing else running: this variant's failure
                        outcome = Outcome(task, error=TrainingError("the process training this variant ended abruptly"))
                    else:
                        suspects.append(task)
                        continue
                except Exception as error:  # the task could not be sent or received (pickling)
                    outcome = Outcome(task, error=TrainingError(f"{type(error).__name__}: {error}"))
                else:
                    outcome.task = task
                board.finished(outcome)
                yield outcome
            if broken:  # every other task of the dead pool fails too: they all become suspects
                for future, task in list(live.items()):
                    try:
                        outcome = future.result()
                    except Exception:
                        suspects.append(task)
                    else:
                        outcome.task = task
                        board.finished(outcome)
                        yield outcome
                live.clear()
                pool.shutdown(wait=True)
                pool = None
            elif alone and not suspects and not live:
                pool.shutdown(wait=True)  # the suspects are done: back to `jobs` workers
                pool = None
    finally:
        if pool is not None:  # interrupted, or done: stop the workers we started
            _stop(pool, live)


def _stop(pool, live: dict) -> None:
    """Shut the pool down; when variants are still running (interrupted), end their processes."""
    if not live:
        pool.shutdown(wait=True)
        return
    for future in live:
        future.cancel()
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


# ------------------------------------------------------------------ Ray


def _ray():
    try:
        import ray
    except ImportError:
        raise UsageError("--ray needs Ray, which is not installed", hint=RAY_INSTALL) from None
    return ray


def connect_ray(address: str | None, num_cpus: int | None = None):
    """ray.init(address) for a cluster; no address: a local Ray instance (reused if one is up)."""
    ray = _ray()
    if ray.is_initialized():
        return ray
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    try:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
    except Exception as error:  # Ray's own message says what went wrong (no cluster there, ...)
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise UsageError(f"cannot start or reach {where}: {type(error).__name__}: {error}") from None
    return ray


def train_task_remotely(task: Task) -> tuple[Outcome, dict[str, bytes]]:
    """A Ray task: train in a scratch folder, return the outcome and the folder's files."""
    scratch = Path(tempfile.mkdtemp(prefix="nnspec-ray-"))
    wanted = task.folder
    task.folder = scratch / wanted.name
    try:
        outcome = train_task(task)
        files = {}
        for path in sorted(task.folder.rglob("*")):
            if path.is_file():
                files[path.relative_to(task.folder).as_posix()] = path.read_bytes()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if outcome.result is not None:
        outcome.result.dir = wanted
    outcome.task = None
    return outcome, files


def run_on_ray(tasks: list[Task], address: str | None, say: Callable[[str], None]) -> Iterator[Outcome]:
    """Train each task as a Ray task (one CPU each); yield outcomes as they end, files written here."""
    ray = connect_ray(address)
    remote = ray.remote(num_cpus=1, max_retries=0)(train_task_remotely)
    board = Board(len(tasks), say)
    pending = {}
    for task in tasks:
        pending[remote.remote(Task(task.number, task.plan, task.folder, task.data, task.seed_axes))] = task
        board.started(task, f" on the Ray cluster at {address}" if address else " on Ray", state="queued")
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        task = pending.pop(ready[0])
        try:
            outcome, files = ray.get(ready[0])
        except Exception as error:  # the task or its worker failed: this variant only
            cause = getattr(error, "cause", None) or error
            outcome = Outcome(task, error=TrainingError(f"on Ray: {type(cause).__name__}: {cause}"))
            files = {}
        outcome.task = task
        _write_files(task.folder, files)
        board.finished(outcome)
        yield outcome


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
