"""Parser and checker speed, and the cold start of `nnspec check` against `import tensorflow`.

    python bench/bench_parse.py [--lines 10000] [--repeat 3]

Prints lines per second for parse and for parse+check of a generated spec, and the
ratio of a cold `nnspec check specs/iris.nn` process to a cold `import tensorflow`
process, both measured in this same invocation.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generated_spec(lines: int, seed: int = 0) -> str:
    """A valid spec of about `lines` lines: data, layers of every flat kind, comments, train."""
    rng = random.Random(seed)
    out = ["# generated for the parser benchmark", "input 64"]
    kinds = [
        lambda: f"dense {rng.randint(8, 64)} {rng.choice(['relu', 'tanh', 'elu'])} init={rng.choice(['he', 'xavier'])}",
        lambda: f"dropout {rng.choice([0.1, 0.25, 0.5])}",
        lambda: "batchnorm momentum=0.9",
        lambda: f"activation {rng.choice(['relu', 'swish'])}  # why not",
    ]
    while len(out) < lines - 2:
        out.append(rng.choice(kinds)())
    out.append("dense 10 softmax")
    out.append("train adam lr=0.001 loss=categorical_crossentropy metrics=accuracy epochs=5 batch=32")
    return "\n".join(out) + "\n"


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def cold_seconds(args: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start comparison")
    args = parser.parse_args()

    import nnspec
    from nnspec.dsl.validate import check

    text = generated_spec(args.lines)
    n = text.count("\n")
    nnspec.parse("dense 1")  # build the LALR tables outside the timing
    parse_s = best_of(args.repeat, lambda: nnspec.parse(text))
    check_s = best_of(args.repeat, lambda: check(nnspec.parse(text)))
    print(f"spec: {n} lines (generated)")
    print(f"parse:         {parse_s:.3f} s  {n / parse_s:,.0f} lines/s")
    print(f"parse + check: {check_s:.3f} s  {n / check_s:,.0f} lines/s")
    if args.no_cold:
        return
    tf = cold_seconds([sys.executable, "-c", "import tensorflow"], args.repeat)
    nn = cold_seconds([sys.executable, "-m", "nnspec", "check", "specs/iris.nn"], args.repeat)
    print(f"cold 'import tensorflow':         {tf:.2f} s (median of {args.repeat})")
    print(f"cold 'nnspec check specs/iris.nn': {nn:.2f} s (median of {args.repeat})")
    print(f"ratio check / import tensorflow:  {nn / tf:.3f} (target < 0.25)")


if __name__ == "__main__":
    main()
