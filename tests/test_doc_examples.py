"""docs/language.md's Examples: each is the shipped spec, its lines counted, beside Keras code that counts what `nnspec show` prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nnspec
from nnspec.cli import app
from nnspec.dsl.parser import load

ROOT = Path(__file__).resolve().parent.parent
# the issue's examples: the Keras examples' convnet, a residual MLP, IMDB by LSTMs, by conv1d, by a transformer
EXAMPLES = ("mnist_convnet", "residual_mlp", "imdb_bilstm", "imdb_conv1d", "imdb_transformer")


def _examples() -> dict:
    """name -> (header, spec lines, Keras header, Keras lines) from the doc's Examples section."""
    doc = (ROOT / "docs" / "language.md").read_text()
    lines = doc[doc.index("## Examples"):doc.index("## Names")].splitlines()

    def block(start):  # the indented lines from `start`, blank lines inside kept
        out = []
        for line in lines[start:]:
            if line and not line.startswith("    "):
                break
            out.append(line[4:])
        while out and not out[-1]:
            out.pop()
        return out

    found = {}
    for i, line in enumerate(lines):
        match = re.match(r"    # specs/(\w+)\.nn: ", line)
        if match:
            assert match.group(1) not in found, f"{match.group(1)} is in the Examples twice"
            spec = block(i + 1)
            keras_at = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("The Keras code"))
            found[match.group(1)] = (line, spec, lines[keras_at], block(keras_at + 2))
    return found


def test_the_examples_section_holds_the_five_and_no_other_section_repeats_them():
    assert sorted(_examples()) == sorted(EXAMPLES)
    doc = (ROOT / "docs" / "language.md").read_text()
    for name in EXAMPLES:
        assert doc.count(f"# specs/{name}.nn:") == 1, name


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_in_the_doc_is_the_shipped_spec_with_counted_lines(name):
    header, spec, keras_header, keras_code = _examples()[name]
    shipped = (ROOT / "specs" / f"{name}.nn").read_text()
    assert spec == [line for line in shipped.splitlines() if line and not line.startswith("#")]
    network = [line for line in spec if not line.startswith("data ")]
    count = nnspec.check(nnspec.parse(shipped))[0].param_count
    assert header.endswith(f": {count:,} parameters, {len(network)} lines of network")
    assert keras_header == f"The Keras code it replaces is {len([line for line in keras_code if line])} lines of network:"


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_keras_code_beside_each_example_counts_what_show_prints(name):
    keras = pytest.importorskip("keras")
    _, _, _, keras_code = _examples()[name]
    scope = {"keras": keras, "layers": keras.layers, "ops": keras.ops}
    exec("\n".join(keras_code), scope)  # the doc's own code, as a reader would run it  # noqa: S102
    plan = nnspec.check(load(ROOT / "specs" / f"{name}.nn"))[0]
    assert scope["model"].count_params() == plan.param_count
    shown = CliRunner().invoke(app, ["show", str(ROOT / "specs" / f"{name}.nn")])
    assert shown.exit_code == 0, shown.output
    assert f"total params: {scope['model'].count_params():,}" in shown.output
