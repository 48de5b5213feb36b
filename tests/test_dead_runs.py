"""Dead networks are named after training, and a flat loss curve is drawn flat."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backend_data import plan_of, quiet_run, tiny_data
from nnspec.commands.run import results_table
from nnspec.reports import figures
from nnspec.training.dead import constant_prediction_warning

pytest.importorskip("tensorflow")


def test_constant_class_predictions_are_a_dead_network():
    plan = plan_of("input 4\ndense 3 relu")
    outputs = np.tile([0.0, 1.0, 0.0], (5, 1))
    warning = constant_prediction_warning(plan, outputs, np.array([0, 1, 2, 1, 0]), "multiclass")
    assert warning.startswith("the network is dead: it predicts class 1 for every one of the 5 test samples")
    assert "relu output layer" in warning


def test_varied_predictions_or_a_one_class_test_set_are_not_dead():
    plan = plan_of("input 4\ndense 3 softmax")
    varied = np.eye(3)[[0, 1, 2, 1]]
    assert constant_prediction_warning(plan, varied, np.array([0, 1, 2, 1]), "multiclass") is None
    same = np.eye(3)[[1, 1, 1]]
    assert constant_prediction_warning(plan, same, np.array([1, 1, 1]), "multiclass") is None


def test_a_regression_stuck_at_one_value_is_dead():
    plan = plan_of("input 4\ndense 1 relu")
    assert "the same value (0)" in constant_prediction_warning(plan, np.zeros((6, 1)), np.arange(6.0), "regression")
    assert constant_prediction_warning(plan, np.arange(6.0).reshape(6, 1), np.arange(6.0), "regression") is None


def test_a_dead_run_is_named_in_the_table_results_json_and_the_report(tmp_path):
    import nnspec

    data = tiny_data(task="regression", classes=None)
    # a relu output with all-zero weights outputs 0 and gets no gradient: dead from the start
    text = "input 4\ndense 1 relu init=zeros\ntrain sgd epochs=1"
    result = quiet_run(text, data, tmp_path, "keras").best
    assert result.warnings and result.warnings[0].startswith("the network is dead")
    assert "warning: the network is dead" in results_table([result])
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert saved["warnings"] == result.warnings
    nnspec.report(tmp_path / "run")
    page = (tmp_path / "run" / "index.html").read_text()
    assert page.index("the network is dead") < page.index("<h2>Run</h2>")


def test_a_flat_loss_curve_is_drawn_flat_without_offset_labels(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure()
    FigureCanvasAgg(figure)
    axis = figure.subplots()
    values = [615.8578 + 1e-5 * i for i in range(10)]
    axis.plot(range(10), values)
    figures.plain_y(axis, [values])
    figure.canvas.draw()
    low, high = axis.get_ylim()
    assert high - low >= 0.05 * 615  # not zoomed in on the noise
    assert axis.yaxis.get_major_formatter().get_offset() == ""
