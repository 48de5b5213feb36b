"""A run folder logged to MLflow (`nnspec run --mlflow [URI]`): one MLflow run per variant or trial.

When a run ends (after its report), every variant's folder becomes an MLflow run in
the experiment named after the spec: its params (every option the spec wrote, by
statement, and the sweep's or the search's values), its per-epoch history as metrics
with the epoch as step, its test metrics (`test_accuracy`), and as artefacts the
report's pictures and page, spec.nn, results.json, history.csv and the model. A sweep
or a search gets a parent run with the comparison table and the overlaid curves; its
variants are nested under it. What was logged is remembered in the folder (mlflow.json),
so a resumed run adds only what is new.

It talks to MLflow through `MlflowClient` with the tracking URI given, so a SQLite
file (the default, `sqlite:///runs/mlflow.db`) and a tracking server work the same.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from ..dsl.format import format_statement, format_value
from ..dsl.nodes import Block, DataStmt, LayerStmt, LetStmt, TrainStmt, keyword_of
from ..rundir import RESULTS_FILE, SPEC_FILE, SWEEP_FILE, read_json, write_json

LOGGED_FILE = "mlflow.json"  # what this folder has sent to MLflow already
ARTIFACT_SUFFIXES = (".png", ".html", ".csv", ".json", ".nn")
MODEL_FILES = ("model.keras", "checkpoint", "saved_model")


def log_folder(root: Path, uri: str) -> list[str]:
    """Log the run or sweep folder `root` to the MLflow store at `uri`; the ids of the runs logged now."""
    import logging

    from mlflow.tracking import MlflowClient

    logging.getLogger("mlflow").setLevel(logging.WARNING)  # its database set-up notes are not the user's business
    client = MlflowClient(tracking_uri=uri)
    logged = read_json(root / LOGGED_FILE) if (root / LOGGED_FILE).is_file() else {"runs": {}}
    sweep = (root / SWEEP_FILE).is_file()
    folders = sorted(p.parent for p in root.glob(f"*/{RESULTS_FILE}")) if sweep else [root]
    if not folders:
        return []
    experiment = _experiment(client, uri, _spec_name(root, read_json(folders[0] / RESULTS_FILE)))
    parent = logged.get("parent")
    if sweep and parent is None:
        parent = client.create_run(experiment, run_name=root.name,
                                   tags={"nnspec.dir": str(root.resolve()), "nnspec.kind": _kind(root)}).info.run_id
        logged["parent"] = parent
    done = []
    for folder in folders:
        results = read_json(folder / RESULTS_FILE)
        if results.get("interrupted") or folder.name in logged["runs"]:
            continue  # an unfinished variant is logged when it finishes (after --resume)
        logged["runs"][folder.name] = _log_variant(client, experiment, folder, results, parent)
        done.append(logged["runs"][folder.name])
        write_json(root / LOGGED_FILE, logged)
    if parent is not None:
        _artifacts(client, parent, root, recursive=False)
        client.set_terminated(parent, "FINISHED")
    write_json(root / LOGGED_FILE, logged)
    return done


def _log_variant(client, experiment: str, folder: Path, results: dict, parent: str | None) -> str:
    from mlflow.entities import Metric, Param, RunTag

    search = results.get("search") or {}
    state = "failed" if results.get("error") else search.get("state", "finished")
    tags = {"nnspec.dir": str(folder.resolve()), "nnspec.state": state, "nnspec.backend": results.get("backend", "")}
    if parent is not None:
        tags["mlflow.parentRunId"] = parent
    run = client.create_run(experiment, run_name=results.get("label") or folder.name, tags=tags).info.run_id
    params = {**spec_params(folder / SPEC_FILE), **run_params(results)}
    now = int(time.time() * 1000)
    metrics = [Metric(name, float(value), now, step)
               for name, values in (results.get("history") or {}).items()
               for step, value in enumerate(values, 1) if value is not None]
    metrics += [Metric(f"test_{name}", float(value), now, 0) for name, value in (results.get("metrics") or {}).items()
                if value is not None]
    if search.get("value") is not None:
        metrics.append(Metric(f"search_{search['objective']}", float(search["value"]), now, 0))
    items = [Param(key, str(value)[:6000]) for key, value in params.items()]
    for start in range(0, max(len(items), len(metrics), 1), 100):  # MLflow takes batches of limited size
        client.log_batch(run, metrics=metrics[start:start + 100], params=items[start:start + 100],
                         tags=[RunTag("nnspec.label", results.get("label", ""))] if start == 0 else [])
    _artifacts(client, run, folder, recursive=True)
    client.set_terminated(run, "FAILED" if state == "failed" else "FINISHED")
    return run


def spec_params(path: Path) -> dict[str, Any]:
    """Every option the spec wrote, by statement: `data`, `data.test`, `train.lr`, `layer.1`, `seed`, `let.lr`."""
    from ..dsl.parser import parse

    if not path.is_file():
        return {}
    spec = parse(path.read_text(encoding="utf-8"), str(path))
    out: dict[str, Any] = {}
    layer = 0
    for stmt in spec.statements:
        if isinstance(stmt, (LayerStmt, Block)):
            layer += 1
            out[f"layer.{layer}"] = format_statement(stmt)
        elif isinstance(stmt, LetStmt):
            out[f"let.{stmt.name}"] = " | ".join(format_value(v) for v in stmt.values)
        elif isinstance(stmt, (DataStmt, TrainStmt)):
            word = keyword_of(stmt)
            out[word] = stmt.name if isinstance(stmt, DataStmt) else format_value(stmt.optimizer)
            out.update({f"{word}.{o.key}": format_value(o.value) for o in stmt.options})
        else:
            out[keyword_of(stmt)] = format_statement(stmt).split(" ", 1)[-1]
    return out


def run_params(results: dict) -> dict[str, Any]:
    """What the run decided beyond the spec (the loss, the batch) and the variant's values (`variant.lr`)."""
    out = {key: results[key] for key in ("backend", "optimizer", "lr", "batch", "loss", "epochs", "seed",
                                         "param_count", "dataset") if results.get(key) is not None}
    out.update({f"variant.{name}": value for name, value in (results.get("variant") or {}).items()})
    return out


def _artifacts(client, run: str, folder: Path, recursive: bool) -> None:
    """The report's pictures and page, the run's files and (for a variant) the model, as artefacts."""
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix in ARTIFACT_SUFFIXES
             and p.name != LOGGED_FILE and not p.name.startswith(".")]
    with tempfile.TemporaryDirectory(prefix="nnspec-mlflow-") as staging:
        for path in files:
            (Path(staging) / path.name).symlink_to(path.resolve())
        if files:
            client.log_artifacts(run, staging)
    if recursive:
        for name in MODEL_FILES:
            model = folder / name
            if model.is_file():
                client.log_artifact(run, str(model), artifact_path="model")
            elif model.is_dir():
                client.log_artifacts(run, str(model), artifact_path=f"model/{name}")


def _experiment(client, uri: str, name: str) -> str:
    """The experiment named after the spec (created, with its artefacts beside a SQLite store)."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = None
    if uri.startswith("sqlite:///"):
        location = (Path(uri[len("sqlite:///"):]).parent / "mlartifacts" / name).resolve().as_uri()
    return client.create_experiment(name, artifact_location=location)


def _spec_name(root: Path, results: dict) -> str:
    spec_file = results.get("spec_file")
    return Path(spec_file).stem if spec_file else root.parent.name or root.name


def _kind(root: Path) -> str:
    from ..rundir import SEARCH_FILE

    return "search" if (root / SEARCH_FILE).is_file() else "sweep"
