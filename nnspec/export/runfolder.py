"""A finished run as export and predict need it: its saved files (nnspec.rundir), its plan, its model.

The run folder's format belongs to nnspec.rundir; this module adds what taking the
model elsewhere needs: the checked plan, rebuilt from the folder's `spec.nn` (the spec
as it ran: command-line overrides written into it, one variant), where the model
file is, and the test inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .. import rundir
from ..errors import DataError, NNSpecError, UsageError
from ..types import Plan

KERAS_MODEL_FILE = "model.keras"
CHECKPOINT_DIR = "checkpoint"


@dataclass
class SavedRun:
    """One finished run folder: what it saved (nnspec.rundir.SavedRun) and the plan it trained."""

    saved: rundir.SavedRun
    plan: Plan

    @property
    def dir(self) -> Path:
        return self.saved.dir

    @property
    def results(self) -> dict[str, Any]:
        return self.saved.results

    @property
    def backend(self) -> str:
        return self.results.get("backend") or self.plan.backend

    @property
    def task(self) -> str:
        return self.saved.task

    @property
    def class_names(self) -> list[str] | None:
        return self.saved.class_names

    @property
    def model_file(self) -> Path:
        """model.keras for keras runs, the checkpoint prefix for tf1 runs."""
        if self.backend == "tf1":
            return self.dir / CHECKPOINT_DIR / "model.ckpt"
        return self.dir / KERAS_MODEL_FILE

    @property
    def y_pred(self) -> np.ndarray:
        """The saved test predictions: probabilities, P(class 1), or values."""
        if self.saved.predictions is None:
            raise DataError(f"{self.dir / rundir.PREDICTIONS_FILE}: missing; the run did not finish")
        return self.saved.predictions.y_pred


def read_run(folder: str | Path) -> SavedRun:
    """The finished run in `folder`; a sweep folder or a failed run is a clear error."""
    folder = Path(folder)
    if folder.is_dir() and rundir.is_sweep(folder) and not (folder / rundir.RESULTS_FILE).is_file():
        variants = sorted(p.name for p in folder.iterdir() if (p / rundir.RESULTS_FILE).is_file())
        raise UsageError(
            f"'{folder}' is a sweep folder; give one variant's folder",
            hint="one of: " + ", ".join(str(folder / v) for v in variants) if variants else None,
        )
    if not (folder / rundir.RESULTS_FILE).is_file():
        rundir.check_folder(folder)  # says what the folder is missing
        raise UsageError(f"'{folder}' is not a run folder (no {rundir.RESULTS_FILE})")
    saved = rundir.load_run(folder)
    if saved.results.get("error"):
        raise DataError(f"{folder}: the run failed ({saved.results['error']}); it has no model to use")
    return SavedRun(saved, _plan(folder, saved))


def _plan(folder: Path, saved: rundir.SavedRun) -> Plan:
    """The checked plan of the folder's spec.nn (or the spec text in results.json)."""
    from ..dsl.parser import parse
    from ..dsl.validate import check

    path = folder / rundir.SPEC_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else saved.spec_text
    plans = check(parse(text, filename=str(path)))
    if len(plans) != 1:
        raise UsageError(f"{path}: holds {len(plans)} variants; give one variant's run folder")
    backend = saved.results.get("backend")
    return replace(plans[0], backend=backend) if backend else plans[0]


def test_inputs(run: SavedRun) -> np.ndarray:
    """The run's test inputs, reloaded through its plan: the dataset, its options and the seed.

    Every built-in dataset splits deterministically from its options and the seed, so
    this gives the very samples the run predicted, without storing them in the folder.
    """
    from ..builtins.backends.common import input_dtype
    from ..plugins import get_registries

    plan = run.plan
    if not plan.dataset:
        raise DataError(f"{run.dir}: the spec has no data line, so its test samples cannot be reloaded")
    dataset = get_registries().datasets.get(plan.dataset)
    try:
        data = dataset.load(plan.dataset_options, plan.seed)
    except NNSpecError:
        raise
    except Exception as error:  # a plugin's bug reaches the user as a message
        raise DataError(f"data {plan.dataset} failed to load: {type(error).__name__}: {error}") from error
    x = np.ascontiguousarray(data.x_test, dtype=input_dtype(plan))
    expected = len(run.y_pred)
    if len(x) != expected or x.shape[1:] != tuple(plan.input_shape):
        raise DataError(
            f"data {plan.dataset} now gives {len(x)} test samples of shape {x.shape[1:]}, "
            f"but the run predicted {expected} of shape {tuple(plan.input_shape)}",
            hint="the dataset's files changed since the run",
        )
    return x


def saved_form(run: SavedRun, outputs: np.ndarray) -> np.ndarray:
    """Network outputs as predictions.npz stores them: probabilities, P(class 1), or values."""
    from ..objectives import probabilities

    outputs = np.asarray(outputs, dtype=np.float32).reshape(len(outputs), -1)
    if run.task == "regression":
        return outputs[:, 0]
    probs = probabilities(run.plan, outputs).astype(np.float32)
    return probs[:, -1] if run.task == "binary" else probs
