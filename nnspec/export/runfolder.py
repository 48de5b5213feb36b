"""Read what a finished run left in its folder: results, the plan it ran, predictions, model files.

The run folder's format is written by the runner (docs/reports.md lists its files);
this module only reads it. The plan is rebuilt from the folder's `spec.nn`, which
holds the spec as it ran (command-line overrides written into it, one variant).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, NNSpecError, UsageError
from ..types import Plan

RESULTS_FILE = "results.json"
SPEC_FILE = "spec.nn"
PREDICTIONS_FILE = "predictions.npz"
SWEEP_FILE = "sweep.json"
KERAS_MODEL_FILE = "model.keras"
CHECKPOINT_DIR = "checkpoint"


@dataclass
class SavedRun:
    """One finished run folder: its results.json, the plan it trained, where its model is."""

    dir: Path
    results: dict[str, Any]
    plan: Plan

    @property
    def backend(self) -> str:
        return self.results.get("backend") or self.plan.backend

    @property
    def task(self) -> str:
        return self.results.get("task") or "multiclass"

    @property
    def class_names(self) -> list[str] | None:
        return self.results.get("class_names")

    @property
    def model_file(self) -> Path:
        """model.keras for keras runs, the checkpoint prefix for tf1 runs."""
        if self.backend == "tf1":
            return self.dir / CHECKPOINT_DIR / "model.ckpt"
        return self.dir / KERAS_MODEL_FILE

    @cached_property
    def predictions(self) -> dict[str, np.ndarray]:
        """The arrays of predictions.npz (y_true, y_pred, ...)."""
        path = self.dir / PREDICTIONS_FILE
        if not path.is_file():
            raise DataError(f"{path}: missing; the run did not finish")
        try:
            with np.load(path) as saved:
                return {name: saved[name] for name in saved.files}
        except (OSError, ValueError, KeyError) as error:
            raise DataError(f"{path}: cannot be read ({error})") from None


def read_run(folder: str | Path) -> SavedRun:
    """The finished run in `folder`; a sweep folder or a failed run is a clear error."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"no run folder at '{folder}'")
    results_path = folder / RESULTS_FILE
    if not results_path.is_file():
        if (folder / SWEEP_FILE).is_file():
            variants = sorted(p.name for p in folder.iterdir() if (p / RESULTS_FILE).is_file())
            raise UsageError(
                f"'{folder}' is a sweep folder; give one variant's folder",
                hint="one of: " + ", ".join(str(folder / v) for v in variants) if variants else None,
            )
        raise UsageError(f"'{folder}' is not a run folder (no {RESULTS_FILE})")
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(f"{results_path}: cannot be read ({error})") from None
    if results.get("error"):
        raise DataError(f"{folder}: the run failed ({results['error']}); it has no model to use")
    return SavedRun(folder, results, _plan(folder, results))


def _plan(folder: Path, results: dict) -> Plan:
    """The checked plan of the folder's spec.nn (falling back to the spec text in results.json)."""
    from ..dsl.parser import parse
    from ..dsl.validate import check

    path = folder / SPEC_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else results.get("spec", "")
    plans = check(parse(text, filename=str(path)))
    if len(plans) != 1:
        raise UsageError(f"{path}: holds {len(plans)} variants; give one variant's run folder")
    backend = results.get("backend")
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
    expected = len(run.predictions["y_pred"])
    if len(x) != expected or x.shape[1:] != tuple(plan.input_shape):
        raise DataError(
            f"data {plan.dataset} now gives {len(x)} test samples of shape {x.shape[1:]}, "
            f"but the run predicted {expected} of shape {tuple(plan.input_shape)}",
            hint="the dataset's files changed since the run",
        )
    return x


def saved_form(run: SavedRun, outputs: np.ndarray) -> np.ndarray:
    """Network outputs as predictions.npz stores them: probabilities, P(class 1), or values."""
    from ..builtins.backends.objectives import probabilities

    outputs = np.asarray(outputs, dtype=np.float32).reshape(len(outputs), -1)
    if run.task == "regression":
        return outputs[:, 0]
    probs = probabilities(run.plan, outputs).astype(np.float32)
    return probs[:, -1] if run.task == "binary" else probs
