"""One run's diagnostics pictures: gradients, layer statistics, output and weight histograms.

- `gradients.png`: a layer x epoch heat map of the kernel gradient norm (log colour) and
  each layer's gradient norm before training and after the last epoch (log axis): the
  slope of the second panel is the vanishing (or not) of the gradient.
- `layer_stats.png`: each layer's output mean and standard deviation, and how far an
  epoch moves its weights (update ratio), before training and after the last epoch.
- `activations.png` and `weights.png`: the distribution of each layer's outputs and of
  each kernel's weights, before training (filled) and after the last epoch (outline);
  at most MAX_PANELS layers, spread over the network.

The ranges of the axes and colours can be given (`limits`), so that the variants of a
sweep draw their pictures on the same scale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from . import diagnostic_plots as numbers
from .figures import TITLE_SIZE, figure, save, title as wrapped, wants_log

MAX_PANELS = 12
Limits = Mapping[str, tuple[float, float] | None]


def short(name: str) -> str:
    """`dense_12` -> `d12`, for a network too deep to write every name under the axis."""
    return name.replace("dense_", "d").replace("batchnorm_", "bn").replace("activation_", "act")


def _ticks(axis, names: list[str], label: dict[str, str], vertical: bool = False) -> None:
    if vertical:  # rows have room for `dense_1 (sigmoid)` until the network is deep
        shown = [label.get(name, name) if len(names) <= 14 else short(name) for name in names]
        axis.set_yticks(range(len(names)), shown, fontsize="small" if len(names) <= 12 else "x-small")
    else:
        shown = [label.get(name, name) if len(names) <= 6 else name if len(names) <= 12 else short(name)
                 for name in names]
        slanted = len(names) > 3
        axis.set_xticks(range(len(names)), shown, rotation=90 if len(names) > 6 else 30 if slanted else 0,
                        ha="center" if len(names) > 6 or not slanted else "right",
                        fontsize="small" if len(names) <= 12 else "x-small")


def heat_map(axis, diagnostics, limits: tuple[float, float] | None):
    """A layer (rows, first at the top) x epoch grid of log10 gradient norms on `axis`; the image."""
    from matplotlib.colors import LogNorm

    layers, epochs, matrix = numbers.grid(diagnostics, "grad_norm")
    span = limits or numbers.shared_range([diagnostics], "grad_norm")
    norm = LogNorm(*span) if span else None
    image = axis.imshow(np.where(matrix > 0, matrix, np.nan), aspect="auto", cmap="magma", norm=norm,
                        interpolation="nearest", extent=(epochs[0] - 0.5, epochs[-1] + 0.5, len(layers) - 0.5, -0.5))
    _ticks(axis, layers, numbers.labels(diagnostics), vertical=True)
    axis.set_xlabel("epoch (0: before training)")
    axis.xaxis.get_major_locator().set_params(integer=True)
    return image


def plot_gradients(diagnostics, path: Path, title: str, limits: Limits | None = None) -> Path | None:
    """The heat map and the per-layer profile of the kernel gradient norms; None without any."""
    layers = numbers.layers_with(diagnostics, "grad_norm")
    if not layers:
        return None
    limits = limits or {}
    epochs = numbers.epochs_of(diagnostics)
    made = figure(11.5, 0.28 * len(layers) + 3.6)
    made.suptitle(wrapped(title, 100), fontsize=TITLE_SIZE)
    left, right = made.subplots(1, 2, width_ratios=(1.1, 1))
    image = heat_map(left, diagnostics, limits.get("grad_norm"))
    left.set_title("gradient norm per layer and epoch", fontsize="medium")
    made.colorbar(image, ax=left, label="gradient norm (log colour)")
    for epoch, style in ((epochs[0], ":"), (epochs[-1], "-")):
        found = numbers.at_epoch(diagnostics, "grad_norm", epoch)
        right.plot(range(len(layers)), [found.get(name, np.nan) for name in layers], linestyle=style, marker="o",
                   markersize=4, label=f"epoch {epoch}" + (" (before training)" if epoch == 0 else ""))
    right.set_yscale("log")
    if limits.get("grad_norm"):
        right.set_ylim(*numbers.log_limits(limits["grad_norm"]))
    _ticks(right, layers, numbers.labels(diagnostics))
    right.set_ylabel("gradient norm (log scale)")
    right.set_title("first layer on the left, output on the right", fontsize="medium")
    right.grid(alpha=0.3, which="both")
    right.legend(fontsize="small")
    return save(made, path)


def _profile(axis, diagnostics, column: str, first: int, last: int, limits: Limits) -> None:
    layers = numbers.layers_with(diagnostics, column)
    values = []
    for epoch, style in ((first, ":"), (last, "-")):
        found = numbers.at_epoch(diagnostics, column, epoch)
        series = [found.get(name, np.nan) for name in layers]
        values += series
        axis.plot(range(len(layers)), series, linestyle=style, marker="o", markersize=3,
                  label=f"epoch {epoch}" + (" (before training)" if epoch == 0 else ""))
    span = limits.get(column)
    if wants_log(values) or (span and span[0] > 0 and span[1] / span[0] >= 50 and min(values, default=0) > 0):
        axis.set_yscale("log")
        if span:
            axis.set_ylim(*numbers.log_limits(span))
    _ticks(axis, layers, numbers.labels(diagnostics))
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize="x-small")


def plot_layer_stats(diagnostics, path: Path, title: str, limits: Limits | None = None) -> Path | None:
    """Each layer's output mean and sd, and its update ratio, before training and after the last epoch."""
    epochs = numbers.epochs_of(diagnostics)
    if not epochs or not numbers.layers_with(diagnostics, "mean"):
        return None
    limits = limits or {}
    panels = [("mean", "mean of the layer's outputs", epochs[0]), ("std", "sd of the layer's outputs", epochs[0])]
    if numbers.layers_with(diagnostics, "update_ratio") and len(epochs) > 1:
        panels.append(("update_ratio", "update ratio: |epoch's change| / |weights|", epochs[1]))
    made = figure(5.0 * len(panels), 4.4)
    made.suptitle(wrapped(title, 120), fontsize=TITLE_SIZE)
    for axis, (column, heading, first) in zip(made.subplots(1, len(panels), squeeze=False).ravel(), panels):
        _profile(axis, diagnostics, column, first, epochs[-1], limits)
        axis.set_title(heading + (" (log scale)" if axis.get_yscale() == "log" else ""), fontsize="medium")
    return save(made, path)


def chosen_layers(names: list[str], most: int = MAX_PANELS) -> list[str]:
    """At most `most` names spread evenly over the list, the first and the last always among them."""
    if len(names) <= most:
        return names
    picks = np.unique(np.linspace(0, len(names) - 1, most).round().astype(int))
    return [names[i] for i in picks]


def histogram_layers(diagnostics, key: str) -> list[str]:
    """The layers a histogram picture shows: for outputs, those that apply an activation, and the output."""
    histograms = (diagnostics or {}).get(key) or {}
    present = list(dict.fromkeys([*(histograms.get("first") or {}), *(histograms.get("last") or {})]))
    if key == "histograms":
        activated = {r["layer"] for r in numbers.rows_of(diagnostics) if r.get("activation")}
        present = [name for name in present if name in activated or name == present[-1]]
    return chosen_layers(present)


def plot_histograms(diagnostics, key: str, path: Path, title: str, what: str) -> Path | None:
    """Each chosen layer's histogram of outputs (`histograms`) or weights (`weight_histograms`)."""
    histograms = (diagnostics or {}).get(key) or {}
    layers = histogram_layers(diagnostics, key)
    if not layers:
        return None
    label = numbers.labels(diagnostics)
    columns = min(len(layers), 4)
    rows = -(-len(layers) // columns)
    made = figure(3.2 * columns, 2.5 * rows + 0.8)
    made.suptitle(wrapped(title, 30 * columns), fontsize=TITLE_SIZE)
    axes = made.subplots(rows, columns, squeeze=False).ravel()
    for axis, layer in zip(axes, layers):
        for which in ("first", "last"):
            histogram: dict[str, Any] | None = (histograms.get(which) or {}).get(layer)
            if not histogram:
                continue
            edges, counts = np.asarray(histogram["edges"]), np.asarray(histogram["counts"], dtype=np.float64)
            axis.stairs(counts / max(1.0, counts.sum()), edges, fill=which == "first",
                        alpha=0.45 if which == "first" else 1.0, label=f"epoch {histogram['epoch']}")
        axis.set_title(label.get(layer, layer), fontsize="medium")
        axis.set_xlabel(what)
        axis.grid(alpha=0.3)
        axis.legend(fontsize="x-small")
    for axis in axes[len(layers):]:
        axis.set_visible(False)
    axes[0].set_ylabel("share")
    return save(made, path)
