"""Regenerate the teaching pictures in docs/images from real runs of the teaching specs, with their captions.

    python bench/teaching_pictures.py                      # trains the five specs into runs/teaching/ (~10 min)
    python bench/teaching_pictures.py --runs runs/teaching  # reuses run folders there, trains what is missing

Each spec's sweep folder is runs/teaching/<spec>/ (keras backend unless the spec says
otherwise, seed 0, the spec's own epochs); its report is rebuilt, the pictures below are
copied to docs/images/, and each variant's test metrics and each picture's caption
(written by the report from the run's numbers) are printed, so the figures quoted in
docs/results.md can be checked.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"

# spec -> (picture inside the sweep folder, file name in docs/images)
PICTURES = {
    "vanishing_gradients": [
        ("sweep_curves.png", "vanishing_curves.png"),
        ("gradient_maps.png", "vanishing_gradient_maps.png"),
        ("sweep_gradients.png", "vanishing_sweep_gradients.png"),
        ("layer_profiles.png", "vanishing_layer_profiles.png"),
        ("dense-sigmoid/gradients.png", "vanishing_sigmoid_gradients.png"),
        ("dense-relu/gradients.png", "vanishing_relu_gradients.png"),
        ("dense-sigmoid/activations.png", "vanishing_sigmoid_activations.png"),
    ],
    "batchnorm": [
        ("gradient_maps.png", "batchnorm_gradient_maps.png"),
        ("batchnorm-1/activations.png", "batchnorm_activations.png"),
    ],
    "initializers": [
        ("sweep_curves.png", "initializers_curves.png"),
        ("layer_profiles.png", "initializers_layer_profiles.png"),
    ],
    "optimizers": [
        ("sweep_curves.png", "optimizers_curves.png"),
        ("update_ratios.png", "optimizers_update_ratios.png"),
    ],
    "dropout": [
        ("sweep_curves.png", "dropout_curves.png"),
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=Path("runs/teaching"), help="where the run folders are")
    parser.add_argument("specs", nargs="*", default=list(PICTURES), help="which teaching specs (default: all)")
    options = parser.parse_args()

    import nnspec

    for name in options.specs:
        folder = options.runs / name
        if not (folder / "sweep.json").is_file():
            nnspec.run(ROOT / "specs" / f"{name}.nn", out=folder, progress="lines")
        report = nnspec.report(folder)
        print(f"\n## {name} ({folder})")
        metrics = [c for c in report.table.columns if c in ("variant", "loss", "accuracy", "best_epoch")]
        print(report.table[metrics].to_string(index=False))
        pictures = {str(path.relative_to(folder)): (label, key)
                    for label, key, path in _all(report)}
        for source, target in PICTURES[name]:
            shutil.copyfile(folder / source, IMAGES / target)
            label, key = pictures.get(source, ("", ""))
            owner = report.variants.get(label, report)
            print(f"docs/images/{target}: {owner.captions.get(key, '(no caption)')}")


def _all(report):
    for key, path in report.pictures.items():
        yield "", key, Path(path)
    for label, variant in report.variants.items():
        for key, path in variant.pictures.items():
            yield label, key, Path(path)


if __name__ == "__main__":
    main()
