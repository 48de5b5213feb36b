"""How close does a resumed run come to one that was never interrupted? Both backends, same seed.

    python bench/resume_agreement.py
    python bench/resume_agreement.py --epochs 20 --stop 7

Trains small Iris specs (with and without dropout) once straight through and once
stopped by a KeyboardInterrupt at the end of epoch --stop and continued with
`nnspec.api.resume`, then prints the largest difference of any epoch's training
loss and the difference of each test metric. Run folders go to a temporary directory;
docs/reports.md quotes a run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SPEC = "data iris\ndense 16 relu\n{dropout}dense 3 softmax\ntrain adam lr=0.01 epochs={epochs} batch=16\nseed 3\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--stop", type=int, default=5, help="interrupt at the end of this epoch")
    args = parser.parse_args(argv)

    import numpy as np

    import nnspec
    from nnspec import api
    from nnspec.errors import Interrupted
    from nnspec.training.progress import Progress

    real_end_epoch = Progress.end_epoch

    def stop(self, epoch, epochs, logs, seconds):
        if epoch == args.stop:
            raise KeyboardInterrupt

    print(f"{'backend':<8} {'dropout':<8} {'max |loss diff| over epochs':>28} {'test loss diff':>15} {'test accuracy diff':>19}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for backend in ("keras", "tf1"):
            for dropout in (False, True):
                name = f"{backend}-{'dropout' if dropout else 'plain'}"
                spec = root / f"{name}.nn"
                spec.write_text(SPEC.format(dropout="dropout 0.3\n" if dropout else "", epochs=args.epochs))
                whole = nnspec.run(spec, backend, out=root / f"{name}-whole", progress="none", report=False).best
                Progress.end_epoch = stop
                try:
                    nnspec.run(spec, backend, out=root / f"{name}-cut", progress="none", report=False)
                except Interrupted:
                    pass
                finally:
                    Progress.end_epoch = real_end_epoch
                resumed = api.resume(root / f"{name}-cut", progress="none", report=False).best
                loss = np.abs(np.subtract(whole.history["loss"], resumed.history["loss"])).max()
                dl = abs(whole.metrics["loss"] - resumed.metrics["loss"])
                da = abs(whole.metrics["accuracy"] - resumed.metrics["accuracy"])
                print(f"{backend:<8} {'yes' if dropout else 'no':<8} {loss:>28.3g} {dl:>15.3g} {da:>19.3g}")


if __name__ == "__main__":
    main()
