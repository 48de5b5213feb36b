"""Per-layer training diagnostics in the epoch loop: start them, record each epoch, save them.

What is measured is the built-in diagnostics plugin's (nnspec/builtins/layer_diagnostics.py);
this module only calls it at the right moments and writes diagnostics.csv.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import TrainingError
from ..results import RunResult
from ..rundir.write import write_diagnostics
from ..types import Plan
from .data import Arrays


def start_diagnostics(plan: Plan, trainer, arrays: Arrays, result: RunResult, folder: Path):
    """Diagnostics when the spec asks for them, with the untrained network recorded as epoch 0."""
    if not plan.train.diagnostics:
        return None
    if not hasattr(trainer, "probe"):
        raise TrainingError(f"backend {plan.backend} cannot record diagnostics (its trainer has no probe())",
                            hint="remove diagnostics=true, or use backend keras or tf1")
    from ..builtins.layer_diagnostics import Diagnostics

    diagnostics = Diagnostics(plan, trainer, arrays.x_train, arrays.y_train)
    record_diagnostics(diagnostics, 0, result, folder)
    return diagnostics


def record_diagnostics(diagnostics, epoch: int, result: RunResult, folder: Path) -> None:
    """Probe after `epoch`, keep the rows in the result and rewrite diagnostics.csv."""
    from ..builtins.layer_diagnostics import csv_text

    diagnostics.epoch_end(epoch)
    result.diagnostics = summary = diagnostics.summary()
    write_diagnostics(folder, csv_text(summary["rows"], summary["columns"]))
