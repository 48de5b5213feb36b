"""What training diagnostics cost: epoch time with `diagnostics=true` against without, in one process.

    python bench/diagnostics_cost.py                       # both backends, 3 rounds of 3 epochs
    python bench/diagnostics_cost.py --backends keras --rounds 5 --epochs 4

Trains the 784-256x4-10 Fashion-MNIST MLP (adam, batch 100; Debian's
dataset-fashion-mnist, or random arrays of that shape when it is not installed) with
nnspec.run. Runs with and without diagnostics take turns, round after round, so a burst
of load from elsewhere on the machine hits both. The first epoch of every run
(tracing) is left out; an epoch's time with diagnostics is the training epoch plus
its probe (which the run times apart, as `probe_seconds`). Prints the median epoch
time of each and their ratio per backend, and, as the figure that load from elsewhere
on the machine disturbs least, the median over the runs with diagnostics of each
probe's time over the epoch it follows (measured back to back): the training step is
the same with and without diagnostics, so the probe is all they add.
docs/performance.md quotes a run.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

SPEC = """input 784
dense 256 relu init=he x4
dense 10 softmax
train adam lr=0.001 epochs={epochs} batch=100 diagnostics={diagnostics}
"""


def fashion_mnist():
    """The Fashion-MNIST training and test arrays as nnspec Data (random arrays when absent)."""
    from nnspec.plugins import get_registries
    from nnspec.types import Data, DatasetMeta

    dataset = get_registries().datasets.get("fashion_mnist")
    from nnspec.dsl.options import complete_options

    options = complete_options(dataset.options, {}, "fashion_mnist")
    if dataset.availability(options).startswith("found"):
        return dataset.load(options, 0), "Fashion-MNIST"
    rng = np.random.default_rng(0)
    x = rng.random((70000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 70000)
    meta = DatasetMeta((784,), "multiclass", classes=10, train_size=60000, test_size=10000)
    return Data(x[:60000], y[:60000], x[60000:], y[60000:], meta), "random arrays (Fashion-MNIST not installed)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="keras,tf1")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    import nnspec

    data, source = fashion_mnist()
    print(f"784-256x4-10 adam batch 100 on {source}; {args.rounds} rounds of {args.epochs} epochs, "
          "first epoch of each run left out")
    times: dict[tuple[str, bool], list[float]] = {}
    shares: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(args.rounds):
            for backend in args.backends.split(","):
                # alternate which goes first, so neither always follows the other
                order = (False, True) if round_number % 2 == 0 else (True, False)
                for diagnostics in order:
                    text = SPEC.format(epochs=args.epochs, diagnostics=str(diagnostics).lower())
                    out = Path(tmp) / f"{backend}-{diagnostics}-{round_number}"
                    result = nnspec.run(text, backend, data=data, out=out, progress="none", report=False,
                                        stream=io.StringIO()).best
                    seconds = np.asarray(result.epoch_seconds[1:])
                    if diagnostics:  # the probe after each epoch is timed apart from the epoch
                        probes = np.asarray(result.diagnostics["probe_seconds"][2:])
                        shares.setdefault(backend, []).extend((probes / seconds).tolist())
                        seconds = seconds + probes
                    times.setdefault((backend, diagnostics), []).extend(seconds.tolist())
    print(f"{'backend':8} {'off s/epoch':>12} {'on s/epoch':>11} {'on/off':>7} {'probe/epoch':>12}")
    for backend in args.backends.split(","):
        off = statistics.median(times[(backend, False)])
        on = statistics.median(times[(backend, True)])
        share = statistics.median(shares[backend])
        print(f"{backend:8} {off:12.3f} {on:11.3f} {on / off:7.3f} {share:12.4f}")


if __name__ == "__main__":
    main()
