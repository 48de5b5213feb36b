"""`nnspec run` checks before TensorFlow, owns its folder alone, and never loses results to a failed save."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nnspec
from nnspec.cli import app
from nnspec.errors import NNSpecError
from nnspec.rundir import RESULTS_FILE, new_folder

IRIS = "data iris\ndense 8 relu\ndense 3 softmax\ntrain adam epochs=1\n"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def write(tmp_path, text, name="iris.nn"):
    path = tmp_path / name
    path.write_text(text)
    return path


def run_without_tensorflow(tmp_path, *args):
    """`nnspec run ARGS` in a fresh interpreter; (exit code, output, whether TensorFlow was imported)."""
    code = (
        "import sys\nfrom nnspec.cli import app\n"
        f"sys.argv = ['nnspec', 'run', *{[str(a) for a in args]!r}]\n"
        "try:\n    app()\nexcept SystemExit as e:\n    code = e.code\n"
        "print('TF', 'tensorflow' in sys.modules)\nsys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    return done.returncode, done.stdout + done.stderr, "TF True" in done.stdout


def test_a_spec_error_is_reported_before_tensorflow_is_imported(tmp_path):
    spec = write(tmp_path, "data iris\ndense 8 relv\ndense 3 softmax\n")
    code, output, imported = run_without_tensorflow(tmp_path, spec)
    assert code == 1 and "unknown activation 'relv'" in output
    assert not imported


def test_an_unknown_backend_is_named_with_the_known_ones_before_tensorflow(tmp_path):
    spec = write(tmp_path, IRIS)
    code, output, imported = run_without_tensorflow(tmp_path, spec, "--backend", "kerass")
    assert code == 2 and "unknown backend 'kerass'" in output and "did you mean 'keras'?" in output
    assert not imported


def test_missing_data_is_reported_before_tensorflow(tmp_path):
    spec = write(tmp_path, 'data csv path="nowhere.csv"\ndense 3 softmax\n')
    code, output, imported = run_without_tensorflow(tmp_path, spec)
    assert code == 1 and "nowhere.csv" in output and ":1:" in output
    assert not imported


def test_run_says_what_it_is_doing_and_points_at_the_report(tmp_path):
    spec = write(tmp_path, IRIS)
    result = invoke("run", spec, "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("checking") < out.index("loading TensorFlow") < out.index("loading data iris") < out.index("epoch 1/1")
    assert f"open {tmp_path / 'run' / 'index.html'} for the report" in out


def test_run_takes_several_specs(tmp_path, monkeypatch):
    first, second = write(tmp_path, IRIS, "a.nn"), write(tmp_path, IRIS.replace("dense 8", "dense 4"), "b.nn")
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "-q", first, second)
    assert result.exit_code == 0, result.output
    assert result.output.count("saved in") == 2
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["a", "b"]


def test_out_with_several_specs_is_a_usage_error(tmp_path):
    result = invoke("run", write(tmp_path, IRIS, "a.nn"), write(tmp_path, IRIS, "b.nn"), "--out", tmp_path / "x")
    assert result.exit_code == 2


def test_concurrent_starts_never_share_a_folder(tmp_path):
    target = tmp_path / "run"
    target.mkdir()  # an existing empty folder: the case the old check-then-write let two runs share
    claimed, barrier = [], threading.Barrier(8)

    def start():
        barrier.wait()
        claimed.append(new_folder(target))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(claimed)) == 8


def test_a_folder_holding_files_is_never_reused(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    assert new_folder(tmp_path / "run") == tmp_path / "run-2"


def test_an_unwritable_out_folder_is_a_clean_error(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    real_open = os.open

    def refuse(path, flags, *args):  # as for a normal user in a read-only folder (root ignores chmod)
        if str(path).startswith(str(folder)):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(NNSpecError, match="cannot write in the run folder"):
        new_folder(folder)


def test_a_failed_model_save_keeps_the_results_and_leaves_no_partial_file(tmp_path, monkeypatch):
    from nnspec.builtins.backends.keras import KerasTrainer

    def broken_save(self, folder):
        (Path(folder) / "model.keras").write_bytes(b"")  # what a failing serializer leaves
        raise TypeError("cannot serialize layer 'odd'")

    monkeypatch.setattr(KerasTrainer, "save", broken_save)
    result = invoke("run", write(tmp_path, IRIS), "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert "test accuracy" in result.output  # the table is printed...
    assert result.output.index("test accuracy") < result.output.index("the model could not be saved")  # ...first
    saved = json.loads((tmp_path / "run" / RESULTS_FILE).read_text())
    assert "accuracy" in saved["metrics"] and "cannot serialize" in saved["save_error"]
    leftovers = [p.name for p in (tmp_path / "run").iterdir() if p.name.startswith((".nnspec-tmp", "model"))]
    assert leftovers == []


def test_a_bad_checkpoint_interval_is_a_usage_error_before_tensorflow_or_a_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("NNSPEC_CHECKPOINT_SECONDS", "soon")
    out = tmp_path / "run"
    code = ("import sys, nnspec\n"
            "try:\n    nnspec.run(sys.argv[1], out=sys.argv[2], progress='none')\n"
            "except nnspec.UsageError as error:\n"
            "    print(error.message, 'tensorflow' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code, "input 4\ndense 2 softmax", str(out)],
                          capture_output=True, text=True, env={**os.environ})
    assert done.stdout.strip() == "NNSPEC_CHECKPOINT_SECONDS='soon' is not a number of seconds False"
    assert not out.exists()
