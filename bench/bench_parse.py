"""Parser, checker and formatter speed, and the cold start of `nnspec check` against `import tensorflow`.

    python bench/bench_parse.py [--lines 10000] [--repeat 3] [--no-cold]

Prints, for one generated spec and all in this one invocation: lines per second for
parse, parse+check and diagnose; the formatter's time as a ratio to the parse time of
the same text, and per 1,000 lines at a tenth, half and all of the size (flat when
formatting is linear); nnspec's parse (Lark's LALR parser with nnspec's callbacks
inside, to typed nodes) as a ratio to Lark's own bare tree parse of the same text
with the same grammar and positions (target <= 1.3); the same ratio for a text with
a syntax error every ten lines (recovery); and the ratio of a cold `nnspec check
specs/iris.nn` process to a cold `import tensorflow` process (target < 0.1).
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
        roll = rng.random()
        if roll < 0.03:
            out.append("")
        elif roll < 0.06:
            out.append("# a comment on its own line")
        else:
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


def bare_lark_seconds(text: str, repeat: int) -> float:
    """Lark's own parse of `text` to a bare tree with positions: grammar.lark, no transformer."""
    from importlib import resources

    from lark import Lark

    grammar = resources.files("nnspec.dsl").joinpath("grammar.lark").read_text(encoding="utf-8")
    lalr = Lark(grammar, parser="lalr", propagate_positions=True)
    return best_of(repeat, lambda: lalr.parse(text))


def with_errors(text: str) -> str:
    """`text` with a stray `@ =` at the end of every tenth line: ten percent of statements broken."""
    lines = text.split("\n")
    return "\n".join(line + " @ =" if i % 10 == 5 and line else line for i, line in enumerate(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start comparison")
    args = parser.parse_args()

    import nnspec
    from nnspec.dsl.format import format_spec
    from nnspec.dsl.validate import check

    text = generated_spec(args.lines)
    n = text.count("\n")
    nnspec.parse("dense 1")  # imports and plugin loading outside the timing
    check(nnspec.parse("input 2\ndense 1"))
    parse_s = best_of(args.repeat, lambda: nnspec.parse(text))
    check_s = best_of(args.repeat, lambda: check(nnspec.parse(text)))
    diagnose_s = best_of(args.repeat, lambda: nnspec.diagnose(text))
    spec = nnspec.parse(text)
    format_s = best_of(args.repeat, lambda: format_spec(spec))
    print(f"spec: {n} lines (generated)")
    print(f"parse:         {parse_s:.3f} s  {n / parse_s:,.0f} lines/s")
    print(f"parse + check: {check_s:.3f} s  {n / check_s:,.0f} lines/s")
    print(f"diagnose:      {diagnose_s:.3f} s  {n / diagnose_s:,.0f} lines/s")
    print(f"format:        {format_s:.3f} s  {format_s / parse_s:.2f}x the parse time "
          f"(parse + format {(parse_s + format_s) / parse_s:.2f}x; target <= 2)")
    per_thousand = []
    for fraction in (0.1, 0.5, 1.0):
        part = generated_spec(max(int(args.lines * fraction), 10))
        part_spec = nnspec.parse(part)
        seconds = best_of(args.repeat, lambda: format_spec(part_spec))
        per_thousand.append(f"{part.count(chr(10)):,} lines {1000 * seconds / part.count(chr(10)) * 1000:.1f} ms")
    print(f"format per 1,000 lines: {'; '.join(per_thousand)}")
    bare_s = bare_lark_seconds(text, args.repeat)
    print(f"Lark bare tree parse (grammar.lark, positions, no transformer): {bare_s:.3f} s; "
          f"nnspec parse {parse_s / bare_s:.2f}x that (target <= 1.3)")
    broken = with_errors(text)
    broken_s = best_of(args.repeat, lambda: nnspec.diagnose(broken))
    print(f"diagnose with a syntax error every ten lines: {broken_s:.3f} s  {n / broken_s:,.0f} lines/s, "
          f"{broken_s / diagnose_s:.2f}x the clean text")
    if args.no_cold:
        return
    tf = cold_seconds([sys.executable, "-c", "import tensorflow"], args.repeat)
    nn = cold_seconds([sys.executable, "-m", "nnspec", "check", "specs/iris.nn"], args.repeat)
    print(f"cold 'import tensorflow':         {tf:.2f} s (median of {args.repeat})")
    print(f"cold 'nnspec check specs/iris.nn': {nn:.2f} s (median of {args.repeat})")
    print(f"ratio check / import tensorflow:  {nn / tf:.3f} (target < 0.1)")


if __name__ == "__main__":
    main()
