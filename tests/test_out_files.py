"""`--out` of import and code: never over the input, over another file only with --force.

(predict's `--out` is tested beside its run, in tests/test_predict_inputs.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnspec.cli import app

IRIS = Path(__file__).resolve().parent.parent / "specs" / "iris.nn"
CONFIG = {"class_name": "Sequential", "config": {"layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
    {"class_name": "Dense", "config": {"name": "d", "units": 3, "activation": "softmax"}}]}}


@pytest.fixture
def inputs(tmp_path):
    spec = tmp_path / "iris.nn"
    spec.write_text(IRIS.read_text())
    model = tmp_path / "model.json"
    model.write_text(json.dumps(CONFIG))
    return {"code": spec, "import": model}


@pytest.mark.parametrize("command", ["code", "import"])
def test_out_is_never_the_input_even_with_force(inputs, command):
    source = inputs[command]
    before = source.read_bytes()
    result = CliRunner().invoke(app, [command, str(source), "--out", str(source), "--force"])
    assert result.exit_code == 2
    assert f"'{source}' is the input {source}, which nnspec never writes over" in result.output
    assert source.read_bytes() == before


@pytest.mark.parametrize("command, written", [("code", "import keras"), ("import", "dense 3 softmax")])
def test_an_existing_out_is_replaced_only_with_force(inputs, tmp_path, command, written):
    out = tmp_path / "existing.txt"
    out.write_text("keep me\n")
    result = CliRunner().invoke(app, [command, str(inputs[command]), "--out", str(out)])
    assert result.exit_code == 2 and f"'{out}' already exists; give another --out, or --force" in result.output
    assert out.read_text() == "keep me\n"
    result = CliRunner().invoke(app, [command, str(inputs[command]), "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert written in out.read_text()


def test_a_symlink_to_the_input_is_the_input(inputs, tmp_path):
    link = tmp_path / "link.nn"
    link.symlink_to(inputs["code"])
    result = CliRunner().invoke(app, ["code", str(inputs["code"]), "--out", str(link), "--force"])
    assert result.exit_code == 2 and "never writes over" in result.output
