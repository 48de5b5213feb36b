"""`data csv`: headers, target columns, task inference and splits on small generated CSVs."""

from __future__ import annotations

import numpy as np
import pytest
from dataset_files import options

from nnspec.builtins.datasets.csv_file import CSV
from nnspec.errors import DataError, SpecError


def write(path, text):
    path.write_text(text)
    return str(path)


def rows(n, seed=0, classes=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).round(4)
    y = rng.integers(0, classes, n)
    return x, y


def table_text(x, y, header=None, delimiter=","):
    lines = [delimiter.join(header)] if header else []
    lines += [delimiter.join([*(f"{v:g}" for v in xi), str(yi)]) for xi, yi in zip(x, y)]
    return "\n".join(lines) + "\n"


def test_without_header_the_last_column_is_the_target(tmp_path):
    x, y = rows(40)
    path = write(tmp_path / "t.csv", table_text(x, y))
    data = CSV.load(options(CSV, path=path, test=0), 0)
    assert data.x_train.shape == (40, 3) and data.x_train.dtype == np.float32
    np.testing.assert_allclose(data.x_train, x, rtol=1e-6)
    assert data.y_train.tolist() == y.tolist() and data.test_is_train
    assert data.meta.task == "multiclass" and data.meta.classes == 3


def test_a_header_is_detected_and_target_can_be_a_name(tmp_path):
    x, y = rows(30)
    text = "c,a,b\n" + "\n".join(f"{yi},{a:g},{b:g}" for (a, b, _), yi in zip(x, y)) + "\n"
    path = write(tmp_path / "t.csv", text)
    data = CSV.load(options(CSV, path=path, target="c", test=0), 0)
    assert data.x_train.shape == (30, 2) and data.y_train.tolist() == y.tolist()
    assert data.info["target"] == "c"


def test_target_by_index_and_negative_index(tmp_path):
    x, y = rows(20)
    text = "\n".join(f"{yi},{a:g},{b:g},{c:g}" for (a, b, c), yi in zip(x, y)) + "\n"
    path = write(tmp_path / "t.csv", text)
    first = CSV.load(options(CSV, path=path, target=0, test=0), 0)
    assert first.y_train.tolist() == y.tolist()
    last = CSV.load(options(CSV, path=path, target=-1, test=0, task="regression"), 0)
    np.testing.assert_allclose(last.y_train, x[:, 2], rtol=1e-6)


def test_header_can_be_forced(tmp_path):
    path = write(tmp_path / "t.csv", "1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    assert CSV.meta(options(CSV, path=path, test=0)).train_size == 4
    assert CSV.meta(options(CSV, path=path, test=0, header=True)).train_size == 3


def test_two_whole_values_make_a_binary_task_and_floats_a_regression(tmp_path):
    x, y = rows(50, classes=2)
    binary = write(tmp_path / "b.csv", table_text(x, y + 1))  # labels 1 and 2 become 0 and 1
    meta = CSV.meta(options(CSV, path=binary))
    assert meta.task == "binary" and meta.class_names == ("1", "2")
    assert CSV.load(options(CSV, path=binary, test=0), 0).y_train.tolist() == y.tolist()
    regression = write(tmp_path / "r.csv", table_text(x[:, :2], x[:, 2]))
    meta = CSV.meta(options(CSV, path=regression))
    assert meta.task == "regression" and meta.classes is None
    assert CSV.load(options(CSV, path=regression), 0).y_train.dtype == np.float32


def test_many_distinct_whole_numbers_are_a_regression_target(tmp_path):
    x, _ = rows(60)
    path = write(tmp_path / "t.csv", table_text(x, np.arange(60) * 1000))
    assert CSV.meta(options(CSV, path=path)).task == "regression"


def test_text_labels_become_sorted_classes_as_get_dummies_orders_them(tmp_path):
    x, y = rows(30)
    names = np.array(["virginica", "setosa", "versicolor"])[y]
    path = write(tmp_path / "t.csv", table_text(x, names, header=["a", "b", "c", "species"]))
    data = CSV.load(options(CSV, path=path, test=0), 0)
    import pandas as pd

    dummies = pd.get_dummies(pd.Series(names))
    assert data.meta.class_names == tuple(dummies.columns)
    assert data.y_train.tolist() == dummies.to_numpy().argmax(axis=1).tolist()


def test_task_can_be_overridden_and_is_checked(tmp_path):
    x, y = rows(30)
    path = write(tmp_path / "t.csv", table_text(x, y))
    assert CSV.meta(options(CSV, path=path, task="regression")).task == "regression"
    with pytest.raises(DataError, match="task=binary, but the target column .* has 3 distinct values"):
        CSV.meta(options(CSV, path=path, task="binary"))


def test_split_sizes_seed_and_meta_agree(tmp_path):
    x, y = rows(50)
    path = write(tmp_path / "t.csv", table_text(x, y))
    meta = CSV.meta(options(CSV, path=path, test=0.3))
    a = CSV.load(options(CSV, path=path, test=0.3, seed=1), 99)
    b = CSV.load(options(CSV, path=path, test=0.3, seed=1), 5)  # the dataset's seed= wins
    c = CSV.load(options(CSV, path=path, test=0.3), 5)  # else the spec's seed
    assert (meta.train_size, meta.test_size) == (len(a.x_train), len(a.x_test)) == (35, 15)
    np.testing.assert_array_equal(a.x_test, b.x_test)
    assert not np.array_equal(a.x_test, c.x_test)


def test_other_delimiters(tmp_path):
    x, y = rows(10)
    path = write(tmp_path / "t.csv", table_text(x, y, delimiter=";"))
    assert CSV.load(options(CSV, path=path, delimiter=";", test=0), 0).x_train.shape == (10, 3)


@pytest.mark.parametrize(
    "text, given, message",
    [
        ("a,b,y\nred,1,0\nblue,2,1\n", {}, "column 'a' of .* is not numeric"),
        ("1,2,0\n3,,1\n5,6,0\n", {}, "missing values"),
        ("1,2,0\n3,4,1\n", {"target": 5}, "target=5, but .* has 3 columns"),
        ("a,b,y\n1,2,0\n3,4,1\n", {"target": "z"}, "has no column 'z'"),
        ("1,2,0\n3,4,1\n", {"target": "y"}, "has no header line"),
    ],
)
def test_unreadable_csvs_are_data_errors(tmp_path, text, given, message):
    path = write(tmp_path / "t.csv", text)
    with pytest.raises(DataError, match=message):
        CSV.load(options(CSV, path=path, test=0, **given), 0)


def test_path_is_required_and_must_exist(tmp_path):
    with pytest.raises(SpecError, match="needs the option path="):
        options(CSV)
    with pytest.raises(DataError, match='path="nowhere.csv" does not exist'):
        CSV.meta(options(CSV, path="nowhere.csv"))
    assert CSV.availability({"path": None}) == "needs path="


def test_skip_drops_lines_above_the_table(tmp_path):
    # scikit-learn's bundled CSVs start with a line of counts and class names
    x, y = rows(12, classes=2)
    path = write(tmp_path / "t.csv", "12,3,no,yes\n" + table_text(x, y))
    data = CSV.load(options(CSV, path=path, skip=1, test=0), 0)
    assert data.x_train.shape == (12, 3) and data.y_train.tolist() == y.tolist()
