"""docs/spec.schema.json describes what Spec.to_dict() produces."""

import json
from pathlib import Path

import pytest

import nnspec

jsonschema = pytest.importorskip("jsonschema")
ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((ROOT / "docs" / "spec.schema.json").read_text())


@pytest.mark.parametrize("path", sorted((ROOT / "specs").glob("*.nn")), ids=lambda p: p.name)
def test_shipped_specs_match_the_schema(path):
    jsonschema.validate(nnspec.load(path).to_dict(), SCHEMA)


def test_every_value_form_and_variants_match_the_schema():
    spec = nnspec.parse('data csv path="a.csv" target=2\nlet a = 1 | 2\ninput 28x28x1\n'
                        "{ conv2d 8 3x3 relu|tanh; maxpool 2x2 } x2  # c\nflatten\ndense $a\ntrain adam metrics=accuracy,mae")
    jsonschema.validate(spec.to_dict(), SCHEMA)
    for variant in spec.variants():
        jsonschema.validate(variant.to_dict(), SCHEMA)


def test_the_schema_rejects_what_from_dict_rejects():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"nnspec": 0, "statements": [{"type": "nope", "line": 1, "column": 1}]}, SCHEMA)
