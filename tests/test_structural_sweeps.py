"""Structural sweeps: swept repeat counts, layers present in some variants, options some optimizers take."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import nnspec
from nnspec.dsl.format import format_spec
from nnspec.dsl.show import render_plans
from nnspec.dsl.validate import check_spec
from nnspec.errors import NNSpecError

DEPTH = "input 64\nlet depth = 2|4|8\ndense 64 relu x$depth\ndense 10 softmax\ntrain adam epochs=1\n"


def dense_params(inputs: int, units: int) -> int:
    return inputs * units + units


def test_a_swept_repeat_gives_each_variant_its_depth_and_parameter_count():
    plans = nnspec.check(nnspec.parse(DEPTH))
    assert [p.variant for p in plans] == [(("depth", 2),), (("depth", 4),), (("depth", 8),)]
    for plan, depth in zip(plans, (2, 4, 8)):
        assert [layer.kind for layer in plan.layers] == ["dense"] * depth + ["dense"]
        assert plan.param_count == depth * dense_params(64, 64) + dense_params(64, 10)


def test_keras_builds_the_counted_parameters_for_each_depth():
    pytest.importorskip("tensorflow")
    for plan in nnspec.check(nnspec.parse(DEPTH))[:2]:
        assert nnspec.build(plan).count_params() == plan.param_count


def test_a_repeat_of_zero_leaves_a_layer_out_of_some_variants():
    text = "input 8\nlet extra = 0|1\ndense 16 relu\n{ dense 16 relu; dropout 0.3 } x$extra\ndense 1 sigmoid\n"
    plans = nnspec.check(nnspec.parse(text))
    assert [[layer.kind for layer in p.layers] for p in plans] == [
        ["dense", "dense"],
        ["dense", "dense", "dropout", "dense"],
    ]
    assert plans[1].param_count - plans[0].param_count == dense_params(16, 16)


def test_show_lists_each_variants_parameter_count():
    text = render_plans(nnspec.check(nnspec.parse(DEPTH)))
    for depth in (2, 4, 8):
        assert f"depth={depth}  {depth * dense_params(64, 64) + dense_params(64, 10):,} params" in text


def test_fmt_and_the_dict_form_keep_a_swept_repeat():
    text = "data digits\nlet depth = 2 | 4\ndense 64 relu x$depth\n{ dense 8; dropout 0.1 } x$depth\ndense 10 softmax\n"
    spec = nnspec.parse(text)
    assert format_spec(spec) == text
    again = nnspec.Spec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).resolve().parent.parent / "docs" / "spec.schema.json").read_text())
    jsonschema.validate(spec.to_dict(), schema)


def test_a_repeat_value_that_is_no_count_is_an_error_at_the_repeat():
    with pytest.raises(NNSpecError) as caught:
        nnspec.check(nnspec.parse("input 4\nlet n = 1|big\ndense 3 x$n\n"))
    assert caught.value.message == "a repeat count must be a whole number from 0, found 'big'"
    assert (caught.value.line, caught.value.column) == (3, 9)


def test_a_variant_whose_repeats_are_all_zero_has_no_layers():
    with pytest.raises(NNSpecError) as caught:
        nnspec.check(nnspec.parse("input 4\nlet n = 0|1\ndense 3 softmax x$n\n"))
    assert "variant n=0 has no layers" in caught.value.message


def test_an_option_some_swept_optimizers_take_goes_to_them_and_check_names_the_others():
    result = check_spec(nnspec.parse("input 4\ndense 3 softmax\ntrain sgd|momentum|adam momentum=0.5\n"))
    options = {plan.train.optimizer: dict(plan.train.options) for plan in result.plans}
    assert options["momentum"]["momentum"] == 0.5
    assert "momentum" not in options["sgd"] and "momentum" not in options["adam"]
    (info,) = [d for d in result.diagnostics if d.code == "option-ignored-by-variant"]
    assert info.severity == "info"
    assert info.message == "momentum= applies to train momentum only: the 2 variants with train sgd or adam ignore it"
    assert (info.line, info.column) == (3, 25)


def test_an_option_no_swept_optimizer_takes_stays_an_error():
    with pytest.raises(NNSpecError) as caught:
        nnspec.check(nnspec.parse("input 4\ndense 3 softmax\ntrain sgd|adam momentum=0.5\n"))
    assert "has no option 'momentum'" in str(caught.value)


def test_a_variant_that_leaves_a_layer_out_writes_a_spec_that_reads_back(tmp_path):
    from nnspec.dsl.format import format_spec
    from nnspec.dsl.sweep import present

    spec = nnspec.parse("input 4\nlet bn = 0 | 1\n{ dense 4; batchnorm x$bn } x2\ndense 2 x$bn\ndense 3 softmax\n")
    written = [format_spec(present(v)) for v in spec.variants()]
    assert "x0" not in written[0] and "batchnorm" not in written[0] and "dense 2" not in written[0]
    for text, variant in zip(written, spec.variants()):
        assert [(layer.kind, layer.args, layer.options) for layer in nnspec.parse(text).layers] == [
            (layer.kind, layer.args, layer.options) for layer in variant.layers]
