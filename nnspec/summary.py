"""Runs repeated over seeds, summarised: group by everything but the seed; mean, sd, n.

Used by the runner (the terminal table, ranking) and by the reports (comparison.csv,
the overlaid curves) alike, on plain entries: dicts or objects with `label`,
`variant`, `group` (the variant without its seed axes; absent: no seed axis),
`seed`, `metrics`, `history` and `error`. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

LOWER_IS_BETTER = {"loss", "mae", "mse"}


@dataclass
class Group:
    """The runs of one variant over its seeds: their metrics and histories by run."""

    label: str
    variant: dict[str, Any]
    seeds: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    histories: list[dict[str, list[float]]] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # seeds whose run failed
    members: list[Any] = field(default_factory=list)

    @property
    def n(self) -> int:
        """Runs that finished (failed runs do not count)."""
        return len(self.seeds)

    def mean(self, metric: str) -> float:
        values = _finite(self.metrics.get(metric, []))
        return statistics.fmean(values) if values else math.nan

    def sd(self, metric: str) -> float:
        """The sample standard deviation (n - 1): NaN for a single run."""
        values = _finite(self.metrics.get(metric, []))
        return statistics.stdev(values) if len(values) > 1 else math.nan

    def mean_history(self) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
        """Per-epoch mean and sample sd of every series, over the runs that have it."""
        names: list[str] = []
        for history in self.histories:
            names += [name for name in history if name not in names]
        means, sds = {}, {}
        for name in names:
            series = [h[name] for h in self.histories if h.get(name)]
            epochs = min(len(s) for s in series)
            columns = [_finite([s[i] for s in series]) for i in range(epochs)]
            means[name] = [statistics.fmean(c) if c else math.nan for c in columns]
            sds[name] = [statistics.stdev(c) if len(c) > 1 else 0.0 for c in columns]
        return means, sds


def _finite(values: Iterable) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _get(entry, key: str, default=None):
    if isinstance(entry, dict):
        return entry.get(key, default)
    return getattr(entry, key, default)


def variant_label(variant: dict[str, Any]) -> str:
    """`init=he lr=0.1`, or `default` for no sweep values."""
    return " ".join(f"{name}={value}" for name, value in variant.items()) or "default"


def is_repeated(entries: Sequence) -> bool:
    """Whether the runs were repeated over seeds (some entry carries a group)."""
    return any(_get(entry, "group") is not None for entry in entries)


def group_runs(entries: Sequence) -> list[Group]:
    """Entries grouped by their variant without the seed, in first-seen order."""
    groups: dict[str, Group] = {}
    for entry in entries:
        variant = _get(entry, "group")
        if variant is None:
            variant = _get(entry, "variant") or {}
        variant = dict(variant)
        label = variant_label(variant)
        group = groups.setdefault(label, Group(label, variant))
        group.members.append(entry)
        if _get(entry, "error"):
            group.failed.append(_get(entry, "seed"))
            continue
        group.seeds.append(_get(entry, "seed"))
        for name, value in (_get(entry, "metrics") or {}).items():
            group.metrics.setdefault(name, []).append(math.nan if value is None else float(value))
        group.histories.append(_get(entry, "history") or {})
    return list(groups.values())


def ranking_metric(metric_names: Sequence[str]) -> str:
    """The metric that ranks: the first one other than the loss, else the loss."""
    return next((m for m in metric_names if m != "loss"), "loss")


def rank_groups(groups: list[Group]) -> list[Group]:
    """Best first by the mean of the ranking metric (groups with no finished run last)."""
    names: list[str] = []
    for group in groups:
        names += [m for m in group.metrics if m not in names]
    metric = ranking_metric(names)
    lower = metric in LOWER_IS_BETTER

    def key(group: Group):
        value = group.mean(metric)
        if not math.isfinite(value):
            return (1, 0.0)
        return (0, value if lower else -value)

    return sorted(groups, key=key)


def summary_rows(groups: Sequence[Group]) -> list[dict[str, Any]]:
    """One row per group: the sweep values, `<metric>_mean`, `<metric>_sd` per metric, `n`."""
    names: list[str] = []
    for group in groups:
        names += [m for m in group.metrics if m not in names]
    rows = []
    for group in groups:
        row: dict[str, Any] = {"variant": group.label, **group.variant}
        for name in names:
            row[f"{name}_mean"] = group.mean(name)
            row[f"{name}_sd"] = group.sd(name)
        row["n"] = group.n
        row["seeds"] = " ".join(str(s) for s in group.seeds)
        if group.failed:
            row["failed_seeds"] = " ".join(str(s) for s in group.failed)
        rows.append(row)
    return rows


def summary_table(groups: Sequence[Group]) -> str:
    """The grouped comparison as aligned text: mean ± sd per metric, n."""
    rows = summary_rows(groups)
    if not rows:
        return ""
    names = [key[: -len("_mean")] for key in rows[0] if key.endswith("_mean")]
    header = ["variant", *(f"test {name} (mean ± sd)" for name in names), "n"]
    lines = []
    for row in rows:
        cells = [row["variant"]]
        for name in names:
            mean, sd = row[f"{name}_mean"], row[f"{name}_sd"]
            if not math.isfinite(mean):
                cells.append("")
            else:
                cells.append(f"{mean:.4f} ± {sd:.4f}" if math.isfinite(sd) else f"{mean:.4f}")
        count = str(row["n"])
        if row.get("failed_seeds"):
            count += f" (failed: seed {row['failed_seeds']})"
        cells.append(count)
        lines.append(cells)
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *lines])
