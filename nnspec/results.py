"""What a run gives back: one RunResult per variant, gathered in RunResults, as plain data.

These sit below both the training package (which fills them) and the run folder
(which saves and reads them), so neither has to import the other to name them.
"""

from __future__ import annotations

import dataclasses
import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np


@dataclass
class RunResult:
    """What one variant's run produced: the content of its results.json, plus the model.

    `metrics` are the test metrics by name (loss, accuracy, mae...); `history` holds
    per-epoch lists (validation ones prefixed `val_`); `train_seconds` times the
    training loop alone. `model` is the trained backend model (not saved in JSON).
    """

    label: str
    spec: str
    variant: dict[str, Any]
    backend: str
    seed: int
    epochs: int
    metrics: dict[str, float]
    history: dict[str, list[float]]
    train_seconds: float
    versions: dict[str, str]
    dataset: str
    task: str
    class_names: list[str] | None
    image_shape: list[int] | None
    input_shape: list[int]
    param_count: int
    test_is_train: bool
    optimizer: str = ""
    lr: float = 0.0
    batch: int | None = None
    loss: str = ""
    epoch_seconds: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    warnings: list[str] = field(default_factory=list)  # what went wrong without failing (a dead network)
    error: str | None = None
    interrupted: bool = False  # true until training and evaluation finish (a killed run stays so)
    epochs_done: int = 0
    save_error: str | None = None  # the model could not be saved; the results still stand
    spec_file: str | None = None  # the spec file it ran from (relative data paths resolve beside it)
    data_file: str | None = None  # the file a file-based dataset (csv) read: titles name it, not "csv"
    group: dict[str, Any] | None = None  # the variant without its seed, when seeds repeat
    data_seed: int | None = None  # the seed of the data's split (its data line's seed=, else `seed`); None: fixed split
    dir: Path | None = None
    model: Any = field(default=None, repr=False)
    extras: dict[str, Any] = field(default_factory=dict)  # training callbacks' own results.json keys

    @property
    def diagnostics(self) -> dict[str, Any] | None:
        """The per-layer training diagnostics (`train ... diagnostics=true`), else None."""
        return self.extras.get("diagnostics")

    def _repr_html_(self) -> str:
        """In a notebook: the variant, its test metrics, warnings and folder."""
        return metrics_html([self])

    def to_dict(self) -> dict[str, Any]:
        """The results.json content."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
               if f.name not in ("model", "dir", "extras")}
        out.update({key: value for key, value in self.extras.items() if key not in out})
        return jsonable(out)


class RunResults(list):
    """What `nnspec.run` returns for every spec: the variants' RunResults, best first.

    A single-variant spec gives a list of one. `best` is the first, `dir` the run
    folder (a sweep's holds one folder per variant and sweep.json), `failures` the
    variants that failed with a TrainingError, and `sweep` says whether the spec
    had several variants.
    """

    def __init__(self, results: Iterable[RunResult] = (), dir: Path | None = None,
                 failures: Sequence[RunResult] = (), sweep: bool = False):
        super().__init__(results)
        self.dir = dir
        self.failures = list(failures)
        self.sweep = sweep
        self.groups: list = []  # seeds repeated: one summary.Group per variant, best mean first
        self.report = None  # the reports.Report written for this run, when one was

    @property
    def best(self) -> RunResult | None:
        """The best variant (the first), or None when every variant failed."""
        return self[0] if self else None

    def _repr_html_(self) -> str:
        """In a notebook: every variant's test metrics, then the report (its pictures, captioned) when written."""
        parts = [metrics_html(list(self) + self.failures)]
        report_html = getattr(self.report, "_repr_html_", None)  # a reports.Report, kept without importing it
        if callable(report_html):
            parts.append(report_html())
        elif self.dir is not None:
            parts.append(f"<p>Saved in {html.escape(str(self.dir))}.</p>")
        return "\n".join(parts)

    def __repr__(self) -> str:
        labels = ", ".join(result.label for result in self)
        failed = f", {len(self.failures)} failed" if self.failures else ""
        return f"RunResults([{labels}]{failed}, dir={str(self.dir)!r})"


def metrics_html(results: Sequence[RunResult]) -> str:
    """A table of test metrics, one row per result, with their warnings under it."""
    metrics = list(dict.fromkeys(name for result in results for name in result.metrics))
    head = "".join(f"<th>test {html.escape(name)}</th>" for name in metrics)
    rows = []
    for result in results:
        if result.error:
            cells = f'<td colspan="{max(1, len(metrics))}">failed: {html.escape(result.error)}</td>'
        else:
            cells = "".join(f"<td>{result.metrics[name]:.4f}</td>" if isinstance(result.metrics.get(name), float)
                            else "<td>n/a</td>" for name in metrics)
        rows.append(f"<tr><td>{html.escape(result.label or 'run')}</td>{cells}"
                    f"<td>{result.best_epoch or ''}</td><td>{result.train_seconds:.1f}</td></tr>")
    warnings = [f"<p style=\"color:#a33\">warning: {html.escape(result.label + ': ' if result.label else '')}"
                f"{html.escape(text)}</p>" for result in results for text in result.warnings]
    return ("<table><tr><th>variant</th>" + head + "<th>best epoch</th><th>train s</th></tr>" + "".join(rows)
            + "</table>" + "".join(warnings))


SweepResult = RunResults  # the name a sweep's results had before every run returned RunResults


def jsonable(value: Any) -> Any:
    """Plain JSON values: tuples as lists, NumPy numbers as Python's, NaN and infinity as null."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if all(type(v) is float and v - v == 0.0 for v in value):  # a series of finite floats: as it is
            return list(value)
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
