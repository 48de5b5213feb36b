"""`nnspec predict`: a trained run's predictions for new samples, with class names.

Inputs come as the dataset's own files give them, and are prepared the way the run's
dataset prepares its samples: by the dataset's own `prepare(options, x, seed)` when
its registration has one (a plugin's dataset says so there), else

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
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError, NNSpecError, UsageError
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
    names, x = read_inputs(run, Path(inputs), prepared)
    model = keras_model(run)
    outputs = np.asarray(model.predict(x, verbose=0, batch_size=1024)) if len(x) else np.zeros((0, 1))
    values = saved_form(run, outputs)
    return Predictions(names, run.task, run.class_names, values)


def read_inputs(run: SavedRun, path: Path, prepared: bool = False) -> tuple[list[str], np.ndarray]:
    """Sample names and inputs shaped and prepared as the run's network takes them."""
    image_shape = run.saved.image_shape
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
        x = _read_csv(path)
        names = [str(i) for i in range(len(x))]
        x = x if prepared else _scale(run, x)
    elif not path.exists():
        raise UsageError(f"no input at '{path}'")
    else:
        raise UsageError(f"cannot read '{path}'", hint="give a .csv or .npy file, or a folder of images")
    return names, _shaped(run, x, path)


def _scale(run: SavedRun, x: np.ndarray) -> np.ndarray:
    plan = run.plan
    dataset = _dataset(plan.dataset)
    if dataset is not None and dataset.prepare is not None:  # the dataset says how (a plugin's included)
        try:
            return np.asarray(dataset.prepare(plan.dataset_options, x, plan.seed), dtype=np.float64)
        except NNSpecError:
            raise
        except Exception as exc:  # a plugin's bug reaches the user as a message
            raise DataError(f"data {plan.dataset} failed to prepare the samples: {type(exc).__name__}: {exc}") from exc
    if plan.dataset in RAW_SCALE:
        return x / RAW_SCALE[plan.dataset]
    normalization = _normalization(run)
    if normalization is not None:
        mean, std = (np.asarray(normalization[k], dtype=np.float64) for k in ("mean", "std"))
        if x.ndim == 2 and x.shape[1] == len(mean):
            return (x - mean) / std
    return x


def _dataset(name: str):
    from ..plugins import get_registries

    datasets = get_registries().datasets
    return datasets.get(name) if name and name in datasets else None


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
    return np.ascontiguousarray(x.reshape(len(x), *shape), dtype=input_dtype(run.plan))


def _read_npy(path: Path) -> np.ndarray:
    try:
        x = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: not a NumPy array file ({error})") from None
    return np.asarray(x, dtype=np.float64).reshape(len(x), -1) if x.ndim > 1 else x.reshape(1, -1).astype(np.float64)


def _read_csv(path: Path) -> np.ndarray:
    import pandas as pd

    try:
        table = pd.read_csv(path, header=None)
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise DataError(f"{path}: cannot be read as CSV ({error})") from None
    if len(table) and not all(_is_number(v) for v in table.iloc[0]):
        table = table.iloc[1:]  # a header line
    try:
        return table.to_numpy(dtype=np.float64)
    except ValueError:
        raise DataError(f"{path}: every value must be a number") from None


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
