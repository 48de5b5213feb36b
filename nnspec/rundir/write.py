"""Write a run folder: create it without overwriting anything, and write each file whole or not at all.

Every file is written under a temporary name beside it and renamed into place, so a
crash or an interruption never leaves half a results.json, history.csv or
predictions.npz behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..errors import UsageError
from ..files import TEMP_PREFIX, default_mode, write_atomically
from ..results import RunResult, jsonable
from .names import HISTORY_FILE, PREDICTIONS_FILE, RESULTS_FILE, RUN_MARKER, SWEEP_FILE


def default_folder(stem: str) -> Path:
    """`runs/<stem>/<time>/`, where a run goes when no folder is given."""
    return Path("runs") / stem / datetime.now().strftime("%Y%m%d-%H%M%S")


def new_folder(path: Path) -> Path:
    """`path`, or `path-2`, `path-3`...: the first folder this process claims for itself.

    A folder is claimed by creating its marker file with O_EXCL, which the file system
    grants to exactly one process: two runs started together never share a folder, and
    a folder that already holds anything is skipped, so nothing is overwritten.
    """
    candidate, number = Path(path), 1
    while not _claim(candidate):
        number += 1
        candidate = Path(path).with_name(f"{Path(path).name}-{number}")
    return candidate


def _claim(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file of that name
        return False
    except OSError as error:
        raise UsageError(f"cannot create the run folder '{folder}': {error.strerror}") from None
    if any(entry.name != RUN_MARKER for entry in folder.iterdir()):
        return False
    try:
        os.close(os.open(folder / RUN_MARKER, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:  # another run claimed it first
        return False
    except OSError as error:
        raise UsageError(f"cannot write in the run folder '{folder}': {error.strerror}") from None
    return True


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
    write_atomically(path, text, sync=False)


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically; NaN and infinity become null, NumPy values plain numbers."""
    write_text(path, json.dumps(jsonable(data), indent=2, allow_nan=False) + "\n")


def write_npz(path: Path, arrays: dict[str, np.ndarray], compress: bool = True) -> None:
    """Write arrays atomically (the temporary name keeps numpy's .npz suffix)."""
    handle, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".npz", dir=path.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        (np.savez_compressed if compress else np.savez)(tmp, **arrays)
        os.chmod(tmp, default_mode())  # mkstemp makes it private; a run's files are as readable as any
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_model(trainer, folder: Path) -> list[Path]:
    """`trainer.save` into a temporary folder, then each file it wrote renamed into `folder`.

    A save that fails (a layer Keras cannot serialize, a full disk) leaves nothing
    behind: no partial or empty model.keras, no half checkpoint/ folder.
    """
    tmp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=folder))
    try:
        trainer.save(tmp)
        saved = []
        for entry in sorted(tmp.iterdir()):
            target = folder / entry.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(entry, target)
            saved.append(target)
        return saved
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
    if "search" in result.extras:  # a search's trial: its number, state and objective value
        entry["search"] = result.extras["search"]
    if result.error:
        entry["error"] = result.error
    return entry
