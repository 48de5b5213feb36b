"""Pictures of a run's training diagnostics (`train ... diagnostics=true`).

- `gradients.png`: each layer's kernel gradient norm against the epoch, log scale,
  from the first layer (dark) to the last (light): under deep sigmoid stacks the
  first layers' lines sit orders of magnitude below the last ones'.
- `activations.png`: each layer's output distribution on the probe batch at the first
  and the last recorded epoch.
- a sweep's `sweep_gradients.png`: the first hidden layer's gradient norm of every
  variant overlaid, log scale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .plots import TITLE_SIZE, _colours, _figure, _save


def _by_layer(diagnostics: dict[str, Any], column: str) -> dict[str, tuple[list[int], list[float]]]:
    """{layer: (epochs, values)} of one column, in layer order, rows without a value left out."""
    series: dict[str, tuple[list[int], list[float]]] = {}
    for row in diagnostics.get("rows") or []:
        value = row.get(column)
        if value is None or not np.isfinite(value) or value <= 0:
            continue
        epochs, values = series.setdefault(_layer_label(row), ([], []))
        epochs.append(int(row["epoch"]))
        values.append(float(value))
    return series


def _layer_label(row: dict[str, Any]) -> str:
    activation = row.get("activation")
    return f"{row['layer']} ({activation})" if activation else str(row["layer"])


def plot_gradient_norms(diagnostics: dict[str, Any], path: Path, title: str) -> Path | None:
    """Each layer's kernel gradient norm against the epoch, log scale; None without any."""
    series = _by_layer(diagnostics, "grad_norm")
    if not series:
        return None
    from matplotlib import colormaps

    figure = _figure(8.2, 4.6)
    axis = figure.subplots()
    cmap = colormaps["viridis"]
    for i, (label, (epochs, values)) in enumerate(series.items()):
        colour = cmap(0.9 * i / max(1, len(series) - 1))
        axis.plot(epochs, values, color=colour, marker="o" if len(epochs) <= 30 else None, markersize=3, label=label)
    axis.set_yscale("log")
    axis.set_xlabel("epoch (0: before training)")
    axis.set_ylabel("gradient norm of the kernel")
    axis.xaxis.get_major_locator().set_params(integer=True)
    axis.grid(alpha=0.3, which="both")
    axis.set_title(title, fontsize=TITLE_SIZE)
    figure.legend(*axis.get_legend_handles_labels(), loc="outside right upper", fontsize="small", title="layer")
    return _save(figure, path)


def plot_activation_histograms(diagnostics: dict[str, Any], path: Path, title: str) -> Path | None:
    """Each layer's output distribution at the first and the last recorded epoch; None without any."""
    histograms = diagnostics.get("histograms") or {}
    first, last = histograms.get("first") or {}, histograms.get("last") or {}
    layers = list(dict.fromkeys([*first, *last]))
    if not layers:
        return None
    columns = min(len(layers), 4)
    rows = -(-len(layers) // columns)
    figure = _figure(3.2 * columns, 2.5 * rows + 0.6)
    figure.suptitle(title, fontsize=TITLE_SIZE)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    activations = {row["layer"]: row.get("activation") for row in diagnostics.get("rows") or []}
    for axis, layer in zip(axes, layers):
        for which, histogram in (("first", first.get(layer)), ("last", last.get(layer))):
            if not histogram:
                continue
            edges, counts = np.asarray(histogram["edges"]), np.asarray(histogram["counts"], dtype=np.float64)
            share = counts / max(1.0, counts.sum())
            axis.stairs(share, edges, fill=which == "first", alpha=0.45 if which == "first" else 1.0,
                        label=f"epoch {histogram['epoch']}")
        activation = activations.get(layer)
        axis.set_title(f"{layer} ({activation})" if activation else layer, fontsize="medium")
        axis.set_xlabel("output value")
        axis.grid(alpha=0.3)
        axis.legend(fontsize="x-small")
    for axis in axes[len(layers):]:
        axis.set_visible(False)
    axes[0].set_ylabel("share of outputs")
    return _save(figure, path)


def first_hidden_gradients(diagnostics: dict[str, Any]) -> tuple[str, list[int], list[float]] | None:
    """(layer, epochs, gradient norms) of the first layer with a kernel gradient."""
    series = _by_layer(diagnostics, "grad_norm")
    if not series:
        return None
    label, (epochs, values) = next(iter(series.items()))
    return label, epochs, values


def plot_sweep_first_gradients(diagnostics: dict[str, dict[str, Any]], path: Path, title: str) -> Path | None:
    """The first hidden layer's gradient norm of every variant overlaid, log scale; None without any."""
    lines = {label: first_hidden_gradients(d) for label, d in diagnostics.items()}
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


def add_run_pictures(run, report) -> None:
    """Draw a run's diagnostics pictures into its folder and list them in the report."""
    diagnostics = run.results.get("diagnostics")
    if not diagnostics:
        return
    title = run.results.get("dataset") or run.dir.name
    for name, draw, heading in (
        ("gradients", plot_gradient_norms, f"Gradient norm per layer: {title}"),
        ("activations", plot_activation_histograms, f"Layer outputs on the probe batch, first and last epoch: {title}"),
    ):
        picture = draw(diagnostics, run.dir / f"{name}.png", heading)
        if picture:
            report.pictures[name] = picture


def add_sweep_pictures(sweep, report) -> None:
    """A sweep's overlay of every variant's first-layer gradient norm, when they recorded diagnostics."""
    diagnostics = {entry["label"]: run.results.get("diagnostics") or {}
                   for entry, run in zip(sweep.entries, sweep.runs)}
    title = sweep.runs[0].results.get("dataset") or sweep.dir.name
    picture = plot_sweep_first_gradients(diagnostics, sweep.dir / "sweep_gradients.png",
                                         f"First layer's gradient norm, {len(sweep.runs)} variants: {title}")
    if picture:
        report.pictures["sweep_gradients"] = picture
