"""A sweep's overlay of its variants' training diagnostics: `sweep_gradients.png`.

Each run's own diagnostics pictures are the built-in report section's
(nnspec/builtins/diagnostics_report.py); a sweep page has no sections, so the
comparison across variants is drawn here from each variant's results.json: the first
hidden layer's gradient norm of every variant, log scale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .plots import TITLE_SIZE, _colours, _figure, _save


def first_layer_gradients(diagnostics: dict[str, Any]) -> tuple[str, list[int], list[float]] | None:
    """(layer, epochs, gradient norms) of the first layer with a kernel gradient, or None."""
    rows = [r for r in diagnostics.get("rows") or [] if r.get("grad_norm") and np.isfinite(r["grad_norm"])]
    if not rows:
        return None
    layer = rows[0]["layer"]
    mine = [r for r in rows if r["layer"] == layer]
    activation = rows[0].get("activation")
    label = f"{layer} ({activation})" if activation else layer
    return label, [int(r["epoch"]) for r in mine], [float(r["grad_norm"]) for r in mine]


def plot_sweep_first_gradients(diagnostics: dict[str, dict[str, Any]], path: Path, title: str) -> Path | None:
    """The first hidden layer's gradient norm of every variant overlaid, log scale; None without any."""
    lines = {label: first_layer_gradients(d) for label, d in diagnostics.items()}
    lines = {label: line for label, line in lines.items() if line is not None}
    if not lines:
        return None
    figure = _figure(8.2, 4.4)
    axis = figure.subplots()
    for colour, (label, (layer, epochs, values)) in zip(_colours(len(lines)), lines.items()):
        axis.plot(epochs, values, color=colour, marker="o" if len(epochs) <= 30 else None, markersize=3,
                  label=f"{label}: {layer}")
    axis.set_yscale("log")
    axis.set_xlabel("epoch (0: before training)")
    axis.set_ylabel("gradient norm, first layer")
    axis.xaxis.get_major_locator().set_params(integer=True)
    axis.grid(alpha=0.3, which="both")
    axis.set_title(title, fontsize=TITLE_SIZE)
    figure.legend(*axis.get_legend_handles_labels(), loc="outside right upper", fontsize="small", title="variant")
    return _save(figure, path)


def add_sweep_pictures(sweep, report) -> None:
    """Draw the overlay into the sweep folder and list it, when the variants recorded diagnostics."""
    diagnostics = {entry["label"]: run.results.get("diagnostics") or {}
                   for entry, run in zip(sweep.entries, sweep.runs)}
    title = sweep.runs[0].results.get("dataset") or sweep.dir.name
    picture = plot_sweep_first_gradients(diagnostics, sweep.dir / "sweep_gradients.png",
                                         f"First layer's gradient norm, {len(sweep.runs)} variants: {title}")
    if picture:
        report.pictures["sweep_gradients"] = picture
