"""The training callbacks plugins register, called at the start, after each epoch and at the end.

Each callback is isolated: one that raises is named in a warning (with its plugin)
and skipped for the rest of the run, which goes on. Quantities a callback adds to
the epoch's logs join the history; a series that starts late is padded with NaN.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from ..types import Plan, TrainingCallback, TrainingState
from .data import Arrays
from .progress import Progress


class Callbacks:
    """The registered callbacks of one run, each with its own TrainingState."""

    def __init__(self, plan: Plan, model: Any, trainer: Any, arrays: Arrays, folder: Path,
                 history: dict[str, list[float]], reporter: Progress, results: dict | None = None,
                 extra: tuple[TrainingCallback, ...] = ()) -> None:
        """The registered callbacks, then `extra` ones this run alone uses (a search trial's)."""
        from ..plugins import get_registries

        registry = get_registries().training_callbacks
        self.reporter = reporter
        self.seconds = 0.0  # time spent in callbacks, kept out of the training time
        self.active: list[tuple[TrainingCallback, str, TrainingState]] = []
        entries = [(registry.get(name), registry.provider.get(name, "")) for name in registry.names()]
        for callback, plugin in entries + [(callback, "") for callback in extra]:
            size = max(1, int(callback.probe_size))
            state = TrainingState(plan, model, trainer, arrays.x_train[:size], arrays.y_train[:size],
                                  folder, plan.train.epochs, history=history,
                                  results=results if results is not None else {})
            self.active.append((callback, plugin, state))

    @property
    def stop_requested(self) -> bool:
        """True when a callback set `stop_training` (training ends after this epoch)."""
        return any(state.stop_training for _, _, state in self.active)

    def begin(self) -> None:
        """Call every on_train_begin (epoch 0, empty logs)."""
        self._call("on_train_begin", 0, {})

    def epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        """Call every on_epoch_end with the epoch's logs, which they may add numbers to."""
        self._call("on_epoch_end", epoch, logs)

    def end(self, epoch: int) -> None:
        """Call every on_train_end after the last epoch."""
        self._call("on_train_end", epoch, {})

    def _call(self, hook: str, epoch: int, logs: dict[str, float]) -> None:
        started = time.perf_counter()
        for entry in list(self.active):
            callback, plugin, state = entry
            function = getattr(callback, hook)
            if function is None:
                continue
            state.epoch, state.logs = epoch, logs
            try:
                function(state)
            except Exception as error:  # a plugin's bug must not lose the run
                self.active.remove(entry)
                by = f" (plugin {plugin})" if plugin else ""
                when = f"at epoch {epoch}" if epoch else "before training"
                self.reporter.warn(
                    f"training callback '{callback.name}'{by} failed {when} in {hook}: "
                    f"{type(error).__name__}: {error}; it is skipped for the rest of this run"
                )
        self.seconds += time.perf_counter() - started


def record(history: dict[str, list[float]], logs: dict[str, Any], epoch: int) -> None:
    """Append the epoch's logs to the history; a number that is not one is recorded as NaN."""
    for name, value in logs.items():
        series = history.setdefault(name, [math.nan] * (epoch - 1))
        series.append(_number(value))
    for series in history.values():
        if len(series) < epoch:  # a callback's quantity missing this epoch
            series.append(math.nan)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
