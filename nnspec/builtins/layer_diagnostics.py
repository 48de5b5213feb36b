"""Training diagnostics: per-layer gradients, weights and activations, a built-in training callback.

Asked for with `train ... diagnostics=true` (or `nnspec run --diagnostics`). The
callback `layer_diagnostics` runs before the first epoch and after each one: the
backend trainer's `probe(x, y)` makes one forward and backward pass, without updating
anything, on the fixed probe batch (the first PROBE_SAMPLES training samples), and
this module turns what it returns into rows, one per epoch and layer, named the same
on every backend:

| column | meaning |
| --- | --- |
| `grad_norm` | L2 norm of the loss's gradient with respect to the layer's kernel |
| `weight_norm` | L2 norm of the kernel |
| `update_ratio` | norm of the kernel's change over the epoch / its norm at the epoch's start |
| `mean`, `std` | mean and standard deviation of the layer's output over the probe batch |
| `saturated` | sigmoid/tanh layers: fraction of outputs within 1% of their range of a bound |
| `dead` | relu layers: fraction of units that output 0 for every probe sample |

Epoch 0 is the network before training. Layers without a kernel have no gradient,
weight or update columns; a quantity that does not apply is None (empty in the CSV).
The rows go into diagnostics.csv in the run folder and into results.json under
`diagnostics` (through `TrainingState.results`), with a histogram of each layer's
outputs (`histograms`) and of each kernel's weights (`weight_histograms`) before
training (epoch 0, `first`) and after the last epoch (`last`), which the report draws.

It is registered like any plugin's callback; a plugin adds a quantity of its own the
same way, with its own `TrainingCallback` that calls `state.trainer.probe(...)` (see
docs/plugins.md).
"""

from __future__ import annotations

import math
import time
import weakref
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import TrainingError
from ..hookspecs import hookimpl
from ..types import Plan, Probe, ResolvedLayer, TrainingCallback, TrainingState

PROBE_SAMPLES = 512  # enough samples to call a relu unit dead; one small forward/backward pass
SATURATION_MARGIN = 0.01
BINS = 40
COLUMNS = ("epoch", "layer", "kind", "activation", "grad_norm", "weight_norm", "update_ratio",
           "mean", "std", "saturated", "dead")
BOUNDS = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}  # activations that saturate, and where
DEAD_AT_ZERO = ("relu",)

CSV_FILE = "diagnostics.csv"
RESULTS_KEY = "diagnostics"


def activation_of(layer: ResolvedLayer) -> str | None:
    """The activation a layer applies (dense 64 sigmoid, activation tanh), else None."""
    return layer.args.get("activation") if isinstance(layer.args.get("activation"), str) else None


class Diagnostics:
    """Collects the rows of one run: call `epoch_end(epoch)` before training (0) and after each epoch."""

    def __init__(self, plan: Plan, trainer, x: np.ndarray, y: np.ndarray) -> None:
        self.plan = plan
        self.trainer = trainer
        self.x, self.y = x, y
        self.rows: list[dict[str, Any]] = []
        self.histograms: dict[str, dict[str, Any]] = {}  # "first"/"last" -> layer -> histogram
        self.weight_histograms: dict[str, dict[str, Any]] = {}  # the same, of each kernel's weights
        self._previous: dict[str, np.ndarray] = {}
        self.probe_seconds: list[float] = []  # the time each probe took, kept out of the epoch's
        self._shown = [layer for layer in plan.layers if layer.kind not in ("dropout", "flatten")]

    def epoch_end(self, epoch: int) -> list[dict[str, Any]]:
        """Probe the network after `epoch` (0: before training); returns and keeps the rows."""
        started = time.perf_counter()
        probe = self.trainer.probe(self.x, self.y)
        rows = [layer_row(epoch, layer, probe, self._previous.get(layer.name)) for layer in self._shown]
        self._previous = dict(probe.kernels)  # fresh arrays from the backend: nothing else holds them
        self.rows.extend(rows)
        # histograms cost time: only the two epochs the report draws, the untrained network and the last
        for which, due in (("first", epoch == 0), ("last", epoch == self.plan.train.epochs)):
            if due:
                self.histograms[which] = self._histograms(epoch, probe.outputs)
                self.weight_histograms[which] = self._histograms(epoch, probe.kernels)
        self.probe_seconds.append(time.perf_counter() - started)
        return rows

    def _histograms(self, epoch: int, arrays: dict) -> dict[str, Any]:
        out = {}
        for layer in self._shown:
            if layer.name not in arrays:
                continue
            values = np.asarray(arrays[layer.name], dtype=np.float64).reshape(-1)
            values = values[np.isfinite(values)]
            if values.size == 0:
                continue
            counts, edges = np.histogram(values, bins=BINS)
            out[layer.name] = {"epoch": epoch, "edges": edges.tolist(), "counts": counts.tolist()}
        return out

    def summary(self) -> dict[str, Any]:
        """What results.json holds under `diagnostics`."""
        return {
            "probe_samples": int(len(self.x)),
            "probe_seconds": self.probe_seconds,
            "columns": list(COLUMNS),
            "rows": self.rows,
            "histograms": self.histograms,
            "weight_histograms": self.weight_histograms,
        }


def layer_row(epoch: int, layer: ResolvedLayer, probe: Probe, previous: np.ndarray | None) -> dict[str, Any]:
    """One row: the layer's kernel and gradient norms, update ratio and output statistics."""
    activation = activation_of(layer)
    row: dict[str, Any] = {"epoch": epoch, "layer": layer.name, "kind": layer.kind, "activation": activation}
    kernel = probe.kernels.get(layer.name)
    gradient = probe.gradients.get(layer.name)
    row["grad_norm"] = _norm(gradient) if gradient is not None and np.size(gradient) else None
    row["weight_norm"] = _norm(kernel) if kernel is not None else None
    ratio = None
    if kernel is not None and previous is not None and previous.shape == np.shape(kernel):
        before = _norm(previous)
        ratio = _norm(np.asarray(kernel, np.float64) - previous) / before if before > 0 else None
    row["update_ratio"] = ratio
    output = probe.outputs.get(layer.name)
    if output is None:
        row.update(mean=None, std=None, saturated=None, dead=None)
        return row
    values = np.asarray(output, dtype=np.float64).reshape(len(output), -1)
    row["mean"] = _number(values.mean()) if values.size else None
    row["std"] = _number(values.std()) if values.size else None
    row["saturated"] = saturated_fraction(values, activation)
    row["dead"] = dead_fraction(values, activation)
    return row


def saturated_fraction(values: np.ndarray, activation: str | None) -> float | None:
    """The fraction of sigmoid/tanh outputs within SATURATION_MARGIN of a bound (None otherwise)."""
    if activation not in BOUNDS or values.size == 0:
        return None
    low, high = BOUNDS[activation]
    margin = SATURATION_MARGIN * (high - low)
    return float(np.mean((values <= low + margin) | (values >= high - margin)))


def dead_fraction(values: np.ndarray, activation: str | None) -> float | None:
    """The fraction of relu units that are 0 for every sample of the batch (None otherwise)."""
    if activation not in DEAD_AT_ZERO or values.size == 0:
        return None
    return float(np.mean(np.all(values <= 0.0, axis=0)))


def _norm(array) -> float:
    # a plain sum of squares: np.linalg.norm's BLAS dot took 20 ms a kernel on a busy 2-core machine
    values = np.asarray(array).reshape(-1)
    return float(np.sqrt(np.sum(np.square(values, dtype=np.float64))))


def _number(value) -> Any:
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def csv_text(rows: list[dict[str, Any]], columns: list[str] | tuple[str, ...] = COLUMNS) -> str:
    """diagnostics.csv: a header, then one line per epoch and layer (empty where None)."""
    lines = [",".join(columns)]
    for row in rows:
        cells = []
        for name in columns:
            value = row.get(name)
            cells.append("" if value is None else repr(value) if isinstance(value, float) else str(value))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the callback


def on_train_begin(state: TrainingState) -> None:
    """Start the diagnostics of a run that asks for them, with the untrained network as epoch 0."""
    if not state.plan.train.diagnostics:
        return
    if not hasattr(state.trainer, "probe"):
        raise TrainingError(f"backend {state.plan.backend} cannot record diagnostics (its trainer has no probe())")
    state.results[RESULTS_KEY] = None
    diagnostics = Diagnostics(state.plan, state.trainer, state.probe_x, state.probe_y)
    _RUNNING[id(state)] = diagnostics
    weakref.finalize(state, _RUNNING.pop, id(state), None)  # a run that fails never reaches on_train_end
    _record(diagnostics, state)


def on_epoch_end(state: TrainingState) -> None:
    """Probe after the epoch; rewrite diagnostics.csv and the results' `diagnostics`."""
    diagnostics = _RUNNING.get(id(state))
    if diagnostics is not None:
        _record(diagnostics, state)


def on_train_end(state: TrainingState) -> None:
    """Forget the run's state (its rows stay in the results)."""
    _RUNNING.pop(id(state), None)


_RUNNING: dict[int, Diagnostics] = {}  # one per TrainingState: the callback itself holds no state


def _record(diagnostics: Diagnostics, state: TrainingState) -> None:
    diagnostics.epoch_end(state.epoch)
    summary = diagnostics.summary()
    state.results[RESULTS_KEY] = summary
    _write_whole(Path(state.folder) / CSV_FILE, csv_text(summary["rows"], summary["columns"]))


def _write_whole(path: Path, text: str) -> None:
    """Write the file under a temporary name and rename it: never half a CSV."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


CALLBACK = TrainingCallback(
    "layer_diagnostics",
    on_train_begin=on_train_begin,
    on_epoch_end=on_epoch_end,
    on_train_end=on_train_end,
    probe_size=PROBE_SAMPLES,
    doc="per-layer gradient norms and activation statistics when the spec says diagnostics=true",
)


@hookimpl
def register_training_callbacks(register):
    """Register the per-layer training diagnostics."""
    register(CALLBACK)
