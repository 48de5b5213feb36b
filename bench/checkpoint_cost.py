"""What checkpoints cost: the training loop's wall time per epoch with and without checkpoint.npz, in one process.

    python bench/checkpoint_cost.py
    python bench/checkpoint_cost.py --epochs 30 --rounds 3 --backends keras,tf1

Trains the 784-256x4-10 Adam MLP (batch 100, the course's TF1 exercise) on 60000
random Fashion-MNIST-shaped samples. Each round runs every (backend, checkpointing)
pair for --epochs epochs in turn, so load from elsewhere hits all of them. The time
per epoch is the training loop's wall time after the first epoch (`train_seconds`
minus the first epoch, over the other epochs): it includes the checkpoints written
in between, which epoch_seconds does not. Checkpoints are written by time (every
30 s, NNSPEC_CHECKPOINT_SECONDS), so --epochs should make a run last well past 30 s
for the figure to include any. Prints per pair the median time per epoch and the
checkpoints written per run, and the cost of checkpoints in percent.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SPEC = "input 784\ndense 256 relu x4\ndense 10 softmax\ntrain adam lr=0.001 epochs={epochs} batch=100\nseed 0\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backends", default="keras,tf1")
    args = parser.parse_args(argv)

    import numpy as np

    import nnspec
    from nnspec.training import checkpoint
    from nnspec.types import Data, DatasetMeta

    rng = np.random.default_rng(0)
    x = rng.random((61000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 61000)
    data = Data(x[:60000], y[:60000], x[60000:], y[60000:], DatasetMeta((784,), "multiclass", classes=10))
    real_supported = checkpoint.supported
    real_save = checkpoint.Checkpointer.save
    written = {"n": 0, "seconds": 0.0}

    def counted(self, position):
        started = time.perf_counter()
        real_save(self, position)
        written["n"] += 1
        written["seconds"] += time.perf_counter() - started

    checkpoint.Checkpointer.save = counted
    times: dict[tuple[str, bool], list[float]] = {}
    counts: dict[tuple[str, bool], list[int]] = {}
    shares: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(args.rounds):
            for backend in args.backends.split(","):
                for saving in (True, False):
                    checkpoint.supported = real_supported if saving else (lambda trainer: False)
                    written.update(n=0, seconds=0.0)
                    try:
                        result = nnspec.run(SPEC.format(epochs=args.epochs), backend, data=data,
                                            out=Path(tmp) / f"{backend}-{saving}-{round_number}",
                                            progress="none", stream=io.StringIO(), report=False).best
                    finally:
                        checkpoint.supported = real_supported
                    later = (result.train_seconds - result.epoch_seconds[0]) / (args.epochs - 1)
                    times.setdefault((backend, saving), []).append(later)
                    counts.setdefault((backend, saving), []).append(written["n"] if saving else 0)
                    if saving:
                        shares.setdefault(backend, []).append(written["seconds"] / result.train_seconds)
    print(f"{'backend':<8} {'s/epoch, checkpoints':>21} {'written per run':>16} {'without':>9} {'ratio-1':>8} "
          f"{'time in checkpoints / training time':>36}")
    for backend in args.backends.split(","):
        with_, without = statistics.median(times[(backend, True)]), statistics.median(times[(backend, False)])
        per_run = statistics.median(counts[(backend, True)])
        share = statistics.median(shares[backend])
        print(f"{backend:<8} {with_:>21.3f} {per_run:>16g} {without:>9.3f} {100 * (with_ / without - 1):>7.1f}% "
              f"{100 * share:>35.2f}%")


if __name__ == "__main__":
    main()
