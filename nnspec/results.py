"""What a run gives back: one variant's RunResult and a sweep's SweepResult, as plain data.

These sit below both the training package (which fills them) and the run folder
(which saves and reads them), so neither has to import the other to name them.
"""

from __future__ import annotations

import dataclasses
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
    error: str | None = None
    group: dict[str, Any] | None = None  # the variant without its seed, when seeds repeat
    dir: Path | None = None
    model: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The results.json content."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("model", "dir")}
        return jsonable(out)


class SweepResult(list):
    """The results of a sweep's variants, best first; `dir` is the sweep folder.

    When seeds repeat, `groups` holds one `nnspec.summary.Group` per variant over its
    seeds (mean, sd, n per metric), best mean first, and the runs are ordered by group.
    """

    def __init__(self, results: Iterable[RunResult], dir: Path | None = None, failures: Sequence[RunResult] = ()):
        super().__init__(results)
        self.dir = dir
        self.failures = list(failures)
        self.groups: list = []

    @property
    def best(self) -> RunResult | None:
        """The best variant (the first), or None when every variant failed."""
        return self[0] if self else None


def jsonable(value: Any) -> Any:
    """Plain JSON values: tuples as lists, NumPy numbers as Python's, NaN and infinity as null."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
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
