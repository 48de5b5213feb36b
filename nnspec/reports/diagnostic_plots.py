"""The numbers behind the diagnostics pictures, and a sweep's overlay of its first layers' gradients.

A run with `diagnostics=true` keeps one row per epoch and layer in results.json's
`diagnostics` (nnspec/builtins/layer_diagnostics.py). This module reads them as the
pictures need them: a layer x epoch grid of one column, a layer's series, the hidden
layers, a range shared by several runs (so that their pictures use the same axes);
and draws `sweep_gradients.png`, the first hidden layer's gradient norm of every
variant on one log axis.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from .figures import MARKERS_UP_TO, TITLE_SIZE, colours, figure, save, title as wrapped

Diagnostics = Mapping[str, Any]


def rows_of(diagnostics: Diagnostics | None) -> list[dict[str, Any]]:
    """The diagnostics' rows (none for a run without diagnostics)."""
    return list((diagnostics or {}).get("rows") or [])


def value(row: Mapping[str, Any], column: str) -> float:
    """A row's number, NaN where it has none."""
    found = row.get(column)
    return float(found) if isinstance(found, (int, float)) and math.isfinite(found) else math.nan


def layer_label(row: Mapping[str, Any]) -> str:
    """`dense_1 (sigmoid)`, or the bare layer name without an activation."""
    activation = row.get("activation")
    return f"{row['layer']} ({activation})" if activation else str(row["layer"])


def layers_with(diagnostics: Diagnostics | None, column: str) -> list[str]:
    """The layers (in network order) with at least one finite value of `column`."""
    return list(dict.fromkeys(r["layer"] for r in rows_of(diagnostics) if math.isfinite(value(r, column))))


def labels(diagnostics: Diagnostics | None) -> dict[str, str]:
    """Layer name -> `dense_1 (sigmoid)`."""
    return {r["layer"]: layer_label(r) for r in rows_of(diagnostics)}


def epochs_of(diagnostics: Diagnostics | None) -> list[int]:
    return sorted({int(r["epoch"]) for r in rows_of(diagnostics)})


def grid(diagnostics: Diagnostics | None, column: str, layers: list[str] | None = None):
    """(layers, epochs, matrix[layer, epoch]) of one column; NaN where a value is missing."""
    layers = layers if layers is not None else layers_with(diagnostics, column)
    epochs = epochs_of(diagnostics)
    matrix = np.full((len(layers), len(epochs)), np.nan)
    where_layer = {name: i for i, name in enumerate(layers)}
    where_epoch = {epoch: j for j, epoch in enumerate(epochs)}
    for row in rows_of(diagnostics):
        if row["layer"] in where_layer:
            matrix[where_layer[row["layer"]], where_epoch[int(row["epoch"])]] = value(row, column)
    return layers, epochs, matrix


def at_epoch(diagnostics: Diagnostics | None, column: str, epoch: int) -> dict[str, float]:
    """Layer -> the column's value at one epoch (finite values only)."""
    return {r["layer"]: value(r, column) for r in rows_of(diagnostics)
            if int(r["epoch"]) == epoch and math.isfinite(value(r, column))}


def hidden(diagnostics: Diagnostics | None) -> list[str]:
    """The layers with a kernel gradient, the output layer (the last of them) left out."""
    weighted = layers_with(diagnostics, "grad_norm")
    return weighted[:-1] if len(weighted) > 1 else weighted


def first_to_last(diagnostics: Diagnostics | None, epoch: int) -> float | None:
    """The first hidden layer's gradient norm over the last hidden layer's at `epoch`, or None."""
    layers, gradients = hidden(diagnostics), at_epoch(diagnostics, "grad_norm", epoch)
    if len(layers) < 2 or layers[0] not in gradients or not gradients.get(layers[-1]):
        return None
    return gradients[layers[0]] / gradients[layers[-1]]


def shared_range(runs: Iterable[Diagnostics | None], column: str) -> tuple[float, float] | None:
    """(smallest, largest) positive finite value of a column over several runs: their common axis."""
    found = [value(r, column) for d in runs for r in rows_of(d)]
    found = [v for v in found if math.isfinite(v) and v > 0]
    return (min(found), max(found)) if found else None


def log_limits(span: tuple[float, float] | None, pad: float = 1.5) -> tuple[float, float] | None:
    """A log axis's limits around a range, padded by a factor each side."""
    return (span[0] / pad, span[1] * pad) if span else None


def first_layer_gradients(diagnostics: Diagnostics | None) -> tuple[str, list[int], list[float]] | None:
    """(layer label, epochs, gradient norms) of the first layer with a kernel gradient, or None."""
    layers = layers_with(diagnostics, "grad_norm")
    if not layers:
        return None
    mine = [r for r in rows_of(diagnostics) if r["layer"] == layers[0] and math.isfinite(value(r, "grad_norm"))]
    return layer_label(mine[0]), [int(r["epoch"]) for r in mine], [value(r, "grad_norm") for r in mine]


def plot_sweep_first_gradients(diagnostics: Mapping[str, Diagnostics], path: Path, title: str) -> Path | None:
    """The first hidden layer's gradient norm of every variant overlaid, log scale; None without any."""
    lines = {label: first_layer_gradients(d) for label, d in diagnostics.items()}
    lines = {label: line for label, line in lines.items() if line is not None}
    if not lines:
        return None
    made = figure(8.6, 4.6)
    axis = made.subplots()
    for tint, (label, (layer, epochs, values)) in zip(colours(len(lines)), lines.items()):
        axis.plot(epochs, values, color=tint, marker="o" if len(epochs) <= MARKERS_UP_TO else None, markersize=3,
                  label=f"{label}: {layer}")
    axis.set_yscale("log")
    axis.set_xlabel("epoch (0: before training)")
    axis.set_ylabel("gradient norm, first layer (log scale)")
    axis.xaxis.get_major_locator().set_params(integer=True)
    axis.grid(alpha=0.3, which="both")
    axis.set_title(wrapped(title, 60), fontsize=TITLE_SIZE)
    made.legend(*axis.get_legend_handles_labels(), loc="outside right upper", fontsize="small", title="variant")
    return save(made, path)
