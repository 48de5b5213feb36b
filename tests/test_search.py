"""`nnspec run --trials N`: a search with Optuna over the digits example, pruned, ranked, reproducible, resumable.

The searches are small (8x8 digits, a one-layer MLP, a few epochs) so that the file
trains in about a minute on two cores.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nnspec
from nnspec.cli import app
from nnspec.commands.run import results_table
from range_specs import digits_search

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def trial_params(root: Path) -> list[tuple]:
    """(trial, state, sampled values) of every trial, from the study the search left in its folder."""
    import optuna

    study = optuna.load_study(study_name="nnspec", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(root / "study.journal"))))
    return [(t.number, t.state.name, t.params) for t in study.get_trials()]


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    root = tmp_path_factory.mktemp("search") / "run"
    return nnspec.run(digits_search(epochs=4), trials=8, out=root, progress="none")


def test_a_digits_search_finishes_prunes_and_ranks_the_best_first(searched):
    trials = list(searched) + searched.failures
    assert len(trials) == 8
    states = [r.extras["search"]["state"] for r in searched]
    assert "pruned" in states, states
    assert all(r.epochs_done < r.epochs for r in searched if r.extras["search"]["state"] == "pruned")
    complete = [r for r in searched if r.extras["search"]["state"] == "complete"]
    values = [r.extras["search"]["value"] for r in complete]
    assert complete and values == sorted(values)  # val_loss: best (lowest) first
    assert searched.best is complete[0]
    assert states == sorted(states, key=("complete", "pruned").index)  # complete trials, then pruned ones
    table = results_table(trials)
    assert table.splitlines()[0].split()[:3] == ["variant", "trial", "val_loss"]
    assert "pruned at" in table


def test_each_trial_is_a_variant_folder_with_its_sampled_values(searched):
    root = searched.dir
    folders = sorted(p.name for p in root.glob("trial-*"))
    assert len(folders) == 8 and folders[0].startswith("trial-0_lr-")
    for result in searched:
        spec_text = (result.dir / "spec.nn").read_text()
        assert f"dense {result.variant['units']} relu" in spec_text
        assert 0.0001 <= result.lr <= 0.1 and f"lr={result.lr!r}" in spec_text
        assert (result.dir / "results.json").is_file() and (result.dir / "model.keras").is_file()
    sweep = json.loads((root / "sweep.json").read_text())
    assert [entry["search"]["trial"] for entry in sweep] == [r.extras["search"]["trial"] for r in searched]
    comparison = (root / "comparison.csv").read_text().splitlines()
    assert comparison[0].startswith("variant,trial,lr,units,") and "state" in comparison[0]
    assert (root / "sweep_curves.png").is_file() and (root / "index.html").is_file()
    search = json.loads((root / "search.json").read_text())
    assert search["settings"]["trials"] == 8 and search["settings"]["prune"] == "median"
    recorded = trial_params(root)
    assert len(recorded) == 8 and {state for _, state, _ in recorded} <= {"COMPLETE", "PRUNED"}


def test_the_same_spec_and_seed_give_the_same_trials(tmp_path):
    runs = [nnspec.run(digits_search(epochs=2), trials=3, prune="none", sampler="random", out=tmp_path / str(i),
                       progress="none") for i in range(2)]
    first, second = (trial_params(r.dir) for r in runs)
    assert first == second
    assert [r.metrics for r in runs[0]] == [r.metrics for r in runs[1]]


def test_an_objective_that_is_not_a_series_is_a_clear_error(tmp_path):
    with pytest.raises(nnspec.NNSpecError, match="the objective val_mae is not among this run's series"):
        nnspec.run(digits_search(epochs=1), trials=1, objective="val_mae", out=tmp_path / "r", progress="none")


def _start_search(out: Path, trials: int, epochs: int) -> subprocess.Popen:
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'tests')!r}); from range_specs import digits_search; "
            f"import nnspec; nnspec.run(digits_search(epochs={epochs}), trials={trials}, prune='none', "
            f"out={str(out)!r}, progress='lines')")
    # SIGKILL loses what came after the last checkpoint: here one is written at every boundary
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NNSPEC_CHECKPOINT_SECONDS": "0"}
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)


def test_a_killed_search_resumes_with_its_finished_trials_kept(tmp_path):
    out = tmp_path / "search"
    process = _start_search(out, trials=4, epochs=6)
    finished = {}
    deadline = time.time() + 300
    for line in process.stdout:  # kill it in the middle of the third trial
        if line.startswith("[trial=2 ") and "epoch 2/6" in line:
            break
        assert time.time() < deadline, "the search did not reach its third trial"
    process.send_signal(signal.SIGKILL)
    process.wait()
    for path in out.glob("trial-*/results.json"):
        finished[path.parent.name] = path.read_text()
    assert len(finished) == 3 and sum('"interrupted": true' in text for text in finished.values()) == 1
    result = CliRunner().invoke(app, ["run", "--resume", str(out)])
    assert result.exit_code == 0, result.output
    assert "resuming the search" in result.output and "3 of 4 trials finished" not in result.output
    assert "2 of 4 trials finished" in result.output and "resuming after epoch" in result.output
    states = trial_params(out)
    assert [state for _, state, _ in states] == ["COMPLETE"] * 4
    for name, text in finished.items():  # finished trials are kept as they were
        if '"interrupted": true' not in text:
            assert (out / name / "results.json").read_text() == text
    resumed = next(name for name, text in finished.items() if '"interrupted": true' in text)
    saved = json.loads((out / resumed / "results.json").read_text())
    assert saved["epochs_done"] == 6 and not saved["interrupted"] and len(saved["history"]["loss"]) == 6
    assert len(json.loads((out / "sweep.json").read_text())) == 4


def test_two_local_processes_share_the_study_through_its_file(tmp_path):
    runs = nnspec.run(digits_search(epochs=2), trials=4, jobs=2, prune="none", out=tmp_path / "jobs",
                      progress="none")
    recorded = trial_params(runs.dir)
    assert [state for _, state, _ in recorded] == ["COMPLETE"] * 4
    assert sorted(p.name.split("_")[0] for p in runs.dir.glob("trial-*")) == [f"trial-{n}" for n in range(4)]
    assert len(runs) == 4 and all(r.epochs_done == 2 for r in runs)


@pytest.fixture
def local_ray():
    ray = pytest.importorskip("ray") if not os.environ.get("CI") else __import__("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_a_digits_search_on_local_ray_tune_prunes_and_ranks_the_best_first(local_ray, tmp_path):
    runs = nnspec.run(digits_search(epochs=4), trials=8, ray=True, prune="asha", out=tmp_path / "tune",
                      progress="none")
    assert len(runs) + len(runs.failures) == 8 and not runs.failures
    states = [r.extras["search"]["state"] for r in runs]
    assert "pruned" in states and states == sorted(states, key=("complete", "pruned").index)
    complete = [r.extras["search"]["value"] for r in runs if r.extras["search"]["state"] == "complete"]
    assert complete == sorted(complete)
    for result in runs:  # the local search's layout: a folder per trial with its values and its model
        assert result.dir.parent == runs.dir and result.dir.name.startswith(f"trial-{result.variant['trial']}_")
        assert f"dense {result.variant['units']} relu" in (result.dir / "spec.nn").read_text()
        assert (result.dir / "model.keras").is_file() and (result.dir / "history.csv").is_file()
    assert len(trial_params(runs.dir)) == 8  # OptunaSearch asked the study in the run folder
    assert (runs.dir / "sweep_curves.png").is_file()
