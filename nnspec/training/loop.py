"""The epoch loop: shuffled mini-batches in chunks of steps, NaN found at its batch, history, checkpoints by time."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from ..errors import TrainingError
from ..results import RunResult
from ..rundir import best_epoch, write_history, write_results
from ..schedules import lr_at
from ..types import Plan
from .callbacks import Callbacks, record
from .checkpoint import Checkpointer, DeferredInterrupts, Position
from .data import Arrays
from .evaluation import evaluate, initial_point
from .progress import Progress

# Steps per backend call: 64 batches train as fast as a whole epoch per call and faster
# than 16 (bench/training_speed.py --suite chunks), while the gathered chunk stays small.
CHUNK_STEPS = 64
CHUNK_BYTES = 32 * 2**20
SHUFFLE_STREAM = 1  # keeps the shuffling seed apart from the initializers' seeds
# history.csv and results.json are rewritten after the first epoch, then at most this often
# (and after the last epoch, and on the way out): short epochs do not each pay two file writes
PROGRESS_SECONDS = 1.0


def train_loop(plan: Plan, trainer, arrays: Arrays, reporter: Progress, result: RunResult, folder: Path,
               start: Position | None = None, callbacks: tuple = ()) -> None:
    """Epochs of shuffled mini-batches; fills result.history, saves history and results as it goes.

    history.csv and results.json are written after the first epoch, then at the first
    epoch end PROGRESS_SECONDS after the last write, after the last epoch and on the
    way out (an error or an interruption).
    A checkpoint is written at the first boundary (of a chunk or an epoch) the checkpoint
    interval after the start or the last one, and on an interruption: Ctrl-C and SIGTERM
    stop at the next chunk boundary, where the checkpoint continues exactly.

    `start` (from a checkpoint) continues an interrupted run: the trainer's state is
    already restored, and the shuffling RNG, history and partial epoch come from `start`.
    `callbacks` are TrainingCallbacks of this run only, after the registered ones; one
    that sets `stop_training` ends training after the epoch.
    """
    x, y = arrays.x_train, arrays.y_train
    n = len(x)
    batch = min(plan.train.batch or n, n)
    steps = math.ceil(n / batch)
    row_bytes = max(1, x[:1].nbytes + y[:1].nbytes)
    chunk_steps = max(1, min(reporter.chunk_steps(steps), CHUNK_STEPS, CHUNK_BYTES // (row_bytes * batch)))
    chunk_rows = chunk_steps * batch
    rng = np.random.default_rng([plan.seed, SHUFFLE_STREAM])
    names = ("loss", *plan.train.metrics)
    history: dict[str, list[float]] = {name: [] for name in names}
    if arrays.x_val is not None:
        history.update({f"val_{name}": [] for name in names})
    schedule = plan.train.schedule
    if schedule:
        history["lr"] = []
        if not callable(getattr(trainer, "set_lr", None)):
            raise TrainingError(f"backend {plan.backend} cannot change the learning rate, so schedule="
                                f"{schedule['kind']} cannot run on it", hint="remove schedule= or use keras or tf1")
    start = start or Position(epoch=0)
    if start.rng_state:
        rng.bit_generator.state = start.rng_state
    for name, values in start.history.items():  # callbacks' series too
        history[name] = [float(v) for v in values]
    result.history = history
    result.epoch_seconds = list(start.epoch_seconds)
    result.epochs_done = start.epoch
    checkpoints = Checkpointer(folder, trainer)
    callbacks = Callbacks(plan, result.model, trainer, arrays, folder, history, reporter, result.extras, callbacks)
    if start.epoch == 0:  # epoch 0 of the curves: the network before its first step
        result.extras["initial"] = initial_point(plan, trainer, arrays)
    callbacks.begin()
    before = callbacks.seconds  # on_train_begin ran before the clock started: only later callbacks are taken off
    started = time.perf_counter() - start.train_seconds
    safe = start  # where training stands, as the trainer's state is now: what an interruption saves
    shown = None  # when history.csv and results.json were last written
    with DeferredInterrupts() as interrupts:
        try:
            for epoch in range(start.epoch + 1, plan.train.epochs + 1):
                epoch_started = time.perf_counter()
                if schedule:
                    rate = lr_at(plan.train.lr, schedule, epoch, plan.train.epochs)
                    trainer.set_lr(rate)  # computed here, once, so that every backend trains with the same rate
                epoch_rng = rng.bit_generator.state  # the permutation below is drawn from this state again on resume
                order = rng.permutation(n) if steps > 1 else None
                partial = epoch == start.epoch + 1 and start.rows > 0
                totals = np.asarray(start.totals, dtype=np.float64) if partial else np.zeros(len(names))
                seen, done = (start.seen, start.steps) if partial else (0, 0)
                reporter.start_epoch(epoch, plan.train.epochs, steps)
                for row in range(start.rows if partial else 0, n, chunk_rows):
                    if order is None:
                        xc, yc = x[row:row + chunk_rows], y[row:row + chunk_rows]
                    else:
                        index = order[row:row + chunk_rows]
                        xc, yc = x[index], y[index]
                    logs = trainer.train_steps(xc, yc, batch)
                    losses = np.asarray(logs["loss"], dtype=np.float64)
                    bad = np.flatnonzero(~np.isfinite(losses))
                    if bad.size:
                        what = "NaN" if np.isnan(losses[bad[0]]) else "infinite"
                        raise TrainingError(
                            f"loss became {what} at epoch {epoch}, batch {done + bad[0] + 1}",
                            hint="try a smaller lr=, or check the data for NaN or huge values",
                        )
                    sizes = np.minimum(batch, len(xc) - batch * np.arange(len(losses)))
                    totals += [float(np.dot(np.asarray(logs[name], dtype=np.float64), sizes)) for name in names]
                    seen += int(sizes.sum())
                    done += len(losses)
                    safe = Position(epoch - 1, min(row + chunk_rows, n), epoch_rng, totals.tolist(), seen, done,
                                    history, result.epoch_seconds, time.perf_counter() - started)
                    reporter.update(done, totals[0] / seen)
                    if row + chunk_rows < n and checkpoints.due():  # a long epoch: keep little at risk
                        checkpoints.save(safe)
                    interrupts.check()
                logs = {name: totals[i] / seen for i, name in enumerate(names)}
                if schedule:
                    logs["lr"] = rate
                if arrays.x_val is not None:
                    outputs = trainer.predict(arrays.x_val)
                    logs.update({f"val_{k}": v for k, v in evaluate(plan, arrays.y_val, outputs).items()})
                seconds = time.perf_counter() - epoch_started
                callbacks.epoch_end(epoch, logs)
                record(history, logs, epoch)
                logs = {name: history[name][-1] for name in logs}  # as recorded: numbers only
                result.epoch_seconds.append(seconds)
                result.train_seconds = time.perf_counter() - started - (callbacks.seconds - before)
                result.best_epoch = best_epoch(history)
                result.epochs_done = epoch
                safe = Position(epoch, 0, rng.bit_generator.state, history=history,
                                epoch_seconds=result.epoch_seconds, train_seconds=result.train_seconds)
                if checkpoints.due():
                    checkpoints.save(safe)
                if (shown is None or time.monotonic() - shown >= PROGRESS_SECONDS or epoch == plan.train.epochs
                        or callbacks.stop_requested):
                    write_history(folder, history)
                    write_results(folder, result)  # still marked interrupted: a kill now leaves a readable folder
                    shown = time.monotonic()
                reporter.end_epoch(epoch, plan.train.epochs, logs, seconds)
                interrupts.check()
                if callbacks.stop_requested:
                    break
        except KeyboardInterrupt:  # stopped at a safe point (or by a callback): nothing trained is lost
            write_history(folder, history)  # results.json follows (run_plan)
            if safe.epoch > start.epoch or safe.rows > start.rows:
                checkpoints.save(safe)
            raise
        except Exception:
            write_history(folder, history)
            raise
    callbacks.end(result.epochs_done)
