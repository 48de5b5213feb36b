"""Learning-rate schedules: the rate per epoch, its checks, and both backends applying it."""

from __future__ import annotations

import math

import pytest

import nnspec
from backend_data import BACKENDS, plan_of, quiet_run, tiny_data
from nnspec.errors import SpecError
from nnspec.schedules import lr_at

MLP = "input 4\ndense 8 relu\ndense 3 softmax\ntrain sgd lr=0.1 epochs=4 batch=8 {}"


def test_step_exponential_and_cosine_rates_per_epoch():
    step = {"kind": "step", "decay": 0.5, "every": 2}
    assert [lr_at(0.1, step, e, 6) for e in range(1, 7)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    exponential = {"kind": "exponential", "decay": 0.9, "every": 1}
    assert [lr_at(1.0, exponential, e, 3) for e in (1, 2, 3)] == pytest.approx([1.0, 0.9, 0.81])
    cosine = {"kind": "cosine", "min_lr": 0.0}
    assert [lr_at(1.0, cosine, e, 4) for e in (1, 3)] == pytest.approx([1.0, 0.5])
    assert lr_at(1.0, cosine, 4, 4) == pytest.approx(0.5 * (1 + math.cos(math.pi * 3 / 4)))
    assert lr_at(0.1, None, 7, 10) == 0.1


def test_the_train_line_sets_the_schedule_with_defaults():
    plan = plan_of(MLP.format("schedule=step"))
    assert plan.train.schedule == {"kind": "step", "decay": 0.5, "every": 10}
    plan = plan_of(MLP.format("schedule=cosine min_lr=0.001"))
    assert plan.train.schedule == {"kind": "cosine", "min_lr": 0.001}
    assert plan_of(MLP.format("")).train.schedule is None


@pytest.mark.parametrize("options, message", [
    ("decay=0.5", "decay= belongs to schedule=step or schedule=exponential, and this train line has no schedule"),
    ("schedule=cosine every=3", "every= belongs to schedule=step or schedule=exponential"),
    ("schedule=linear", "must be one of none, step, exponential, cosine"),
])
def test_a_schedule_option_out_of_place_is_an_error_at_the_option(options, message):
    with pytest.raises(SpecError) as caught:
        plan_of(MLP.format(options))
    assert message in caught.value.message
    key = {"decay=0.5": "decay=", "schedule=cosine every=3": "every=", "schedule=linear": "schedule="}[options]
    line = MLP.format(options).splitlines()[-1]
    assert (caught.value.line, caught.value.column) == (4, line.index(key) + len(key) + 1)  # at the value


def test_both_backends_record_and_apply_the_same_rate_each_epoch(tmp_path):
    data = tiny_data()
    text = MLP.format("schedule=step decay=0.5 every=2")
    runs = {backend: quiet_run(text, data, tmp_path, backend, name=backend).best for backend in BACKENDS}
    for result in runs.values():
        assert result.history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05])
    # a rate that drops to nothing after epoch 1 freezes the weights on both backends: the training
    # loss of epochs 2, 3 and 4 is then the same full-data mean over the same weights
    frozen = MLP.format("schedule=step decay=1e-12 every=1")
    for backend in BACKENDS:
        losses = quiet_run(frozen, data, tmp_path, backend, name=f"frozen-{backend}").best.history["loss"]
        assert losses[1] == pytest.approx(losses[2], rel=1e-5) == pytest.approx(losses[3], rel=1e-5)
        assert losses[0] != pytest.approx(losses[1], rel=1e-3)


def test_the_report_draws_the_learning_rate(tmp_path, monkeypatch):
    from nnspec.reports import build, curves

    drawn = []
    original = build.plot_curves
    monkeypatch.setattr(build, "plot_curves", lambda history, *a, **k: drawn.append(history) or original(history, *a, **k))
    nnspec.run(MLP.format("schedule=cosine"), data=tiny_data(), out=tmp_path / "run", progress="none")
    assert "lr" in (tmp_path / "run" / "history.csv").read_text().splitlines()[0].split(",")
    assert "lr" in curves.series_groups(drawn[0])  # a panel of its own
