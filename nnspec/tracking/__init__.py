"""Runs you can find again: what a run records besides its folder (TensorBoard, MLflow), kept for --resume.

`--tensorboard` makes the built-in training callback `tensorboard_events` write event
files into each variant's folder; `--mlflow [URI]` logs every variant to MLflow when
the run ends (nnspec/tracking/mlflow_runs.py). The choice travels with each Plan
(`Plan.tracking`) to wherever the variant trains, and is saved in the run folder
(tracking.json) so that `nnspec run --resume` records the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..rundir import TRACKING_FILE, read_json, write_json

DEFAULT_MLFLOW = "sqlite:///runs/mlflow.db"  # a real MLflow store, a SQLite file beside the runs
MLFLOW_INSTALL = "pip install 'nnspec[mlflow]'"
TENSORBOARD_INSTALL = "pip install 'nnspec[tensorboard]'"


def tracking_options(tensorboard: bool = False, mlflow: str | bool | None = None) -> dict[str, Any]:
    """{"tensorboard": True, "mlflow": URI} for what was asked; a UsageError when its library is missing.

    `mlflow=True` (or "default") is DEFAULT_MLFLOW; a relative SQLite path is made
    absolute here, so that every process (--jobs, --resume) writes the same database.
    """
    out: dict[str, Any] = {}
    if tensorboard:
        _need("tensorboard", "--tensorboard", TENSORBOARD_INSTALL)
        out["tensorboard"] = True
    if mlflow:
        uri = DEFAULT_MLFLOW if mlflow in (True, "default") else str(mlflow)
        if ":" not in uri:
            raise UsageError(f"--mlflow takes a tracking URI with its scheme, not '{uri}'",
                             hint="e.g. sqlite:///runs/mlflow.db, http://host:5000, file:///path/mlruns")
        _need("mlflow", "--mlflow", MLFLOW_INSTALL)
        out["mlflow"] = absolute_uri(uri)
    return out


def absolute_uri(uri: str) -> str:
    """`sqlite:///runs/mlflow.db` with the path made absolute (and its folder created); other URIs as given."""
    prefix = "sqlite:///"
    if not uri.startswith(prefix) or uri.startswith(prefix + "/"):
        return uri
    path = Path(uri[len(prefix):]).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return prefix + str(path)


def _need(module: str, option: str, install: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UsageError(f"{option} needs {module}, which is not installed", hint=install)


def save_tracking(root: Path, tracking: dict[str, Any]) -> None:
    """tracking.json in the run folder, when anything is tracked."""
    if tracking:
        write_json(Path(root) / TRACKING_FILE, tracking)


def load_tracking(root: Path) -> dict[str, Any]:
    """What the run in `root` tracked ({} when nothing)."""
    path = Path(root) / TRACKING_FILE
    return dict(read_json(path)) if path.is_file() else {}


def log_finished(root: Path, tracking: dict[str, Any], warn) -> None:
    """Log the run folder to MLflow when the run asked for it; a failure is a warning, never lost results."""
    uri = (tracking or {}).get("mlflow")
    if not uri:
        return
    from .mlflow_runs import log_folder

    try:
        log_folder(Path(root), uri)
    except Exception as error:  # the results are saved; the tracking server may be down
        warn(f"the run could not be logged to MLflow at {uri}: {type(error).__name__}: {error}")
