"""Sweeps on separate local processes (--jobs) and on a local Ray instance (--ray)."""

from __future__ import annotations

import json
import sys

import pytest

import nnspec
from backend_data import tiny_data
from nnspec.commands.run import optional_ray_address
from nnspec.errors import TrainingError, UsageError

pytest.importorskip("tensorflow")

# three variants, the last of which diverges: one sweep shows equal numbers and a lone failure
SWEEP = "input 4\ndense 8 relu init=he\ndense 1\ntrain sgd lr=0.01|0.02|1000 loss=mse metrics=mae epochs=2 batch=8"
DATA = dict(task="regression", classes=None)


def _sweep(tmp_path, **engine):
    """Run SWEEP; its diverging variant makes run() raise, with every other result kept."""
    with pytest.raises(TrainingError) as caught:
        nnspec.run(SWEEP, data=tiny_data(**DATA), out=tmp_path / "sweep", progress="lines", **engine)
    assert "1 of 3 variants failed (lr=1000: loss became" in caught.value.message
    return caught.value.result


def _numbers(outcome):
    return {r.label: (r.metrics, r.history) for r in [*outcome, *outcome.failures]}


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.suffix != ".png")


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    return _sweep(tmp_path_factory.mktemp("serial"))


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance for the module, 2 CPUs: its start-up is the slow part."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_jobs_give_the_serial_numbers_folder_and_report_and_a_failure_stays_alone(serial, tmp_path, capsys):
    parallel = _sweep(tmp_path, jobs=2)
    assert _numbers(parallel) == _numbers(serial)
    assert [r.label for r in parallel] == [r.label for r in serial]  # ranked alike
    assert [r.label for r in parallel.failures] == ["lr=1000"]
    assert _files(parallel.dir) == _files(serial.dir)
    assert (tmp_path / "sweep" / "index.html").is_file()
    entries = json.loads((tmp_path / "sweep" / "sweep.json").read_text())
    assert [e["label"] for e in entries] == ["lr=0.01", "lr=0.02", "lr=1000"]
    printed = capsys.readouterr().out
    assert "[lr=0.01] running" in printed and "[lr=0.01] done: loss" in printed
    assert "[lr=1000] failed: loss became" in printed


def test_ray_gives_the_serial_numbers_and_folder_and_a_failure_stays_alone(serial, local_ray, tmp_path):
    on_ray = _sweep(tmp_path, ray=True)
    assert _numbers(on_ray) == _numbers(serial)
    assert _files(on_ray.dir) == _files(serial.dir)  # the failed run's files came back too
    assert all(r.dir.parent == on_ray.dir for r in on_ray)


def test_without_ray_installed_the_message_names_the_pip_command(monkeypatch, tmp_path):
    from nnspec.training.parallel import connect_ray

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(UsageError) as caught:
        connect_ray(None)
    assert "pip install 'nnspec[ray]'" in caught.value.render()


def test_ray_takes_an_optional_address_on_the_command_line():
    assert optional_ray_address(["run", "a.nn", "--ray"]) == ["run", "a.nn", "--ray", "local"]
    assert optional_ray_address(["run", "--ray", "a.nn"]) == ["run", "--ray", "local", "a.nn"]
    assert optional_ray_address(["run", "a.nn", "--ray", "10.0.0.1:6379"]) == ["run", "a.nn", "--ray", "10.0.0.1:6379"]
    assert optional_ray_address(["run", "a.nn", "--ray", "-q"]) == ["run", "a.nn", "--ray", "local", "-q"]


class _DiesInTheWorker:
    """Unpickled in a worker process, it ends that process at once (as a kill or a crash would)."""

    def __reduce__(self):
        import os

        return (os._exit, (7,))


def test_a_worker_process_that_dies_costs_its_variant_only(tmp_path):
    from nnspec.training.parallel import Task, run_in_processes

    plans = nnspec.check(SWEEP).plans[:2]
    data = tiny_data(**DATA)
    tasks = [Task(0, plans[0], tmp_path / "a", data), Task(1, plans[1], tmp_path / "b", _DiesInTheWorker()),
             Task(2, plans[1], tmp_path / "c", data)]
    said: list[str] = []
    outcomes = {o.task.number: o for o in run_in_processes(tasks, 2, said.append)}
    assert sorted(outcomes) == [0, 1, 2]
    assert outcomes[1].error is not None and "ended abruptly" in outcomes[1].error.message
    for number in (0, 2):
        assert outcomes[number].error is None and outcomes[number].result.error is None
        assert outcomes[number].result.metrics["mae"] > 0
    assert any("[lr=0.02] failed: the process training this variant ended abruptly" in line for line in said)
