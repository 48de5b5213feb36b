"""Training curves: one run's series per epoch, and several runs' overlaid on the same axes.

Every curve starts at epoch 0 when the run measured its untrained network (results.json's
`initial`); a loss that spans orders of magnitude gets a log axis (a plain normal init's
15,800 would flatten Xavier and He to a line at 0); an accuracy axis shows the chance
level, so a dead network's flat 0.10 reads as what it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from .figures import (LOG_SPAN, LOSS_LOG_SPAN, MARKERS_UP_TO, TITLE_SIZE, colours, figure, finite, panel_grid, plain_y, pretty, readable_log, save,
                      title as wrapped, wants_log)

Series = dict[str, list[float]]


def series_groups(history: Mapping[str, list[float]]) -> dict[str, dict[str, list[float]]]:
    """History names grouped by metric: {'loss': {'train': [...], 'validation': [...]}}, loss first."""
    groups: dict[str, dict[str, list[float]]] = {}
    for name, values in history.items():
        if not values:
            continue
        base, part = (name[4:], "validation") if name.startswith("val_") else (name, "train")
        groups.setdefault(base, {})[part] = list(values)
    return dict(sorted(groups.items(), key=lambda item: item[0] != "loss"))


def is_accuracy(metric: str) -> bool:
    """Accuracy-like metrics: fractions of samples right, drawn from 0 to 1 with the chance level."""
    return "accuracy" in metric or metric in ("acc", "auc")


def points(values: list[float], metric: str, part: str, initial: Mapping[str, float] | None):
    """(epochs, values), from epoch 0 when the untrained network's value is known."""
    key = metric if part == "train" else f"val_{metric}"
    epochs = list(range(1, len(values) + 1))
    if initial and key in initial and metric != "lr":
        return [0, *epochs], [float(initial[key]), *values]
    return epochs, list(values)


def _style_axis(axis, metric: str, drawn: list[list[float]], chance: float | None, starts_at_zero: bool,
                guess: float | None = None) -> None:
    if metric == "loss" and guess is not None:
        axis.axhline(guess, color="grey", linestyle="-.", linewidth=1, label=f"a uniform guess ({guess:.2f})")
        drawn = [*drawn, [guess]]
    if is_accuracy(metric):
        low = min([*finite(v for s in drawn for v in s), chance if chance is not None else 1.0])
        axis.set_ylim(max(0.0, low - 0.05), 1.01)
        if chance is not None:
            axis.axhline(chance, color="grey", linestyle="-.", linewidth=1, label=f"chance ({chance:.2f})")
    elif wants_log((v for s in drawn for v in s), LOSS_LOG_SPAN if metric == "loss" else LOG_SPAN):
        readable_log(axis, [v for s in drawn for v in s])
    else:
        plain_y(axis, drawn)
    axis.set_title(pretty(metric))
    axis.set_xlabel("epoch (0: before training)" if starts_at_zero else "epoch")
    axis.set_ylabel(pretty(metric) + (" (log scale)" if axis.get_yscale() == "log" else ""))
    axis.xaxis.get_major_locator().set_params(integer=True)
    axis.grid(alpha=0.3, which="both" if axis.get_yscale() == "log" else "major")


def plot_curves(history: Series, path: Path, title: str, best: int | None = None,
                initial: Mapping[str, float] | None = None, chance: float | None = None,
                guess: float | None = None) -> Path | None:
    """Every history series against the epoch: one panel per metric, train solid and validation dashed.

    `best` marks the best epoch (leave it None where there is no best to speak of, a
    dead network's); `chance` draws the chance level on accuracy panels and `guess`
    the loss of a uniform guess (ln of the number of classes) on the loss panel.
    """
    groups = series_groups(history)
    if not groups:
        return None
    rows, columns = panel_grid(len(groups))
    made = figure(4.6 * columns, 3.6 * rows + 0.3)
    made.suptitle(wrapped(title, 40 * columns), fontsize=TITLE_SIZE)
    axes = made.subplots(rows, columns, squeeze=False).ravel()
    for axis, (metric, parts) in zip(axes, groups.items()):
        drawn, starts_at_zero = [], False
        for part, values in parts.items():
            epochs, shown = points(values, metric, part, initial)
            starts_at_zero |= epochs[0] == 0
            drawn.append(shown)
            axis.plot(epochs, shown, label="per epoch" if metric == "lr" else part,
                      linestyle="-" if part == "train" else "--",
                      marker="o" if len(shown) <= MARKERS_UP_TO else None, markersize=4)
        if best is not None and metric != "lr":
            axis.axvline(best, color="grey", linestyle=":", linewidth=1, label=f"best epoch ({best})")
        _style_axis(axis, metric, drawn, chance, starts_at_zero, guess)
        axis.legend(fontsize="small")
    for axis in axes[len(groups):]:
        axis.set_visible(False)
    return save(made, path)


def plot_sweep_curves(histories: Mapping[str, Series], path: Path, title: str,
                      bands: Mapping[str, Series] | None = None,
                      initials: Mapping[str, Mapping[str, float]] | None = None,
                      chance: float | None = None, guess: float | None = None) -> Path | None:
    """Each variant's curves on the same axes: one panel per metric, a colour per variant.

    `bands`, when given, holds a half-width per series and epoch (a variant's sd over
    its seeds): each curve is then drawn with a shaded band of that width around it.
    """
    metrics: list[str] = []
    validation = False
    for history in histories.values():
        for metric, parts in series_groups(history).items():
            validation |= "validation" in parts
            if metric not in metrics:
                metrics.append(metric)
    if not metrics:
        return None
    rows, columns = panel_grid(len(metrics))
    made = figure(4.6 * columns + 2.4, 3.6 * rows + 0.5)
    heading = f"{title} (solid: train, dashed: validation)" if validation else title
    made.suptitle(wrapped(heading, 40 * columns + 10), fontsize=TITLE_SIZE)
    axes = made.subplots(rows, columns, squeeze=False).ravel()
    tints = dict(zip(histories, colours(len(histories))))
    for axis, metric in zip(axes, metrics):
        drawn, starts_at_zero = [], False
        for label, history in histories.items():
            parts = series_groups(history).get(metric, {})
            widths = series_groups((bands or {}).get(label, {})).get(metric, {})
            for part, values in parts.items():
                epochs, shown = points(values, metric, part, (initials or {}).get(label))
                starts_at_zero |= epochs[0] == 0
                drawn.append(shown)
                if part in widths:
                    ticks = np.arange(1, len(values) + 1)
                    centre, width = np.asarray(values, float), np.asarray(widths[part][: len(values)], float)
                    axis.fill_between(ticks, centre - width, centre + width, color=tints[label], alpha=0.15,
                                      linewidth=0)
                axis.plot(epochs, shown, color=tints[label], linestyle="-" if part == "train" else "--",
                          marker="o" if len(shown) <= 12 else None, markersize=3,
                          label=label if part == "train" or "train" not in parts else None)
        _style_axis(axis, metric, drawn, chance, starts_at_zero, guess)
    for axis in axes[len(metrics):]:
        axis.set_visible(False)
    handles, labels = [], []
    for axis in axes[: len(metrics)]:
        for handle, label in zip(*axis.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    made.legend(handles, labels, loc="outside right upper", title="variant", fontsize="small")
    return save(made, path)
