"""What a run shows while it trains: a bar over each epoch's batches, plain epoch lines, or nothing."""

from __future__ import annotations

import math
import sys
from typing import Callable, TextIO

from ..errors import UsageError
from ..results import RunResult

BAR_UPDATES = 20  # progress-bar updates per epoch, at most...
BAR_MIN_STEPS = 32  # ...and never fewer steps between two: short calls slow training (docs/performance.md)


class Progress:
    """Reports nothing; the base of the terminal bar and the plain epoch lines."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.prefix = ""

    def chunk_steps(self, steps: int) -> int:
        """How many steps the backend may run between two progress updates."""
        return steps

    def start_variant(self, label: str, number: int, total: int) -> None:
        self.prefix = f"[{label}] " if label else ""

    def start_epoch(self, epoch: int, epochs: int, steps: int) -> None:
        pass

    def update(self, steps_done: int, running_loss: float) -> None:
        pass

    def end_epoch(self, epoch: int, epochs: int, logs: dict[str, float], seconds: float) -> None:
        pass

    def finish_variant(self, result: RunResult) -> None:
        pass

    def message(self, text: str) -> None:
        pass

    def warn(self, text: str) -> None:
        print(f"warning: {text}", file=sys.stderr)

    def spec_warning(self, text: str, diagnostic=None) -> None:
        """A warning or note of the spec's check (`text` is rendered with its source line and caret)."""
        print(text, file=sys.stderr)

    def close(self) -> None:
        pass


class EpochLines(Progress):
    """One plain line per epoch: loss, metrics, validation, time."""

    def end_epoch(self, epoch, epochs, logs, seconds):
        print(f"{self.prefix}{epoch_line(epoch, epochs, logs, seconds)}", file=self.stream, flush=True)

    def message(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


class Bar(EpochLines):
    """A tqdm bar over each epoch's batches with the running loss, then the epoch line."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self.bar = None

    def chunk_steps(self, steps: int) -> int:
        return max(BAR_MIN_STEPS, math.ceil(steps / BAR_UPDATES))

    def start_epoch(self, epoch, epochs, steps):
        from tqdm.auto import tqdm

        self.epoch_text = f"{self.prefix}epoch {epoch}/{epochs}"
        self.bar = tqdm(total=steps, desc=self.epoch_text, unit="batch", leave=False, file=self.stream,
                        dynamic_ncols=True)

    def update(self, steps_done, running_loss):
        if self.bar is not None:
            self.bar.set_description_str(f"{self.epoch_text} loss {running_loss:.4f}", refresh=False)
            self.bar.update(steps_done - self.bar.n)

    def end_epoch(self, epoch, epochs, logs, seconds):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        super().end_epoch(epoch, epochs, logs, seconds)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def make_progress(kind: str, stream: TextIO | None = None) -> Progress:
    """`auto` (a bar on a terminal, epoch lines otherwise), `bar`, `lines` or `none`."""
    stream = stream or sys.stdout
    if kind == "auto":
        kind = "bar" if getattr(stream, "isatty", lambda: False)() else "lines"
    makers: dict[str, Callable[[TextIO], Progress]] = {"bar": Bar, "lines": EpochLines, "none": Progress}
    if kind not in makers:
        raise UsageError(f"unknown progress kind '{kind}'", hint="use auto, bar, lines or none")
    return makers[kind](stream)


def epoch_line(epoch: int, epochs: int, logs: dict[str, float], seconds: float) -> str:
    """`epoch 3/20  loss 0.4512  accuracy 0.8401  val_loss 0.4710  val_accuracy 0.8300  (1.2 s)`."""
    width = len(str(epochs))
    parts = [f"epoch {epoch:>{width}}/{epochs}"]
    parts += [f"{name} {value:.4f}" for name, value in logs.items()]
    return "  ".join(parts) + f"  ({seconds:.1f} s)"
