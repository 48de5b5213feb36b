"""Several runs' diagnostics side by side, on the same axes: what a comparison page draws.

- `gradient_maps.png`: a layer x epoch heat map of the gradient norm per run, one
  shared log colour scale, so a vanishing network is dark where a healthy one is bright;
- `layer_profiles.png`: per layer, the gradient norm, the outputs' mean and their sd,
  each run a colour, after the last epoch (solid) and before training (dotted);
- `update_ratios.png`: how far an epoch moves each run's weights relative to their size,
  the first layer per epoch and every layer on average (what separates optimizers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from . import diagnostic_plots as numbers
from .figures import TITLE_SIZE, colours, figure, panel_grid, save, title as wrapped, wants_log
from .layer_plots import heat_map, short

Runs = Mapping[str, Any]  # run label -> its diagnostics


def _with(runs: Runs, column: str) -> dict[str, Any]:
    return {label: d for label, d in runs.items() if numbers.layers_with(d, column)}


def plot_gradient_maps(runs: Runs, path: Path, title: str) -> Path | None:
    """One heat map per run, side by side, sharing the colour scale; None when no run has gradients."""
    runs = _with(runs, "grad_norm")
    if not runs:
        return None
    span = numbers.shared_range(runs.values(), "grad_norm")
    rows, columns = panel_grid(len(runs), 3)
    depth = max(len(numbers.layers_with(d, "grad_norm")) for d in runs.values())
    made = figure(4.2 * columns + 1.2, (0.25 * depth + 2.4) * rows + 0.6)
    made.suptitle(wrapped(title, 45 * columns), fontsize=TITLE_SIZE)
    axes = made.subplots(rows, columns, squeeze=False).ravel()
    image = None
    for axis, (label, diagnostics) in zip(axes, runs.items()):
        image = heat_map(axis, diagnostics, span)
        axis.set_title(wrapped(label, 40), fontsize="medium")
    for axis in axes[len(runs):]:
        axis.set_visible(False)
    made.colorbar(image, ax=list(axes[: len(runs)]), label="gradient norm (log colour, the same for every run)")
    return save(made, path)


def _per_layer(axis, runs: Runs, column: str, heading: str) -> None:
    tints = dict(zip(runs, colours(len(runs))))
    values: list[float] = []
    longest: list[str] = []
    for label, diagnostics in runs.items():
        layers = numbers.layers_with(diagnostics, column)
        longest = layers if len(layers) > len(longest) else longest
        epochs = numbers.epochs_of(diagnostics)
        for epoch, style, name in ((epochs[-1], "-", label), (epochs[0], ":", None)):
            found = numbers.at_epoch(diagnostics, column, epoch)
            series = [found.get(layer, np.nan) for layer in layers]
            values += series
            axis.plot(range(len(layers)), series, color=tints[label], linestyle=style, marker="o", markersize=3,
                      label=name, alpha=1.0 if style == "-" else 0.6)
    if wants_log(values):
        axis.set_yscale("log")
    axis.set_xticks(range(len(longest)), [name if len(longest) <= 12 else short(name) for name in longest],
                    rotation=90 if len(longest) > 5 else 0, fontsize="small" if len(longest) <= 12 else "x-small")
    axis.set_xlabel("layer (first on the left)")
    axis.set_title(heading + (" (log scale)" if axis.get_yscale() == "log" else ""), fontsize="medium")
    axis.grid(alpha=0.3, which="both")


def plot_layer_profiles(runs: Runs, path: Path, title: str) -> Path | None:
    """Gradient norm, output mean and output sd per layer, every run on the same three axes."""
    runs = _with(runs, "mean")
    if not runs:
        return None
    panels = [("grad_norm", "gradient norm"), ("mean", "mean of the outputs"), ("std", "sd of the outputs")]
    made = figure(14.5, 4.6)
    made.suptitle(wrapped(f"{title} (solid: after the last epoch, dotted: before training)", 130),
                  fontsize=TITLE_SIZE)
    axes = made.subplots(1, 3)
    for axis, (column, heading) in zip(axes, panels):
        _per_layer(axis, runs, column, heading)
    handles, names = axes[1].get_legend_handles_labels()
    made.legend(handles, names, loc="outside right upper", fontsize="small", title="run")
    return save(made, path)


def plot_update_ratios(runs: Runs, path: Path, title: str) -> Path | None:
    """The first layer's update ratio per epoch and each layer's mean over the epochs, every run overlaid."""
    runs = _with(runs, "update_ratio")
    if not runs:
        return None
    made = figure(12.5, 4.4)
    made.suptitle(wrapped(title, 110), fontsize=TITLE_SIZE)
    left, right = made.subplots(1, 2)
    tints = dict(zip(runs, colours(len(runs))))
    shown: list[float] = []
    longest: list[str] = []
    for label, diagnostics in runs.items():
        layers, epochs, matrix = numbers.grid(diagnostics, "update_ratio")
        steps = [j for j, epoch in enumerate(epochs) if epoch > 0]
        left.plot([epochs[j] for j in steps], matrix[0, steps], color=tints[label], marker="o", markersize=3,
                  label=label)
        means = np.nanmean(matrix[:, steps], axis=1)
        right.plot(range(len(layers)), means, color=tints[label], marker="o", markersize=3)
        shown += [*matrix[0, steps], *means]
        longest = layers if len(layers) > len(longest) else longest
    for axis in (left, right):
        if wants_log(shown):
            axis.set_yscale("log")
        axis.grid(alpha=0.3, which="both")
    first = numbers.labels(next(iter(runs.values()))).get(longest[0], longest[0]) if longest else "first layer"
    left.set_title(f"{first}: update ratio per epoch", fontsize="medium")
    left.set_xlabel("epoch")
    left.xaxis.get_major_locator().set_params(integer=True)
    left.set_ylabel("|change in the epoch| / |weights|" + (" (log)" if left.get_yscale() == "log" else ""))
    right.set_title("each layer's mean update ratio over the epochs", fontsize="medium")
    right.set_xticks(range(len(longest)), longest, rotation=90 if len(longest) > 8 else 0, fontsize="small")
    made.legend(*left.get_legend_handles_labels(), loc="outside right upper", fontsize="small", title="run")
    return save(made, path)
