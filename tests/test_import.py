"""`nnspec import`: Keras Sequential models back to specs; every shipped spec survives the round trip."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnspec.cli import app
from nnspec.dsl.parser import load, parse
from nnspec.dsl.validate import check
from nnspec.errors import NNSpecError
from nnspec.export.importer import import_model

keras = pytest.importorskip("keras")

SPECS = sorted((Path(__file__).resolve().parent.parent / "specs").glob("*.nn"))
VARIANTS = [(spec, number) for spec in SPECS for number in range(1, len(check(load(spec))) + 1)]


def _keras_model(plan):
    from nnspec.builtins.backends import keras as keras_backend

    return keras_backend.build(dataclasses.replace(plan, backend="keras"))


def _layers(plan):
    return [(layer.kind, dict(layer.args), layer.output_shape) for layer in plan.layers]


@pytest.mark.parametrize("spec, number", VARIANTS, ids=[f"{s.stem}-{n}" for s, n in VARIANTS])
def test_every_shipped_spec_comes_back_with_the_same_layers_and_parameters(spec, number, tmp_path):
    plan = check(load(spec))[number - 1]
    path = tmp_path / "model.json"
    path.write_text(_keras_model(plan).to_json())
    imported = check(parse(import_model(path)))
    assert len(imported) == 1
    assert _layers(imported[0]) == _layers(plan)
    assert imported[0].param_count == plan.param_count
    assert imported[0].input_shape == plan.input_shape


def test_a_keras_file_gives_layers_repeats_and_the_train_line(tmp_path):
    plan = check(parse("input 4\ndense 32 relu init=he x3\ndense 3 softmax\n"
                       "train rmsprop lr=0.01 loss=categorical_crossentropy metrics=accuracy\n"))[0]
    _keras_model(plan).save(tmp_path / "model.keras")
    result = CliRunner().invoke(app, ["import", str(tmp_path / "model.keras")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith("#")]
    assert lines == ["input 4", "dense 32 relu init=he_normal x3", "dense 3 softmax",
                     "train rmsprop lr=0.01 loss=categorical_crossentropy metrics=accuracy"]


def test_repeated_groups_of_layers_become_a_block(tmp_path):
    plan = check(parse("input 784\n{ dense 64 relu; dropout 0.3 } x4\ndense 10 softmax\n"))[0]
    path = tmp_path / "model.json"
    path.write_text(_keras_model(plan).to_json())
    assert "{ dense 64 relu; dropout 0.3 } x4\ndense 10 softmax\n" in import_model(path)


def test_layers_without_bias_come_back_as_bias_none(tmp_path):
    plan = check(parse("input 8x8x1\nconv2d 4 3x3 relu bias=none\nflatten\ndense 3 softmax bias=none\n"))[0]
    path = tmp_path / "model.json"
    path.write_text(_keras_model(plan).to_json())
    imported = check(parse(import_model(path)))[0]
    assert _layers(imported) == _layers(plan)
    assert imported.param_count == plan.param_count


def test_conv_pool_batchnorm_embedding_and_options_are_written(tmp_path):
    text = ("input 28x28x1\nconv2d 8 3x3 relu stride=2x2 padding=same init=he_uniform bias=ones\n"
            "batchnorm momentum=0.9\nmaxpool 2x2 stride=1x1\nflatten\nactivation tanh\ndense 10\n")
    plan = check(parse(text))[0]
    path = tmp_path / "model.json"
    path.write_text(_keras_model(plan).to_json())
    imported = check(parse(import_model(path)))[0]
    assert _layers(imported) == _layers(plan)


def test_an_unsupported_layer_is_named(tmp_path):
    model = keras.Sequential([keras.Input((10, 4)), keras.layers.Cropping1D(1, name="memory"), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    path = tmp_path / "model.json"
    path.write_text(model.to_json())
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 1
    assert "layer 'memory' is a Cropping1D, which nnspec has no layer kind for" in result.output


def test_an_initializer_nnspec_cannot_name_is_an_error(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        3, kernel_initializer=keras.initializers.RandomNormal(stddev=0.3), name="out")])
    path = tmp_path / "model.json"
    path.write_text(model.to_json())
    with pytest.raises(NNSpecError, match=r"layer 'out' \(Dense\) uses RandomNormal\(stddev=0.3\)"):
        import_model(path)


def test_a_file_that_is_not_a_model_is_an_error(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text(json.dumps({"class_name": "Notes", "config": {}}))
    with pytest.raises(NNSpecError, match="nnspec imports Sequential and functional models"):
        import_model(path)
    (tmp_path / "junk.keras").write_bytes(b"\x00\x01")
    result = CliRunner().invoke(app, ["import", str(tmp_path / "junk.keras")])
    assert result.exit_code == 1 and "not a .keras file or a Keras JSON config" in result.output


def test_import_and_code_never_import_tensorflow(tmp_path):
    import subprocess
    import sys

    config = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
        {"class_name": "Dense", "config": {"name": "d", "units": 3, "activation": "softmax"}}]}}
    (tmp_path / "model.json").write_text(json.dumps(config))
    spec = next(path for path in SPECS if path.name == "iris.nn")  # one variant: `code` needs no --variant
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom nnspec.cli import app\n"
        f"for args in (['import', {str(tmp_path / 'model.json')!r}], ['code', {str(spec)!r}, '--backend', 'tf1']):\n"
        "    result = CliRunner().invoke(app, args)\n"
        "    assert result.exit_code == 0, result.output\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
