"""Plugins: the example plugin installed for real and used from specs, broken plugins
isolated and named, NNSPEC_PLUGINS choosing which third-party plugins load.

The example plugin (tests/plugin_example) is pip-installed once per session into a
private folder that is put on sys.path for one test at a time; the broken plugins are
generated as tiny distributions (a module and a .dist-info folder with entry_points.txt),
which importlib.metadata finds exactly as it finds a pip-installed package.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nnspec
from nnspec import plugins
from nnspec.cli import build_app
from nnspec.dsl.options import complete_options
from nnspec.dsl.validate import check
from nnspec.errors import NNSpecError

MOONS_SPEC = """\
data two_moons n=400 noise=0.2
dense 16 mish
gaussian_noise 0.1
dense 1 sigmoid
train adam lr=0.01 epochs=5
"""


# ------------------------------------------------------------------ fixtures


def make_plugin(folder: Path, dist: str, source: str, entry_name: str | None = None) -> Path:
    """A tiny installed distribution `dist`: a module holding `source`, an `nnspec` entry point."""
    module = dist.replace("-", "_")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = folder / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[nnspec]\n{entry_name or module} = {module}\n", encoding="utf-8")
    importlib.invalidate_caches()
    return folder


def invoke(*args: str):
    """Run the nnspec command line as a user would, with the plugins loaded now."""
    return CliRunner().invoke(build_app(), list(args))


def error_of(pm: plugins.PluginManager, name: str) -> str | None:
    plugins.get_registries()  # hooks run (and may fail) when the registries are built
    return pm.infos[name].error


def checks_a_core_spec() -> None:
    """The built-in plugins still work: a plain spec parses and checks."""
    plan = check(nnspec.parse("input 4\ndense 8 relu\ndense 3 softmax\ntrain adam loss=categorical_crossentropy"))[0]
    assert plan.param_count == 4 * 8 + 8 + 8 * 3 + 3


# ------------------------------------------------------------------ the example plugin


def test_example_plugin_is_found_through_its_entry_point(example_site, use_plugins):
    pm = use_plugins(example_site)
    points = {ep.name: ep for ep in importlib.metadata.entry_points(group="nnspec")}
    assert points["example"].value == "nnspec_example_plugin"
    assert points["example"].dist.name == "nnspec-example-plugin"
    plugins.get_registries()
    info = pm.infos["example"]
    assert (info.package, info.version, info.builtin, info.error) == ("nnspec-example-plugin", "0.1.0", False, None)
    assert info.provides == {
        "layer kind": ["gaussian_noise", "scale"],
        "layer builder": ["gaussian_noise (keras)", "gaussian_noise (tf1)", "scale (keras)", "scale (tf1)"],
        "dataset": ["two_moons"],
        "activation": ["mish"],
        "initializer": ["narrow_glorot"],
    }


def test_spec_uses_the_plugins_layer_dataset_and_activation(example_site, use_plugins):
    use_plugins(example_site)
    plan = check(nnspec.parse(MOONS_SPEC))[0]
    assert plan.dataset == "two_moons"
    assert plan.dataset_options == {"n": 400, "noise": 0.2, "test": 0.25, "seed": None, "normalize": False}
    assert (plan.meta.task, plan.meta.train_size, plan.meta.test_size) == ("binary", 300, 100)
    assert [(layer.kind, layer.output_shape, layer.param_count) for layer in plan.layers] == [
        ("dense", (16,), 2 * 16 + 16),
        ("gaussian_noise", (16,), 0),
        ("dense", (1,), 16 + 1),
    ]
    assert plan.layers[0].args["activation"] == "mish"
    assert plan.layers[1].args == {"stddev": 0.1}
    assert (plan.train.loss, plan.label_encoding) == ("binary_crossentropy", "column")


def test_plugin_aliases_work_in_specs(example_site, use_plugins):
    use_plugins(example_site)
    plan = check(nnspec.parse("data moons\nnoise 0.5\ndense 1 sigmoid"))[0]
    assert (plan.dataset, plan.layers[0].kind) == ("two_moons", "gaussian_noise")


@pytest.mark.parametrize(
    "line, message, column",
    [
        ("gaussian_noise -1", "gaussian_noise stddev must be at least 0", 16),
        ("gaussian_noise", "gaussian_noise needs stddev=", 1),
        ("gaussian_noise 0.1 0.2", "gaussian_noise takes 1 positional argument(s)", 20),
        ("gausian_noise 0.1", "unknown layer kind 'gausian_noise'; did you mean 'gaussian_noise'?", 1),
    ],
)
def test_plugin_layer_arguments_are_checked(example_site, use_plugins, line, message, column):
    use_plugins(example_site)
    with pytest.raises(NNSpecError) as caught:
        check(nnspec.parse(f"data two_moons\n{line}\ndense 1 sigmoid"))
    assert caught.value.headline().startswith(f"<spec>:2:{column}: {message}")


@pytest.mark.parametrize(
    "options, message",
    [
        ("n=3", "data two_moons n must be at least 4"),
        ("n=10 test=0.01", "two_moons: test=0.01 of n=10 leaves an empty split"),
        ("noise=-1", "data two_moons noise must be at least 0"),
        ("nosie=0.3", "data two_moons has no option 'nosie'"),
    ],
)
def test_plugin_dataset_options_are_checked(example_site, use_plugins, options, message):
    use_plugins(example_site)
    with pytest.raises(NNSpecError) as caught:
        check(nnspec.parse(f"data two_moons {options}\ndense 1 sigmoid"))
    assert message in caught.value.headline()
    assert caught.value.line == 1


def test_two_moons_loads_what_its_metadata_promises(example_site, use_plugins):
    use_plugins(example_site)
    moons = plugins.get_registries().datasets.get("two_moons")
    options = complete_options(moons.options, {"n": 101, "test": 0.3}, "data two_moons")
    meta = moons.meta(options)
    data = moons.load(options, 7)
    assert data.x_train.shape == (meta.train_size, *meta.input_shape) == (71, 2)
    assert data.x_test.shape == (meta.test_size, 2) == (30, 2)
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    labels = np.concatenate([data.y_train, data.y_test])
    assert sorted(np.bincount(labels)) == [50, 51]
    again = moons.load(options, 7)
    assert np.array_equal(again.x_train, data.x_train) and np.array_equal(again.y_test, data.y_test)
    assert not np.array_equal(moons.load(options, 8).x_train, data.x_train)
    own_seed = complete_options(moons.options, {"seed": 3}, "data two_moons")
    assert np.array_equal(moons.load(own_seed, 1).x_train, moons.load(own_seed, 2).x_train)


def test_two_moons_is_learnable(example_site, use_plugins):
    """The generated classes are separable: a nearest-centroid rule beats chance on test."""
    use_plugins(example_site)
    moons = plugins.get_registries().datasets.get("two_moons")
    data = moons.load(complete_options(moons.options, {"n": 400}, "data two_moons"), 0)
    centroids = np.stack([data.x_train[data.y_train == label].mean(axis=0) for label in (0, 1)])
    nearest = np.argmin(((data.x_test[:, None, :] - centroids) ** 2).sum(axis=2), axis=1)
    assert (nearest == data.y_test).mean() > 0.7


def test_nnspec_plugins_lists_the_example_with_package_version_and_what_it_provides(example_site, use_plugins):
    use_plugins(example_site)
    result = invoke("plugins")
    assert result.exit_code == 0, result.output
    block = result.stdout.split("example (", 1)[1].split("\n\n", 1)[0]
    assert block.startswith("nnspec-example-plugin 0.1.0, installed, nnspec_example_plugin)\n")
    for line in (
        "  activation: mish",
        "  dataset: two_moons",
        "  layer builder: gaussian_noise (keras), gaussian_noise (tf1), scale (keras), scale (tf1)",
        "  layer kind: gaussian_noise, scale",
    ):
        assert line in block.splitlines()
    listed = {item["name"]: item for item in json.loads(invoke("plugins", "--json").stdout)}
    assert listed["example"]["package"] == "nnspec-example-plugin"
    assert listed["example"]["provides"]["layer kind"] == ["gaussian_noise", "scale"]
    assert listed["layers"]["builtin"] is True


def test_nnspec_check_and_show_accept_a_spec_using_the_plugin(example_site, use_plugins, tmp_path):
    use_plugins(example_site)
    spec = tmp_path / "moons.nn"
    spec.write_text(MOONS_SPEC)
    result = invoke("check", str(spec))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{spec}: ok (3 layers, 65 parameters)\n"
    shown = invoke("show", str(spec)).stdout
    assert "gaussian_noise" in shown and "total params: 65" in shown


def test_installed_plugin_works_in_a_fresh_process(example_site, tmp_path):
    """A real `python -m nnspec` process finds the plugin on its path."""
    spec = tmp_path / "moons.nn"
    spec.write_text(MOONS_SPEC)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(example_site), os.environ.get("PYTHONPATH", "")])}
    env.pop(plugins.ENV_VAR, None)
    listed = subprocess.run([sys.executable, "-m", "nnspec", "plugins"], capture_output=True, text=True, env=env)
    assert "example (nnspec-example-plugin 0.1.0, installed, nnspec_example_plugin)" in listed.stdout
    checked = subprocess.run([sys.executable, "-m", "nnspec", "check", str(spec)], capture_output=True, text=True,
                             env=env)
    assert checked.returncode == 0, checked.stderr
    assert "ok (3 layers, 65 parameters)" in checked.stdout


TINY_TRAINING_SPEC = """\
data two_moons n=64
dense 8 mish
gaussian_noise 0.5
dense 1 sigmoid
train adam lr=0.01 epochs=1 batch=16
seed 3
"""


@pytest.mark.parametrize("backend", ["keras", "tf1"])
def test_spec_using_the_plugin_trains_on_each_backend(example_site, use_plugins, tmp_path, backend):
    """The plugin's layer builders, its activation's `impl` and its dataset drive a real run."""
    use_plugins(example_site)
    (result,) = nnspec.run(TINY_TRAINING_SPEC, backend, out=tmp_path / "run", progress="none", report=False)
    try:
        assert (result.backend, result.dataset, result.param_count) == (backend, "two_moons", 2 * 8 + 8 + 8 + 1)
        assert len(result.history["loss"]) == 1
        assert np.isfinite(result.metrics["loss"]) and 0 <= result.metrics["accuracy"] <= 1
        model = result.model
        x = np.linspace(-1, 2, 32, dtype="float32").reshape(16, 2)
        if backend == "keras":
            training, evaluating = np.asarray(model(x, training=True)), np.asarray(model(x, training=False))
        else:
            training = model.session.run(model.output, {model.x: x, **model.train_feed})
            evaluating = model.predict(x)
        # noise while training only: evaluation is deterministic and differs from a training pass
        assert np.allclose(evaluating, np.asarray(model.predict(x)), atol=1e-6)
        assert not np.allclose(training, evaluating)
    finally:
        if backend == "tf1":
            result.model.close()


# ------------------------------------------------------------------ NNSPEC_PLUGINS


@pytest.mark.parametrize(
    "only, loaded",
    [
        (None, {"example", "other"}),
        ("", set()),
        ("example", {"example"}),
        ("nnspec-example-plugin", {"example"}),  # the distribution's name works too
        ("Nnspec_Example_Plugin, other", {"example", "other"}),
        ("other", {"other"}),
        ("nothing_like_it", set()),
    ],
)
def test_nnspec_plugins_variable_chooses_the_third_party_plugins(example_site, use_plugins, tmp_path, only, loaded):
    other = make_plugin(tmp_path, "other", """
        from nnspec import hookimpl
        from nnspec.types import Named

        @hookimpl
        def register_activations(register):
            register(Named("other_act"))
    """)
    pm = use_plugins(example_site, other, only=only)
    third_party = {name for name, info in pm.infos.items() if not info.builtin}
    assert third_party == loaded
    assert {"layers", "names"} <= set(pm.infos)  # built-ins always load
    registries = plugins.get_registries()
    assert ("two_moons" in registries.datasets) == ("example" in loaded)
    assert ("other_act" in registries.activations) == ("other" in loaded)
    checks_a_core_spec()


def test_spec_using_a_plugin_that_is_not_loaded_is_an_error_not_a_crash(example_site, use_plugins):
    use_plugins(example_site, only="")
    with pytest.raises(NNSpecError) as caught:
        check(nnspec.parse(MOONS_SPEC))
    text = caught.value.render()
    assert "<spec>:1:6: unknown dataset 'two_moons'" in text


# ------------------------------------------------------------------ broken plugins


def test_plugin_that_fails_to_import_is_named_and_the_rest_works(example_site, use_plugins, tmp_path):
    broken = make_plugin(tmp_path, "broken-import", """
        import nnspec_no_such_dependency
    """)
    pm = use_plugins(example_site, broken)
    assert error_of(pm, "broken_import") == (
        "failed to load: ModuleNotFoundError: No module named 'nnspec_no_such_dependency'"
    )
    assert error_of(pm, "example") is None
    checks_a_core_spec()
    assert check(nnspec.parse(MOONS_SPEC))[0].param_count == 65
    result = invoke("check", "--help")  # the command line still starts
    assert result.exit_code == 0


def test_plugin_that_raises_while_importing_is_named(use_plugins, tmp_path):
    pm = use_plugins(make_plugin(tmp_path, "crashy", "raise RuntimeError('plugin bug')"))
    assert error_of(pm, "crashy") == "failed to load: RuntimeError: plugin bug"
    assert [info.name for info in plugins.plugin_failures() if not info.builtin] == ["crashy"]
    checks_a_core_spec()


def test_plugin_whose_hook_raises_is_named_and_the_rest_works(example_site, use_plugins, tmp_path):
    raising = make_plugin(tmp_path, "raising", """
        from nnspec import hookimpl
        from nnspec.types import Named

        @hookimpl
        def register_layers(register):
            raise RuntimeError("cannot describe my layers")

        @hookimpl
        def register_activations(register):
            register(Named("still_fine"))
    """)
    pm = use_plugins(example_site, raising)
    assert error_of(pm, "raising") == "register_layers failed: RuntimeError: cannot describe my layers"
    plugins.get_registries.cache_clear()  # rebuilding the registries reports the failure once
    assert error_of(pm, "raising") == "register_layers failed: RuntimeError: cannot describe my layers"
    registries = plugins.get_registries()
    assert "still_fine" in registries.activations  # its other hooks ran
    assert "gaussian_noise" in registries.layers  # other plugins' hooks ran
    checks_a_core_spec()


def test_misspelled_hook_is_named_with_a_suggestion_and_the_plugin_is_not_used(use_plugins, tmp_path):
    typo = make_plugin(tmp_path, "typo", """
        from nnspec import hookimpl
        from nnspec.types import LayerKind, Named

        @hookimpl
        def register_layer(register):  # pluggy's check_pending catches the missing 's'
            register(LayerKind("never_seen"))

        @hookimpl
        def register_activations(register):
            register(Named("half_loaded"))
    """)
    pm = use_plugins(typo)
    assert error_of(pm, "typo") == "misuses a hook: implements unknown hook 'register_layer'; did you mean 'register_layers'?"
    registries = plugins.get_registries()
    assert "never_seen" not in registries.layers
    assert "half_loaded" not in registries.activations  # a plugin that misuses hooks is left out whole
    result = invoke("plugins")
    assert "typo (typo 0.1, installed, typo)\n  error: misuses a hook: implements unknown hook 'register_layer'" in result.stdout
    checks_a_core_spec()


def test_hook_with_wrong_argument_names_is_named_and_left_out_whole(use_plugins, tmp_path):
    # pluggy checks the argument names of the hook functions, in alphabetical order of hooks:
    # register_activations is accepted before register_layers is refused
    bad = make_plugin(tmp_path, "badargs", """
        from nnspec import hookimpl
        from nnspec.types import Named

        @hookimpl
        def register_activations(register):
            register(Named("half_loaded"))

        @hookimpl
        def register_layers(add):
            pass
    """)
    pm = use_plugins(bad)
    error = error_of(pm, "badargs")
    assert error.startswith("misuses a hook: Plugin 'badargs' for hook 'register_layers'")
    assert "{'add'} are declared in the hookimpl but can not be found in the hookspec" in error
    assert "\n" not in error
    assert "half_loaded" not in plugins.get_registries().activations
    checks_a_core_spec()


def test_dataset_plugin_whose_meta_fails_is_reported_at_the_data_line(use_plugins, tmp_path):
    use_plugins(make_plugin(tmp_path, "buggy-data", """
        from nnspec import hookimpl
        from nnspec.types import Dataset

        def meta(options):
            return {}["input_shape"]

        @hookimpl
        def register_datasets(register):
            register(Dataset("buggy", load=None, meta=meta))
    """))
    with pytest.raises(NNSpecError) as caught:
        check(nnspec.parse("seed 1\ndata buggy\ndense 1"))
    assert caught.value.headline() == (
        "<spec>:2:1: dataset plugin 'buggy' failed to describe its data: KeyError: 'input_shape'"
    )


def test_registering_the_wrong_type_is_named(use_plugins, tmp_path):
    wrong = make_plugin(tmp_path, "wrongtype", """
        from nnspec import hookimpl

        @hookimpl
        def register_layers(register):
            register("gaussian_noise")
    """)
    pm = use_plugins(wrong)
    assert error_of(pm, "wrongtype") == "register_layers failed: PluginError: register_layers takes LayerKind objects, not str"


def test_plugin_cannot_replace_a_builtin_name_or_builder(use_plugins, tmp_path):
    greedy = make_plugin(tmp_path, "greedy", """
        from nnspec import hookimpl
        from nnspec.types import LayerBuilder, LayerKind

        @hookimpl
        def register_layers(register):
            register(LayerKind("dense"))

        @hookimpl
        def register_layer_builders(register):
            register(LayerBuilder("keras", "my_kind", build=lambda layer, ctx: None))
            register(LayerBuilder("keras", "my_kind", build=lambda layer, ctx: None))
    """)
    pm = use_plugins(greedy)
    error = error_of(pm, "greedy")
    assert "register_layers failed: PluginError: layer kind 'dense' is registered twice (by layers and greedy)" in error
    assert "register_layer_builders failed: PluginError: a keras builder for layer kind 'my_kind' is registered twice" in error
    registries = plugins.get_registries()
    assert registries.layers.provider["dense"] == "layers"
    checks_a_core_spec()


def test_two_distributions_with_one_plugin_name_do_not_hide_each_other(use_plugins, tmp_path):
    clash = make_plugin(tmp_path, "clash", """
        from nnspec import hookimpl
        from nnspec.types import Named

        @hookimpl
        def register_activations(register):
            register(Named("clashing"))
    """, entry_name="layers")
    pm = use_plugins(clash)
    plugins.get_registries()
    assert pm.infos["layers"].package == "nnspec" and pm.infos["layers"].error is None
    assert "dense" in pm.infos["layers"].provides["layer kind"]
    assert pm.infos["layers (clash)"].error == "not loaded: the plugin name 'layers' is already used by nnspec"
    assert "clashing" not in plugins.get_registries().activations
    checks_a_core_spec()


def test_cli_warns_about_a_broken_plugin_and_still_checks(use_plugins, tmp_path):
    use_plugins(make_plugin(tmp_path / "site", "broken-import", "import nnspec_no_such_dependency"))
    spec = tmp_path / "ok.nn"
    spec.write_text("input 4\ndense 3 softmax\ntrain adam loss=categorical_crossentropy\n")
    result = invoke("check", str(spec))
    assert result.exit_code == 0
    assert "warning: plugin 'broken_import' (broken-import) failed to load: ModuleNotFoundError" in result.output
    assert "ok (1 layers, 15 parameters)" in result.stdout


# ------------------------------------------------------------------ the other hooks


EVERY_HOOK_PLUGIN = """
    import typer
    from nnspec import hookimpl
    from nnspec.types import Backend, Named, Param


    @hookimpl
    def register_initializers(register):
        register(Named("constant_half", "every weight 0.5"))


    @hookimpl
    def register_optimizers(register):
        register(Named("slowsgd", "sgd with a tiny step", options=(Param("decay", "fraction", default=0.1),)))


    @hookimpl
    def register_losses(register):
        register(Named("squared_hinge", "hinge loss, squared", aliases=("sqhinge",)))


    @hookimpl
    def register_metrics(register):
        register(Named("f1", "harmonic mean of precision and recall"))


    @hookimpl
    def register_backends(register):
        register(Backend("numpy_ref", build=lambda plan: None, train=lambda plan, data, reporter: {}))


    def hello(name: str = "world"):
        '''Say hello.'''
        typer.echo(f"hello {name}")


    @hookimpl
    def register_commands(cli):
        cli.command("hello")(hello)
"""


def test_every_registering_hook_feeds_the_checker(use_plugins, tmp_path):
    """register_initializers, register_optimizers, register_losses, register_metrics and
    register_backends put names where a spec can use them."""
    pm = use_plugins(make_plugin(tmp_path, "everything", EVERY_HOOK_PLUGIN))
    plan = check(nnspec.parse(
        "input 4\ndense 2 sigmoid init=constant_half bias=constant_half\n"
        "train slowsgd decay=0.5 loss=sqhinge metrics=f1,accuracy\nbackend numpy_ref"
    ))[0]
    assert plan.layers[0].args["init"] == "constant_half"
    assert (plan.train.optimizer, plan.train.options, plan.train.loss) == ("slowsgd", {"decay": 0.5}, "squared_hinge")
    assert (plan.train.metrics, plan.backend) == (("f1", "accuracy"), "numpy_ref")
    assert pm.infos["everything"].provides == {
        "initializer": ["constant_half"],
        "optimizer": ["slowsgd"],
        "loss": ["squared_hinge"],
        "metric": ["f1"],
        "backend": ["numpy_ref"],
    }


def test_register_commands_adds_a_command(use_plugins, tmp_path):
    use_plugins(make_plugin(tmp_path, "everything", EVERY_HOOK_PLUGIN))
    result = invoke("hello", "--name", "nnspec")
    assert (result.exit_code, result.stdout) == (0, "hello nnspec\n")
    assert "hello" in invoke("--help").stdout


def test_register_commands_failure_is_named_and_other_commands_work(use_plugins, tmp_path):
    pm = use_plugins(make_plugin(tmp_path, "badcli", """
        from nnspec import hookimpl

        @hookimpl
        def register_commands(cli):
            raise RuntimeError("no commands today")
    """))
    result = invoke("plugins")
    assert result.exit_code == 0
    assert pm.infos["badcli"].error == "register_commands failed: RuntimeError: no commands today"
    assert "badcli (badcli 0.1, installed, badcli)\n  error: register_commands failed" in result.stdout


def test_verify_plugin_passes_on_the_example_plugin(example_site, use_plugins):
    """gaussian_noise builds alike on keras and tf1 and reloads; mish computes alike on both."""
    from nnspec.testing import verify_plugin

    use_plugins(example_site)
    rows = verify_plugin("example").rows
    assert {row.item for row in rows} == {"layer kind gaussian_noise", "layer kind scale", "activation mish",
                                          "initializer narrow_glorot", "dataset two_moons"}
    assert {row.check for row in rows if row.item == "dataset two_moons"} == {
        "loads", "arrays as meta says", "same seed, same data", "prepare"}
    assert ("same outputs", "keras=tf1") in {(row.check, row.backend) for row in rows}
