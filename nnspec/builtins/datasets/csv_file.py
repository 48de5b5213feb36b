"""`data csv`: any numeric CSV file, one row a sample, one column the target.

The task follows from the target column unless `task=` says it: text values, or
whole numbers with few distinct values, are classes (numbered in sorted order, the
order of the columns `pandas.get_dummies` makes); anything else is a regression
target. Two classes make a binary task.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ...errors import DataError
from ...types import Data, Dataset, DatasetMeta, Param
from .common import NORMALIZE, SPLIT_SEED, feature_ranges, split, split_seed, split_sizes, standardize, test_param

MAX_CLASSES = 20  # more distinct whole numbers than this is a count or a price, not classes

OPTIONS = (
    Param("path", "str", doc="the CSV file"),
    Param("target", "any", -1, doc="the target column: an index (from 0; -1 the last) or a header name"),
    Param("header", "bool", None, doc="whether the first line names the columns (default: guessed)"),
    Param("delimiter", "str", ",", doc="the field separator"),
    Param("skip", "int", 0, min=0, doc="lines to skip at the top, before the header or the first row"),
    test_param(0.25),
    SPLIT_SEED,
    Param("task", "name", "auto", choices=("auto", "multiclass", "binary", "regression"),
          doc="override the task guessed from the target column"),
    NORMALIZE,
)


@dataclass(frozen=True)
class Table:
    """A CSV read and split into features and target, the task decided."""

    x: np.ndarray
    y: np.ndarray
    task: str
    class_names: tuple[str, ...] | None
    target_name: str


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _has_header(path: Path, delimiter: str, skip: int) -> bool:
    """A header is guessed when the first line has a non-number where the second has a number."""
    import csv
    import itertools

    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = []
        for row in csv.reader(itertools.islice(handle, skip, None), delimiter=delimiter):
            if row:
                rows.append([cell.strip() for cell in row])
            if len(rows) == 2:
                break
    if not rows:
        return False
    first = rows[0]
    if len(rows) == 1:
        return not any(_looks_numeric(cell) for cell in first)
    return any(not _looks_numeric(a) and _looks_numeric(b) for a, b in zip(first, rows[1]))


def _target_index(target: Any, columns: list, header: bool, path: Path) -> int:
    if isinstance(target, bool):
        raise DataError(f"csv: target= must be a column index or name, found {target}")
    if isinstance(target, int):
        if not -len(columns) <= target < len(columns):
            raise DataError(f"csv: target={target}, but {path} has {len(columns)} columns (0 to {len(columns) - 1})")
        return target % len(columns)
    name = str(target)
    if name in columns:
        return columns.index(name)
    if name.lstrip("-").isdigit():
        return _target_index(int(name), columns, header, path)
    if not header:
        raise DataError(f"csv: target={name} names a column, but {path} has no header line", hint="give its index")
    from ...registry import did_you_mean

    raise DataError(
        f"csv: {path} has no column '{name}' (columns: {', '.join(map(str, columns))})",
        hint=did_you_mean(name, [str(c) for c in columns]),
    )


def _decide_task(values, asked: str, path: Path) -> str:
    import pandas as pd

    numeric = pd.api.types.is_numeric_dtype(values)
    distinct = values.nunique()
    if asked == "regression":
        if not numeric:
            raise DataError(f"csv: task=regression, but the target column of {path} holds text")
        return "regression"
    if asked == "binary" and distinct != 2:
        raise DataError(f"csv: task=binary, but the target column of {path} has {distinct} distinct values")
    if distinct < 2 and asked != "regression":
        raise DataError(
            f"csv: the target column of {path} holds one value only ({values.iloc[0]!r}): "
            "a network cannot learn classes from one class",
            hint="check target= (the column to predict), or add rows of the other classes",
        )
    if asked != "auto":
        return asked
    whole = numeric and bool(np.all(np.mod(values.to_numpy(dtype="float64"), 1) == 0))
    if not numeric or (whole and distinct <= MAX_CLASSES):
        return "binary" if distinct == 2 else "multiclass"
    return "regression"


@lru_cache(maxsize=4)
def _read(path: str, stamp: tuple, header: bool | None, delimiter: str, skip: int, target: Any, task: str) -> Table:
    import pandas as pd

    file = Path(path)
    if header is None:
        header = _has_header(file, delimiter, skip)
    try:
        frame = pd.read_csv(file, header=0 if header else None, sep=delimiter, skiprows=skip, skipinitialspace=True)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"csv: cannot read {path} ({exc})") from None
    if frame.shape[1] < 2 or len(frame) < 2:
        raise DataError(f"csv: {path} needs at least two columns and two rows, found {frame.shape}")
    columns = list(frame.columns)
    index = _target_index(target, columns, header, file)
    target_values = frame.iloc[:, index]
    features = frame.drop(columns=frame.columns[index])
    for name in features.columns:
        if not pd.api.types.is_numeric_dtype(features[name]):
            label = f"'{name}'" if header else f"{columns.index(name)}"
            raise DataError(f"csv: column {label} of {path} is not numeric", hint="nnspec reads numeric features only")
    if features.isna().any().any() or target_values.isna().any():
        raise DataError(f"csv: {path} has empty or missing values ({int(frame.isna().sum().sum())})")
    first_line = skip + (2 if header else 1)  # the file line of data row 0
    _check_finite(features, target_values, file, first_line)
    decided = _decide_task(target_values, task, file)
    if decided == "regression":
        y, names = target_values.to_numpy(dtype="float32"), None
    else:
        classes = sorted(target_values.unique())
        y = target_values.map({value: i for i, value in enumerate(classes)}).to_numpy(dtype="int64")
        names = tuple(_class_name(c) for c in classes)
    return Table(features.to_numpy(dtype="float32"), y, decided, names, str(columns[index]))


def _check_finite(features, target, path: Path, first_line: int) -> None:
    """A DataError naming the first infinite value (`inf` in the file), by line and column."""
    import pandas as pd

    columns = [features[name] for name in features.columns]
    if pd.api.types.is_numeric_dtype(target):
        columns.append(target)
    for column in columns:
        values = column.to_numpy(dtype="float64")
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            row = int(bad[0])
            raise DataError(
                f"csv: {path} line {first_line + row}, column '{column.name}': the value {values[row]} is not "
                "a finite number (training would turn its loss into NaN)",
                hint="replace or remove that row",
            )


def _class_name(value: Any) -> str:
    return str(int(value)) if isinstance(value, (float, np.floating)) and float(value).is_integer() else str(value)


def read_table(options: Mapping[str, Any]) -> Table:
    """The CSV named by the options, read once per file version and options."""
    path = Path(options["path"]).expanduser()
    if not path.is_file():
        raise DataError(f'csv: path="{options["path"]}" does not exist' if not path.exists() else f"csv: {path} is not a file")
    stat = os.stat(path)
    return _read(str(path.resolve()), (stat.st_mtime_ns, stat.st_size), options["header"],
                 options["delimiter"], options["skip"], options["target"], options["task"])


def meta(options: Mapping[str, Any]) -> DatasetMeta:
    """Shape, task and sizes of the CSV (it reads the file: CSVs here are small)."""
    table = read_table(options)
    train, test = split_sizes(len(table.x), options["test"])
    return DatasetMeta(
        input_shape=(table.x.shape[1],),
        task=table.task,
        classes=len(table.class_names) if table.task == "multiclass" else None,
        train_size=train,
        test_size=test,
        class_names=table.class_names,
        test_is_train=not options["test"],
        feature_ranges=None if options["normalize"] else feature_ranges(table.x),
    )


def load(options: Mapping[str, Any], seed: int | None = None) -> Data:
    """Features as float32, targets as class indexes or float32, split by `test=` and `seed=`."""
    table = read_table(options)
    x_train, y_train, x_test, y_test, same = split(table.x, table.y, options["test"], split_seed(options, seed))
    info: dict[str, Any] = {"source": str(Path(options["path"]).expanduser()), "target": table.target_name}
    if options["normalize"]:
        (x_train, x_test), info["normalization"] = standardize(x_train, x_test)
    return Data(x_train, y_train, x_test, y_test, meta(options), test_is_train=same, info=info)


def samples(options: Mapping[str, Any], n: int) -> list[str]:
    table = read_table(options)
    out = []
    for x, y in zip(table.x[:n], table.y[:n]):
        label = f"{y:g}" if table.task == "regression" else f"{int(y)} ({table.class_names[int(y)]})"
        out.append(f"{table.target_name} {label}: " + " ".join(f"{v:g}" for v in x))
    return out


def availability(options: Mapping[str, Any]) -> str:
    path = options.get("path")
    if not path:
        return "needs path="
    return f"found: {path}" if Path(path).expanduser().is_file() else f"missing: {path}"


CSV = Dataset(
    name="csv",
    load=load,
    meta=meta,
    options=OPTIONS,
    doc="any numeric CSV file: one row a sample, one column (target=) the label or value",
    availability=availability,
    samples=samples,
)
