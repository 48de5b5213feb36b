"""Read back what training saved in a run or sweep folder, and say clearly what is wrong.

A run folder holds results.json, history.csv, spec.nn and predictions.npz; a sweep
folder holds sweep.json and one run folder per variant. Everything a report draws
comes from these files, so a report can be rebuilt without retraining.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from ..types import TASKS
from .names import HISTORY_FILE, PREDICTIONS_FILE, RESULTS_FILE, SEARCH_FILE, SPEC_FILE, SWEEP_FILE


@dataclass
class Predictions:
    """The test predictions of one run, checked against the run's task."""

    y_true: np.ndarray  # int class index (n,) or float (n,) for regression
    y_pred: np.ndarray  # probabilities (n, classes); P(class 1) (n,); values (n,)
    x_wrong: np.ndarray | None = None  # inputs of the misclassified samples (images only)
    wrong_index: np.ndarray | None = None  # their test indexes
    index: np.ndarray | None = None  # the test index of each row (rows with no number are left out)

    def __post_init__(self) -> None:
        if self.index is None:
            self.index = np.arange(len(self.y_true))

    def drop_non_finite(self) -> int:
        """Leave out the rows whose prediction is NaN or infinite (a diverged run); return how many."""
        finite = np.isfinite(self.y_pred.reshape(len(self.y_pred), -1)).all(axis=1) & np.isfinite(self.y_true)
        dropped = int((~finite).sum())
        if dropped:
            self.y_true, self.y_pred, self.index = self.y_true[finite], self.y_pred[finite], self.index[finite]
        return dropped


@dataclass
class SavedRun:
    """One single-variant run as saved by training."""

    dir: Path
    results: dict[str, Any]
    history: dict[str, list[float]]
    predictions: Predictions | None
    spec_text: str

    @property
    def task(self) -> str:
        return self.results["task"]

    @property
    def class_names(self) -> list[str] | None:
        return self.results.get("class_names")

    @property
    def image_shape(self) -> tuple[int, ...] | None:
        shape = self.results.get("image_shape")
        return tuple(shape) if shape else None

    @property
    def test_is_train(self) -> bool:
        return bool(self.results.get("test_is_train", False))

    @property
    def metrics(self) -> dict[str, float]:
        return self.results.get("metrics") or {}


@dataclass
class SavedSweep:
    """A sweep: its table of variants (sweep.json) and each variant's run.

    `entries` and `runs` are the variants that have a run folder, in step; `failed`
    holds the entries of variants that failed before writing one.
    """

    dir: Path
    entries: list[dict[str, Any]]
    runs: list[SavedRun]
    spec_text: str
    failed: list[dict[str, Any]] = field(default_factory=list)


def is_sweep(folder: Path) -> bool:
    """Whether a folder is a sweep folder (it has sweep.json)."""
    return (folder / SWEEP_FILE).is_file()


def check_folder(folder: Path) -> Path:
    """The folder as a Path, or a DataError saying why it is not a run or sweep folder."""
    folder = Path(folder)
    if not folder.exists():
        raise DataError(f"no run folder at '{folder}'", hint="give the folder `nnspec run` wrote")
    if not folder.is_dir():
        raise DataError(f"'{folder}' is a file, not a run folder", hint="give the folder `nnspec run` wrote")
    if not (folder / RESULTS_FILE).is_file() and not is_sweep(folder) and not (folder / SEARCH_FILE).is_file():
        raise DataError(
            f"'{folder}' is not an nnspec run folder: it has neither {RESULTS_FILE} nor {SWEEP_FILE}",
            hint="give the folder `nnspec run` wrote",
        )
    return folder


def read_json(path: Path) -> Any:
    """Parse a JSON file, turning a missing or garbled file into a DataError."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path}: not valid JSON ({error})") from None


def load_run(folder: Path) -> SavedRun:
    """Read and check one run folder."""
    folder = check_folder(folder)
    path = folder / RESULTS_FILE
    results = read_json(path)
    if not isinstance(results, dict):
        raise DataError(f"{path}: expected a JSON object, found {type(results).__name__}")
    _check_results(results, path)
    history = _history(results, folder)
    spec_text = results.get("spec") or _read_text(folder / SPEC_FILE) or ""
    run = SavedRun(folder, results, history, None, spec_text)
    run.predictions = _load_predictions(folder / PREDICTIONS_FILE, run)
    return run


def load_sweep(folder: Path) -> SavedSweep:
    """Read and check a sweep folder and every variant's run folder in it."""
    folder = check_folder(folder)
    path = folder / SWEEP_FILE
    entries = read_json(path)
    if not isinstance(entries, list) or not entries:
        raise DataError(f"{path}: expected a non-empty list of variants")
    loaded, runs, failed = [], [], []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or "label" not in entry or "dir" not in entry:
            raise DataError(f"{path}: variant {number} has no 'label' or 'dir'")
        variant_dir = folder / str(entry["dir"]) if entry["dir"] else None
        if variant_dir is None or not (variant_dir / RESULTS_FILE).is_file():
            if entry.get("error"):  # a variant that failed early has no folder to draw
                failed.append(entry)
                continue
            raise DataError(
                f"{path}: variant '{entry['label']}' has no run folder with {RESULTS_FILE} at '{variant_dir}'"
            )
        loaded.append(entry)
        runs.append(load_run(variant_dir))
    if not runs:
        raise DataError(f"{path}: every variant failed, so there is nothing to report")
    spec_text = _read_text(folder / SPEC_FILE) or ""
    return SavedSweep(folder, loaded, runs, spec_text, failed)


def _check_results(results: dict, path: Path) -> None:
    for key in ("task", "metrics"):
        if key not in results:
            raise DataError(f"{path}: '{key}' is missing")
    if results["task"] not in TASKS:
        raise DataError(f"{path}: unknown task {results['task']!r}; expected one of {', '.join(TASKS)}")
    if not isinstance(results["metrics"], dict):
        raise DataError(f"{path}: 'metrics' must map metric names to numbers")
    names = results.get("class_names")
    if names is not None and not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        raise DataError(f"{path}: 'class_names' must be a list of strings or null")
    shape = results.get("image_shape")
    if shape is not None and not (isinstance(shape, list) and shape and all(isinstance(s, int) and s > 0 for s in shape)):
        raise DataError(f"{path}: 'image_shape' must be a list of positive integers or null")


def _history(results: dict, folder: Path) -> dict[str, list[float]]:
    """Per-epoch series from results.json, or from history.csv when results.json has none."""
    history = results.get("history")
    if history is None and (folder / HISTORY_FILE).is_file():
        import pandas as pd

        try:
            frame = pd.read_csv(folder / HISTORY_FILE)
        except Exception as error:  # pandas raises several kinds for a garbled CSV
            raise DataError(f"{folder / HISTORY_FILE}: cannot be read ({error})") from None
        history = {name: frame[name].tolist() for name in frame.columns if name != "epoch"}
    history = history or {}
    if not isinstance(history, dict) or not all(isinstance(v, list) for v in history.values()):
        raise DataError(f"{folder / RESULTS_FILE}: 'history' must map names to per-epoch lists")
    try:
        return {name: [float(v) if v is not None else float("nan") for v in values] for name, values in history.items()}
    except (TypeError, ValueError):
        raise DataError(f"{folder / RESULTS_FILE}: 'history' holds values that are not numbers") from None


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def _load_predictions(path: Path, run: SavedRun) -> Predictions | None:
    """The checked predictions, or None when the run saved none."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in saved.files}
    except Exception as error:  # numpy raises OSError, ValueError, BadZipFile... for a garbled file
        raise DataError(f"{path}: cannot be read ({type(error).__name__}: {error})") from None
    for name in ("y_true", "y_pred"):
        if name not in arrays:
            raise DataError(f"{path}: array '{name}' is missing")
    y_true = np.asarray(arrays["y_true"])
    y_pred = np.asarray(arrays["y_pred"], dtype=np.float64)
    if y_true.ndim == 2 and y_true.shape[1] == 1:
        y_true = y_true[:, 0]
    if run.task != "multiclass" and y_pred.ndim == 2 and y_pred.shape[1] == 1:
        y_pred = y_pred[:, 0]
    if y_true.ndim != 1 or len(y_true) != len(y_pred):
        raise DataError(f"{path}: y_true {y_true.shape} and y_pred {y_pred.shape} do not match")
    if run.task == "regression":
        if y_pred.ndim != 1:
            raise DataError(f"{path}: a regression run needs y_pred of shape (n,), found {y_pred.shape}")
        return Predictions(y_true.astype(np.float64), y_pred)
    _check_classification(path, run, y_true, y_pred)
    x_wrong = arrays.get("x_wrong")
    wrong_index = arrays.get("wrong_index")
    if (x_wrong is None) != (wrong_index is None) or (
        x_wrong is not None and len(x_wrong) != len(wrong_index)
    ):
        raise DataError(f"{path}: x_wrong and wrong_index must be saved together, one image per index")
    return Predictions(y_true.astype(np.int64), y_pred, x_wrong, None if wrong_index is None else wrong_index.astype(np.int64))


def _check_classification(path: Path, run: SavedRun, y_true: np.ndarray, y_pred: np.ndarray) -> None:
    if not np.all(np.isfinite(y_true)) or not np.all(np.equal(np.mod(y_true, 1), 0)):
        raise DataError(f"{path}: y_true must hold integer class indexes for a {run.task} run")
    if run.task == "binary":
        if y_pred.ndim != 1:
            raise DataError(f"{path}: a binary run needs y_pred of shape (n,) (probability of class 1), found {y_pred.shape}")
        classes = 2
    else:
        if y_pred.ndim != 2:
            raise DataError(f"{path}: a multiclass run needs y_pred of shape (n, classes), found {y_pred.shape}")
        classes = y_pred.shape[1]
    if len(y_true) and (y_true.min() < 0 or y_true.max() >= classes):
        raise DataError(f"{path}: y_true holds class indexes outside 0..{classes - 1}")
    names = run.class_names
    if names is not None and len(names) != classes:
        raise DataError(f"{run.dir / RESULTS_FILE}: {len(names)} class names for {classes} classes")


def best_epoch(history: dict[str, list[float]]) -> int | None:
    """The epoch (from 1) with the lowest validation loss, else the lowest training loss."""
    for name in ("val_loss", "loss"):
        values = np.asarray(history.get(name) or [], dtype=float)
        if values.size and np.isfinite(values).any():
            return int(np.nanargmin(np.where(np.isfinite(values), values, np.nan))) + 1
    return None
