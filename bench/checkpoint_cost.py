"""What checkpointing every epoch costs: epoch time with and without checkpoint.npz, in one process.

    python bench/checkpoint_cost.py
    python bench/checkpoint_cost.py --epochs 4 --rounds 3 --backends keras,tf1

Trains the 784-256x4-10 Adam MLP (batch 100, the course's TF1 exercise) on 60000
random Fashion-MNIST-shaped samples. Each round runs every (backend, checkpointing)
pair for --epochs epochs in turn, so load from elsewhere hits all of them; the first
epoch of each round is left out. Prints the median epoch time of each pair and the
ratio with checkpoints to without. docs/reports.md quotes a run.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SPEC = "input 784\ndense 256 relu x4\ndense 10 softmax\ntrain adam lr=0.001 epochs={epochs} batch=100\nseed 0\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
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
    times: dict[tuple[str, bool], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(args.rounds):
            for backend in args.backends.split(","):
                for saving in (True, False):
                    checkpoint.supported = real_supported if saving else (lambda trainer: False)
                    try:
                        result = nnspec.run(SPEC.format(epochs=args.epochs), backend, data=data,
                                            out=Path(tmp) / f"{backend}-{saving}-{round_number}",
                                            progress="none", stream=io.StringIO(), report=False).best
                    finally:
                        checkpoint.supported = real_supported
                    times.setdefault((backend, saving), []).extend(result.epoch_seconds[1:])
    print(f"{'backend':<8} {'median s/epoch, checkpoints':>28} {'without':>9} {'ratio':>7}")
    for backend in args.backends.split(","):
        with_, without = statistics.median(times[(backend, True)]), statistics.median(times[(backend, False)])
        print(f"{backend:<8} {with_:>28.3f} {without:>9.3f} {with_ / without:>7.3f}")


if __name__ == "__main__":
    main()
