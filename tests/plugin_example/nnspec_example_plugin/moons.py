"""`two_moons`: two interleaved half circles, a yes/no task generated with numpy.

The metadata (input shape, task, split sizes) follows from the options alone, so
`nnspec check` and `nnspec show` know it without generating a single point.
"""

from typing import Any, Mapping

import numpy as np

from nnspec.errors import SpecError
from nnspec.types import Data, Dataset, DatasetMeta, Param

OPTIONS = (
    Param("n", "int", 200, min=4, max=1_000_000, doc="number of points, train and test together"),
    Param("noise", "float", 0.1, min=0, doc="standard deviation of the Gaussian noise added to each point"),
    Param("test", "fraction", 0.25, doc="fraction of the points kept for testing"),
    Param("seed", "int", None, min=0, doc="seed of the points and the split (default: the spec's seed)"),
    Param("normalize", "bool", False, doc="standardise each coordinate with the training points' mean and deviation"),
)
CLASS_NAMES = ("upper", "lower")


def sizes(options: Mapping[str, Any]) -> tuple[int, int]:
    """(train, test) sizes; raises SpecError when either would be empty."""
    n = options["n"]
    n_test = round(n * options["test"])
    if n_test < 1 or n_test >= n:
        raise SpecError(f"two_moons: test={options['test']:g} of n={n} leaves an empty split")
    return n - n_test, n_test


def meta(options: Mapping[str, Any]) -> DatasetMeta:
    """Shape, task and sizes from the options, without generating the points."""
    train_size, test_size = sizes(options)
    return DatasetMeta(
        input_shape=(2,),
        task="binary",
        train_size=train_size,
        test_size=test_size,
        class_names=CLASS_NAMES,
    )


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` shuffled points (float32, (n, 2)) and their labels (int64, (n,)), 0 = upper moon."""
    n_upper = n // 2
    n_lower = n - n_upper
    upper = np.linspace(0, np.pi, n_upper)
    lower = np.linspace(0, np.pi, n_lower)
    x = np.concatenate(
        [
            np.stack([np.cos(upper), np.sin(upper)], axis=1),
            np.stack([1 - np.cos(lower), 0.5 - np.sin(lower)], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(n_upper, dtype="int64"), np.ones(n_lower, dtype="int64")])
    x = x + rng.normal(scale=noise, size=x.shape)
    order = rng.permutation(n)
    return x[order].astype("float32"), y[order]


def load(options: Mapping[str, Any], seed: int | None = None) -> Data:
    """Generate the points and split them; the same options and seed give the same arrays."""
    own_seed = options["seed"]
    rng = np.random.default_rng(seed if own_seed is None else own_seed)
    x, y = moons(options["n"], options["noise"], rng)
    train_size, _ = sizes(options)
    info = {}
    if options.get("normalize"):
        mean, std = x[:train_size].mean(axis=0), x[:train_size].std(axis=0)
        x = ((x - mean) / std).astype("float32")
        info["normalization"] = {"mean": mean.tolist(), "std": std.tolist()}
    return Data(
        x_train=x[:train_size],
        y_train=y[:train_size],
        x_test=x[train_size:],
        y_test=y[train_size:],
        meta=meta(options),
        info=info,
    )


def prepare(options: Mapping[str, Any], x: np.ndarray, seed: int) -> np.ndarray:
    """Raw points (one per row, as `nnspec predict` reads them) as the network takes them: standardised
    with the training points' statistics when `normalize=true`."""
    if not options.get("normalize"):
        return x
    stats = load(options, seed).info["normalization"]
    return (x - np.asarray(stats["mean"])) / np.asarray(stats["std"])


TWO_MOONS = Dataset(
    name="two_moons",
    load=load,
    meta=meta,
    options=OPTIONS,
    doc="two interleaved half circles in the plane, generated (a yes/no task)",
    aliases=("moons",),
    availability=lambda options: "generated (no download)",
    prepare=prepare,
)
