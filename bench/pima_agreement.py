"""Is nnspec's keras backend as good as hand-written Keras on the course's Pima exercise?

    nice python bench/pima_agreement.py                 # seeds 0-4, about 10 minutes on 2 cores
    nice python bench/pima_agreement.py --seeds 0,1 --epochs 50

For each seed, in one process and on the same arrays (nnspec's pima loader: all 768
rows, evaluated on the training data as the course does), trains
(a) the course's model written by hand in Keras 3 and trained by `model.fit`,
(b) specs/pima.nn with `nnspec.run(..., backend="keras")`,
(c) the same with backend="tf1",
(d) `fit` again, started from the weights nnspec's keras backend draws for the seed
    (`nnspec.build`), which tells a bad draw of initial weights from a bad training loop,
and prints a Markdown table of training accuracy: the final evaluation pass over the
training data (what docs/results.md reports), and, in brackets, the last epoch's
running accuracy (the mean over that epoch's batches, what `fit`'s history shows).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "pima.nn"
BACKENDS = ("keras", "tf1")


def pima_data():
    """nnspec's pima Data: all 768 rows, the test arrays being the training arrays."""
    from nnspec.dsl.options import complete_options
    from nnspec.plugins import get_registries

    dataset = get_registries().datasets.get("pima")
    return dataset.load(complete_options(dataset.options, {}, "data pima"), 0)


def hand_written(x, y, seed: int, epochs: int) -> tuple[float, float, float]:
    """The course's Keras model trained by `fit`: (final accuracy, last epoch's running accuracy, seconds)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(12, activation="relu", kernel_initializer="glorot_uniform", bias_initializer="zeros"),
        layers.Dense(8, activation="relu", kernel_initializer="glorot_uniform", bias_initializer="zeros"),
        layers.Dense(1, activation="sigmoid", kernel_initializer="glorot_uniform", bias_initializer="zeros"),
    ])
    return _fit(model, x, y, epochs)


def fit_from_nnspec_weights(x, y, seed: int, epochs: int) -> tuple[float, float, float]:
    """`fit` on the model `nnspec.build` makes for the seed (its initial weights, its compile)."""
    import keras

    import nnspec
    from nnspec.api import apply_overrides

    model = nnspec.build(apply_overrides(nnspec.load(SPEC), seed=seed), "keras")
    keras.utils.set_random_seed(seed)  # fit's shuffling, as in hand_written
    return _fit(model, x, y, epochs)


def _fit(model, x, y, epochs: int) -> tuple[float, float, float]:
    """Train by `fit` as the course does: (final accuracy, last epoch's running accuracy, seconds)."""
    import keras

    if not model.compiled:
        model.compile(optimizer=keras.optimizers.Adam(0.001), loss="binary_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, batch_size=10, shuffle=True, verbose=0)
    seconds = time.perf_counter() - started
    _, accuracy = model.evaluate(x, y, batch_size=len(x), verbose=0)
    return float(accuracy), float(history.history["accuracy"][-1]), seconds


def with_nnspec(data, backend: str, seed: int, epochs: int, folder: Path) -> tuple[float, float, float]:
    """specs/pima.nn on `backend`: (final accuracy, last epoch's running accuracy, seconds)."""
    import nnspec

    result = nnspec.run(SPEC, backend=backend, seed=seed, epochs=epochs, data=data, progress="none",
                        report=False, out=folder / f"{backend}-{seed}").best
    return result.metrics["accuracy"], result.history["accuracy"][-1], result.train_seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma list of seeds")
    parser.add_argument("--epochs", type=int, default=200, help="the course trains 200")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]

    import numpy as np

    from nnspec.training.environment import import_tensorflow_quietly

    import_tensorflow_quietly()
    data = pima_data()
    x = np.asarray(data.x_train, np.float32)
    y = np.asarray(data.y_train, np.float32).reshape(-1, 1)
    folder = Path(tempfile.mkdtemp(prefix="nnspec-pima-"))
    columns = ("hand-written fit", *(f"nnspec {b}" for b in BACKENDS), "fit from nnspec's weights")
    print(f"Pima, {len(x)} rows, {args.epochs} epochs, batch 10: training accuracy, final pass "
          "(last epoch's running mean)")
    print("| seed | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    finals: dict[str, list[float]] = {c: [] for c in columns}
    runnings: dict[str, list[float]] = {c: [] for c in columns}
    for seed in seeds:
        outcomes = [hand_written(x, y, seed, args.epochs)]
        outcomes += [with_nnspec(data, b, seed, args.epochs, folder) for b in BACKENDS]
        outcomes.append(fit_from_nnspec_weights(x, y, seed, args.epochs))
        cells = []
        for column, (final, running, seconds) in zip(columns, outcomes):
            finals[column].append(final)
            runnings[column].append(running)
            cells.append(f"{final:.4f} ({running:.4f}) {seconds:.0f}s")
        print(f"| {seed} | " + " | ".join(cells) + " |", flush=True)
    means = [f"**{statistics.mean(finals[c]):.4f}** ({statistics.mean(runnings[c]):.4f})" for c in columns]
    print(f"| mean of {len(seeds)} | " + " | ".join(means) + " |")


if __name__ == "__main__":
    main()
