"""Every hook in nnspec/hookspecs.py is documented and tested (datasette's rule).

docs/plugins.md must have a `## <hook>` heading per hook whose example is a working
plugin module (and whose spec, when it shows one, checks with that plugin loaded),
and some test file under tests/ must mention the hook by name.
"""

from __future__ import annotations

import re
import types
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nnspec
from conftest import registered
from nnspec import hookspecs
from nnspec.cli import build_app
from nnspec.dsl.validate import check
from nnspec.plugins import REGISTERING_HOOKS, get_registries
from nnspec.types import Data, DatasetMeta, LayerBuilder

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs" / "plugins.md"
HOOKS = sorted(name for name, value in vars(hookspecs).items() if hasattr(value, "nnspec_spec"))


def sections() -> dict[str, str]:
    """docs/plugins.md's `## heading` -> the text up to the next `## ` heading."""
    parts = re.split(r"^## (.+)$", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {heading.strip(): body for heading, body in zip(parts[1::2], parts[2::2])}


def example_of(hook: str) -> tuple[str, str | None]:
    """The Python example of a hook's section and the indented spec after it (None if none)."""
    body = sections()[hook]
    code = re.search(r"^```python\n(.*?)^```\n", body, flags=re.MULTILINE | re.DOTALL)
    assert code, f"## {hook} in docs/plugins.md has no ```python example"
    after = body[code.end():]
    block = re.search(r"^\n((?:    .*\n|\n)+)", after)
    spec = None
    if block:
        lines = [line[4:] for line in block.group(1).splitlines()]
        spec = "\n".join(lines).strip() + "\n"
    return code.group(1), spec


def load_example(hook: str) -> types.ModuleType:
    code, _ = example_of(hook)
    module = types.ModuleType(f"nnspec_docs_example_{hook}")
    exec(compile(code, f"{DOCS}#{hook}", "exec"), module.__dict__)
    return module


def test_the_hooks_are_found():
    # guards the tests below against finding no hooks at all (pluggy's marker renamed, ...)
    assert {"register_layers", "register_datasets", "register_commands"} <= set(HOOKS)
    assert len(HOOKS) == 12


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_heading_in_the_plugin_docs(hook):
    assert hook in sections(), f"docs/plugins.md needs a '## {hook}' section"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_mentioned_by_a_test(hook):
    tests = [path for path in Path(__file__).parent.glob("test_*.py") if path.name != Path(__file__).name]
    mentioned = [path.name for path in tests if re.search(rf"\b{hook}\b", path.read_text(encoding="utf-8"))]
    assert mentioned, f"no test under tests/ mentions {hook}"


def test_every_documented_hook_exists():
    documented = {heading for heading in sections() if heading.startswith("register_")}
    assert documented <= set(HOOKS), f"docs/plugins.md documents hooks that do not exist: {documented - set(HOOKS)}"


@pytest.mark.parametrize("hook", [hook for hook in HOOKS if hook != "register_commands"])
def test_hook_example_registers_what_the_hook_takes(hook):
    module = load_example(hook)
    items = []
    getattr(module, hook)(items.append)
    expected = LayerBuilder if hook == "register_layer_builders" else REGISTERING_HOOKS[hook][1]
    assert items and all(isinstance(item, expected) for item in items)
    with registered(module, f"docs-{hook}"):
        registries = get_registries()
        for item in items:
            if hook == "register_layer_builders":
                assert registries.layer_builders[(item.backend, item.kind)] == item
            else:
                registry = getattr(registries, REGISTERING_HOOKS[hook][0])
                assert registry.provider.get(item.name) == f"docs-{hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_spec_shown_with_a_hook_example_checks(hook):
    _, spec = example_of(hook)
    if spec is None or spec.startswith("$"):
        pytest.skip(f"## {hook} shows no spec")
    with registered(load_example(hook), f"docs-{hook}"):
        plans = check(nnspec.parse(spec))
    assert plans


def test_register_commands_example_adds_a_working_command():
    with registered(load_example("register_commands"), "docs-commands"):
        result = CliRunner().invoke(build_app(), ["count", str(ROOT / "specs" / "iris.nn")])
    assert (result.exit_code, result.stdout) == (0, "2,371\n")


def test_register_backends_example_trains(tmp_path):
    """The documented backend builds with the keras builders and trains with fit()."""
    spec = "input 4\ndense 3 tanh\ndense 1\ntrain sgd loss=mse epochs=2 batch=8\nseed 1\nbackend keras_fit"
    x = np.random.default_rng(0).normal(size=(40, 4)).astype("float32")
    data = Data(x[:32], x[:32].sum(axis=1), x[32:], x[32:].sum(axis=1),
                meta=DatasetMeta(input_shape=(4,), task="regression", train_size=32, test_size=8))
    with registered(load_example("register_backends"), "docs-backends"):
        (result,) = nnspec.run(spec, out=tmp_path / "run", progress="none", report=False, data=data)
    assert result.backend == "keras_fit" and len(result.history["loss"]) == 2
    assert np.isfinite(result.metrics["loss"])
    assert (tmp_path / "run" / "model.keras").is_file()


def test_register_training_callbacks_example_adds_its_quantity(tmp_path):
    """The documented callback's number is in the history of every epoch."""
    spec = "input 4\ndense 3 softmax\ntrain adam loss=categorical_crossentropy epochs=2 batch=8"
    x = np.random.default_rng(0).normal(size=(40, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    data = Data(x[:32], y[:32], x[32:], y[32:], meta=DatasetMeta(input_shape=(4,), task="multiclass", classes=3))
    with registered(load_example("register_training_callbacks"), "docs-callbacks"):
        (result,) = nnspec.run(spec, out=tmp_path / "run", progress="none", report=False, data=data)
    values = result.history["probe_top_output"]
    assert len(values) == 2 and all(1 / 3 <= value <= 1 for value in values)


def test_register_report_sections_example_draws_its_section(tmp_path):
    """The documented section adds its picture and table to a run's page."""
    from test_reports import make_run

    folder = make_run(tmp_path / "run")
    with registered(load_example("register_report_sections"), "docs-sections"):
        report = nnspec.report(folder)
    (section,) = report.sections
    assert section.title == "Confidence" and len(section.tables["quantiles"]) == 3
    assert (folder / "confidence.png").is_file() and "confidence.png" in report.html.read_text()
