"""The Fashion-MNIST CNN (specs/fashion_mnist_cnn.nn) on both backends: test accuracy and time per epoch.

    nice python bench/cnn_results.py                  # seeds 0-2, 5 epochs, both backends
    nice python bench/cnn_results.py --seeds 0 --epochs 1
    python bench/cnn_results.py --backends tf1        # one backend (two such processes side by side)

Trains the spec once per seed and backend, the backends in turns (keras, tf1, keras, ...)
so that the machine's load falls on both alike, and prints a Markdown table: each run's
test accuracy and mean seconds per epoch, then the mean of the seeds per backend, the
row docs/results.md shows. The load average is printed beside it: on a shared machine
the seconds are only comparable within one invocation.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "fashion_mnist_cnn.nn"
BACKENDS = ("keras", "tf1")


def train(backend: str, seed: int, epochs: int | None, folder: Path) -> tuple[float, float]:
    """(test accuracy, mean seconds per epoch) of one run of the spec."""
    import nnspec

    overrides = {"epochs": epochs} if epochs else {}
    result = nnspec.run(SPEC, backend=backend, seed=seed, progress="none", report=False,
                        out=folder / f"{backend}-{seed}", **overrides).best
    return result.metrics["accuracy"], statistics.mean(result.epoch_seconds)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="comma list of seeds")
    parser.add_argument("--epochs", type=int, default=None, help="default: the spec's (5)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma list: keras,tf1")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    backends = tuple(b for b in BACKENDS if b in args.backends.split(","))

    from nnspec.training.environment import import_tensorflow_quietly

    import_tensorflow_quietly()
    folder = Path(tempfile.mkdtemp(prefix="nnspec-cnn-"))
    runs: dict[str, list[tuple[float, float]]] = {b: [] for b in backends}
    print(f"{SPEC.name}, seeds {args.seeds}, epochs {args.epochs or 'as the spec'}")
    print("| seed | backend | test accuracy | s/epoch |")
    print("|---|---|---|---|")
    for seed in seeds:
        for backend in backends if seed % 2 == 0 else backends[::-1]:
            accuracy, seconds = train(backend, seed, args.epochs, folder)
            runs[backend].append((accuracy, seconds))
            print(f"| {seed} | {backend} | {accuracy:.4f} | {seconds:.1f} |", flush=True)
    print()
    print("| backend | mean test accuracy | min | mean s/epoch |")
    print("|---|---|---|---|")
    for backend, results in runs.items():
        accuracies = [a for a, _ in results]
        print(f"| {backend} | {statistics.mean(accuracies):.4f} | {min(accuracies):.4f} | "
              f"{statistics.mean(s for _, s in results):.1f} |")
    print(f"load average while it ran (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
