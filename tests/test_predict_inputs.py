"""`nnspec predict` on inputs that are wrong on purpose, and `--out` that must not lose a file."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from nnspec.cli import app
from nnspec.errors import DataError
from nnspec.export.predict import read_inputs
from nnspec.export.runfolder import read_run

from export_runs import runs  # noqa: F401  (the shared fixture)

pytest.importorskip("tensorflow")

HEADER = "sepal_length,sepal_width,petal_length,petal_width\n"
ROWS = "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n"


def predict_cli(*args):
    return CliRunner().invoke(app, ["predict", *map(str, args)])


def first_line(result) -> str:
    return result.output.strip().splitlines()[0]


@pytest.mark.parametrize("content, where, problem", [
    (ROWS + "6.3,nan,4.9,1.5\n", ":3:5:", "sample 2: value 2 'nan' is not a finite number"),
    (ROWS + "6.3,2.5,inf,1.5\n", ":3:9:", "sample 2: value 3 'inf' is not a finite number"),
    (HEADER + ROWS + "6.3,2.5,,1.5\n", ":4:9:", "sample 2: value 3 is empty"),
    (ROWS + "6.3,2.5,4.9\n", ":3:13:", "sample 2: value 4 is empty"),
    (ROWS + "6.3,2.5,setosa,1.5\n", ":3:9:", "sample 2: value 3 'setosa' is not a number"),
    ("id,3.5,1.4,0.2\n" + ROWS, ":1:1:", "sample 0: value 1 'id' is not a number"),
])
def test_a_csv_cell_that_is_not_a_finite_number_is_named_at_its_line_and_column(runs, tmp_path, content, where,
                                                                               problem):
    path = tmp_path / "flowers.csv"
    path.write_text(content)
    result = predict_cli(runs["keras"], path)
    assert result.exit_code == 1, result.output
    assert first_line(result).startswith(f"{path}{where} {problem}; every value must be a finite number")
    assert "Traceback" not in result.output


def test_a_first_line_mixing_names_and_numbers_is_no_header(runs, tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_text("id,3.5,1.4,0.2\n" + ROWS)
    with pytest.raises(DataError, match="a header line has names only; this one mixes names and numbers"):
        read_inputs(read_run(runs["keras"]), path)


def test_a_header_of_names_is_skipped_and_the_user_is_told(runs, tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_text(HEADER + ROWS)
    result = CliRunner().invoke(app, ["predict", str(runs["keras"]), str(path)])
    assert result.exit_code == 0, result.output
    assert f"note: {path}: line 1 holds names only; it was skipped as a header" in result.stderr
    assert result.stdout.splitlines()[0].startswith("sample,predicted,") and len(result.stdout.splitlines()) == 3


@pytest.mark.parametrize("array, message", [
    (np.array([["5.1", "3.5", "1.4", "0.2"]]), "holds <U3 values (str96), not numbers"),
    (np.array([[1 + 2j, 0, 0, 0]]), "not numbers"),
    (np.array([[5.1, 3.5, np.nan, 0.2], [1, 2, 3, 4]]), "sample 0, value 3 is nan; 1 values are not finite"),
    (np.array([[5.1, 3.5, 1.4, 0.2], [1, -np.inf, 3, np.inf]]), "sample 1, value 2 is -inf; 2 values are not"),
])
def test_an_npy_file_of_text_or_non_finite_numbers_is_a_clear_error(runs, tmp_path, array, message):
    path = tmp_path / "samples.npy"
    np.save(path, array)
    result = predict_cli(runs["keras"], path)
    assert result.exit_code == 1, result.output
    assert first_line(result).startswith(f"{path}: ") and message in first_line(result)


def test_an_npz_archive_or_an_empty_array_under_an_npy_name(runs, tmp_path):
    np.savez(tmp_path / "two.npz", a=np.ones((2, 4)), b=np.ones((2, 4)))
    (tmp_path / "two.npz").rename(tmp_path / "two.npy")
    result = predict_cli(runs["keras"], tmp_path / "two.npy")
    assert result.exit_code == 1 and "holds several arrays" in first_line(result)
    np.save(tmp_path / "none.npy", np.zeros((0, 4)))
    result = predict_cli(runs["keras"], tmp_path / "none.npy")
    assert result.exit_code == 0 and result.stdout.strip() == "sample,predicted,p_setosa,p_versicolor,p_virginica"


def test_predict_never_writes_over_its_input_or_the_run_even_with_force(runs, tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_text(HEADER + ROWS)
    for out in (path, runs["keras"] / "results.json"):
        before = out.read_bytes()
        result = predict_cli(runs["keras"], path, "--out", out, "--force")
        assert result.exit_code == 2, result.output
        assert "which nnspec never writes over" in result.output
        assert out.read_bytes() == before


def test_predict_replaces_an_existing_out_only_with_force(runs, tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_text(ROWS)
    out = tmp_path / "predictions.csv"
    out.write_text("keep me\n")
    result = predict_cli(runs["keras"], path, "--out", out)
    assert result.exit_code == 2 and f"'{out}' already exists; give another --out, or --force" in result.output
    assert out.read_text() == "keep me\n"
    result = predict_cli(runs["keras"], path, "--out", out, "--force")
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("sample,predicted,")
