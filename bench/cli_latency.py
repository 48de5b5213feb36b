"""How long a user waits for `nnspec run specs/iris.nn`, against a bare `import tensorflow`.

    python bench/cli_latency.py                 # 5 rounds
    python bench/cli_latency.py --rounds 7 --spec specs/iris.nn

Both are whole processes, started in turns (import, run, import, run, ...), so load
from elsewhere hits both alike; the run writes its folder, model and report into a
fresh temporary folder each time. Prints each round's wall times, the medians and
their ratio (the target for specs/iris.nn is at most 1.3). This repository's code is
run (PYTHONPATH points here), with the same Python.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}")
    return seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--spec", default="specs/iris.nn")
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    imports, runs = [], []
    with tempfile.TemporaryDirectory(prefix="nnspec-latency-") as tmp:
        wall([sys.executable, "-m", "nnspec", "check", args.spec], env)  # warm the file cache and Lark's cache
        for round_number in range(1, args.rounds + 1):
            imports.append(wall([sys.executable, "-c", "import tensorflow"], env))
            out = Path(tmp) / f"run{round_number}"
            runs.append(wall([sys.executable, "-m", "nnspec", "run", args.spec, "--out", str(out)], env))
            print(f"round {round_number}: import tensorflow {imports[-1]:.2f} s, "
                  f"nnspec run {args.spec} {runs[-1]:.2f} s, ratio {runs[-1] / imports[-1]:.2f}", flush=True)
    ratio = statistics.median(runs) / statistics.median(imports)
    print(f"median: import tensorflow {statistics.median(imports):.2f} s, nnspec run {statistics.median(runs):.2f} s")
    print(f"ratio nnspec run / import tensorflow: {ratio:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
