"""The epoch loop: shuffled mini-batches in chunks of steps, NaN found at its batch, history after each epoch."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from ..errors import TrainingError
from ..results import RunResult
from ..rundir import best_epoch, write_history
from ..schedules import lr_at
from ..types import Plan
from .callbacks import Callbacks, record
from .data import Arrays
from .evaluation import evaluate
from .progress import Progress

# Steps per backend call: 64 batches train as fast as a whole epoch per call and faster
# than 16 (bench/training_speed.py --suite chunks), while the gathered chunk stays small.
CHUNK_STEPS = 64
CHUNK_BYTES = 32 * 2**20
SHUFFLE_STREAM = 1  # keeps the shuffling seed apart from the initializers' seeds


def train_loop(plan: Plan, trainer, arrays: Arrays, reporter: Progress, result: RunResult, folder: Path) -> None:
    """Epochs of shuffled mini-batches; fills result.history, writes history.csv each epoch."""
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
    result.history = history
    callbacks = Callbacks(plan, result.model, trainer, arrays, folder, history, reporter)
    callbacks.begin()
    started = time.perf_counter()
    for epoch in range(1, plan.train.epochs + 1):
        epoch_started = time.perf_counter()
        if schedule:
            rate = lr_at(plan.train.lr, schedule, epoch, plan.train.epochs)
            trainer.set_lr(rate)  # computed here, once, so that every backend trains with the same rate
        order = rng.permutation(n) if steps > 1 else None
        totals = np.zeros(len(names))
        seen = 0
        done = 0
        reporter.start_epoch(epoch, plan.train.epochs, steps)
        for start in range(0, n, chunk_rows):
            if order is None:
                xc, yc = x[start:start + chunk_rows], y[start:start + chunk_rows]
            else:
                index = order[start:start + chunk_rows]
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
            reporter.update(done, totals[0] / seen)
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
        result.train_seconds = time.perf_counter() - started - callbacks.seconds
        result.best_epoch = best_epoch(history)
        write_history(folder, history)
        reporter.end_epoch(epoch, plan.train.epochs, logs, seconds)
    callbacks.end(plan.train.epochs)
