"""`nnspec datasets` and `nnspec data NAME`, through the real command line."""

from __future__ import annotations

import json

import pytest
from dataset_files import image_arrays, isolate, write_idx_set, write_imdb
from typer.testing import CliRunner

from nnspec.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("NNSPEC_DATA", str(tmp_path / "nnspec-data"))
    return tmp_path


def run(*args):
    return runner.invoke(app, list(args))


def test_datasets_lists_every_dataset_with_task_shape_sizes_and_availability():
    result = run("datasets")
    assert result.exit_code == 0, result.output
    for name in ("mnist", "fashion_mnist", "imdb", "boston_housing", "pima", "csv", "iris", "digits"):
        assert f"\n{name} " in "\n" + result.output
    assert "multiclass (3 classes), input 4, 105 train / 45 test" in result.output
    assert "bundled (scikit-learn)" in result.output
    assert "mnist           multiclass (10 classes), input 784, 60000 train / 10000 test" in result.output
    assert "data: will download" in result.output


def test_datasets_json():
    rows = json.loads(run("datasets", "--json").output)
    by_name = {row["name"]: row for row in rows}
    assert by_name["digits"]["availability"] == "bundled (scikit-learn)"
    assert by_name["csv"]["availability"] == "give path="


def test_data_iris_shows_the_course_split_and_samples():
    result = run("data", "iris", "-o", "test=0.3", "-o", "seed=1234", "--head", "2")
    assert result.exit_code == 0, result.output
    assert "105 train / 45 test" in result.output
    assert "options: test=0.3 seed=1234" in result.output
    assert "[0] label 0 (setosa): 5.1 3.5 1.4 0.2" in result.output
    assert "[2]" not in result.output


def test_data_images_draw_ascii_pictures(offline):
    write_idx_set(offline / "nnspec-data" / "fashion_mnist", image_arrays())
    result = run("data", "fashion_mnist", "-n", "1")
    assert result.exit_code == 0, result.output
    assert "[0] label 0 (T-shirt/top)" in result.output
    assert "found: " + str(offline / "nnspec-data" / "fashion_mnist") in result.output


def test_data_imdb_prints_decoded_reviews(offline):
    write_imdb(offline / "nnspec-data" / "imdb")
    result = run("data", "imdb", "-n", "2", "-o", "words=100")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("[")]
    assert len(lines) == 2 and all(": ? " in line for line in lines)  # text after the start mark


def test_data_accepts_an_unquoted_path(tmp_path):
    (tmp_path / "t.csv").write_text("1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    result = run("data", "csv", "-o", f"path={tmp_path / 't.csv'}", "-o", "test=0", "-n", "1")
    assert result.exit_code == 0, result.output
    assert "binary, input 2, 4 (evaluated on the training data)" in result.output


def test_data_offline_is_one_message_and_exit_1():
    result = run("data", "mnist", "-n", "1")
    assert result.exit_code == 1
    assert "dataset 'mnist' not found here and the download failed" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args, code, message",
    [
        (("data", "irs"), 1, "unknown dataset 'irs'; did you mean 'iris'?"),
        (("data", "iris", "-o", "tset=0.3"), 1, "data iris has no option 'tset'"),
        (("data", "iris", "-o", "test=2"), 1, "test must be at least 0 and below 1"),
        (("data", "iris", "-o", "test"), 2, "option 'test' is not key=value"),
    ],
)
def test_data_usage_errors(args, code, message):
    result = run(*args)
    assert result.exit_code == code, result.output
    assert message in result.output
