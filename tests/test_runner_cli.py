"""`nnspec run` without a terminal, and the parameter counts of every shipped spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nnspec
from nnspec.cli import app
from nnspec.dsl.validate import check

pytest.importorskip("tensorflow")

SPECS = Path(__file__).resolve().parent.parent / "specs"
IRIS = "data iris test=0.3 seed=1234\ndense 8 relu init=he\ndense 3 softmax\ntrain adam lr=0.01 epochs=200 batch=16\n"


@pytest.fixture
def iris_spec(tmp_path):
    path = tmp_path / "flowers.nn"
    path.write_text(IRIS)
    return path


def invoke(*args):
    return CliRunner().invoke(app, ["run", *map(str, args)])


def test_run_prints_plain_epoch_lines_and_the_table(iris_spec, tmp_path):
    result = invoke(iris_spec, "--epochs", "3", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:4] == [f"checking {iris_spec} ...", "backend keras (the default; --backend tf1 chooses another)",
                         "loading TensorFlow ...", "loading data iris ..."]
    lines = lines[4:]
    assert [line.split("  ")[0] for line in lines[:3]] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert "\r" not in result.output  # no progress bar without a terminal
    assert lines[3].split()[:4] == ["test", "loss", "test", "accuracy"]
    page = tmp_path / "out" / "index.html"
    assert lines[-1] == f"saved in {tmp_path / 'out'}; open {page} for the report"
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["epochs"] == 3 and saved["dataset"] == "iris"


def test_quiet_prints_only_the_table(iris_spec, tmp_path):
    result = invoke(iris_spec, "--epochs", "2", "--quiet", "--out", tmp_path / "out", "--backend", "tf1")
    assert result.exit_code == 0, result.output
    assert not any(line.startswith("epoch") for line in result.output.splitlines())
    assert result.output.splitlines()[0].startswith("test loss")
    assert (tmp_path / "out" / "checkpoint").is_dir()


def test_json_prints_the_results(iris_spec, tmp_path):
    result = CliRunner().invoke(app, ["run", str(iris_spec), "--epochs", "1", "--seed", "4", "--json",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout[result.stdout.index("{"):])
    assert payload["seed"] == 4 and payload["dir"] == str(tmp_path / "out")


def test_a_sweep_prints_one_row_per_variant_best_first(tmp_path):
    path = tmp_path / "sweep.nn"
    path.write_text(IRIS.replace("lr=0.01", "lr=0.00001|0.01"))
    result = invoke(path, "--epochs", "30", "--quiet", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()
    assert rows[0].split()[0] == "variant"
    assert [row.split()[0] for row in rows[1:3]] == ["lr=0.01", "lr=1e-05"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_dir()) == ["lr-0.01", "lr-1e-05"]


def test_run_errors_exit_1_with_a_message(tmp_path):
    path = tmp_path / "bad.nn"
    path.write_text("input 4\ndense 3 softmax\n")
    result = invoke(path, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "no 'data' line" in result.output
    assert "Traceback" not in result.output


def test_a_bad_batch_is_a_usage_error(iris_spec):
    result = invoke(iris_spec, "--batch", "zero")
    assert result.exit_code == 2 and "--batch must be a positive number or 'all'" in result.output


def _variants():
    for path in sorted(SPECS.glob("*.nn")):
        for number, plan in enumerate(check(nnspec.load(path))):
            yield pytest.param(plan, id=f"{path.stem}-{number}")


@pytest.mark.parametrize("plan", list(_variants()))
def test_built_models_have_the_parameters_the_checker_counts(plan):
    assert nnspec.build(plan, "keras").count_params() == nnspec.param_count(plan.spec) == plan.param_count
    model = nnspec.build(plan, "tf1")
    assert model.count_params() == plan.param_count
    model.close()


def test_an_unknown_backend_on_the_command_line_is_named_without_a_spec_position(iris_spec, tmp_path):
    result = invoke(iris_spec, "--backend", "tf2", "--out", tmp_path / "out")
    assert result.exit_code == 2  # a usage error, as any wrong option value
    assert result.output.splitlines()[1].startswith("--backend: unknown backend 'tf2'; did you mean 'tf1'?")
    far = invoke(iris_spec, "--backend", "pytorch", "--out", tmp_path / "out")
    assert far.exit_code == 2
    assert "--backend: unknown backend 'pytorch'; known backends: keras, tf1" in far.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["run", "check"])
def test_backend_names_on_the_command_line_are_lower_case_as_in_a_spec(iris_spec, tmp_path, command):
    """`backend TF1` in a spec is an error with `write 'tf1'`; `--backend TF1` is refused the same way."""
    result = CliRunner().invoke(app, [command, str(iris_spec), "--backend", "TF1"])
    assert result.exit_code == 2
    assert "--backend TF1: names are lower case; write 'tf1'" in result.output


def test_run_says_which_backend_it_trains_on_and_what_chose_it(iris_spec, tmp_path):
    asked = invoke(iris_spec, "--epochs", "1", "--backend", "tf1", "--out", tmp_path / "a")
    assert asked.exit_code == 0, asked.output
    assert "backend tf1 (--backend)" in asked.output.splitlines()
    spec = tmp_path / "tf1.nn"
    spec.write_text(iris_spec.read_text() + "backend tf1\n")
    written = invoke(spec, "--epochs", "1", "--out", tmp_path / "b")
    assert "backend tf1 (the spec's backend line)" in written.output.splitlines()
