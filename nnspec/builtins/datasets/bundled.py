"""Iris and digits: the copies bundled with scikit-learn, so they work offline.

Both are split with scikit-learn's `train_test_split(x, y, test_size=test,
random_state=seed)`, plain (not stratified) as the course's Iris exercise does:
`data iris test=0.3 seed=1234` gives the course's 105 training and 45 test flowers.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from ...types import Data, Dataset, DatasetMeta, Param
from .common import SPLIT_SEED, ascii_image, label_text, split, split_seed, split_sizes, test_param

IRIS_CLASSES = ("setosa", "versicolor", "virginica")
DIGIT_CLASSES = tuple(str(i) for i in range(10))


def _iris():
    from sklearn.datasets import load_iris

    bunch = load_iris()
    return bunch.data.astype("float32"), bunch.target.astype("int64")


def _digits():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    # pixels are 0..16; scaled to [0, 1] like the MNIST images
    return (bunch.data / 16.0).astype("float32"), bunch.target.astype("int64")


class BundledDataset:
    """A scikit-learn bundled classification set with a `test=` split."""

    def __init__(
        self,
        name: str,
        read: Callable[[], tuple[np.ndarray, np.ndarray]],
        rows: int,
        features: int,
        class_names: tuple[str, ...],
        image_shape: tuple[int, int] | None = None,
    ) -> None:
        self.name, self.read, self.rows, self.features = name, read, rows, features
        self.class_names, self.image_shape = class_names, image_shape

    def input_shape(self, options: Mapping[str, Any]) -> tuple[int, ...]:
        if self.image_shape and not options.get("flatten", True):
            return (*self.image_shape, 1)
        return (self.features,)

    def meta(self, options: Mapping[str, Any]) -> DatasetMeta:
        train, test = split_sizes(self.rows, options["test"])
        return DatasetMeta(
            input_shape=self.input_shape(options),
            task="multiclass",
            classes=len(self.class_names),
            train_size=train,
            test_size=test,
            class_names=self.class_names,
            test_is_train=not options["test"],
        )

    def load(self, options: Mapping[str, Any], seed: int | None = None) -> Data:
        x, y = self.read()
        x = x.reshape(len(x), *self.input_shape(options))
        x_train, y_train, x_test, y_test, same = split(x, y, options["test"], split_seed(options, seed))
        info = {"source": "bundled with scikit-learn"}
        if self.image_shape:
            info["image_shape"] = self.image_shape
        return Data(x_train, y_train, x_test, y_test, self.meta(options), test_is_train=same, info=info)

    def samples(self, options: Mapping[str, Any], n: int) -> list[str]:
        x, y = self.read()
        out = []
        for features, label in zip(x[:n], y[:n]):
            head = f"label {label_text(label, self.class_names)}"
            if self.image_shape:
                out.append(f"{head}\n{ascii_image(features.reshape(self.image_shape))}")
            else:
                out.append(f"{head}: " + " ".join(f"{v:g}" for v in features))
        return out

    def dataset(self, doc: str, options: tuple[Param, ...]) -> Dataset:
        return Dataset(
            name=self.name,
            load=self.load,
            meta=self.meta,
            options=options,
            doc=doc,
            availability=lambda options: "bundled (scikit-learn)",
            samples=self.samples,
        )


IRIS = BundledDataset("iris", _iris, 150, 4, IRIS_CLASSES).dataset(
    "150 iris flowers, 4 measurements in cm, 3 species (scikit-learn's copy)",
    (test_param(0.3), SPLIT_SEED),
)
DIGITS = BundledDataset("digits", _digits, 1797, 64, DIGIT_CLASSES, image_shape=(8, 8)).dataset(
    "1797 handwritten digits, 8x8 pixels scaled to [0, 1] (scikit-learn's copy)",
    (
        test_param(0.25),
        SPLIT_SEED,
        Param("flatten", "bool", True, doc="true: (n, 64) vectors; false: (n, 8, 8, 1) images"),
    ),
)
