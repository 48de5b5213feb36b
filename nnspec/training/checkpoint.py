"""Checkpoints during training, so that an interrupted run goes on where it stopped.

A checkpoint is one file, `checkpoint.npz` in the run folder, written whole or not at
all (a temporary name, then a rename) by time: at the first chunk or epoch boundary
CHECKPOINT_SECONDS after training started or the last one was written (the environment
variable NNSPEC_CHECKPOINT_SECONDS changes the interval; 0 writes one at every
boundary), and when training is interrupted (Ctrl-C, SIGTERM, or a KeyboardInterrupt
from a callback). A kill that gives no chance to write (SIGKILL, a power cut) loses at
most that interval of training; an interruption loses nothing. Writing one costs a
fixed time (reading every weight and optimizer slot out of TensorFlow), which short
epochs no longer pay each epoch. It holds

- the trainer's state: every weight, the optimizer's slots and step counter, and for
  Keras the dropout layers' seed-generator state (`trainer.get_state()`);
- where training stands: epochs done, rows of the current epoch done, the shuffling
  RNG's state at the start of the current epoch, the partial sums of its metrics,
  the history so far and the time spent.

Restoring all of that and drawing the same permutation again continues the same
sequence of batches: docs/reports.md says how close a resumed run comes to one that
was never interrupted. A backend whose trainer has no `get_state`/`set_state` trains
as before, without checkpoints, and `--resume` refuses its runs with a clear message.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, UsageError
from ..rundir import CHECKPOINT_FILE, write_npz

CHECKPOINT_SECONDS = 30.0  # at most this much training is lost to a kill that cannot be caught
SECONDS_ENV = "NNSPEC_CHECKPOINT_SECONDS"
FORMAT = 1


@dataclass
class Position:
    """Where training stands: what a checkpoint needs besides the trainer's arrays."""

    epoch: int  # epochs fully done
    rows: int = 0  # rows of epoch `epoch + 1` already trained (a checkpoint inside an epoch)
    rng_state: dict[str, Any] = field(default_factory=dict)  # shuffling RNG at the start of epoch `epoch + 1`
    totals: list[float] = field(default_factory=list)  # the partial epoch's metric sums...
    seen: int = 0  # ...over this many samples...
    steps: int = 0  # ...in this many steps
    history: dict[str, list[float]] = field(default_factory=dict)
    epoch_seconds: list[float] = field(default_factory=list)
    train_seconds: float = 0.0


def supported(trainer) -> bool:
    """Whether the trainer can give and take its state (both built-in backends can)."""
    return callable(getattr(trainer, "get_state", None)) and callable(getattr(trainer, "set_state", None))


class Checkpointer:
    """Writes checkpoints for one run folder; `due()` says when a long epoch should write one."""

    def __init__(self, folder: Path, trainer, every_seconds: float | None = None) -> None:
        self.folder = Path(folder)
        self.trainer = trainer
        self.enabled = supported(trainer)
        self.every_seconds = interval() if every_seconds is None else every_seconds
        self.last = time.monotonic()

    def due(self) -> bool:
        """True when the last checkpoint is older than `every_seconds`."""
        return self.enabled and time.monotonic() - self.last >= self.every_seconds

    def save(self, position: Position) -> None:
        """Write the trainer's state and `position` as one file, atomically."""
        if not self.enabled:
            return
        arrays = {f"state_{i}": np.asarray(a) for i, a in enumerate(self.trainer.get_state())}
        meta = {"format": FORMAT, **asdict(position)}
        arrays["position"] = np.array(json.dumps(meta))
        write_npz(self.folder / CHECKPOINT_FILE, arrays, compress=False)
        self.last = time.monotonic()


def interval() -> float:
    """Seconds between checkpoints: NNSPEC_CHECKPOINT_SECONDS when set, else CHECKPOINT_SECONDS."""
    text = os.environ.get(SECONDS_ENV, "").strip()
    if not text:
        return CHECKPOINT_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise UsageError(f"{SECONDS_ENV}={text!r} is not a number of seconds", hint="for example 30, or 0")
    return value


class DeferredInterrupts:
    """While active, Ctrl-C and SIGTERM only set `pending`; the loop stops at its next safe point.

    A safe point is where the trainer's state and the loop's position agree (between two
    chunks of steps), so the checkpoint written on the way out continues exactly. A
    second signal stops at once, as before. Signals are only deferred in the main
    thread, and only those that already stop the process with a Python handler
    (KeyboardInterrupt), so nothing else changes.
    """

    def __init__(self) -> None:
        self.pending = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "DeferredInterrupts":
        if threading.current_thread() is not threading.main_thread():
            return self
        for number in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(number)
            if callable(previous):
                self._previous[number] = previous
                signal.signal(number, self._defer)
        return self

    def _defer(self, number, frame) -> None:
        if self.pending:  # asked twice: stop now
            self._previous[number](number, frame)
        self.pending = True

    def check(self) -> None:
        """Raise the deferred KeyboardInterrupt, at a safe point."""
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt

    def __exit__(self, *exc) -> bool:
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        self._previous.clear()
        return False


def load(folder: Path) -> tuple[Position, list[np.ndarray]]:
    """The position and trainer state saved in a run folder; a DataError when there is none."""
    path = Path(folder) / CHECKPOINT_FILE
    if not path.is_file():
        raise UsageError(
            f"'{folder}' has no {CHECKPOINT_FILE} to resume from",
            hint=f"a run writes its first checkpoint {interval():g} s into training or when stopped by Ctrl-C; "
                 "start it again with nnspec run",
        )
    try:
        with np.load(path, allow_pickle=False) as saved:
            meta = json.loads(str(saved["position"]))
            count = sum(1 for name in saved.files if name.startswith("state_"))
            state = [saved[f"state_{i}"] for i in range(count)]
    except Exception as error:  # numpy raises OSError, ValueError, KeyError, BadZipFile...
        raise DataError(f"{path}: cannot be read ({type(error).__name__}: {error})") from None
    if meta.pop("format", None) != FORMAT:
        raise DataError(f"{path}: written by another version of nnspec")
    return Position(**meta), state


def restore(trainer, state: list[np.ndarray]) -> None:
    """Put saved state back into a freshly built trainer of the same plan."""
    if not supported(trainer):
        raise UsageError("this backend cannot restore a checkpoint (its trainer has no set_state)")
    trainer.set_state(state)
