"""What every picture of a report shares: the Agg figure, saving, colours, axes that tell the truth.

Figures are made with `matplotlib.figure.Figure` and an Agg canvas rather than
pyplot: no display is needed, and a notebook's own pyplot backend and open figures
are left alone.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

TITLE_SIZE = 13
TITLE_WIDTH = 70  # characters a line of a figure's title holds before it wraps (a title is never clipped)
MARKERS_UP_TO = 30  # epochs: draw points as well as lines, so short runs stay visible
FLAT_SPAN = 0.01  # a series that moves less than this share of its size is drawn as a flat line
LOG_SPAN = 50.0  # positive values whose largest is this many times their smallest get a log axis
LOSS_LOG_SPAN = 8.0  # ... a loss already from this: the last epochs' differences stay readable after a steep start


def figure(width: float, height: float):
    """A constrained-layout Figure on an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    made = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(made)
    return made


def save(made, path: Path) -> Path:
    """Write the figure as a PNG, whole or not at all."""
    from ..files import write_figure

    write_figure(made, path)
    return path


def title(text: str, width: int = TITLE_WIDTH) -> str:
    """A figure title wrapped onto lines, so that a long one is never cut at the edge."""
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) if len(text) > width else text


def colours(count: int) -> list:
    """One colour per variant: tab10 up to ten, viridis beyond."""
    from matplotlib import colormaps

    if count <= 10:
        return [colormaps["tab10"](index) for index in range(count)]
    return [colormaps["viridis"](index / (count - 1)) for index in range(count)]


def finite(values: Iterable) -> np.ndarray:
    """The finite numbers among values (None and NaN left out)."""
    out = [float(v) for v in values if v is not None and isinstance(v, (int, float)) and math.isfinite(v)]
    return np.asarray(out, dtype=np.float64)


def wants_log(values: Iterable, span: float = LOG_SPAN) -> bool:
    """True when the values are all positive and their largest is `span` times their smallest or more."""
    found = finite(values)
    return bool(found.size) and found.min() > 0 and found.max() / found.min() >= span


def readable_log(axis, values: Iterable) -> None:
    """A log y axis labelled 0.2, 0.5, 1000 rather than 2x10^-1: minor ticks named when it spans little."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_yscale("log")
    found = finite(values)
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    axis.yaxis.set_major_formatter(plain)
    few_decades = found.size and found.min() > 0 and found.max() / found.min() < 30
    axis.yaxis.set_minor_formatter(plain if few_decades else NullFormatter())


def plain_y(axis, series: Sequence[Sequence[float]]) -> None:
    """No offset or scientific tick labels, and a flat series drawn flat.

    Matplotlib zooms in on a series that barely moves and labels the ticks with an
    offset (`+6.158e2`), so a dead network's constant loss looks like a noisy learning
    curve; the axis is widened to at least FLAT_SPAN of the values' size instead.
    """
    axis.ticklabel_format(axis="y", useOffset=False, style="plain")
    values = finite(v for s in series for v in s)
    if values.size == 0:
        return
    low, high = float(values.min()), float(values.max())
    size = max(abs(low), abs(high), 1e-12)
    if high - low < FLAT_SPAN * size:
        middle, half = (low + high) / 2, max(size * 0.05, 1e-9)
        axis.set_ylim(middle - half, middle + half)


def is_flat(values: Sequence[float]) -> bool:
    """True when a series moves by less than FLAT_SPAN of its size (a dead network's loss)."""
    found = finite(values)
    if found.size < 2:
        return True
    size = max(abs(found.min()), abs(found.max()), 1e-12)
    return float(found.max() - found.min()) < FLAT_SPAN * size


def pretty(metric: str) -> str:
    """A history name as an axis label: `mae` -> MAE, `lr` -> learning rate."""
    short = {"mae": "MAE", "mse": "MSE", "rmse": "RMSE", "auc": "AUC", "lr": "learning rate"}
    return short.get(metric, metric.replace("_", " "))


def panel_grid(count: int, most: int = 3) -> tuple[int, int]:
    """(rows, columns) for `count` panels, at most `most` a row."""
    columns = max(1, min(count, most))
    return math.ceil(count / columns), columns


def number(value: float) -> str:
    """A number as a caption writes it: 3 significant digits, scientific below 0.001, thousands grouped."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.2g}".replace("e-0", "e-")
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"
