"""Interrupted runs: a readable folder, checkpoints by time and on interruption, and --resume to the end."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nnspec
from nnspec import api
from nnspec.cli import app
from nnspec.errors import Interrupted
from nnspec.rundir import CHECKPOINT_FILE, RESULTS_FILE
from nnspec.training.progress import Progress

SPEC = "data iris\ndense 16 relu\n{dropout}dense 3 softmax\ntrain adam lr=0.01 epochs=6 batch=16\nbackend {backend}\nseed 3\n"


def spec_file(tmp_path, backend, dropout=False):
    path = tmp_path / f"iris_{backend}.nn"
    path.write_text(SPEC.format(backend=backend, dropout="dropout 0.3\n" if dropout else ""))
    return path


def stop_after_epoch(monkeypatch, stop_at):
    def end_epoch(self, epoch, epochs, logs, seconds):
        if epoch == stop_at:
            raise KeyboardInterrupt

    monkeypatch.setattr(Progress, "end_epoch", end_epoch)


def results_of(folder):
    return json.loads((Path(folder) / RESULTS_FILE).read_text())


@pytest.mark.parametrize("backend, dropout", [("keras", True), ("tf1", False)])
def test_a_resumed_run_gives_the_numbers_of_an_uninterrupted_one(backend, dropout, tmp_path, monkeypatch):
    spec = spec_file(tmp_path, backend, dropout)
    whole = nnspec.run(spec, out=tmp_path / "whole", progress="none", report=False).best
    stop_after_epoch(monkeypatch, 3)
    with pytest.raises(Interrupted) as info:
        nnspec.run(spec, out=tmp_path / "cut", progress="none", report=False)
    assert "nnspec run --resume" in info.value.render()
    saved = results_of(tmp_path / "cut")
    assert saved["interrupted"] is True and saved["epochs_done"] == 3 and saved["metrics"] == {}
    monkeypatch.undo()
    resumed = api.resume(tmp_path / "cut", progress="none", report=False).best
    assert resumed.history["loss"] == whole.history["loss"]  # same batches, same state: the same numbers
    assert resumed.metrics == whole.metrics
    assert results_of(tmp_path / "cut")["interrupted"] is False
    assert not (tmp_path / "cut" / CHECKPOINT_FILE).exists()


def test_an_interrupted_run_is_accepted_by_report(tmp_path, monkeypatch):
    stop_after_epoch(monkeypatch, 2)
    with pytest.raises(Interrupted):
        nnspec.run(spec_file(tmp_path, "keras"), out=tmp_path / "cut", progress="none", report=False)
    result = CliRunner().invoke(app, ["report", str(tmp_path / "cut")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "cut" / "index.html").read_text()
    assert "interrupted after epoch 2 of 6" in page


def test_a_checkpoint_inside_a_long_epoch_resumes_at_its_row(tmp_path, monkeypatch):
    import nnspec.training.checkpoint as checkpoint

    spec = spec_file(tmp_path, "keras")
    whole = nnspec.run(spec, out=tmp_path / "whole", progress="none", report=False, batch=4).best
    monkeypatch.setattr(checkpoint, "CHECKPOINT_SECONDS", 0.0)  # every chunk boundary is due
    monkeypatch.setattr(nnspec.training.loop, "CHUNK_STEPS", 5)
    calls = {"n": 0}
    real_save = checkpoint.Checkpointer.save

    def save_then_stop(self, position):
        real_save(self, position)
        calls["n"] += 1
        if position.epoch == 1 and position.rows == 40:  # inside epoch 2, after two chunks of 20 rows
            raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint.Checkpointer, "save", save_then_stop)
    with pytest.raises(Interrupted):
        nnspec.run(spec, out=tmp_path / "cut", progress="none", report=False, batch=4)
    monkeypatch.undo()
    position, _ = checkpoint.load(tmp_path / "cut")
    assert (position.epoch, position.rows) == (1, 40)
    resumed = api.resume(tmp_path / "cut", progress="none", report=False).best
    np.testing.assert_allclose(resumed.history["loss"], whole.history["loss"], rtol=1e-6)


def test_short_epochs_write_no_checkpoint_each_epoch_yet_an_interrupted_run_resumes(tmp_path, monkeypatch):
    from nnspec.training import checkpoint

    spec = spec_file(tmp_path, "keras")
    whole = nnspec.run(spec, out=tmp_path / "whole", progress="none", report=False).best
    assert checkpoint.CHECKPOINT_SECONDS >= 30  # iris epochs take milliseconds: far shorter than this
    written = []
    real_save = checkpoint.Checkpointer.save

    def counted(self, position):
        written.append((position.epoch, position.rows))
        real_save(self, position)

    monkeypatch.setattr(checkpoint.Checkpointer, "save", counted)
    stop_after_epoch(monkeypatch, 5)
    with pytest.raises(Interrupted):
        nnspec.run(spec, out=tmp_path / "cut", progress="none", report=False)
    assert written == [(5, 0)]  # on the way out only: not after epochs 1 to 4
    monkeypatch.undo()
    position, _ = checkpoint.load(tmp_path / "cut")
    assert (position.epoch, position.rows) == (5, 0)
    resumed = api.resume(tmp_path / "cut", progress="none", report=False).best
    assert resumed.history["loss"] == whole.history["loss"] and resumed.metrics == whole.metrics


def test_a_run_killed_before_its_first_checkpoint_resumes_from_the_start(tmp_path, monkeypatch, capsys):
    spec = spec_file(tmp_path, "keras")
    whole = nnspec.run(spec, out=tmp_path / "whole", progress="none", report=False).best
    stop_after_epoch(monkeypatch, 2)
    with pytest.raises(Interrupted):
        nnspec.run(spec, out=tmp_path / "cut", progress="none", report=False)
    monkeypatch.undo()
    (tmp_path / "cut" / CHECKPOINT_FILE).unlink()  # as SIGKILL leaves a run within its first 30 s
    resumed = api.resume(tmp_path / "cut", progress="lines", report=False).best
    assert "no checkpoint yet" in capsys.readouterr().out
    assert resumed.history["loss"] == whole.history["loss"] and resumed.metrics == whole.metrics


def test_ctrl_c_stops_at_the_next_chunk_and_the_checkpoint_continues_exactly(tmp_path, monkeypatch):
    """A real SIGINT inside an epoch: deferred to the chunk's end, saved there, resumed as if never stopped."""
    from nnspec.training import checkpoint

    spec = spec_file(tmp_path, "keras")
    whole = nnspec.run(spec, out=tmp_path / "whole", progress="none", report=False, batch=4).best
    monkeypatch.setattr(nnspec.training.loop, "CHUNK_STEPS", 5)
    real_update = Progress.update

    def signal_inside_epoch_two(self, done, loss):
        real_update(self, done, loss)
        if self_epoch["n"] == 2 and done == 10:
            os.kill(os.getpid(), signal.SIGINT)  # arrives while the loop is between two statements

    self_epoch = {"n": 0}
    real_start = Progress.start_epoch

    def start_epoch(self, epoch, epochs, steps):
        self_epoch["n"] = epoch
        real_start(self, epoch, epochs, steps)

    monkeypatch.setattr(Progress, "update", signal_inside_epoch_two)
    monkeypatch.setattr(Progress, "start_epoch", start_epoch)
    with pytest.raises(Interrupted):
        nnspec.run(spec, out=tmp_path / "cut", progress="none", report=False, batch=4)
    monkeypatch.undo()
    position, _ = checkpoint.load(tmp_path / "cut")
    assert (position.epoch, position.rows) == (1, 40)  # inside epoch 2, after two chunks of 5 steps of 4 rows
    resumed = api.resume(tmp_path / "cut", progress="none", report=False).best
    np.testing.assert_allclose(resumed.history["loss"], whole.history["loss"], rtol=1e-6)


def test_resume_refuses_a_finished_run(tmp_path):
    nnspec.run(spec_file(tmp_path, "keras"), out=tmp_path / "done", progress="none", report=False, epochs=1)
    result = CliRunner().invoke(app, ["run", "--resume", str(tmp_path / "done")])
    assert result.exit_code == 2 and "nothing to resume" in result.output


def _start(spec, out, backend, checkpoint_seconds=None):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if checkpoint_seconds is not None:
        env["NNSPEC_CHECKPOINT_SECONDS"] = str(checkpoint_seconds)
    return subprocess.Popen(
        [sys.executable, "-m", "nnspec", "run", str(spec), "--out", str(out), "--epochs", "100"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )


def _wait_for_epoch(process, epoch, timeout=240):
    deadline = time.monotonic() + timeout
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith(f"epoch {epoch:>3}/") or line.startswith(f"epoch {epoch}/"):
            return lines
        assert time.monotonic() < deadline, "".join(lines)
    raise AssertionError("".join(lines))


@pytest.mark.parametrize("backend, how", [("keras", signal.SIGINT), ("tf1", signal.SIGKILL)])
def test_a_real_run_stopped_by_a_signal_resumes_to_the_end(backend, how, tmp_path):
    spec = spec_file(tmp_path, backend)
    out = tmp_path / "run"
    # a kill loses what came after the last checkpoint: here one is written at every boundary
    process = _start(spec, out, backend, checkpoint_seconds=0 if how == signal.SIGKILL else None)
    _wait_for_epoch(process, 3)
    process.send_signal(how)
    rest = process.communicate(timeout=120)[0]
    if how == signal.SIGINT:
        assert process.returncode == 130
        assert f"continue it with: nnspec run --resume {out}" in rest
    saved = results_of(out)
    # Ctrl-C writes where training stopped; SIGKILL leaves results.json as last written (after
    # the first epoch, then at most a second old)
    assert saved["interrupted"] is True and saved["epochs_done"] >= (3 if how == signal.SIGINT else 1)
    assert CliRunner().invoke(app, ["report", str(out)]).exit_code == 0
    resumed = api.resume(out, progress="none", report=False).best
    assert len(resumed.history["loss"]) == 100 and resumed.metrics["accuracy"] > 0.5
    assert results_of(out)["interrupted"] is False


def test_an_interrupted_sweep_resumes_its_unfinished_variants(tmp_path, monkeypatch):
    spec = tmp_path / "sweep.nn"
    spec.write_text(SPEC.format(backend="keras", dropout="").replace("dense 16 relu", "dense 8|16 relu"))
    state = {"variant": 0}
    real_start = Progress.start_variant

    def count(self, label, number, total):
        state["variant"] = number
        return real_start(self, label, number, total)

    def end_epoch(self, epoch, epochs, logs, seconds):
        if state["variant"] == 2 and epoch == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(Progress, "start_variant", count)
    monkeypatch.setattr(Progress, "end_epoch", end_epoch)
    with pytest.raises(Interrupted):
        nnspec.run(spec, out=tmp_path / "sweep", progress="none", report=False)
    first = next(p for p in (tmp_path / "sweep").iterdir() if p.name.endswith("8"))
    finished = (first / RESULTS_FILE).stat().st_mtime_ns
    monkeypatch.undo()
    runs = api.resume(tmp_path / "sweep", progress="none", report=False)
    assert len(runs) == 2 and not runs.failures
    assert all(len(r.history["loss"]) == 6 for r in runs)
    assert (first / RESULTS_FILE).stat().st_mtime_ns == finished  # the finished variant was kept, not retrained


def test_a_resume_stopped_before_its_first_epoch_leaves_the_results_as_they_were(tmp_path, monkeypatch):
    stop_after_epoch(monkeypatch, 2)
    with pytest.raises(Interrupted):
        nnspec.run(spec_file(tmp_path, "keras"), out=tmp_path / "cut", progress="none", report=False)
    before = results_of(tmp_path / "cut")
    assert before["epochs_done"] == 2 and len(before["history"]["loss"]) == 2 and "initial" in before
    monkeypatch.undo()

    def killed_at_once(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("nnspec.training.variants.train_loop", killed_at_once)
    with pytest.raises(Interrupted):
        api.resume(tmp_path / "cut", progress="none", report=False)
    after = results_of(tmp_path / "cut")
    assert after["epochs_done"] == 2 and after["history"] == before["history"] and after["initial"] == before["initial"]
    assert CliRunner().invoke(app, ["report", str(tmp_path / "cut")]).exit_code == 0
    assert "interrupted after epoch 2 of 6" in (tmp_path / "cut" / "index.html").read_text()
    monkeypatch.undo()
    resumed = api.resume(tmp_path / "cut", progress="none", report=False).best
    assert len(resumed.history["loss"]) == 6 and results_of(tmp_path / "cut")["initial"] == before["initial"]


def test_two_resumes_of_one_folder_cannot_run_at_once(tmp_path, monkeypatch):
    import fcntl

    from nnspec.errors import UsageError
    from nnspec.files import LOCK_FILE

    stop_after_epoch(monkeypatch, 2)
    with pytest.raises(Interrupted):
        nnspec.run(spec_file(tmp_path, "keras"), out=tmp_path / "cut", progress="none", report=False)
    monkeypatch.undo()
    with open(tmp_path / "cut" / LOCK_FILE, "a") as other:  # another process resuming it holds this
        fcntl.flock(other, fcntl.LOCK_EX)
        with pytest.raises(UsageError, match="is being resumed by another process"):
            api.resume(tmp_path / "cut", progress="none", report=False)
        fcntl.flock(other, fcntl.LOCK_UN)
    assert results_of(tmp_path / "cut")["epochs_done"] == 2  # the refused resume wrote nothing
    api.resume(tmp_path / "cut", progress="none", report=False)
    assert not (tmp_path / "cut" / LOCK_FILE).exists()
