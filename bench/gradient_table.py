"""The numbers behind a run's gradients.png: each layer's kernel gradient norm, from diagnostics.csv.

    nnspec run specs/vanishing_gradients.nn --out runs/vanishing
    python bench/gradient_table.py runs/vanishing            # a run folder or a sweep folder

For every variant: each layer's gradient norm before training (epoch 0) and after the
last epoch, and the ratio of the first hidden layer's to the last hidden layer's
(the output layer is not hidden). docs/results.md quotes a run.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path


def folders(root: Path) -> list[tuple[str, Path]]:
    """(label, run folder) of a run folder or of each variant of a sweep folder."""
    sweep = root / "sweep.json"
    if sweep.is_file():
        return [(entry["label"], root / entry["dir"]) for entry in json.loads(sweep.read_text()) if entry.get("dir")]
    return [("run", root)]


def gradient_norms(folder: Path) -> dict[int, list[tuple[str, float]]]:
    """{epoch: [(layer, grad_norm), ...]} of the layers with a kernel, in layer order."""
    out: dict[int, list[tuple[str, float]]] = {}
    with open(folder / "diagnostics.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["grad_norm"]:
                out.setdefault(int(row["epoch"]), []).append((row["layer"], float(row["grad_norm"])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    for label, folder in folders(args.folder):
        norms = gradient_norms(folder)
        last = max(norms)
        print(f"{label}: gradient norm per layer, epoch 0 and epoch {last}")
        for (layer, before), (_, after) in zip(norms[0], norms[last]):
            print(f"  {layer:10} {before:10.2e} {after:10.2e}")
        for epoch in (0, last):
            hidden = norms[epoch][:-1]
            print(f"  epoch {epoch}: first / last hidden layer = {hidden[0][1] / hidden[-1][1]:.2e}")


if __name__ == "__main__":
    main()
