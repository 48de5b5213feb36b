"""MNIST and Fashion-MNIST: 28x28 grey images of ten classes, from npz or idx files.

Both come as Keras ships them (`mnist.npz`, or the four gzipped idx files of
Fashion-MNIST) or as the original idx files (Debian's `dataset-fashion-mnist` package
installs those in /usr/share/datasets/fashion-mnist). Pixels are scaled to [0, 1];
`flatten=true` gives (n, 784), `flatten=false` gives (n, 28, 28, 1); `val=N` holds out
the first N training images, as TF1's `read_data_sets` did with its validation set.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ...errors import DataError
from ...types import Data, Dataset, DatasetMeta, Param
from . import locate
from .common import PATH, ascii_image, hold_out_first, label_text

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
IDX = locate.Layout(IDX_FILES, "idx")
IDX_UNPACKED = locate.Layout(tuple(name.removesuffix(".gz") for name in IDX_FILES), "idx")
MNIST_NPZ = locate.Layout(("mnist.npz",), "npz")
TRAIN_SIZE, TEST_SIZE, SIDE = 60000, 10000, 28

FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
DIGIT_CLASSES = tuple(str(i) for i in range(10))

MNIST_SOURCE = locate.Source(
    name="mnist",
    layouts=(MNIST_NPZ, IDX, IDX_UNPACKED),
    remote=locate.Remote(
        MNIST_NPZ,
        (KERAS_ORIGIN + "mnist.npz",),
        # the hash keras.datasets.mnist pins
        ("731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",),
    ),
)
FASHION_SOURCE = locate.Source(
    name="fashion_mnist",
    layouts=(IDX, IDX_UNPACKED),
    # keras.datasets.fashion_mnist keeps these under datasets/fashion-mnist and pins no hash
    remote=locate.Remote(IDX, tuple(KERAS_ORIGIN + name for name in IDX_FILES), (None,) * 4),
    keras_subdir="fashion-mnist",
    how_to_provide="apt-get install dataset-fashion-mnist",
)

OPTIONS = (
    Param("flatten", "bool", True, doc="true: (n, 784) vectors; false: (n, 28, 28, 1) images"),
    Param("val", "int", 0, min=0, max=TRAIN_SIZE - 1, doc="hold out the first N training images for validation"),
    PATH,
)

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """An array from an idx file (gzipped or not), its shape taken from the header."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:  # truncated: EOFError; corrupted: zlib.error, BadGzipFile
            raise DataError(
                f"{path} is damaged ({'truncated' if isinstance(exc, EOFError) else 'corrupt'} gzip data: {exc})",
                hint="delete it so that the next run downloads it again, or give another copy with path=",
            ) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise DataError(f"{path} is not an idx file (bad magic number)")
    dims = raw[3]
    header = 4 + 4 * dims
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=dims, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(f"{path}: the idx header says {shape} but the file holds {len(raw) - header} bytes")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape)


def read_images(found: locate.Found) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) as uint8 arrays from npz or idx files."""
    if found.layout.format == "npz":
        try:
            with np.load(found.path, allow_pickle=False) as f:
                arrays = f["x_train"], f["y_train"], f["x_test"], f["y_test"]
        except (OSError, KeyError, ValueError) as exc:
            raise DataError(f"{found.path} is not an mnist.npz-style file ({exc})") from None
    else:
        train_x, train_y, test_x, test_y = (read_idx(p) for p in found.paths)
        arrays = train_x, train_y, test_x, test_y
    x_train, y_train, x_test, y_test = arrays
    for x, y, part in ((x_train, y_train, "training"), (x_test, y_test, "test")):
        if x.ndim != 3 or x.shape[1:] != (SIDE, SIDE) or len(x) != len(y):
            raise DataError(
                f"{found.place}: the {part} images have shape {x.shape} and labels {y.shape};"
                f" expected (n, 28, 28) and (n,)"
            )
    return x_train, y_train, x_test, y_test


def _scale(images: np.ndarray, flatten: bool) -> np.ndarray:
    x = images.astype("float32") / 255.0
    return x.reshape(len(x), SIDE * SIDE) if flatten else x.reshape(len(x), SIDE, SIDE, 1)


class ImageDataset:
    """The loader, metadata and samples of one 28x28 ten-class image dataset."""

    def __init__(self, source: locate.Source, class_names: tuple[str, ...]) -> None:
        self.source = source
        self.class_names = class_names

    def meta(self, options: Mapping[str, Any]) -> DatasetMeta:
        shape = (SIDE * SIDE,) if options["flatten"] else (SIDE, SIDE, 1)
        return DatasetMeta(
            input_shape=shape,
            task="multiclass",
            classes=10,
            train_size=TRAIN_SIZE - options["val"],
            test_size=TEST_SIZE,
            class_names=self.class_names,
        )

    def load(self, options: Mapping[str, Any], seed: int | None = None) -> Data:
        found = locate.obtain(self.source, options.get("path"))
        x_train, y_train, x_test, y_test = read_images(found)
        x_train, x_test = _scale(x_train, options["flatten"]), _scale(x_test, options["flatten"])
        (x_train, y_train), (x_val, y_val) = hold_out_first(
            x_train, y_train.astype("int64"), options["val"], self.source.name
        )
        meta = replace(self.meta(options), train_size=len(x_train), test_size=len(x_test))
        return Data(
            x_train, y_train, x_test, y_test.astype("int64"), meta, x_val=x_val, y_val=y_val,
            info={"image_shape": (SIDE, SIDE), "source": found.place},
        )

    def availability(self, options: Mapping[str, Any]) -> str:
        return locate.availability(self.source, options.get("path"))

    def samples(self, options: Mapping[str, Any], n: int) -> list[str]:
        data = self.load({**options, "val": 0})
        out = []
        for image, label in zip(data.x_train[:n], data.y_train[:n]):
            out.append(f"label {label_text(label, self.class_names)}\n{ascii_image(image.reshape(SIDE, SIDE))}")
        return out

    def dataset(self, doc: str) -> Dataset:
        return Dataset(
            name=self.source.name,
            load=self.load,
            meta=self.meta,
            options=OPTIONS,
            doc=doc,
            availability=self.availability,
            samples=self.samples,
        )


MNIST = ImageDataset(MNIST_SOURCE, DIGIT_CLASSES).dataset(
    "60000/10000 handwritten digits, 28x28, ten classes (keras.datasets.mnist)"
)
FASHION_MNIST = ImageDataset(FASHION_SOURCE, FASHION_CLASSES).dataset(
    "60000/10000 Zalando clothing images, 28x28, ten classes (keras.datasets.fashion_mnist)"
)
