"""docs/spec.schema.json describes what Spec.to_dict() produces, for every spec the parser accepts."""

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings

import nnspec
from nnspec.dsl.parser import parse_recovering
from spec_strategies import spec_texts

try:
    import jsonschema
except ImportError:  # a test dependency: CI must run these tests, not skip them
    if os.environ.get("CI"):
        raise
    pytest.skip("jsonschema is not installed (pip install -e '.[test]')", allow_module_level=True)

ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((ROOT / "docs" / "spec.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


@pytest.mark.parametrize("path", sorted((ROOT / "specs").glob("*.nn")), ids=lambda p: p.name)
def test_shipped_specs_match_the_schema(path):
    VALIDATOR.validate(nnspec.load(path).to_dict())


def test_a_one_dimensional_input_matches_the_schema():
    VALIDATOR.validate(nnspec.parse("input 784\ndense 10 softmax").to_dict())


def test_every_value_form_and_variants_match_the_schema():
    spec = nnspec.parse('data csv path="a.csv" target=2\nlet a = 1 | 2\ninput 28x28x1\n'
                        "{ conv2d 8 3x3 relu|tanh; maxpool 2x2 } x2  # c\nflatten\ndense $a\ntrain adam metrics=accuracy,mae")
    VALIDATOR.validate(spec.to_dict())
    for variant in spec.variants():
        VALIDATOR.validate(variant.to_dict())


@settings(max_examples=200, deadline=None)
@given(spec_texts())
def test_generated_specs_match_the_schema(text):
    VALIDATOR.validate(parse_recovering(text).spec.to_dict())  # a spec past a size limit too


def test_a_dict_without_positions_matches_the_schema_and_reads_back():
    data = {"nnspec": 0, "statements": [
        {"type": "input", "shape": {"shape": [4]}},
        {"type": "layer", "kind": "dense", "args": [{"value": 3}, {"value": "softmax"}]},
    ]}
    VALIDATOR.validate(data)
    assert nnspec.format(nnspec.Spec.from_dict(data)) == "input 4\ndense 3 softmax\n"


def test_the_schema_rejects_what_from_dict_rejects():
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate({"nnspec": 0, "statements": [{"type": "nope", "line": 1, "column": 1}]})
