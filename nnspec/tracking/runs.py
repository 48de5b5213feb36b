"""The runs under a folder, as rows (`nnspec runs [DIR]`): spec, variant, key options, metrics, when, state.

Every results.json under the folder is one run: a single run's folder, a sweep's
variant or a search's trial. Its state is `finished`, `pruned` (a search stopped it
early, then evaluated it), `interrupted` (Ctrl-C, a kill: `nnspec run --resume`
continues it) or `failed`. Rows sort by a metric (best first: accuracy down, losses
and errors up) or, without one, newest first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import DataError, UsageError
from ..rundir import RESULTS_FILE, RUN_MARKER, SEARCH_FILE, SWEEP_FILE, read_json

LOWER_IS_BETTER = ("loss", "mae", "mse")
STATES = ("finished", "pruned", "interrupted", "failed")


@dataclass
class RunRow:
    """One run as `nnspec runs` lists it."""

    spec: str
    variant: str
    options: dict[str, Any]
    metrics: dict[str, float]
    when: str
    state: str
    dir: str
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"spec": self.spec, "variant": self.variant, **self.options, "metrics": self.metrics,
                "when": self.when, "state": self.state, "dir": self.dir, "error": self.error}


def find_runs(folder: Path) -> list[RunRow]:
    """Every run under `folder` (newest first); a DataError when the folder is not there."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"no folder of runs at '{folder}'", hint="give the folder `nnspec run` writes into (runs/)")
    rows = []
    for path in sorted(folder.rglob(RESULTS_FILE)):
        if not ((path.parent / RUN_MARKER).is_file() or (path.parent.parent / RUN_MARKER).is_file()):
            continue  # not a folder `nnspec run` claimed (a copy in MLflow's artefact store, say)
        try:
            results = read_json(path)
        except DataError:
            continue  # a folder being written, or not nnspec's
        if isinstance(results, dict) and "metrics" in results:
            rows.append(_row(path.parent, results))
    return sorted(rows, key=lambda row: row.when, reverse=True)


def _row(folder: Path, results: dict) -> RunRow:
    search = results.get("search") or {}
    if results.get("error"):
        state = "failed"
    elif results.get("interrupted"):
        state = "interrupted"
    else:
        state = "pruned" if search.get("state") == "pruned" else "finished"
    in_sweep = (folder.parent / SWEEP_FILE).is_file() or (folder.parent / SEARCH_FILE).is_file()
    spec = Path(results["spec_file"]).stem if results.get("spec_file") else (folder.parent if in_sweep else folder).name
    epochs = f"{results.get('epochs_done', 0)}/{results.get('epochs', '?')}"
    options = {"backend": results.get("backend"), "optimizer": results.get("optimizer"), "lr": results.get("lr"),
               "batch": results.get("batch"), "epochs": epochs}
    when = datetime.fromtimestamp((folder / RESULTS_FILE).stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    metrics = {name: value for name, value in (results.get("metrics") or {}).items() if value is not None}
    return RunRow(spec, results.get("label") or "default", options, metrics, when, state, str(folder),
                  results.get("error"))


def sort_runs(rows: list[RunRow], metric: str | None) -> list[RunRow]:
    """Best first by `metric` (runs without it last); a UsageError naming the metrics there are."""
    if metric is None:
        return rows
    known = sorted({name for row in rows for name in row.metrics})
    if rows and metric not in known:
        raise UsageError(f"--sort {metric}: no run has that metric", hint=f"the runs have {', '.join(known)}")
    sign = 1.0 if metric in LOWER_IS_BETTER else -1.0

    def key(row: RunRow):
        value = row.metrics.get(metric)
        return (0, sign * value) if value is not None and math.isfinite(value) else (1, 0.0)

    return sorted(rows, key=key)


def runs_table(rows: list[RunRow]) -> str:
    """The rows as aligned text: spec, variant, options, each metric, when, state, folder."""
    if not rows:
        return "no runs"
    metrics: list[str] = []
    for row in rows:
        metrics += [m for m in row.metrics if m not in metrics]
    header = ["spec", "variant", "backend", "optimizer", "lr", "batch", "epochs", *metrics, "when", "state", "dir"]
    lines = [header]
    for row in rows:
        options = row.options
        cells = [row.spec, row.variant, str(options["backend"] or ""), str(options["optimizer"] or ""),
                 f"{options['lr']:.4g}" if isinstance(options["lr"], (int, float)) else "",
                 "all" if options["batch"] is None else str(options["batch"]), options["epochs"]]
        cells += [f"{row.metrics[m]:.4f}" if m in row.metrics else "" for m in metrics]
        cells += [row.when, row.state, row.dir]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines)
