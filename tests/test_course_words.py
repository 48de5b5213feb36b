"""The course's own words: dropout keep=, initializer spreads, bias=none, on both backends."""

from __future__ import annotations

import numpy as np
import pytest

import nnspec
from backend_data import BACKENDS, plan_of
from nnspec.errors import SpecError, SpecErrors


def _check_error(text: str) -> str:
    with pytest.raises((SpecError, SpecErrors)) as caught:
        nnspec.check(nnspec.parse(text))
    return str(caught.value)


def test_dropout_keep_is_the_keep_probability():
    plan = plan_of("input 4\ndropout keep=0.7\ndense 2")
    assert plan.layers[0].args["rate"] == 0.3


def test_dropout_takes_a_rate_or_keep_not_both():
    assert "both a rate" in _check_error("input 4\ndropout 0.3 keep=0.7\ndense 2")
    assert "needs the fraction to drop" in _check_error("input 4\ndropout\ndense 2")
    assert "keeps nothing" in _check_error("input 4\ndropout keep=0\ndense 2")


def test_bias_none_counts_no_bias_weights():
    assert plan_of("input 4\ndense 3 bias=none").param_count == 12
    assert plan_of("input 4\ndense 3").param_count == 15
    assert plan_of("input 8x8x1\nconv2d 2 3x3 bias=none\nflatten\ndense 1").layers[0].param_count == 18


def test_a_spread_applies_only_to_the_initializer_that_has_it():
    assert "applies to init=normal" in _check_error("input 4\ndense 3 init=he init_stddev=0.1")
    assert "applies to bias=uniform" in _check_error("input 4\ndense 3 bias_limit=0.1")


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_backends_build_what_the_words_say(backend):
    pytest.importorskip("tensorflow")
    text = ("input 100\ndense 400 relu init=normal init_stddev=0.1 bias=none\ndropout keep=0.7\n"
            "dense 300 init=uniform init_limit=0.5 bias=truncated_normal bias_stddev=0.02\ndense 3")
    plan = plan_of(text, backend)
    model = nnspec.build(plan, backend)
    assert model.count_params() == plan.param_count == 100 * 400 + 400 * 300 + 300 + 300 * 3 + 3
    if backend == "keras":
        weights = [w.numpy() for w in model.weights]
    else:
        weights = model.session.run(model.variables)
    first_kernel, second_kernel, second_bias = weights[0], weights[1], weights[2]
    assert first_kernel.std() == pytest.approx(0.1, rel=0.05)
    assert np.abs(second_kernel).max() <= 0.5 and np.abs(second_kernel).max() > 0.45
    assert second_bias.std() == pytest.approx(0.02 * 0.88, rel=0.2)  # truncated at two deviations
    if backend == "keras":
        assert model.get_layer("dropout_1").rate == pytest.approx(0.3)
    else:  # the course's keep_prob placeholder, fed 0.7 while training
        assert list(model.train_feed.values()) == [pytest.approx(0.7)]


def test_nnspec_code_writes_bias_none_on_both_backends(tmp_path):
    from nnspec.export.code import generate_code

    path = tmp_path / "nobias.nn"
    path.write_text("data iris\ndense 8 relu bias=none\ndense 3 softmax\n")
    assert "keras.layers.Dense(8, activation=\"relu\", use_bias=False)" in generate_code(path, "keras")
    tf1 = generate_code(path, "tf1")
    assert "L1 = tf.nn.relu(tf.matmul(x, W1))" in tf1 and '"b1"' not in tf1