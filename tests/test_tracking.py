"""Runs you can find again: TensorBoard event files, MLflow runs, and `nnspec runs`.

TensorBoard's files are read back with TensorBoard's own EventAccumulator, MLflow's
runs with `mlflow.search_runs` from a real SQLite store and from a real tracking server
on a loopback port.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nnspec
from nnspec.cli import app
from nnspec.commands.run import optional_ray_address
from nnspec.tracking.runs import find_runs, sort_runs
from range_specs import digits_search

ROOT = Path(__file__).resolve().parents[1]
DIGITS = "data digits test=0.25 seed=0\ndense 16 relu\ndense 10 softmax\ntrain adam epochs=2 batch=64 val=0.2\n"
pytestmark = pytest.mark.slow


def events(folder: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(folder / "tensorboard"), size_guidance={"scalars": 0, "histograms": 0})
    accumulator.Reload()
    return accumulator


@pytest.mark.parametrize("backend", ["keras", "tf1"])
def test_tensorboard_event_files_read_back_with_tensorboards_reader(backend, tmp_path):
    spec = tmp_path / "digits.nn"
    spec.write_text(DIGITS)
    result = CliRunner().invoke(app, ["run", str(spec), "--backend", backend, "--tensorboard", "--diagnostics",
                                      "--out", str(tmp_path / "run"), "-q"])
    assert result.exit_code == 0, result.output
    read = events(tmp_path / "run")
    scalars, histograms = read.Tags()["scalars"], read.Tags()["histograms"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr"} <= set(scalars)
    assert {"grad_norm/dense_1", "grad_norm/dense_2"} <= set(scalars)
    assert {"weights/dense_1", "weights/dense_2"} <= set(histograms)
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert [(e.step, round(e.value, 5)) for e in read.Scalars("loss")] == \
        [(epoch, round(value, 5)) for epoch, value in enumerate(saved["history"]["loss"], 1)]
    assert [e.value for e in read.Scalars("lr")] == pytest.approx([0.001, 0.001])
    histogram = read.Histograms("weights/dense_1")[-1].histogram_value
    assert histogram.num == 64 * 16 and histogram.min < 0 < histogram.max


def test_without_tensorboard_no_event_files_are_written(tmp_path):
    nnspec.run(nnspec.parse(DIGITS), epochs=1, out=tmp_path / "run", progress="none")
    assert not (tmp_path / "run" / "tensorboard").exists()


def test_a_search_logged_to_mlflow_reads_back_through_search_runs(tmp_path):
    import mlflow

    uri = f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
    runs = nnspec.run(digits_search(epochs=2), trials=3, prune="none", mlflow=uri, tensorboard=True,
                      out=tmp_path / "search", progress="none")
    mlflow.set_tracking_uri(uri)
    found = mlflow.search_runs(experiment_names=["digits_search"])
    assert len(found) == 4  # the search's own run and one per trial, nested under it
    parent = found[found["tags.nnspec.kind"] == "search"].iloc[0]
    trials = found[found["tags.mlflow.parentRunId"] == parent.run_id].sort_values("params.variant.trial")
    assert len(trials) == 3 and set(trials["status"]) == {"FINISHED"}
    best = runs.best
    row = trials[trials["tags.nnspec.dir"] == str(best.dir.resolve())].iloc[0]
    assert float(row["params.variant.lr"]) == best.variant["lr"]
    assert int(row["params.variant.units"]) == best.variant["units"]
    assert row["params.train.lr"] == repr(best.lr)
    assert row["params.layer.1"].startswith(f"dense {best.variant['units']} relu")
    assert row["params.data"] == "digits" and row["params.data.test"] == "0.25" and row["params.seed"] == "0"
    assert row["metrics.test_accuracy"] == pytest.approx(best.metrics["accuracy"])
    client = mlflow.tracking.MlflowClient(uri)
    assert [m.step for m in client.get_metric_history(row.run_id, "val_loss")] == [1, 2]
    artefacts = {a.path for a in client.list_artifacts(row.run_id)}
    assert {"curves.png", "index.html", "results.json", "spec.nn", "model"} <= artefacts
    assert [a.path for a in client.list_artifacts(row.run_id, "model")] == ["model/model.keras"]
    assert "sweep_curves.png" in {a.path for a in client.list_artifacts(parent.run_id)}
    assert (tmp_path / "store" / "mlartifacts").is_dir()
    assert all((r.dir / "tensorboard").is_dir() for r in runs)  # the trials wrote their event files too


def test_mlflow_alone_logs_to_runs_mlflow_db_beside_the_runs(tmp_path, monkeypatch):
    import mlflow

    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.nn").write_text(DIGITS.replace("epochs=2", "epochs=1"))
    result = CliRunner().invoke(app, optional_ray_address(["run", "tiny.nn", "--mlflow", "-q"]))  # as main() does
    assert result.exit_code == 0, result.output
    assert (tmp_path / "runs" / "mlflow.db").is_file()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'runs' / 'mlflow.db'}")
    (row,) = mlflow.search_runs(experiment_names=["tiny"]).itertuples()
    assert row.status == "FINISHED"
    assert json.loads((next((tmp_path / "runs" / "tiny").iterdir()) / "tracking.json").read_text())["mlflow"] \
        == f"sqlite:///{tmp_path / 'runs' / 'mlflow.db'}"


def test_mlflow_takes_an_optional_tracking_uri_on_the_command_line(tmp_path):
    wrong = CliRunner().invoke(app, ["run", str(ROOT / "specs" / "iris.nn"), "--mlflow", "runs/db",
                                     "--out", str(tmp_path / "r")])
    assert wrong.exit_code == 2 and "--mlflow takes a tracking URI with its scheme" in wrong.output
    assert optional_ray_address(["run", "a.nn", "--mlflow"]) == ["run", "a.nn", "--mlflow", "default"]
    assert optional_ray_address(["run", "--mlflow", "a.nn"]) == ["run", "--mlflow", "default", "a.nn"]
    assert optional_ray_address(["run", "a.nn", "--mlflow", "http://mlflow:5000"]) == \
        ["run", "a.nn", "--mlflow", "http://mlflow:5000"]


def test_runs_lists_every_run_with_its_state_and_sorts_by_a_metric(tmp_path):
    spec = tmp_path / "sweep.nn"
    spec.write_text(DIGITS.replace("dense 16 relu", "dense 8|16 relu").replace("epochs=2", "epochs=1"))
    sweep = nnspec.run(spec, out=tmp_path / "runs" / "sweep", progress="none")
    broken = tmp_path / "runs" / "broken"
    shutil.copytree(sweep[0].dir, broken)
    (broken / ".nnspec-run").touch()
    saved = json.loads((broken / "results.json").read_text())
    (broken / "results.json").write_text(json.dumps({**saved, "interrupted": True}))
    rows = find_runs(tmp_path / "runs")
    assert sorted(row.state for row in rows) == ["finished", "finished", "interrupted"]
    assert {row.spec for row in rows} == {"sweep"}
    ranked = sort_runs(rows, "accuracy")
    assert [r.metrics["accuracy"] for r in ranked] == sorted((r.metrics["accuracy"] for r in rows), reverse=True)
    result = CliRunner().invoke(app, ["runs", str(tmp_path / "runs"), "--sort", "loss"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:7] == ["spec", "variant", "backend", "optimizer", "lr", "batch", "epochs"]
    assert "interrupted" in result.output and len(lines) == 4
    listed = json.loads(CliRunner().invoke(app, ["runs", str(tmp_path / "runs"), "--format", "json"]).output)
    assert {entry["variant"] for entry in listed} == {"dense=8", "dense=16"} and listed[0]["metrics"]
    wrong = CliRunner().invoke(app, ["runs", str(tmp_path / "runs"), "--sort", "f1"])
    assert wrong.exit_code == 2 and "no run has that metric" in wrong.output


@pytest.fixture
def mlflow_server(tmp_path):
    """A real MLflow tracking server on a loopback port (stopped afterwards, with its workers)."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}", "--artifacts-destination",
         str(tmp_path / "server-artifacts")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 240
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None and time.time() < deadline, "the MLflow server did not start"
            time.sleep(1)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def test_a_tracking_server_takes_the_runs_as_the_sqlite_store_does(mlflow_server, tmp_path):
    import mlflow

    spec = tmp_path / "remote.nn"
    spec.write_text(DIGITS.replace("epochs=2", "epochs=1"))
    result = CliRunner().invoke(app, ["run", str(spec), "--mlflow", mlflow_server, "--out", str(tmp_path / "run"), "-q"])
    assert result.exit_code == 0, result.output
    mlflow.set_tracking_uri(mlflow_server)
    found = mlflow.search_runs(experiment_names=["remote"])
    assert len(found) == 1
    row = found.iloc[0]
    assert row["status"] == "FINISHED" and row["params.layer.1"] == "dense 16 relu"
    artefacts = {a.path for a in mlflow.tracking.MlflowClient(mlflow_server).list_artifacts(row.run_id)}
    assert {"curves.png", "results.json", "model"} <= artefacts
