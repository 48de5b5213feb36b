"""A plugin's layers and names through `nnspec code`, `nnspec import`, a saved model.keras and `nnspec predict`.

The example plugin (tests/plugin_example) registers everything it adds in one place:
its layer builders carry their code and their Keras import, its names carry how a
script writes them and how a Keras config names them, and its Keras objects live in
one module that registrations name by reference. These tests use it as an installed
package, in this process and in fresh ones.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import nnspec
from nnspec import hookimpl, plugins
from nnspec.cli import build_app
from nnspec.dsl.validate import check
from nnspec.export.importer import import_model
from nnspec.types import LayerBuilder, LayerKind, Named

pytest.importorskip("tensorflow")

PLUGIN_SPEC = """\
data two_moons n=200 noise=0.2
dense 16 mish init=narrow_glorot
scale
gaussian_noise 0.1
dense 1 sigmoid
train adam lr=0.01 epochs=2
"""


def invoke(*args: str):
    return CliRunner().invoke(build_app(), list(args))


def fresh_python(code: str, site, *args: str) -> subprocess.CompletedProcess:
    """`python -c code` in a new process that has the example plugin installed (and nothing imported)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    env.pop(plugins.ENV_VAR, None)
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("backend", ["keras", "tf1"])
def test_nnspec_code_writes_the_plugins_layers_and_names_and_the_script_builds(example_site, use_plugins,
                                                                              tmp_path, backend):
    use_plugins(example_site)
    spec = tmp_path / "moons.nn"
    spec.write_text(PLUGIN_SPEC)
    result = invoke("code", str(spec), "--backend", backend, "--out", str(tmp_path / "moons.py"))
    assert result.exit_code == 0, result.output
    script = (tmp_path / "moons.py").read_text()
    if backend == "keras":
        assert "from nnspec_example_plugin.keras_objects import Scale" in script
        assert "activation=mish" in script and "keras.layers.GaussianNoise(0.1)" in script
        assert "keras.initializers.VarianceScaling(scale=0.5" in script
    else:
        assert "* tf.tanh(tf.nn.softplus(" in script and "variance_scaling_initializer(0.5" in script
    built = fresh_python("import runpy, sys; sys.argv = [sys.argv[1], '--build-only']; "
                         "runpy.run_path(sys.argv[0], run_name='__main__')", example_site, tmp_path / "moons.py")
    assert built.returncode == 0, built.stderr[-2000:]
    assert re.search(r"^parameters: 81$", built.stdout, re.M), built.stdout[-500:]


def test_a_saved_run_of_the_plugin_imports_back_as_its_spec_and_loads_in_a_fresh_process(example_site, use_plugins,
                                                                                       tmp_path):
    use_plugins(example_site)
    run = nnspec.run(PLUGIN_SPEC, "keras", out=tmp_path / "run", progress="none", report=False)
    (result,) = run
    (plan,) = check(nnspec.parse(PLUGIN_SPEC))
    imported = check(nnspec.parse(import_model(run.dir / "model.keras")))[0]
    assert [(l.kind, dict(l.args)) for l in imported.layers] == [(l.kind, dict(l.args)) for l in plan.layers]
    assert imported.param_count == plan.param_count == 81
    x = np.linspace(-1, 2, 20, dtype="float32").reshape(10, 2)
    np.save(tmp_path / "x.npy", x)
    expected = np.asarray(result.model(x, training=False))
    load = ("import sys, keras, numpy as np\n"
            "from nnspec.plugins import import_keras_objects\n"
            "print('imported', import_keras_objects())\n"
            "model = keras.models.load_model(sys.argv[1])\n"
            "np.save(sys.argv[2], np.asarray(model(np.load(sys.argv[3]), training=False)))\n")
    loaded = fresh_python(load, example_site, run.dir / "model.keras", tmp_path / "out.npy", tmp_path / "x.npy")
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert "'nnspec_example_plugin.keras_objects'" in loaded.stdout.split("imported", 1)[1]
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, atol=1e-6)
    without = fresh_python("import sys, keras; keras.models.load_model(sys.argv[1])", example_site,
                           run.dir / "model.keras")
    assert without.returncode != 0  # the registered classes are what makes it load


def test_checking_a_spec_with_the_plugin_imports_no_tensorflow(example_site, tmp_path):
    spec = tmp_path / "moons.nn"
    spec.write_text(PLUGIN_SPEC)
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom nnspec.cli import app\n"
            "for command in (['check', sys.argv[1]], ['code', sys.argv[1]], ['code', sys.argv[1], '--backend', 'tf1']):\n"
            "    result = CliRunner().invoke(app, command)\n"
            "    assert result.exit_code == 0, result.output\n"
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'\n")
    result = fresh_python(code, example_site, spec)
    assert result.returncode == 0, result.stderr[-2000:]


def test_predict_prepares_raw_samples_with_the_plugin_datasets_own_prepare(example_site, use_plugins, tmp_path):
    use_plugins(example_site)
    spec = PLUGIN_SPEC.replace("noise=0.2", "noise=0.2 normalize=true")
    run = nnspec.run(spec, "keras", out=tmp_path / "run", progress="none", report=False)
    (result,) = run
    raw = np.array([[0.0, 1.0], [1.0, -0.5], [2.0, 0.5]])
    (tmp_path / "points.csv").write_text("\n".join(f"{a},{b}" for a, b in raw) + "\n")
    predicted = invoke("predict", str(run.dir), str(tmp_path / "points.csv"))
    assert predicted.exit_code == 0, predicted.output
    probabilities = [float(row.split(",")[-1]) for row in predicted.output.strip().splitlines()[-3:]]
    moons = plugins.get_registries().datasets.get("two_moons")
    (plan,) = check(nnspec.parse(spec))
    stats = moons.load(plan.dataset_options, plan.seed).info["normalization"]
    prepared = ((raw - stats["mean"]) / stats["std"]).astype("float32")
    expected = np.asarray(result.model(prepared, training=False))[:, 0]
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)


# ------------------------------------------------------------------ what has no code is an error at its line


class NoCode:
    """A layer kind and an activation a third party registered without saying how scripts write them."""

    @hookimpl
    def register_layers(self, register):
        register(LayerKind("twice"))

    @hookimpl
    def register_layer_builders(self, register):
        register(LayerBuilder("keras", "twice", lambda layer, ctx: (lambda x: x * 2)))

    @hookimpl
    def register_activations(self, register):
        register(Named("gelu_tanh", "gelu's tanh approximation", impl={"keras": "gelu", "tf1": lambda x: x}))

    @hookimpl
    def register_initializers(self, register):
        register(Named("lecun", "LeCun normal", impl={"keras": lambda seed: None, "tf1": lambda seed: None}))


@pytest.fixture
def no_code():
    plugins.register_plugin(NoCode(), "nocode")
    yield
    plugins.unregister_plugin("nocode")


@pytest.mark.parametrize("line, backend, message", [
    ("dense 8 gelu_tanh", "keras", "2:1: activation 'gelu_tanh' (plugin 'nocode') has no code for backend 'keras'"),
    ("dense 8 gelu_tanh", "tf1", "2:1: activation 'gelu_tanh' (plugin 'nocode') has no code for backend 'tf1'"),
    ("dense 8 init=lecun", "tf1", "2:1: initializer 'lecun' (plugin 'nocode') has no code for backend 'tf1'"),
    ("twice", "keras", "2:1: layer kind 'twice' (plugin 'nocode') has no code generator for backend 'keras'"),
])
def test_a_name_or_layer_without_code_is_an_error_at_its_line_not_a_traceback(no_code, tmp_path, line, backend,
                                                                             message):
    spec = tmp_path / "net.nn"
    spec.write_text(f"input 4\n{line}\ndense 1\ntrain sgd loss=mse\n")
    result = invoke("code", str(spec), "--backend", backend)
    assert result.exit_code == 1, result.output
    assert f"{spec}:{message}" in result.output and "Traceback" not in result.output
    assert "docs/plugins.md, Generated code" in result.output


def test_import_reads_names_through_their_keras_forms():
    """A Keras config's initializer with other settings than nnspec's name stands for is refused, by name."""
    config = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
        {"class_name": "Dense", "config": {"name": "d", "units": 3, "activation": "silu",
                                           "kernel_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0}},
                                           "bias_initializer": "ones"}}]}}
    path = __import__("pathlib").Path(os.environ.get("TMPDIR", "/tmp")) / f"nnspec-forms-{os.getpid()}.json"
    path.write_text(json.dumps(config))
    try:
        assert "dense 3 swish init=orthogonal bias=ones" in import_model(path)
    finally:
        path.unlink()
