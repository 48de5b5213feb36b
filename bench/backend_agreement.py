"""Do the keras and tf1 backends agree? Test metrics of the same specs, epochs and seeds on both.

    python bench/backend_agreement.py specs/iris.nn specs/digits.nn specs/fashion_mnist_init.nn
    python bench/backend_agreement.py specs/iris.nn --seeds 0,1,2 --epochs 50

Prints one row per spec, variant and seed with each backend's test metrics and
their difference, then the mean difference per spec. Run folders go to a
temporary directory; docs/results.md quotes a run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="+", type=Path)
    parser.add_argument("--seeds", default="0", help="comma list of seeds (the spec's `seed` is replaced)")
    parser.add_argument("--epochs", type=int, default=None, help="override the spec's epochs")
    args = parser.parse_args(argv)

    import nnspec
    from nnspec.errors import NNSpecError

    seeds = [int(s) for s in args.seeds.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="nnspec-agreement-"))
    print("| spec | variant | seed | metric | keras | tf1 | tf1 - keras | keras s | tf1 s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for spec in args.specs:
        differences = []
        for seed in seeds:
            outcomes = {}
            for backend in ("keras", "tf1"):
                try:
                    outcome = nnspec.run(spec, backend, seed=seed, epochs=args.epochs, progress="none",
                                         report=False, out=folder / f"{spec.stem}-{backend}-{seed}")
                except NNSpecError as error:
                    print(f"{spec}: {backend}: {error.message}", file=sys.stderr)
                    break
                outcomes[backend] = {r.label: r for r in outcome}
            if len(outcomes) < 2:
                continue
            for label, keras_result in outcomes["keras"].items():
                tf1_result = outcomes["tf1"][label]
                metric = "accuracy" if "accuracy" in keras_result.metrics else next(
                    m for m in keras_result.metrics if m != "loss")
                k, t = keras_result.metrics[metric], tf1_result.metrics[metric]
                differences.append(t - k)
                print(f"| {spec.name} | {label} | {seed} | {metric} | {k:.4f} | {t:.4f} | {t - k:+.4f} "
                      f"| {keras_result.train_seconds:.1f} | {tf1_result.train_seconds:.1f} |", flush=True)
        if differences:
            print(f"| {spec.name} | mean over {len(differences)} |  |  |  |  | "
                  f"{statistics.mean(differences):+.4f} |  |  |", flush=True)


if __name__ == "__main__":
    main()
