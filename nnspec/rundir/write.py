"""Write a run folder: create it without overwriting anything, and write each file whole or not at all.

Every file is written under a temporary name beside it and renamed into place, so a
crash or an interruption never leaves half a results.json, history.csv or
predictions.npz behind.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..errors import UsageError
from ..results import RunResult, jsonable
from .names import HISTORY_FILE, PREDICTIONS_FILE, RESULTS_FILE, SWEEP_FILE


def default_folder(stem: str) -> Path:
    """`runs/<stem>/<time>/`, where a run goes when no folder is given."""
    return Path("runs") / stem / datetime.now().strftime("%Y%m%d-%H%M%S")


def new_folder(path: Path) -> Path:
    """`path`, or `path-2`, `path-3`... when it exists and holds files: nothing is overwritten."""
    candidate, number = path, 1
    while candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir())):
        number += 1
        candidate = path.with_name(f"{path.name}-{number}")
    try:
        candidate.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the run folder '{candidate}': {error.strerror}") from None
    return candidate


def slug(label: str) -> str:
    """A folder name for a variant label: `init=xavier lr=0.1` -> `init-xavier_lr-0.1`."""
    text = label.replace("=", "-").replace(" ", "_")
    return re.sub(r"[^A-Za-z0-9._+-]", "-", text) or "variant"


def variant_folders(root: Path, labels: Iterable[str]) -> list[Path]:
    """One folder under the sweep folder per variant label, named after it, never twice."""
    taken: list[str] = []
    for label in labels:
        taken.append(unique_slug(label, taken))
    return [root / name for name in taken]


def unique_slug(label: str, taken: Iterable[str]) -> str:
    """`slug(label)`, numbered `-2`, `-3`... past the folder names already taken."""
    taken = set(taken)
    base = slug(label)
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


def write_text(path: Path, text: str) -> None:
    """Write a whole file or nothing: a crash never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically; NaN and infinity become null, NumPy values plain numbers."""
    write_text(path, json.dumps(jsonable(data), indent=2, allow_nan=False) + "\n")


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write compressed arrays atomically (the temporary name keeps numpy's .npz suffix)."""
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)


def write_results(folder: Path, result: RunResult) -> None:
    """results.json: the RunResult as it stands (written again as results become known)."""
    write_json(folder / RESULTS_FILE, result.to_dict())


def write_history(folder: Path, history: dict[str, list[float]]) -> None:
    """history.csv: `epoch`, then one column per series, one row per finished epoch."""
    names = list(history)
    rows = ["epoch," + ",".join(names)]
    epochs = len(next(iter(history.values()), []))
    for i in range(epochs):
        rows.append(f"{i + 1}," + ",".join(repr(float(history[name][i])) for name in names))
    write_text(folder / HISTORY_FILE, "\n".join(rows) + "\n")


def write_predictions(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    """predictions.npz: y_true and y_pred, plus x_wrong and wrong_index for image data."""
    write_npz(folder / PREDICTIONS_FILE, arrays)


def write_sweep(root: Path, results: Iterable[RunResult]) -> None:
    """sweep.json: one entry per variant (label, folder, metrics, best epoch, error)."""
    write_json(root / SWEEP_FILE, [_sweep_entry(result, root) for result in results])


def _sweep_entry(result: RunResult, root: Path) -> dict[str, Any]:
    entry = {
        "label": result.label,
        "variant": result.variant,
        "seed": result.seed,
        "dir": result.dir.relative_to(root).as_posix() if result.dir is not None else None,
        "metrics": result.metrics,
        "best_epoch": result.best_epoch,
        "train_seconds": result.train_seconds,
    }
    if result.group is not None:  # seeds repeat: the variant without its seed
        entry["group"] = result.group
    if result.error:
        entry["error"] = result.error
    return entry
