"""Broken or odd data gives one clear DataError: damaged downloads, inf in a CSV, a CSV with one class."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from dataset_files import image_arrays, isolate, write_idx_set
from typer.testing import CliRunner

import nnspec
from nnspec.cli import app
from nnspec.dsl.validate import check
from nnspec.errors import NNSpecError

runner = CliRunner()


@pytest.fixture()
def data_home(monkeypatch, tmp_path):
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("NNSPEC_DATA", str(tmp_path / "nnspec-data"))
    return write_idx_set(tmp_path / "nnspec-data" / "fashion_mnist", image_arrays())


def test_a_truncated_gz_is_a_clean_data_error(data_home):
    first = data_home / "train-images-idx3-ubyte.gz"
    first.write_bytes(first.read_bytes()[:200])
    result = runner.invoke(app, ["data", "fashion_mnist", "-n", "1"])
    assert result.exit_code == 1
    assert "is damaged (truncated gzip data" in result.output and "Aborted" not in result.output


def test_a_corrupted_gz_is_a_clean_data_error(data_home):
    first = data_home / "train-images-idx3-ubyte.gz"
    raw = bytearray(first.read_bytes())
    raw[30:60] = b"\xff" * 30
    first.write_bytes(bytes(raw))
    result = runner.invoke(app, ["data", "fashion_mnist", "-n", "1"])
    assert result.exit_code == 1
    assert "is damaged" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def csv_spec(tmp_path, rows, name="table.csv"):
    (tmp_path / name).write_text("a,b,label\n" + "".join(rows))
    spec = tmp_path / "model.nn"
    spec.write_text(f'data csv path="{name}"\ndense 4 relu\ndense 1 sigmoid\n')
    return spec


def test_an_infinite_csv_value_names_its_line_and_column(tmp_path):
    rows = [f"{i},{i * 2},{i % 2}\n" for i in range(10)]
    rows[4] = "4,inf,0\n"
    with pytest.raises(NNSpecError) as info:
        check(nnspec.load(csv_spec(tmp_path, rows)))
    assert "line 6, column 'b'" in info.value.message and "not a finite number" in info.value.message


def test_a_csv_with_one_class_is_one_clear_error(tmp_path):
    spec = csv_spec(tmp_path, [f"{i},{i * 2},1\n" for i in range(10)])
    result = runner.invoke(app, ["check", str(spec)])
    assert result.exit_code == 1
    assert result.output.count("one value only") == 1
    assert result.output.count("model.nn:") == 1  # one error, not three contradictory ones


def test_a_relative_csv_path_is_read_beside_the_spec(tmp_path, monkeypatch):
    spec = csv_spec(tmp_path, [f"{i},{i * 2},{i % 2}\n" for i in range(10)])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (plan,) = check(nnspec.load(Path("..") / spec.name))
    assert Path(plan.dataset_options["path"]).resolve() == (tmp_path / "table.csv").resolve()


def test_a_csv_runs_report_is_titled_with_the_files_name(tmp_path, monkeypatch):
    from nnspec.reports import build

    titles = []
    real = build.plot_curves
    monkeypatch.setattr(build, "plot_curves", lambda history, path, title, *rest, **options: titles.append(title)
                        or real(history, path, title, *rest, **options))
    spec = csv_spec(tmp_path, [f"{i},{(i * 7) % 5},{i % 2}\n" for i in range(40)], name="patients.csv")
    result = nnspec.run(spec, out=tmp_path / "run", progress="none", epochs=1).best
    assert result.data_file == "patients.csv"
    assert titles == ["Training curves: patients.csv"]


def test_data_iris_honours_its_options():
    result = runner.invoke(app, ["data", "iris", "-o", "test=0.5", "-n", "1"])
    assert result.exit_code == 0 and "75 train / 75 test" in result.output
