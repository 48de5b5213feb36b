"""The tables a report shows: misclassified samples, metrics, and a sweep's comparison."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..rundir import SavedRun, SavedSweep, best_epoch

def class_names_of(run: SavedRun) -> list[str]:
    """The name of each class: the dataset's names, else the class indexes as text."""
    if run.class_names:
        return list(run.class_names)
    classes = 2 if run.task == "binary" else run.predictions.y_pred.shape[1]
    return [str(index) for index in range(classes)]


def probabilities(run: SavedRun) -> np.ndarray:
    """Class probabilities (n, classes), also for binary runs.

    A network whose last layer has no activation saves logits; those are turned into
    probabilities here so that confidence always means a probability.
    """
    y_pred = run.predictions.y_pred
    outside = y_pred.size and (np.nanmin(y_pred) < 0 or np.nanmax(y_pred) > 1)
    if run.task == "binary":
        p1 = 1 / (1 + np.exp(-y_pred)) if outside else y_pred
        return np.stack([1 - p1, p1], axis=1)
    if outside:
        shifted = np.exp(y_pred - y_pred.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)
    return y_pred


def predicted_classes(run: SavedRun) -> tuple[np.ndarray, np.ndarray]:
    """The predicted class of each test sample and the probability given to it."""
    probs = probabilities(run)
    predicted = probs.argmax(axis=1)
    return predicted, probs[np.arange(len(probs)), predicted]


def misclassified_table(run: SavedRun) -> pd.DataFrame:
    """One row per wrong test prediction: index, label, predicted, confidence.

    Where the dataset names its classes (other than "0", "1"...), `label` and
    `predicted` hold the names and `label_id`/`predicted_id` the class indexes;
    otherwise they hold the indexes.
    """
    y_true = run.predictions.y_true
    predicted, confidence = predicted_classes(run)
    wrong = np.flatnonzero(predicted != y_true)
    table = pd.DataFrame(
        {
            "index": run.predictions.index[wrong].astype(np.int64),
            "label": y_true[wrong].astype(np.int64),
            "predicted": predicted[wrong].astype(np.int64),
            "confidence": confidence[wrong].round(4),
        }
    )
    if run.class_names and run.class_names != [str(index) for index in range(len(run.class_names))]:
        names = np.asarray(run.class_names, dtype=object)
        table["label_id"] = table["label"]
        table["predicted_id"] = table["predicted"]
        table["label"] = names[table["label_id"].to_numpy()]
        table["predicted"] = names[table["predicted_id"].to_numpy()]
    return table


def metrics_table(metrics: dict[str, float]) -> pd.DataFrame:
    """Test metrics as a two-column table."""
    return pd.DataFrame({"metric": list(metrics), "value": [format_number(v) for v in metrics.values()]})


def seed_summary_table(sweep: SavedSweep) -> pd.DataFrame:
    """Runs repeated over seeds, one row per variant: `<metric>_mean`, `<metric>_sd`, `n`, best mean first."""
    from ..summary import group_runs, rank_groups, summary_rows

    entries = [
        {**entry, "seed": entry.get("seed", run.results.get("seed")), "metrics": entry.get("metrics") or run.metrics}
        for entry, run in zip(sweep.entries, sweep.runs)
    ]
    entries += [{**entry, "error": entry["error"]} for entry in sweep.failed]
    return pd.DataFrame(summary_rows(rank_groups(group_runs(entries))))


def comparison_table(sweep: SavedSweep) -> pd.DataFrame:
    """One row per variant: its values, final test metrics, best epoch and train seconds."""
    rows = []
    for entry, run in zip(sweep.entries, sweep.runs):
        row = {"variant": entry["label"]}
        row.update({name: value for name, value in (entry.get("variant") or {}).items()})
        metrics = entry.get("metrics") or run.metrics
        row.update({name: metrics[name] for name in metrics})
        epoch = entry.get("best_epoch")
        row["best_epoch"] = epoch if epoch is not None else best_epoch(run.history)
        seconds = entry.get("train_seconds", run.results.get("train_seconds"))
        row["train_seconds"] = round(float(seconds), 2) if seconds is not None else None
        if entry.get("search"):  # a search's trial: how it ended, and the value it was judged by
            row["state"] = entry["search"].get("state")
            row[entry["search"].get("objective") or "objective"] = entry["search"].get("value")
        row["error"] = entry.get("error") or run.results.get("error")
        rows.append(row)
    for entry in sweep.failed:
        rows.append({"variant": entry["label"], **(entry.get("variant") or {}), "error": entry["error"]})
    table = pd.DataFrame(rows)
    if table["error"].isna().all():
        table = table.drop(columns="error")
    return table


def format_number(value) -> str:
    """Four significant digits for floats; n/a for a missing value.

    Training saves a NaN metric as null, so a missing number and a NaN both read n/a.
    """
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    return str(value)
