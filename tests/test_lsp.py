"""The language server's answers, tested as pure functions (no protocol, no client).

Positions are 0-based (line, character) as in LSP. Expected shapes and parameter counts
come from nnspec.check, so that hover is compared with what `nnspec show` reports.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnspec
from nnspec import hookimpl
from nnspec.lsp.analysis import Documents, analyse, formatted
from nnspec.lsp.completion import complete
from nnspec.lsp.definition import definition, references
from nnspec.lsp.hover import hover
from nnspec.lsp.symbols import symbols
from nnspec.lsp.tokens import semantic_tokens
from nnspec.lsp.words import slot_at
from nnspec.types import LayerKind, Named, Param

from conftest import registered

IRIS = """\
data iris test=0.3 seed=1234
dense 32 relu init=he x3
dense 3 softmax
train adam lr=0.001 loss=categorical_crossentropy metrics=accuracy epochs=200 batch=16
"""


def position(text: str, marker: str, offset: int = 0) -> tuple[int, int]:
    """The 0-based (line, character) of the first `marker` in `text`, plus `offset`."""
    index = text.index(marker) + offset
    line = text.count("\n", 0, index)
    return line, index - (text.rfind("\n", 0, index) + 1)


def hover_at(text: str, marker: str, offset: int = 1) -> str | None:
    found = hover(analyse(text), *position(text, marker, offset))
    return found.markdown if found else None


def labels(text: str, marker: str, offset: int = 0) -> list[str]:
    lines = text.split("\n")
    return [item.label for item in complete(lines, *position(text, marker, offset)).items]


# ------------------------------------------------------------------ where the cursor is


@pytest.mark.parametrize(
    "line, marker, role, expected",
    [
        ("dense 32 relu init=he x3", "dense", "head", {"atom": "dense"}),
        ("dense 32 relu init=he x3", "relu", "arg", {"head": "dense", "index": 1, "atom": "relu"}),
        ("dense 32 relu init=he x3", "init", "key", {"key": "init"}),
        ("dense 32 relu init=he x3", "he", "value", {"key": "init", "atom": "he"}),
        ("dense 32 relu init=he x3", "x3", "repeat", {"atom": "x3"}),
        ("dense 16 tanh|relu", "relu", "arg", {"index": 1, "atom": "relu"}),
        ("train adam metrics=accuracy,mae", "mae", "value", {"key": "metrics", "subject": "adam"}),
        ("let act = relu | tanh", "tanh", "let_value", {"key": "act", "atom": "tanh"}),
        ("dense 8 # relu here", "relu", "none", {}),
        ('data csv path="a, b|c.csv" target=2', "target", "key", {"subject": "csv", "used_keys": ("path",)}),
    ],
)
def test_slot_names_the_word_under_the_cursor(line, marker, role, expected):
    slot = slot_at([line], *position(line, marker, 1))
    assert slot.role == role
    for name, value in expected.items():
        assert getattr(slot, name) == value


def test_slot_knows_it_is_inside_a_block():
    lines = ["{", "  dense 16 relu", "} x2"]
    assert slot_at(lines, 1, 3).in_block
    assert not slot_at(["dense 16 relu"], 0, 3).in_block


# ------------------------------------------------------------------ hover


def test_hover_on_a_repeated_layer_shows_each_output_shape_and_parameter_count():
    plan = nnspec.check(nnspec.parse(IRIS))[0]
    text = hover_at(IRIS, "dense 32")
    for layer in plan.layers[:3]:
        assert f"`{layer.name}`: {layer.input_shape[0]} → {layer.output_shape[0]}, {layer.param_count:,} parameters" in text
    assert f"**{sum(layer.param_count for layer in plan.layers[:3]):,}** parameters in all" in text
    assert "fully connected layer" in text  # and the kind's documentation


def test_hover_on_a_single_layer_shows_its_shape_and_parameters():
    last = nnspec.check(nnspec.parse(IRIS))[0].layers[-1]
    assert f"**{last.output_shape[0]}**, **{last.param_count:,}** parameters" in hover_at(IRIS, "dense 3 ")


def test_hover_on_a_layer_in_a_sweep_shows_each_variant_that_differs():
    spec = "input 4\nlet units = 8 | 16\ndense $units relu\ndense 3 softmax\n"
    text = hover_at(spec, "dense $")
    assert "variant units=8:" in text and "variant units=16:" in text
    assert "4 → **16**, **80** parameters" in text


def test_hover_on_a_layer_of_a_spec_with_errors_says_shapes_are_unknown():
    text = hover_at("input 4\ndense 8 relv\ndense 3 softmax\n", "dense 8")
    assert "known once the spec checks without errors" in text


@pytest.mark.parametrize(
    "marker, expected",
    [
        ("relu", "**relu** (activation): max(x, 0)"),
        ("he x3", "**he_normal** (initializer), written here as `he`"),
        ("adam", "**adam** (optimizer)"),
        ("categorical", "**categorical_crossentropy** (loss)"),
        ("accuracy", "**accuracy** (metric)"),
        ("iris", "**iris** (dataset)"),
        ("data", "data NAME [opt=value ...]"),
        ("train", "train OPTIMIZER"),
        ("lr=", "**lr** (float"),
    ],
)
def test_hover_on_a_name_shows_its_documentation(marker, expected):
    assert expected in hover_at(IRIS, marker)


def test_hover_on_a_variable_shows_its_values():
    spec = "input 4\nlet act = relu | tanh\ndense 8 $act\ndense 3 softmax\n"
    assert "sweep variable `act` = relu | tanh (line 2); used 1 time" in hover_at(spec, "$act")


def test_hover_on_a_let_value_documents_it_as_what_the_variable_is_used_for():
    spec = "input 4\nlet w = he | xavier\ndense 8 relu init=$w\ndense 3 softmax\n"
    assert "**xavier_uniform** (initializer)" in hover_at(spec, "xavier")


def test_hover_on_nothing_says_nothing():
    assert hover(analyse("dense 8 # a comment\n"), 0, 12) is None
    assert hover(analyse(IRIS), 99, 0) is None


# ------------------------------------------------------------------ completion


def test_completion_at_a_statement_start_offers_keywords_and_layer_kinds():
    found = labels("\n", "\n")
    assert {"data", "input", "train", "seed", "backend", "let"} <= set(found)
    assert {"dense", "conv2d", "dropout", "maxpool", "embedding"} <= set(found)


def test_completion_inside_a_block_offers_only_layer_kinds():
    found = labels("{ d", "d", 1)
    assert "dense" in found and "dropout" in found and "data" not in found


def test_completion_offers_the_options_of_the_kind_at_the_cursor():
    assert {"stride=", "padding=", "init=", "bias="} <= set(labels("conv2d 8 3x3 relu ", " relu ", 6))
    dense = labels("dense 8 relu ", "relu ", 5)
    assert {"init=", "bias="} <= set(dense) and "stride=" not in dense


def test_completion_leaves_out_options_already_written():
    found = labels("dense 8 relu init=he ", "he ", 3)
    assert "bias=" in found and "init=" not in found


def test_completion_of_an_option_value_offers_the_registry_names():
    found = labels("dense 8 relu init=", "init=", 5)
    assert {"he_normal", "he", "xavier_uniform", "xavier", "zeros"} <= set(found)
    assert labels("dense 8 relu init=he_", "init=", 8) == ["he_normal", "he_uniform"]


def test_completion_of_a_statement_subject_offers_datasets_and_optimizers():
    assert {"iris", "mnist", "csv"} <= set(labels("data ", " ", 1))
    assert {"adam", "sgd", "rmsprop"} <= set(labels("train ", " ", 1))


def test_completion_of_metrics_goes_on_after_a_comma():
    assert set(labels("train adam metrics=accuracy,m", "m", 27)) >= {"mae", "mse"}


def test_completion_offers_the_choices_of_an_option():
    assert labels("conv2d 8 3x3 padding=", "=", 1) == ["valid", "same"]


def test_completion_offers_sweep_variables_after_a_dollar():
    assert labels("let act = relu | tanh\ndense 8 $", "$", 1) == ["$act"]


def test_completion_of_a_let_value_follows_where_the_variable_is_used():
    text = "let w = he | x\ndense 8 init=$w\n"
    assert "xavier" in labels(text, "x\n", 1)


def test_completion_includes_plugins_names():
    class Plugin:
        @hookimpl
        def register_activations(self, register):
            register(Named("wiggle", "a test activation from a plugin"))

        @hookimpl
        def register_layers(self, register):
            register(LayerKind("wobble", options=(Param("depth", "int", default=1, doc="how deep"),),
                               doc="a test layer from a plugin"))

    with registered(Plugin(), "lsp-test-plugin"):
        assert "wobble" in labels("w", "w", 1)
        assert "wiggle" in labels("dense 8 w", "w", 1)
        assert labels("wobble ", " ", 1) == ["depth="]
        text = hover_at("input 4\nwobble\ndense 8 wiggle\n", "wiggle")
        assert "a test activation from a plugin" in text and "lsp-test-plugin" in text


# ------------------------------------------------------------------ definition, formatting


def test_definition_of_a_variable_is_its_let():
    text = "input 4\nlet act = relu | tanh\ndense 8 $act; dense 3 softmax\n"
    found = definition(text.split("\n"), *position(text, "$act", 2))
    assert (found.line, found.start, found.end) == (1, 4, 7)


def test_definition_of_an_undefined_variable_or_a_plain_word_is_none():
    assert definition(["dense 8 $nope"], 0, 10) is None
    assert definition(["dense 8 relu"], 0, 9) is None


def test_references_of_a_variable_are_its_let_and_every_use():
    text = "input 4\nlet act = relu | tanh\ndense 8 $act; dense 8 $act\ndense 3 softmax # $act\n"
    expected = ("act", [(1, 4, 7), (2, 9, 12), (2, 23, 26)])  # uses without the '$'; not the comment
    assert references(text.split("\n"), *position(text, "$act", 2)) == expected
    assert references(text.split("\n"), *position(text, "act =", 1)) == expected
    assert references(text.split("\n"), *position(text, "relu", 1)) is None


def test_outline_has_a_symbol_per_statement_and_blocks_hold_their_layers():
    text = "data iris\nlet act = relu | tanh\n{ dense 32 $act; dropout 0.3 } x2\ndense 3 softmax; train adam\n"
    plan = nnspec.check(nnspec.parse(text))[0]
    found = symbols(analyse(text))
    assert [(s.name, s.kind) for s in found] == [
        ("data iris", "statement"), ("let act = relu | tanh", "let"), ("{ } x2", "block"),
        ("dense 3 softmax", "layer"), ("train adam", "statement")]
    block = found[2]
    assert [child.name for child in block.children] == ["dense 32 $act", "dropout 0.3"]
    assert block.detail == f"4 layers, {sum(layer.param_count for layer in plan.layers[:4]):,} parameters"
    assert found[3].detail == f"→ 3, {plan.layers[-1].param_count:,} parameters"
    assert (found[4].line, found[4].start, found[4].end) == (3, 17, 27)


def test_formatting_gives_the_formatters_text_and_none_when_it_does_not_parse():
    messy = "data   iris\n  dense 32 relu   init=he  x3 ;dense 3 softmax\n"
    assert formatted(messy) == nnspec.format(nnspec.parse(messy))
    assert formatted("dense 8 relu ==\n") is None


# ------------------------------------------------------------------ caching and speed


def test_documents_analyse_each_version_once():
    documents = Documents()
    first = documents.get("file:///a.nn", IRIS, 1)
    assert documents.get("file:///a.nn", IRIS, 1) is first
    hover(first, 1, 1)
    assert documents.analyses == 1
    documents.get("file:///a.nn", IRIS.replace("32", "64"), 2)
    assert documents.analyses == 2


def long_spec(lines: int = 200) -> str:
    body = ["data iris test=0.3 seed=1", "let act = relu | elu"]  # 65 tanh layers would warn (vanishing-gradients)
    while len(body) < lines - 2:
        body += ["# a hidden layer", "dense 16 $act init=he", "dropout 0.1"]
    return "\n".join(body[: lines - 2] + ["dense 3 softmax", "train adam lr=0.001 epochs=5"]) + "\n"


def test_hover_answers_within_50_ms_on_a_200_line_spec():
    text = long_spec()
    assert text.count("\n") == 200
    analysis = analyse(text)
    assert analysis.plans and not analysis.diagnostics
    # the last hidden layer: the worst case for anything that scans the lines before it
    line = max(number for number, written in enumerate(text.split("\n")) if written.startswith("dense 16"))
    hover(analysis, line, 1)  # first use imports and fills caches
    times = []
    for _ in range(9):
        start = time.perf_counter()
        found = hover(analysis, line, 1)
        times.append(time.perf_counter() - start)
    assert "parameters" in found.markdown
    assert statistics.median(times) < 0.05, times


# ------------------------------------------------------------------ bad input


SPEC_CHARS = st.sampled_from(list("adeilnrstux0123456789 .=|,;${}#\"\n\tX_-") + ["relu", "dense ", "let ", "x3", "\x00", "é", "😀", "\r"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SPEC_CHARS, max_size=40).map("".join), st.integers(0, 6), st.integers(0, 50))
def test_garbage_never_raises(text, line, character):
    analysis = analyse(text)
    lines = text.split("\n")
    hover(analysis, line, character)
    complete(lines, line, character)
    definition(lines, line, character)
    references(lines, line, character)
    symbols(analysis)
    semantic_tokens(lines)
    formatted(text)


def test_lsp_modules_never_import_tensorflow():
    code = (
        "import sys\n"
        "from nnspec.lsp.analysis import analyse\nfrom nnspec.lsp.hover import hover\n"
        "from nnspec.lsp.completion import complete\nfrom nnspec.lsp.server import build_server\n"
        "build_server()\n"
        "a = analyse('data mnist\\ndense 8 relu\\ndense 10 softmax\\n')\n"
        "hover(a, 1, 1); complete(a.lines, 1, 9)\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_lsp_without_pygls_names_the_install_command():
    code = "import sys\nsys.modules['pygls'] = None\nsys.argv = ['nnspec', 'lsp']\nfrom nnspec.cli import main\nmain()\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert "pip install 'nnspec[lsp]'" in result.stderr
    assert "Traceback" not in result.stderr
