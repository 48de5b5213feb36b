"""The pictures of what a network predicts: confusion, wrong predictions, images, regression.

Drawn on matplotlib's Agg canvas (nnspec/reports/figures.py); the training curves
are nnspec/reports/curves.py's.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .figures import TITLE_SIZE, figure as _figure, save as _save, title as _wrapped


def plot_confusion(y_true: np.ndarray, predicted: np.ndarray, names: Sequence[str], path: Path, title: str) -> Path:
    """Confusion matrix: counts, rows the true label, columns the prediction."""
    classes = len(names)
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (y_true, predicted), 1)
    side = min(max(4.5, 0.6 * classes + 2.5), 14)
    figure = _figure(side + 1, side)
    axis = figure.subplots()
    image = axis.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axis, shrink=0.8, label="samples")
    axis.set_title(_wrapped(title, 60), fontsize=TITLE_SIZE)
    axis.set_xlabel("predicted")
    axis.set_ylabel("label (true)")
    _class_ticks(axis, names)
    axis.set_yticks(range(classes), names)
    if classes <= 25:
        threshold = matrix.max() / 2
        size = "medium" if classes <= 12 else "x-small"
        for row in range(classes):
            for column in range(classes):
                axis.text(
                    column,
                    row,
                    str(matrix[row, column]),
                    ha="center",
                    va="center",
                    fontsize=size,
                    color="white" if matrix[row, column] > threshold else "black",
                )
    return _save(figure, path)


def _class_ticks(axis, names: Sequence[str]) -> None:
    """Class names under the x axis, slanted when side by side they would run into each other."""
    slanted = sum(len(name) + 2 for name in names) > 48
    axis.set_xticks(range(len(names)), names, rotation=45 if slanted else 0, ha="right" if slanted else "center")


def plot_wrong_by_predicted(table: pd.DataFrame, names: Sequence[str], path: Path, title: str) -> Path:
    """How many wrong predictions went to each class."""
    ids = table["predicted_id"] if "predicted_id" in table else table["predicted"]
    counts = np.bincount(ids.to_numpy(dtype=np.int64), minlength=len(names))
    figure = _figure(max(5.5, 0.55 * len(names) + 2.5), 4.2)
    axis = figure.subplots()
    bars = axis.bar(range(len(names)), counts, color="tab:red", alpha=0.8)
    axis.bar_label(bars, fontsize="small")
    axis.set_title(_wrapped(title, 60), fontsize=TITLE_SIZE)
    axis.set_xlabel("predicted class")
    axis.set_ylabel("wrong predictions")
    _class_ticks(axis, names)
    axis.yaxis.get_major_locator().set_params(integer=True)
    axis.grid(axis="y", alpha=0.3)
    return _save(figure, path)


def plot_wrong_spread(
    labels: np.ndarray,
    values: np.ndarray,
    names: Sequence[str],
    path: Path,
    title: str,
    value_label: str,
    threshold: float | None = None,
    floor: float | None = None,
) -> Path:
    """For the wrong predictions of a binary run: a violin of the probability of class 1 per true label.

    The samples are drawn over it as a jittered swarm, with the 0.5 `threshold`. The
    values are continuous, so a smooth density is honest here (multiclass runs, whose
    predicted classes are categories, get plot_wrong_counts instead).
    """
    figure = _figure(max(5.5, 0.6 * len(names) + 2.5), 4.8)
    axis = figure.subplots()
    groups = [values[labels == index] for index in range(len(names))]
    spread = [index for index, group in enumerate(groups) if len(group) > 1 and np.ptp(group) > 0]
    if spread:
        violins = axis.violinplot([groups[index] for index in spread], positions=spread, widths=0.8, showextrema=False)
        for body in violins["bodies"]:
            body.set_facecolor("tab:blue")
            body.set_alpha(0.25)
    rng = np.random.default_rng(0)  # fixed jitter: rebuilding a report redraws the same picture
    crowded = len(values) > 500
    for index, group in enumerate(groups):
        if len(group):
            across = rng.uniform(-0.25, 0.25, size=len(group))
            axis.scatter(
                index + across, group, s=6 if crowded else 14, color="tab:red",
                alpha=0.3 if crowded else 0.6, edgecolors="none",
            )
    if threshold is not None:
        axis.axhline(threshold, color="grey", linestyle="--", linewidth=1, label=f"threshold {threshold}")
    if floor is not None:
        axis.axhline(floor, color="grey", linestyle="-.", linewidth=1, label=f"1 / classes ({floor:.2f})")
        axis.set_ylim(0, 1.02)
    if threshold is not None or floor is not None:
        axis.legend(fontsize="small", loc="upper right")
    axis.set_title(_wrapped(title, 60), fontsize=TITLE_SIZE)
    axis.set_xlabel("label (true)")
    axis.set_ylabel(value_label)
    _class_ticks(axis, names)
    axis.set_xlim(-0.6, len(names) - 0.4)
    axis.grid(alpha=0.3)
    return _save(figure, path)


def plot_wrong_confidence(labels: np.ndarray, confidence: np.ndarray, names: Sequence[str], path: Path,
                          title: str) -> Path:
    """For the wrong predictions of a run with several classes: how sure the network was, per true label.

    Confidence is a continuous probability, so a violin per label is honest here; each
    wrong prediction is drawn over it as a point (a swarm), with 1/classes marked: a
    point near it is a guess, a point near 1 a confident mistake.
    """
    return plot_wrong_spread(labels, confidence, names, path, title, "confidence of the wrong prediction",
                             threshold=None, floor=1 / len(names))


def plot_wrong_counts(labels: np.ndarray, predicted: np.ndarray, names: Sequence[str], path: Path, title: str) -> Path:
    """For the wrong predictions: how many of each true label went to each predicted class.

    Both axes are unordered categories, so there is nothing between two classes to
    smooth over: each (true, predicted) pair is one dot whose area is its count, with
    the count written beside it; pairs that never happen are empty.
    """
    classes = len(names)
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (labels.astype(np.int64), predicted.astype(np.int64)), 1)
    figure = _figure(max(5.5, 0.6 * classes + 2.5), max(4.8, 0.45 * classes + 2.2))
    axis = figure.subplots()
    true_index, predicted_index = np.nonzero(counts)
    values = counts[true_index, predicted_index]
    if len(values):
        area = 40 + 560 * values / values.max()
        axis.scatter(true_index, predicted_index, s=area, color="tab:red", alpha=0.55, edgecolors="none")
        for x, y, count in zip(true_index, predicted_index, values):
            axis.annotate(str(count), (x, y), xytext=(0, 0), textcoords="offset points", ha="center", va="center",
                          fontsize="small")
    axis.set_title(_wrapped(title, 60), fontsize=TITLE_SIZE)
    axis.set_xlabel("label (true)")
    axis.set_ylabel("predicted class")
    _class_ticks(axis, names)
    axis.set_yticks(range(classes), names)
    axis.set_xlim(-0.6, classes - 0.4)
    axis.set_ylim(-0.6, classes - 0.4)
    axis.grid(alpha=0.3)
    return _save(figure, path)


def plot_image_grid(images: list[np.ndarray], titles: list[str], path: Path, title: str) -> Path:
    """A grid of images, each with its own title.

    The images are drawn as one mosaic on one axes: several times faster than an
    axes per image, which matters because every run of image data draws one.
    """
    from matplotlib.patches import Rectangle

    columns = min(len(images), 8 if len(images) > 16 else 4)
    rows = math.ceil(len(images) / columns)
    height, width = images[0].shape[:2]
    gap = max(1, round(width / 10))
    band = math.ceil(0.2 * width)  # room above each image for its two-line title
    cell_width, cell_height = width + gap, height + band + gap
    mosaic = np.ones((rows * cell_height + gap, columns * cell_width, 3))
    figure = _figure(2.0 * columns, 2.0 * columns * mosaic.shape[0] / mosaic.shape[1] + 0.5)
    figure.suptitle(_wrapped(title, 60), fontsize=TITLE_SIZE)
    axis = figure.subplots()
    for number, (image, caption) in enumerate(zip(images, titles)):
        row, column = divmod(number, columns)
        top, left = row * cell_height + band + gap, column * cell_width + gap // 2
        mosaic[top : top + height, left : left + width] = _unit_rgb(image)
        axis.add_patch(Rectangle((left - 0.5, top - 0.5), width, height, fill=False, linewidth=0.8))
        axis.text(left + width / 2 - 0.5, top - 0.5 - 0.1 * band, caption, ha="center", va="bottom", fontsize="small")
    axis.imshow(mosaic, interpolation="nearest")
    axis.set_axis_off()
    return _save(figure, path)


def _unit_rgb(image: np.ndarray) -> np.ndarray:
    """An image stretched to [0, 1] (as imshow scales a single image) and given three channels."""
    image = np.nan_to_num(image.astype(np.float64))
    low, high = image.min(), image.max()
    image = (image - low) / (high - low) if high > low else np.zeros_like(image)
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=2)
    return image[..., :3]


def displayable(sample: np.ndarray, image_shape: tuple[int, ...]) -> np.ndarray:
    """One saved input in the image's own shape: (h, w) grey or (h, w, channels) colour."""
    image = np.asarray(sample, dtype=np.float32).reshape(image_shape)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    return image


def plot_regression_scatter(y_true: np.ndarray, y_pred: np.ndarray, path: Path, title: str) -> Path:
    """Predicted against true values, with the identity line."""
    figure = _figure(5.6, 5.2)
    axis = figure.subplots()
    axis.scatter(y_true, y_pred, s=16, alpha=0.6, edgecolors="none", label="test samples")
    low = float(min(y_true.min(), y_pred.min()))
    high = float(max(y_true.max(), y_pred.max()))
    axis.plot([low, high], [low, high], color="black", linestyle="--", linewidth=1, label="predicted = true")
    axis.set_title(_wrapped(title, 60), fontsize=TITLE_SIZE)
    axis.set_xlabel("true value")
    axis.set_ylabel("predicted value")
    axis.set_aspect("equal", adjustable="datalim")
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small", loc="upper left")
    return _save(figure, path)


def plot_residuals(y_true: np.ndarray, y_pred: np.ndarray, path: Path, title: str) -> Path:
    """Histogram of residuals (predicted - true), with zero and the mean marked."""
    residuals = y_pred - y_true
    figure = _figure(6.0, 4.2)
    axis = figure.subplots()
    axis.hist(residuals, bins=min(40, max(10, len(residuals) // 5)), color="tab:blue", alpha=0.8)
    axis.axvline(0, color="black", linestyle="--", linewidth=1, label="no error")
    axis.axvline(float(residuals.mean()), color="tab:red", linewidth=1.2, label=f"mean {residuals.mean():.3g}")
    axis.set_title(_wrapped(title, 60), fontsize=TITLE_SIZE)
    axis.set_xlabel("residual (predicted - true)")
    axis.set_ylabel("test samples")
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small")
    return _save(figure, path)
