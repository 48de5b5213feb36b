"""Pitfall warnings at check time, feature ranges in the datasets' metadata, and normalize=."""

from __future__ import annotations

import numpy as np
import pytest
from dataset_files import options
from typer.testing import CliRunner

import nnspec
from nnspec.builtins.datasets import locate, tables
from nnspec.builtins.datasets.csv_file import CSV
from nnspec.cli import app
from nnspec.dsl.validate import check_spec


def codes(text: str) -> dict[str, tuple[int, int]]:
    """The warnings' codes of a spec, each with its line and column."""
    return {d.code: (d.line, d.column) for d in check_spec(nnspec.parse(text)).diagnostics}


def test_deep_sigmoid_without_batchnorm_warns_of_vanishing_gradients():
    found = codes("input 64\ndense 32 relu\ndense 64 sigmoid x5\ndense 10 softmax")
    assert found["vanishing-gradients"] == (3, 1)


def test_four_tanh_layers_or_batchnorm_do_not_warn():
    assert "vanishing-gradients" not in codes("input 64\ndense 64 tanh x4\ndense 10 softmax")
    assert "vanishing-gradients" not in codes("input 64\n{ dense 64 tanh; batchnorm } x5\ndense 10 softmax")


def test_normal_init_under_three_relu_layers_warns_of_exploding_activations():
    found = codes("input 784\ndense 256 relu x2\ndense 256 relu init=normal\ndense 10")
    assert found["exploding-init"] == (3, 1)


def test_he_or_a_small_spread_or_shallow_relu_do_not_warn():
    assert "exploding-init" not in codes("input 784\ndense 256 relu init=he x4\ndense 10")
    assert "exploding-init" not in codes("input 784\ndense 256 relu init=normal init_stddev=0.05 x4\ndense 10")
    assert "exploding-init" not in codes("input 784\ndense 256 relu init=normal x2\ndense 10")


def test_unscaled_features_warn_at_the_data_line_and_normalize_silences_it():
    found = codes("seed 1\ndata pima\ndense 1 sigmoid")
    assert found["unscaled-inputs"] == (2, 1)
    (warning,) = [d for d in check_spec(nnspec.parse("data boston_housing\ndense 1")).diagnostics]
    assert "reaches 711" in warning.message and "normalize=true" in warning.hint
    assert "unscaled-inputs" not in codes("data pima normalize=true\ndense 1 sigmoid")
    assert "unscaled-inputs" not in codes("data iris\ndense 3 softmax")


def test_warnings_pass_a_check_and_fail_it_with_strict(tmp_path):
    path = tmp_path / "deep.nn"
    path.write_text("input 64\ndense 64 sigmoid x6\ndense 10 softmax\n")
    runner = CliRunner()
    relaxed = runner.invoke(app, ["check", str(path)])
    assert relaxed.exit_code == 0 and "warning: 6 sigmoid hidden layers" in relaxed.output
    strict = runner.invoke(app, ["check", "--strict", str(path)])
    assert strict.exit_code == 1 and "warning:" not in strict.output and "6 sigmoid hidden layers" in strict.output


def _table_ranges(table: np.ndarray) -> list[tuple[float, float]]:
    x = table[:, :-1]
    return list(zip(x.min(axis=0), x.max(axis=0)))


@pytest.mark.parametrize("source, table, ranges", [
    (tables.PIMA_SOURCE, tables.pima_table, tables.PIMA_RANGES),
    (tables.BOSTON_SOURCE, tables.boston_table, tables.BOSTON_RANGES),
], ids=["pima", "boston_housing"])
def test_the_feature_ranges_in_the_metadata_are_the_tables(source, table, ranges):
    try:
        found = locate.find(source)
    except Exception:
        found = None
    if found is None:
        pytest.skip("no offline copy of the table")
    assert np.allclose(_table_ranges(table(found)), ranges, rtol=1e-4)


def test_csv_reports_its_feature_ranges_and_normalize_standardizes_with_training_statistics(tmp_path):
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=40), rng.uniform(100, 900, size=40)]).round(3)
    y = rng.integers(0, 2, size=40)
    path = tmp_path / "t.csv"
    path.write_text("".join(f"{a:g},{b:g},{c}\n" for (a, b), c in zip(x, y)))
    meta = CSV.meta(options(CSV, path=str(path)))
    assert np.allclose(meta.feature_ranges, list(zip(x.min(axis=0), x.max(axis=0))))
    data = CSV.load(options(CSV, path=str(path), normalize=True, test=0.25), 0)
    assert np.allclose(data.x_train.mean(axis=0), 0, atol=1e-5) and np.allclose(data.x_train.std(axis=0), 1, atol=1e-4)
    assert not np.allclose(data.x_test.mean(axis=0), 0, atol=1e-5)  # the test split uses training statistics
    assert CSV.meta(options(CSV, path=str(path), normalize=True)).feature_ranges is None


def test_pima_normalize_standardizes_each_measurement():
    try:
        locate.find(tables.PIMA_SOURCE)
    except Exception:
        pytest.skip("no offline copy of Pima")
    data = tables.PIMA.load(options(tables.PIMA, normalize=True), 0)
    assert np.allclose(data.x_train.mean(axis=0), 0, atol=1e-4) and np.allclose(data.x_train.std(axis=0), 1, atol=1e-3)
    assert data.info["normalization"]["std"][4] > 100  # insulin's deviation, in its own units
