"""What a plugin author relies on: one-registration losses, defaults, functional Keras
builders, `nnspec verify-plugin`, backend checks, builder errors, the arrays helper."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nnspec
from backend_data import BACKENDS, quiet_run, tiny_data
from nnspec import hookimpl
from nnspec.cli import build_app
from nnspec.datasets import from_arrays
from nnspec.dsl.validate import check
from nnspec.errors import NNSpecError, SpecError
from nnspec.plugins import register_plugin, unregister_plugin
from nnspec.testing import verify_plugin
from nnspec.types import LayerBuilder, LayerKind, Loss, Named, Param

ROOT = Path(__file__).parents[1]


@pytest.fixture
def plugin():
    """`plugin(obj, name)` registers a plugin object from code for one test."""
    names = []

    def use(obj, name: str):
        register_plugin(obj, name)
        names.append(name)
        return obj

    yield use
    for name in names:
        unregister_plugin(name)


def invoke(*args: str):
    return CliRunner().invoke(build_app(), list(args))


# ------------------------------------------------------------------ a loss is one registration


def log_cosh(y_true, output):
    import tensorflow as tf

    error = output - tf.cast(y_true, output.dtype)
    return tf.reduce_mean(tf.math.log(tf.cosh(error)), axis=-1)


class LogCosh:
    @hookimpl
    def register_losses(self, register):
        register(Loss("log_cosh", "log(cosh(error))", task="regression",
                      impl={"keras": log_cosh, "tf1": log_cosh}))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_loss_registered_once_is_checked_and_trains_on_both_backends(plugin, backend, tmp_path):
    plugin(LogCosh(), "logcosh")
    (plan,) = check(nnspec.parse("input 4\ndense 8 tanh\ndense 1\ntrain adam lr=0.05 loss=log_cosh"))
    assert (plan.label_encoding, plan.train.metrics, plan.train.from_logits) == ("column", ("mae",), False)
    data = tiny_data(task="regression")
    (result,) = quiet_run("input 4\ndense 8 tanh\ndense 1\ntrain adam lr=0.05 loss=log_cosh epochs=4 batch=8",
                          data, tmp_path, backend)
    assert result.loss == "log_cosh" and result.task == "regression"
    assert result.history["loss"][-1] < result.history["loss"][0]


def test_a_losss_registration_decides_its_checks(plugin):
    """A multiclass loss that pairs with softmax gets the crossentropy checks, without naming it anywhere."""
    plugin(type("Hinge", (), {"register_losses": hookimpl(lambda self, register: register(
        Loss("multi_hinge", task="multiclass", labels="onehot", logits="softmax",
             impl={"keras": log_cosh, "tf1": log_cosh})))})(), "hinge")
    (plan,) = check(nnspec.parse("input 4\ndense 3\ntrain sgd loss=multi_hinge"))
    assert (plan.train.from_logits, plan.label_encoding, plan.train.metrics) == (True, "onehot", ("accuracy",))
    with pytest.raises(SpecError, match="multi_hinge needs one output per class"):
        check(nnspec.parse("input 4\ndense 1\ntrain sgd loss=multi_hinge"))


def test_the_default_learning_rate_is_the_optimizers_registered_lr_option(plugin):
    plugin(type("Slow", (), {"register_optimizers": hookimpl(lambda self, register: register(
        Named("slow", options=(Param("lr", "float", default=0.05, min=0),),
              impl={"keras": lambda lr: None})))})(), "slow")
    assert check(nnspec.parse("input 4\ndense 1\ntrain slow"))[0].train.lr == 0.05
    assert check(nnspec.parse("input 4\ndense 1\ntrain slow lr=0.2"))[0].train.lr == 0.2
    assert check(nnspec.parse("input 4\ndense 1\ntrain sgd"))[0].train.lr == 0.01
    assert check(nnspec.parse("input 4\ndense 1\ntrain adam"))[0].train.options == {"beta1": 0.9, "beta2": 0.999}


def test_the_language_imports_nothing_from_the_builtins():
    for path in (ROOT / "nnspec" / "dsl").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert "builtins" not in (node.module or ""), f"{path.name} imports {node.module}"


def test_the_backends_keep_no_tables_of_names():
    for name in ("keras.py", "tf1.py"):
        text = (ROOT / "nnspec" / "builtins" / "backends" / name).read_text(encoding="utf-8")
        for word in ("GlorotUniform", "glorot_uniform_initializer", "AdamOptimizer", "optimizers.Adam",
                     "CategoricalCrossentropy", "0.999"):
            assert word not in text, f"{name} still names {word}"
    # their size is held to the 400-line rule by tests/test_architecture.py


# ------------------------------------------------------------------ defaults, functional builders


class Scaled:
    """A dense layer whose default initializer is written as an alias."""

    @hookimpl
    def register_layers(self, register):
        register(LayerKind("scaled", positional=(Param("units", "int", min=1),),
                           options=(Param("init", "initializer", default="xavier"),),
                           output_shape=lambda shape, a: (a["units"],),
                           param_count=lambda shape, a: shape[0] * a["units"]))

    @hookimpl
    def register_layer_builders(self, register):
        def keras_dense(layer, ctx):
            import keras

            return keras.layers.Dense(layer.args["units"], use_bias=False,
                                      kernel_initializer=ctx.initializer(layer.args["init"]), name=layer.name)

        register(LayerBuilder("keras", "scaled", keras_dense))


def test_a_registry_kind_default_written_as_an_alias_reaches_the_builder_canonical(plugin):
    plugin(Scaled(), "scaled")
    (plan,) = check(nnspec.parse("input 4\nscaled 3"))
    assert plan.layers[0].args["init"] == "xavier_uniform"
    assert nnspec.build(plan, "keras").count_params() == 12


class Residual:
    """`residual ACTIVATION`: x + dense(x) with as many units as came in."""

    @hookimpl
    def register_layers(self, register):
        register(LayerKind("residual", positional=(Param("activation", "activation", default=None),),
                           param_count=lambda shape, a: shape[0] * shape[0] + shape[0]))

    @hookimpl
    def register_layer_builders(self, register):
        def keras_residual(layer, ctx):
            import keras

            dense = keras.layers.Dense(layer.input_shape[0], activation=ctx.activation(layer.args["activation"]),
                                       kernel_initializer=ctx.initializer("xavier_uniform"),
                                       name=f"{layer.name}_dense")
            add = keras.layers.Add(name=layer.name)
            return lambda x: add([x, dense(x)])  # a function of the incoming tensor

        def tf1_residual(x, layer, ctx):
            import tensorflow as tf

            width = layer.input_shape[0]
            # the Keras layer residual_1_dense's kernel is residual_1/dense/kernel (docs/plugins.md, Weight names)
            kernel = ctx.variable("dense/kernel", [width, width])
            bias = ctx.variable("dense/bias", [width], "zeros")
            inner = tf.matmul(x, kernel) + bias
            activation = ctx.activation(layer.args["activation"])
            return x + (activation(inner) if activation else inner)

        register(LayerBuilder("keras", "residual", keras_residual))
        register(LayerBuilder("tf1", "residual", tf1_residual))


def test_a_functional_keras_builder_makes_a_residual_layer_that_saves_and_reloads(plugin, tmp_path):
    import keras

    plugin(Residual(), "residual")
    data = tiny_data()
    (result,) = quiet_run("input 4\ndense 8 relu\nresidual tanh\ndense 3 softmax\ntrain adam epochs=2 batch=8",
                          data, tmp_path, "keras")
    assert result.param_count == result.model.count_params() == 4 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3
    restored = keras.models.load_model(tmp_path / "run" / "model.keras")
    np.testing.assert_allclose(restored.predict(data.x_test, verbose=0),
                               result.model.predict(data.x_test, verbose=0), atol=1e-6)


# ------------------------------------------------------------------ verify-plugin


def test_verify_plugin_passes_on_the_builtins():
    result = invoke("verify-plugin", "layers", "names", "datasets")
    assert result.exit_code == 0, result.stdout
    assert "layer kind conv2d" in result.stdout and "activation gelu" in result.stdout
    assert "dataset iris" in result.stdout and "command datasets" in result.stdout
    assert "parameters at width" in result.stdout  # dense 8 on input 8 as well as dense 3
    assert "FAILED" not in result.stdout


def test_verify_plugin_passes_on_a_residual_plugin_from_code(plugin):
    plugin(Residual(), "residual")
    rows = verify_plugin("residual").rows
    assert {(row.check, row.backend) for row in rows} == {
        ("builder", "keras"), ("builder", "tf1"), ("parameters", "keras"), ("parameters", "tf1"),
        ("same outputs", "keras=tf1"), ("save and reload", "keras")}


def misnamed_tf1_residual(x, layer, ctx):
    """Its weights are residual_1/kernel and residual_1/bias, which no Keras weight is named after."""
    import tensorflow as tf

    width = layer.input_shape[0]
    return x + tf.matmul(x, ctx.variable("kernel", [width, width])) + ctx.variable("bias", [width], "zeros")


class MisnamedResidual(Residual):
    @hookimpl
    def register_layer_builders(self, register):
        builders = []
        Residual.register_layer_builders(self, builders.append)
        register(builders[0])  # the keras one
        register(LayerBuilder("tf1", "residual", misnamed_tf1_residual))


def test_verify_plugin_pairs_weights_by_name_as_export_does(plugin):
    """Weights copied by position would pass here and then fail a tf1 run's export; by name, verify says why."""
    from nnspec.verify import verify_plugins

    plugin(MisnamedResidual(), "misnamed")
    verification = verify_plugins(["misnamed"])
    (failed,) = verification.failures
    assert (failed.check, failed.backend) == ("same outputs", "keras=tf1")
    assert "the tf1 model has no variable 'residual_1/dense/kernel' for the Keras weight" in failed.detail
    assert "docs/plugins.md, Weight names" in failed.detail


def test_a_tf1_run_of_a_plugin_layer_exports_by_the_names_verify_checked(plugin, tmp_path):
    from nnspec.export.export import export_run

    plugin(Residual(), "residual")
    assert verify_plugin("residual").ok
    nnspec.run("data iris\ndense 8 relu\nresidual tanh\ndense 3 softmax\ntrain adam epochs=2 batch=8", "tf1",
               out=tmp_path / "run", progress="none", report=False)
    exported = export_run(tmp_path / "run", "keras", tmp_path / "model.keras")
    assert exported.verification.ok and exported.path.is_file()


class MiscountedResidual(Residual):
    @hookimpl
    def register_layers(self, register):
        register(LayerKind("residual", param_count=lambda shape, a: shape[0] * shape[0],  # forgets the bias
                           positional=(Param("activation", "activation", default=None),)))


def test_verify_plugin_fails_with_a_table_on_a_wrong_parameter_count(plugin):
    plugin(MiscountedResidual(), "miscounted")
    result = invoke("verify-plugin", "miscounted")
    assert result.exit_code == 1
    failed = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert len(failed) == 2  # one row per backend
    assert failed[0].split()[:5] == ["miscounted", "layer", "kind", "residual", "parameters"]
    assert "the backend counts 72, the kind declares 64" in failed[0]
    assert "of 6 checks passed, 2 failed" in result.stdout
    with pytest.raises(AssertionError, match="the kind declares 64"):
        verify_plugin("miscounted")


def test_verify_plugin_names_an_unknown_plugin():
    result = invoke("verify-plugin", "layerz")
    assert result.exit_code == 2 and "did you mean 'layers'?" in result.stderr


# ------------------------------------------------------------------ backend checks, builder errors


class KerasOnly:
    @hookimpl
    def register_layers(self, register):
        register(LayerKind("twice", output_shape=lambda shape, a: shape))

    @hookimpl
    def register_layer_builders(self, register):
        register(LayerBuilder("keras", "twice", lambda layer, ctx: (lambda x: x * 2)))


def test_check_reports_a_layer_kind_the_backend_cannot_build_at_its_line(plugin, tmp_path):
    plugin(KerasOnly(), "kerasonly")
    spec = tmp_path / "net.nn"
    spec.write_text("input 4\ndense 3\ntwice\n", encoding="utf-8")
    assert invoke("check", str(spec)).exit_code == 0
    result = invoke("check", str(spec), "--backend", "tf1")
    assert result.exit_code == 1
    assert f"{spec}:3:1: layer kind 'twice' has no builder for backend 'tf1'" in result.stderr
    assert "plugin 'kerasonly' builds it for keras" in result.stderr
    spec.write_text("input 4\ndense 3\ntwice\nbackend tf1\n", encoding="utf-8")
    assert "3:1: layer kind 'twice'" in invoke("check", str(spec)).stderr


class Crashing:
    @hookimpl
    def register_layers(self, register):
        register(LayerKind("crash"))

    @hookimpl
    def register_layer_builders(self, register):
        register(LayerBuilder("keras", "crash", lambda layer, ctx: 1 / 0))
        register(LayerBuilder("tf1", "crash", lambda x, layer, ctx: 1 / 0))


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_exception_in_a_builder_is_reported_at_the_layer_with_the_plugins_name(plugin, backend):
    plugin(Crashing(), "crashing")
    with pytest.raises(SpecError) as caught:
        nnspec.build(f"input 4\ndense 3\ncrash\nbackend {backend}", backend)
    error = caught.value
    assert (error.line, error.column) == (3, 1)
    assert (f"the {backend} builder of layer kind 'crash' from plugin 'crashing' (registered from code) "
            "failed: ZeroDivisionError: division by zero") in error.message


# ------------------------------------------------------------------ arrays as a dataset


def read_wine():
    from sklearn.datasets import load_wine

    return load_wine(return_X_y=True)


class Wine:
    @hookimpl
    def register_datasets(self, register):
        register(from_arrays("wine", read_wine, rows=178, input_shape=(13,), task="multiclass", classes=3))


def test_from_arrays_turns_a_scikit_learn_loader_into_a_dataset(plugin, tmp_path):
    plugin(Wine(), "wine")
    (plan,) = check(nnspec.parse("data wine test=0.25\ndense 16 relu\ndense 3 softmax"))
    assert (plan.meta.train_size, plan.meta.test_size, plan.meta.classes) == (133, 45, 3)
    (result,) = nnspec.run("data wine\ndense 16 relu\ndense 3 softmax\ntrain adam lr=0.01 epochs=30 batch=16",
                           out=tmp_path / "run", progress="none", report=False)
    assert result.metrics["accuracy"] > 0.85  # standardised wine is easy


def test_from_arrays_says_when_the_arrays_do_not_match_the_declaration(plugin, tmp_path):
    plugin(type("Bad", (), {"register_datasets": hookimpl(lambda self, register: register(
        from_arrays("short", read_wine, rows=100, input_shape=(13,), task="multiclass", classes=3)))})(), "bad")
    with pytest.raises(NNSpecError, match="declares 100 rows of shape \\(13,\\), its arrays hold 178"):
        nnspec.run("data short\ndense 3 softmax\ntrain adam epochs=1", out=tmp_path / "run", progress="none",
                   report=False)


# ------------------------------------------------------------------ each initializer call its own seed


class Twin:
    """`twin`: two dense parts of the input's width, each with its own ctx.initializer call, added."""

    @hookimpl
    def register_layers(self, register):
        register(LayerKind("twin", param_count=lambda shape, a: 2 * shape[0] * shape[0]))

    @hookimpl
    def register_layer_builders(self, register):
        def keras_twin(layer, ctx):
            import keras

            width = layer.input_shape[0]
            parts = [keras.layers.Dense(width, use_bias=False, kernel_initializer=ctx.initializer("xavier_uniform"),
                                        name=f"{layer.name}_{part}") for part in ("a", "b")]
            add = keras.layers.Add(name=layer.name)
            return lambda x: add([part(x) for part in parts])

        def tf1_twin(x, layer, ctx):
            import tensorflow as tf

            width = layer.input_shape[0]
            return sum(tf.matmul(x, ctx.variable(f"{part}/kernel", [width, width])) for part in ("a", "b"))

        register(LayerBuilder("keras", "twin", keras_twin))
        register(LayerBuilder("tf1", "twin", tf1_twin))


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_initializer_call_draws_its_own_seed_and_the_same_spec_the_same_weights(plugin, backend):
    plugin(Twin(), "twin")
    text = f"input 6\ntwin\ndense 1\ntrain sgd loss=mse\nseed 3\nbackend {backend}"

    def kernels():
        model = nnspec.build(text, backend)
        if backend == "keras":
            return [np.asarray(w) for w in model.weights if w.path.startswith("twin_1_")]
        values = dict(zip((v.name.split(":")[0] for v in model.variables), model.session.run(model.variables)))
        model.close()
        return [values["twin_1/a/kernel"], values["twin_1/b/kernel"]]

    a, b = kernels()
    assert not np.allclose(a, b)  # two calls, two seeds: the parts start apart
    again = kernels()
    np.testing.assert_array_equal(again[0], a)
    np.testing.assert_array_equal(again[1], b)


# ------------------------------------------------------------------ reloading as a user does


class LazyDoubler:
    """`doubler`: a Keras class defined and registered inside the builder, so that the plugin imports no Keras.

    The process that built the model knows the class; a user's fresh process, which
    imports the plugin but never runs the builder, does not.
    """

    @hookimpl
    def register_layers(self, register):
        register(LayerKind("doubler"))

    @hookimpl
    def register_layer_builders(self, register):
        def keras_doubler(layer, ctx):
            import keras

            @keras.saving.register_keras_serializable(package="lazy_doubler")
            class Doubler(keras.layers.Layer):
                def call(self, x):
                    return x * 2

            return Doubler(name=layer.name)

        register(LayerBuilder("keras", "doubler", keras_doubler))
        register(LayerBuilder("tf1", "doubler", lambda x, layer, ctx: x * 2))


def test_verify_plugin_reloads_the_saved_model_in_a_fresh_process_as_a_user_does(plugin):
    import keras

    plugin(LazyDoubler(), "lazy")
    model = nnspec.build("input 4\ndoubler\ndense 1\ntrain sgd loss=mse", "keras")
    model.save(Path(__import__("tempfile").mkdtemp()) / "m.keras")  # this process would reload it happily
    result = invoke("verify-plugin", "lazy")
    assert result.exit_code == 1
    (failed,) = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert "save and reload" in failed and "in a fresh process:" in failed and "Doubler" in failed
    assert "docs/plugins.md, Keras objects" in failed
    assert keras.saving.get_registered_object("lazy_doubler>Doubler") is not None


# ------------------------------------------------------------------ the same-width path, datasets, commands


class ProjectingResidual:
    """`proj_residual UNITS`: dense(x) + x, through a projection when UNITS differs from the input's width.

    Its param_count forgets that the same-width path has no projection: only a sample
    network at the input's width shows it.
    """

    @hookimpl
    def register_layers(self, register):
        register(LayerKind("proj_residual", positional=(Param("units", "int", min=1),),
                           output_shape=lambda shape, a: (a["units"],),
                           param_count=lambda shape, a: 2 * shape[0] * a["units"] + a["units"]))

    @hookimpl
    def register_layer_builders(self, register):
        def keras_residual(layer, ctx):
            import keras

            units, width = layer.args["units"], layer.input_shape[0]
            dense = keras.layers.Dense(units, kernel_initializer=ctx.initializer("xavier_uniform"),
                                       name=f"{layer.name}_dense")
            project = (keras.layers.Dense(units, use_bias=False, kernel_initializer=ctx.initializer("xavier_uniform"),
                                          name=f"{layer.name}_projection") if units != width else None)
            add = keras.layers.Add(name=layer.name)
            return lambda x: add([project(x) if project else x, dense(x)])

        def tf1_residual(x, layer, ctx):
            import tensorflow as tf

            units, width = layer.args["units"], layer.input_shape[0]
            inner = tf.matmul(x, ctx.variable("dense/kernel", [width, units])) + ctx.variable("dense/bias", [units],
                                                                                              "zeros")
            skip = tf.matmul(x, ctx.variable("projection/kernel", [width, units])) if units != width else x
            return skip + inner

        register(LayerBuilder("keras", "proj_residual", keras_residual))
        register(LayerBuilder("tf1", "proj_residual", tf1_residual))


def test_verify_plugin_builds_the_same_width_path_too(plugin):
    from nnspec.verify import verify_plugins

    plugin(ProjectingResidual(), "projecting")
    verification = verify_plugins(["projecting"])
    passed = {(row.check, row.backend) for row in verification.rows if row.ok}
    assert {("parameters", "keras"), ("same outputs", "keras=tf1"), ("same outputs at width", "keras=tf1"),
            ("save and reload at width", "keras")} <= passed
    failed = {(row.check, row.backend): row.detail for row in verification.failures}
    assert failed == {("parameters at width", "keras"): "the backend counts 72, the kind declares 136",
                      ("parameters at width", "tf1"): "the backend counts 72, the kind declares 136"}


def read_short():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


class DatasetAndCommand:
    """A dataset whose meta promises another number of classes than its arrays hold, and two commands."""

    @hookimpl
    def register_datasets(self, register):
        register(from_arrays("iris_two", read_short, rows=150, input_shape=(4,), task="multiclass", classes=2))
        register(from_arrays("iris_three", read_short, rows=150, input_shape=(4,), task="multiclass", classes=3))

    @hookimpl
    def register_commands(self, cli):
        def hello(name: str = "you"):
            """Say hello."""
            print(f"hello {name}")

        def broken(options: "NoSuchType"):  # noqa: F821  (typer cannot read its signature)
            """Never answers."""

        cli.command("hello")(hello)
        cli.command("broken")(broken)


def test_verify_plugin_checks_datasets_and_commands(plugin):
    from nnspec.verify import verify_plugins

    plugin(DatasetAndCommand(), "extras")
    rows = {(row.item, row.check): row for row in verify_plugins(["extras"]).rows}
    assert all(rows[("dataset iris_three", check)].ok for check in ("loads", "arrays as meta says",
                                                                     "same seed, same data"))
    wrong = rows[("dataset iris_two", "arrays as meta says")]
    assert not wrong.ok and "y_train holds classes 0 to 2, meta says 2" in wrong.detail
    assert rows[("command hello", "--help")].ok
    assert not rows[("command broken", "--help")].ok
