"""The report section of the training diagnostics: gradient norms and layer outputs, drawn per run.

A built-in `ReportSection`, registered like a plugin's. When results.json holds
`diagnostics` (nnspec/builtins/layer_diagnostics.py) it draws into the run folder

- `gradients.png`: each layer's kernel gradient norm against the epoch, log scale,
  first layer dark to last layer light;
- `activations.png`: each layer's output distribution on the probe batch at the
  first (filled) and the last (outline) epoch;

and adds a table of the last epoch's rows. matplotlib is imported when drawing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..files import write_figure
from ..hookspecs import hookimpl
from ..types import ReportSection, SectionContent

TITLE_SIZE = 13
MARKERS_UP_TO = 30  # epochs: draw points as well as lines
SHOWN_COLUMNS = ("layer", "activation", "grad_norm", "weight_norm", "update_ratio", "mean", "std",
                 "saturated", "dead")


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def gradient_series(diagnostics: dict[str, Any]) -> dict[str, tuple[list[int], list[float]]]:
    """{'dense_1 (sigmoid)': (epochs, gradient norms)} for each layer with a kernel, in layer order."""
    series: dict[str, tuple[list[int], list[float]]] = {}
    for row in diagnostics.get("rows") or []:
        value = row.get("grad_norm")
        if value is None or not np.isfinite(value) or value <= 0:
            continue
        epochs, values = series.setdefault(layer_label(row), ([], []))
        epochs.append(int(row["epoch"]))
        values.append(float(value))
    return series


def layer_label(row: dict[str, Any]) -> str:
    """`dense_1 (sigmoid)`, or the bare layer name without an activation."""
    activation = row.get("activation")
    return f"{row['layer']} ({activation})" if activation else str(row["layer"])


def plot_gradient_norms(diagnostics: dict[str, Any], path: Path, title: str) -> Path | None:
    """Each layer's kernel gradient norm against the epoch, log scale; None without any."""
    series = gradient_series(diagnostics)
    if not series:
        return None
    from matplotlib import colormaps

    figure = _figure(8.2, 4.6)
    axis = figure.subplots()
    cmap = colormaps["viridis"]
    for i, (label, (epochs, values)) in enumerate(series.items()):
        axis.plot(epochs, values, color=cmap(0.9 * i / max(1, len(series) - 1)), label=label,
                  marker="o" if len(epochs) <= MARKERS_UP_TO else None, markersize=3)
    axis.set_yscale("log")
    axis.set_xlabel("epoch (0: before training)")
    axis.set_ylabel("gradient norm of the kernel")
    axis.xaxis.get_major_locator().set_params(integer=True)
    axis.grid(alpha=0.3, which="both")
    axis.set_title(title, fontsize=TITLE_SIZE)
    figure.legend(*axis.get_legend_handles_labels(), loc="outside right upper", fontsize="small", title="layer")
    write_figure(figure, path)
    return path


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
            axis.stairs(counts / max(1.0, counts.sum()), edges, fill=which == "first",
                        alpha=0.45 if which == "first" else 1.0, label=f"epoch {histogram['epoch']}")
        activation = activations.get(layer)
        axis.set_title(f"{layer} ({activation})" if activation else layer, fontsize="medium")
        axis.set_xlabel("output value")
        axis.grid(alpha=0.3)
        axis.legend(fontsize="x-small")
    for axis in axes[len(layers):]:
        axis.set_visible(False)
    axes[0].set_ylabel("share of outputs")
    write_figure(figure, path)
    return path


def last_epoch_table(diagnostics: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the last recorded epoch, the columns the page shows."""
    rows = diagnostics.get("rows") or []
    if not rows:
        return []
    last = max(row["epoch"] for row in rows)
    return [{column: row.get(column) for column in SHOWN_COLUMNS} for row in rows if row["epoch"] == last]


def build_section(run) -> SectionContent | None:
    """The diagnostics section of a run's page, or None when the run recorded none."""
    diagnostics = run.results.get("diagnostics")
    if not diagnostics or not diagnostics.get("rows"):
        return None
    title = run.results.get("dataset") or run.dir.name
    pictures = {}
    gradients = plot_gradient_norms(diagnostics, run.dir / "gradients.png", f"Gradient norm per layer: {title}")
    if gradients:
        pictures["Each layer's kernel gradient norm (log scale), first layer dark, last light"] = gradients
    activations = plot_activation_histograms(
        diagnostics, run.dir / "activations.png", f"Layer outputs on the probe batch, first and last epoch: {title}"
    )
    if activations:
        pictures["Each layer's outputs on the probe batch, first epoch filled, last outlined"] = activations
    last = max(row["epoch"] for row in diagnostics["rows"])
    text = (f"Measured on a fixed batch of {diagnostics.get('probe_samples')} training samples before training "
            "(epoch 0) and after every epoch; every row is in diagnostics.csv.")
    return SectionContent("Training diagnostics", text, pictures=pictures,
                          tables={f"Each layer after epoch {last}": last_epoch_table(diagnostics)})


SECTION = ReportSection("layer_diagnostics", build=build_section,
                        doc="gradient norms and layer outputs of a run with diagnostics=true")


@hookimpl
def register_report_sections(register):
    """Register the training diagnostics' report section."""
    register(SECTION)
