"""`nnspec predict`: a trained run's predictions for new samples, with class names.

Inputs come as the dataset's own files give them, and are prepared the way the run's
dataset prepares its samples:

- images (a folder of PNG/JPEG files, image datasets only): grey levels, resized to
  the dataset's image size, scaled from 0..255 to [0, 1];
- rows (.csv or .npy): mnist and fashion_mnist pixels 0..255 and digits pixels 0..16
  are scaled to [0, 1]; a dataset that standardises its features (boston_housing
  normalize=true) applies its training mean and deviation, taken from the dataset;
  iris, pima and csv rows are used as they are; imdb rows must already be encoded
  (multi-hot vectors or padded word indexes) as the run's options encode them;
- every sample is then shaped as the network's input (784 values or 28x28x1).

`prepared=True` (`--prepared`) skips the scaling: the inputs are already in the
network's form.

Every value must be a finite number: text, an empty cell, NaN or infinity is an error
at its line and column (a network's answer for NaN is no prediction). A CSV file's
first line is a header when every cell of it is a name; it is skipped, and a note says
so. A first line mixing names and numbers is an error, not a header.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError, UsageError
from .runfolder import SavedRun, read_run, saved_form

RAW_SCALE = {"mnist": 255.0, "fashion_mnist": 255.0, "digits": 16.0}  # the dataset's raw pixel range
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff"}


@dataclass
class Predictions:
    """Predictions for new samples: one row per sample, named by file or by row number."""

    names: list[str]
    task: str
    class_names: list[str] | None
    values: np.ndarray  # probabilities (n, classes), P(class 1) (n,), or regression values (n,)
    notes: list[str] = field(default_factory=list)  # what was done to the input (a header line skipped)

    def predicted(self) -> list[str]:
        """The predicted class name (or value) of each sample."""
        if self.task == "regression":
            return [f"{v:.6g}" for v in self.values]
        names = self.class_names or [str(i) for i in range(self._classes())]
        index = (self.values > 0.5).astype(int) if self.task == "binary" else self.values.argmax(axis=1)
        return [names[i] for i in index]

    def _classes(self) -> int:
        return 2 if self.task == "binary" else self.values.shape[1]

    def to_csv(self) -> str:
        """`sample,predicted,p_<class>...` (classification) or `sample,value` (regression)."""
        if self.task == "regression":
            rows = ["sample,value"] + [f"{_cell(n)},{p}" for n, p in zip(self.names, self.predicted())]
            return "\n".join(rows) + "\n"
        names = self.class_names or [str(i) for i in range(self._classes())]
        probs = np.stack([1 - self.values, self.values], axis=1) if self.task == "binary" else self.values
        header = "sample,predicted," + ",".join(f"p_{_cell(c)}" for c in names)
        rows = [
            f"{_cell(n)},{_cell(p)}," + ",".join(f"{v:.6f}" for v in row)
            for n, p, row in zip(self.names, self.predicted(), probs)
        ]
        return "\n".join([header, *rows]) + "\n"


def predict(run_dir: str | Path, inputs: str | Path, *, prepared: bool = False) -> Predictions:
    """Predict the samples in `inputs` (.csv, .npy or an image folder) with the run's model."""
    from .model import keras_model

    run = read_run(run_dir)
    notes: list[str] = []
    names, x = read_inputs(run, Path(inputs), prepared, notes)
    model = keras_model(run)
    if len(x):
        values = saved_form(run, np.asarray(model.predict(x, verbose=0, batch_size=1024)))
    else:  # no samples: no predictions, in the shape one row would have
        values = saved_form(run, np.zeros((1, int(np.prod(run.plan.layers[-1].output_shape)))))[:0]
    return Predictions(names, run.task, run.class_names, values, notes)


def read_inputs(run: SavedRun, path: Path, prepared: bool = False,
                notes: list[str] | None = None) -> tuple[list[str], np.ndarray]:
    """Sample names and inputs shaped and prepared as the run's network takes them."""
    image_shape = run.saved.image_shape
    if not path.exists():
        raise UsageError(f"no input at '{path}'")
    if path.is_dir():
        if not image_shape:
            raise UsageError(f"'{path}' is a folder; image folders are for image datasets, "
                             f"and data {run.plan.dataset} is not one", hint="give a .csv or .npy file")
        names, x = _read_images(path, image_shape)
        x = x / 255.0  # image files hold 0..255 grey levels
    elif path.suffix.lower() == ".npy":
        x = _read_npy(path)
        names = [str(i) for i in range(len(x))]
        x = x if prepared else _scale(run, x)
    elif path.suffix.lower() in (".csv", ".txt"):
        x = _read_csv(path, notes if notes is not None else [])
        names = [str(i) for i in range(len(x))]
        x = x if prepared else _scale(run, x)
    else:
        raise UsageError(f"cannot read '{path}'", hint="give a .csv or .npy file, or a folder of images")
    return names, _shaped(run, x, path)


def _scale(run: SavedRun, x: np.ndarray) -> np.ndarray:
    plan = run.plan
    if plan.dataset in RAW_SCALE:
        return x / RAW_SCALE[plan.dataset]
    normalization = _normalization(run)
    if normalization is not None:
        mean, std = (np.asarray(normalization[k], dtype=np.float64) for k in ("mean", "std"))
        if x.ndim == 2 and x.shape[1] == len(mean):
            return (x - mean) / std
    return x


def _normalization(run: SavedRun):
    """The training mean and deviation a dataset standardised with (`info["normalization"]`), if any."""
    options = run.plan.dataset_options
    if not options.get("normalize"):
        return None
    from ..plugins import get_registries

    data = get_registries().datasets.get(run.plan.dataset).load(options, run.plan.seed)
    return (data.info or {}).get("normalization")


def _shaped(run: SavedRun, x: np.ndarray, path: Path) -> np.ndarray:
    from ..builtins.backends.common import input_dtype

    shape = tuple(run.plan.input_shape)
    size = int(np.prod(shape))
    if x.size and x.size // len(x) != size:
        raise DataError(
            f"{path}: each sample has {x.size // len(x)} values; the network takes {size} "
            f"({'x'.join(map(str, shape))})"
        )
    with np.errstate(over="ignore"):  # a value past float32's range becomes inf, refused below
        shaped = np.ascontiguousarray(x.reshape(len(x), *shape), dtype=input_dtype(run.plan))
    if shaped.dtype.kind == "f" and len(x):  # 1e300 is a finite float64, but no float32
        bad = np.argwhere(~np.isfinite(shaped.reshape(len(x), size)))
        if len(bad):
            row, column = (int(i) for i in bad[0])
            raise DataError(f"{path}: sample {row}, value {column + 1} ({x.reshape(len(x), size)[row, column]:g}) "
                            f"is too large for the network's {shaped.dtype} inputs")
    return shaped


def _read_npy(path: Path) -> np.ndarray:
    try:
        x = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise DataError(f"{path}: not a NumPy array file ({error})") from None
    if not isinstance(x, np.ndarray):  # an .npz archive under an .npy name
        raise DataError(f"{path}: holds several arrays (an .npz archive); give one array of samples")
    if x.dtype.kind not in "biuf":
        raise DataError(f"{path}: holds {x.dtype} values ({x.dtype.name}), not numbers",
                        hint="save the samples as a numeric array, one row per sample")
    x = x.astype(np.float64)
    x = x.reshape(len(x), int(np.prod(x.shape[1:]))) if x.ndim > 1 else x.reshape(1, -1)
    bad = np.argwhere(~np.isfinite(x))
    if len(bad):
        row, column = (int(i) for i in bad[0])
        raise DataError(f"{path}: sample {row}, value {column + 1} is {x[row, column]}; "
                        f"{len(bad):,} values are not finite numbers, and every value must be one")
    return x


def _read_csv(path: Path, notes: list[str]) -> np.ndarray:
    import pandas as pd

    try:  # as text: which cell is wrong, and why, is decided below
        table = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        return np.zeros((0, 0))
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise DataError(f"{path}: cannot be read as CSV ({error})") from None
    cells = table.to_numpy(dtype=object)  # str, or NaN where a line has fewer values
    rows = [i for i in range(len(cells)) if not all(_blank(c) for c in cells[i])]  # blank lines skipped
    header = bool(rows) and not any(_is_number(c) for c in cells[rows[0]])
    if header:
        notes.append(f"{path}: line {rows[0] + 1} holds names only; it was skipped as a header")
        rows = rows[1:]
    numbers = table.apply(lambda column: pd.to_numeric(column.str.strip(), errors="coerce"))
    values = numbers.to_numpy(dtype=np.float64)[rows] if rows else np.zeros((0, cells.shape[1]))
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        row, column = (int(i) for i in bad[0])
        raise _bad_cell(path, rows[row], row, column, cells[rows[row], column], mixed=row == 0 and not header)
    return values


def _bad_cell(path: Path, row: int, sample: int, column: int, cell, mixed: bool) -> DataError:
    """The error at a CSV cell that is not a finite number: file:line:column and a caret."""
    if not isinstance(cell, str) or not cell.strip():  # pandas gives a short line's last cells as ''
        problem = "is empty"
    else:
        problem = f"'{cell.strip()[:40]}' is {'not a finite number' if _is_number(cell) else 'not a number'}"
    with open(path, encoding="utf-8", errors="replace") as stream:
        text = next(itertools.islice(stream, row, None), "").rstrip("\r\n")
    start = sum(len(part) + 1 for part in text.split(",")[:column])
    hint = "a header line has names only; this one mixes names and numbers" if mixed else None
    return DataError(f"sample {sample}: value {column + 1} {problem}; every value must be a finite number",
                     filename=str(path), line=row + 1, column=start + 1,
                     source_line=text if len(text) <= 200 else None, hint=hint)


def _blank(cell) -> bool:
    return not isinstance(cell, str) or not cell.strip()


def _read_images(folder: Path, image_shape) -> tuple[list[str], np.ndarray]:
    from PIL import Image, UnidentifiedImageError

    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"{folder}: holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    height, width = image_shape[:2]
    images = []
    for path in files:
        try:
            with Image.open(path) as image:
                grey = image.convert("L").resize((width, height))
        except (OSError, UnidentifiedImageError) as error:
            raise DataError(f"{path}: not an image ({error})") from None
        images.append(np.asarray(grey, dtype=np.float64).reshape(-1))
    return [p.name for p in files], np.stack(images)


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _cell(text) -> str:
    text = str(text)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text
