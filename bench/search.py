"""A search with pruning against the full grid of the same size, on the digits example, in one run.

    nice python bench/search.py                 # 8 trials / 8 grid variants, 60 epochs each
    nice python bench/search.py --epochs 20 --rounds 3

The grid trains every combination of 4 learning rates (log-spaced over the search's
range) and 2 widths (its ends) for every epoch: 8 runs. The searches sample the same
ranges of specs/digits_search.nn (lr 0.0001..0.1 log, units 16..256) for as many
trials, once with median pruning and once with ASHA (`--prune asha`), all serially in
this one process after TensorFlow is imported, taking turns for `--rounds` rounds.
Printed: each one's median wall time as a ratio to the grid's, the seconds its epochs
took (the runs' `train_seconds`, summed: what pruning saves) beside the rest (building,
tracing, evaluating and saving each run), the epochs it trained, how many trials
pruning stopped, and the best validation loss found with its test accuracy.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nnspec

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "digits_search.nn"
GRID_LR = "0.0001 | 0.001 | 0.01 | 0.1"
GRID_UNITS = "16 | 256"


def spec_text(epochs: int, grid: bool) -> str:
    text = SPEC.read_text().replace("epochs=20", f"epochs={epochs}")
    if grid:
        text = text.replace("let lr = 0.0001..0.1 log", f"let lr = {GRID_LR}")
        text = text.replace("let units = 16..256", f"let units = {GRID_UNITS}")
    return text


def timed(text: str, **options):
    out = Path(tempfile.mkdtemp(prefix="nnspec-bench-search-")) / "run"
    started = time.perf_counter()
    runs = nnspec.run(nnspec.parse(text, str(SPEC)), out=out, progress="none", report=False, **options)
    return time.perf_counter() - started, [*runs, *runs.failures]


def best(results) -> tuple[float, float]:
    """(lowest final validation loss, that run's test accuracy) among the runs that trained every epoch."""
    full = [r for r in results if not r.error and r.epochs_done == r.epochs]
    top = min(full, key=lambda r: r.history["val_loss"][-1])
    return top.history["val_loss"][-1], top.metrics["accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8, help="trials of each search (the grid has 8 runs)")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=1, help="each engine this many times, taking turns")
    args = parser.parse_args()
    from nnspec.training.environment import import_tensorflow_quietly

    import_tensorflow_quietly()
    timed(spec_text(1, grid=False), trials=1)  # warm-up: TensorFlow, the data and the first graphs
    print(f"digits: lr 0.0001..0.1 log, units 16..256; {args.epochs} epochs; grid lr {GRID_LR} x units {GRID_UNITS}\n")
    engines = {"grid, every epoch": (spec_text(args.epochs, grid=True), {}),
               "search, median pruning": (spec_text(args.epochs, grid=False), dict(trials=args.trials, prune="median")),
               "search, asha pruning": (spec_text(args.epochs, grid=False), dict(trials=args.trials, prune="asha"))}
    walls: dict[str, list[float]] = {name: [] for name in engines}
    trained: dict[str, list[float]] = {name: [] for name in engines}
    last = {}
    for _ in range(args.rounds):
        for name, (text, options) in engines.items():
            seconds, results = timed(text, **options)
            walls[name].append(seconds)
            trained[name].append(sum(r.train_seconds for r in results))
            last[name] = results
    grid_s = statistics.median(walls["grid, every epoch"])
    print("| run | runs | epochs trained | wall s | wall / grid | of which epochs s | pruned | best val_loss "
          "| its test accuracy |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, results in last.items():
        seconds = statistics.median(walls[name])
        pruned = sum((r.extras.get("search") or {}).get("state") == "pruned" for r in results)
        loss, accuracy = best(results)
        print(f"| {name} | {len(results)} | {sum(r.epochs_done for r in results)} | {seconds:.1f} "
              f"| {seconds / grid_s:.2f} | {statistics.median(trained[name]):.1f} | {pruned} of {len(results)} "
              f"| {loss:.4f} | {accuracy:.4f} |")


if __name__ == "__main__":
    main()
