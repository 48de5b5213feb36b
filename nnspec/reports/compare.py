"""Runs compared on one page: `nnspec compare RUN_DIR...`, and the comparison on every sweep's page.

The lesson's pictures are drawn for all the runs together on the same axes (training
curves, the gradient heat maps side by side with one colour scale, each layer's
gradient, output mean and sd, the update ratios), with a caption from the numbers, and
a table holds every option that differs between the runs (the learning rate too,
whether written or an optimizer's default) beside their test metrics.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import UsageError
from ..rundir import SavedRun, best_epoch, check_folder, default_folder, is_sweep, load_run, load_sweep, new_folder
from . import compare_plots, diagnostic_plots as numbers
from .captions import chance_level, guess_loss
from .curves import plot_sweep_curves
from .figures import number as n
from .report import Report

Runs = list[tuple[str, SavedRun]]


def compare(run_dirs, out=None) -> Report:
    """Compare run (or sweep) folders on one page written into `out` (default runs/compare/<time>/)."""
    runs = gather(run_dirs)
    if len(runs) < 2:
        raise UsageError("nnspec compare needs at least two runs (a sweep folder counts as its variants)")
    folder = new_folder(Path(out) if out is not None else default_folder("compare"))
    report = Report(folder, "compare", test_is_train=any(run.test_is_train for _, run in runs))
    report.table = comparison_rows(runs)
    report.table.to_csv(folder / "comparison.csv", index=False)
    add_pictures(runs, folder, report, "curves")
    from .sweep_page import compare_page

    report.html = compare_page(report, runs)
    return report


def gather(run_dirs) -> Runs:
    """(label, run) for every run folder, a sweep folder standing for its variants, labels unique."""
    found: list[tuple[Path, SavedRun, str]] = []
    for given in run_dirs:
        folder = check_folder(Path(given))
        if is_sweep(folder):
            sweep = load_sweep(folder)
            found += [(run.dir, run, entry["label"]) for entry, run in zip(sweep.entries, sweep.runs)]
        else:
            run = load_run(folder)
            found.append((run.dir, run, variant_label(run)))
    return list(zip(unique_labels([(path, label, _stem(run)) for path, run, label in found]),
                    [run for _, run, _ in found]))


def variant_label(run: SavedRun) -> str:
    return " ".join(f"{k}={v}" for k, v in (run.results.get("variant") or {}).items())


def _stem(run: SavedRun) -> str:
    spec_file = run.results.get("spec_file")
    return Path(spec_file).stem if spec_file else run.dir.parent.name


def unique_labels(found: list[tuple[Path, str, str]]) -> list[str]:
    """A short label per run: its variant, else its spec's name, else as much of its path as tells them apart."""
    for make in (lambda path, label, stem: label, lambda path, label, stem: f"{stem} {label}".strip()):
        labels = [make(*item) for item in found]
        if all(labels) and len(set(labels)) == len(labels):
            return labels
    for depth in range(1, 6):
        labels = ["/".join(path.resolve().parts[-depth:]) for path, _, _ in found]
        if len(set(labels)) == len(labels):
            return labels
    return [str(path) for path, _, _ in found]


# ---------------------------------------------------------------- what differs


def layers_text(plan) -> str:
    """The network in a few words: `dense 64 sigmoid x10, dense 10 softmax`."""
    words = []
    for layer in plan.layers:
        parts = [layer.kind]
        for key in ("units", "filters", "rate", "activation", "init"):
            value = layer.args.get(key)
            if value is not None and not (key == "init" and value == "xavier_uniform"):
                parts.append(f"init={value}" if key == "init" else f"{value:g}" if isinstance(value, float)
                             else str(value))
        words.append(" ".join(parts))
    grouped: list[list[Any]] = []
    for word in words:
        if grouped and grouped[-1][0] == word:
            grouped[-1][1] += 1
        else:
            grouped.append([word, 1])
    return ", ".join(word if count == 1 else f"{word} x{count}" for word, count in grouped)


def options_of(run: SavedRun) -> dict[str, Any]:
    """What a run was made of: backend, seed, data, optimizer and its options, lr, batch, epochs, network."""
    results = run.results
    plan = _plan(run)
    if plan is None:
        return {key: results.get(key) for key in ("backend", "seed", "dataset", "optimizer", "lr", "batch", "epochs",
                                                  "loss", "param_count")}
    train = plan.train
    options: dict[str, Any] = {"backend": plan.backend, "seed": plan.seed, "dataset": plan.dataset}
    options.update({f"data {k}": v for k, v in plan.dataset_options.items()})
    options.update({"optimizer": train.optimizer, "lr": train.lr})
    options.update({k: v for k, v in train.options.items()})
    options.update({"batch": "all" if train.batch is None else train.batch, "epochs": train.epochs,
                    "val": train.val, "loss": train.loss, "diagnostics": train.diagnostics,
                    "schedule": (train.schedule or {}).get("kind"), "layers": layers_text(plan),
                    "parameters": plan.param_count})
    return options


def _plan(run: SavedRun):
    from ..dsl.parser import parse
    from ..dsl.validate import check_spec

    try:
        plans = check_spec(parse(run.spec_text, run.results.get("spec_file"))).plans
    except Exception:  # a spec whose data moved: the facts in results.json still say most of it
        return None
    return plans[0] if plans else None


def differing_options(runs: Runs) -> pd.DataFrame:
    """One row per run, a column per option whose value is not the same for all of them."""
    rows = [options_of(run) for _, run in runs]
    keys = list(dict.fromkeys(key for row in rows for key in row))
    differ = [key for key in keys if len({repr(row.get(key)) for row in rows}) > 1]
    return pd.DataFrame([{key: _cell(row.get(key)) for key in differ} for row in rows])


def _cell(value):
    return "-" if value is None else value


def with_options(table: pd.DataFrame, runs: Runs) -> pd.DataFrame:
    """A sweep's comparison table with the options that differ (lr, momentum...) after its variant columns.

    An option whose values repeat a column already there (the swept value itself) is left out.
    """
    options = differing_options(runs)
    if options.empty or len(table) < len(runs):
        return table
    place = 1 + sum(1 for column in table.columns[1:] if column in _variant_keys(runs))
    known = [list(map(str, table[column].tolist()[: len(runs)])) for column in table.columns]
    for column in options.columns:
        values = list(options[column]) + [None] * (len(table) - len(runs))
        if list(map(str, values[: len(runs)])) in known or column in table.columns:
            continue
        table.insert(place, column, values)
        place += 1
    return table


def _variant_keys(runs: Runs) -> set[str]:
    return {key for _, run in runs for key in (run.results.get("variant") or {})}


def comparison_rows(runs: Runs) -> pd.DataFrame:
    """The comparison: run, the options that differ, the test metrics, best epoch and training seconds."""
    table = differing_options(runs)
    table.insert(0, "run", [label for label, _ in runs])
    for column in dict.fromkeys(metric for _, run in runs for metric in run.metrics):
        table[f"test {column}"] = [run.metrics.get(column) for _, run in runs]
    table["best epoch"] = [run.results.get("best_epoch") or best_epoch(run.history) for _, run in runs]
    table["train seconds"] = [round(float(run.results.get("train_seconds") or 0), 1) for _, run in runs]
    return table


# ---------------------------------------------------------------- the pictures


def add_pictures(runs: Runs, folder: Path, report: Report, curves_name: str,
                 histories: dict | None = None, bands: dict | None = None, heading: str | None = None) -> None:
    """Draw the comparison pictures of `runs` into `folder` and list them, captioned, in `report`."""
    title = heading or f"{len(runs)} runs"
    chances = {chance_level(run) for _, run in runs} - {None}
    chance = chances.pop() if len(chances) == 1 else None
    guesses = {guess_loss(run) for _, run in runs} - {None}
    guess = guesses.pop() if len(guesses) == 1 else None
    histories = histories or {label: run.history for label, run in runs}
    initials = {label: run.results.get("initial") or {} for label, run in runs} if bands is None else None
    picture = plot_sweep_curves(histories, folder / f"{curves_name}.png", f"Training curves, {title}", bands=bands,
                                initials=initials, chance=chance, guess=guess)
    if picture:
        report.pictures[curves_name] = picture
        report.captions[curves_name] = curves_caption(histories, chance)
    diagnostics = {label: run.results.get("diagnostics") for label, run in runs}
    drawn = (
        ("gradient_maps", compare_plots.plot_gradient_maps, "Kernel gradient norm per layer and epoch", maps_caption),
        ("layer_profiles", compare_plots.plot_layer_profiles, "Each layer", profiles_caption),
        ("update_ratios", compare_plots.plot_update_ratios, "How far an epoch moves the weights", ratios_caption),
        ("sweep_gradients", numbers.plot_sweep_first_gradients, "First layer's gradient norm", first_caption),
    )
    for name, draw, what, caption in drawn:
        picture = draw(diagnostics, folder / f"{name}.png", f"{what}, {title}")
        if picture:
            report.pictures[name] = picture
            report.captions[name] = caption(diagnostics)
    if not any(numbers.rows_of(d) for d in diagnostics.values()):
        report.notes.append("the runs recorded no diagnostics, so only their curves are compared; "
                            "train ... diagnostics=true (or nnspec run --diagnostics) adds gradients, layer "
                            "outputs and update ratios")


def _end(values) -> float:
    found = [v for v in values if v is not None and math.isfinite(v)]
    return found[-1] if found else math.nan


def curves_caption(histories: dict, chance: float | None) -> str:
    key = "val_loss" if all(h.get("val_loss") for h in histories.values()) else "loss"
    ends = sorted(((label, _end(h.get(key) or [])) for label, h in histories.items()),
                  key=lambda item: (math.isnan(item[1]), item[1]))
    which = "validation" if key == "val_loss" else "training"
    text = f"Final {which} loss, lowest first: " + ", ".join(f"{label} {n(value)}" for label, value in ends) + "."
    if key == "val_loss":
        gaps = {label: _end(h["val_loss"]) - _end(h["loss"]) for label, h in histories.items() if h.get("loss")}
        text += (" The gap between validation and training loss at the end (large: the network learns its "
                 "training samples rather than the task): "
                 + ", ".join(f"{label} {n(gap)}" for label, gap in sorted(gaps.items(), key=lambda i: -i[1])) + ".")
    if chance is not None:
        text += f" The accuracy panel's dash-dot line is chance ({n(chance)})."
    return text


def maps_caption(diagnostics: dict) -> str:
    parts = []
    for label, d in diagnostics.items():
        epochs = numbers.epochs_of(d)
        ratio = numbers.first_to_last(d, epochs[-1]) if epochs else None
        if ratio is not None:
            parts.append(f"{label}: first hidden layer {n(ratio)} of the last's")
    text = "One colour scale for every run: a dark row gets a small gradient. After the last epoch, "
    return text + "; ".join(parts) + "." if parts else "One colour scale for every run: a dark row gets a small gradient."


def profiles_caption(diagnostics: dict) -> str:
    parts = []
    for label, d in diagnostics.items():
        epochs = numbers.epochs_of(d)
        if not epochs:
            continue
        means = numbers.at_epoch(d, "mean", epochs[0])
        hidden = [name for name in numbers.hidden(d) if name in means]
        if hidden:
            parts.append(f"{label} {n(means[hidden[0]])} -> {n(means[hidden[-1]])}")
    return ("Before training, the outputs' mean from the first to the last hidden layer: " + "; ".join(parts)
            + ". A mean that grows layer after layer is an exploding initialisation; one that shrinks to a "
              "constant, a signal lost on the way.") if parts else "Each layer's statistics, per run."


def ratios_caption(diagnostics: dict) -> str:
    parts = []
    for label, d in diagnostics.items():
        layers, epochs, matrix = numbers.grid(d, "update_ratio")
        steps = [j for j, epoch in enumerate(epochs) if epoch > 0]
        if layers and steps:
            parts.append(f"{label} {n(float(matrix[0, steps[0]]))}")
    return ("The first layer's update ratio in epoch 1 (its weights' change over their size): " + ", ".join(parts)
            + ". Optimizers differ in how far a step moves the weights, more than in the gradients they see."
            ) if parts else "The update ratio per run."


def first_caption(diagnostics: dict) -> str:
    parts = []
    for label, d in diagnostics.items():
        line = numbers.first_layer_gradients(d)
        if line:
            parts.append(f"{label} {n(line[2][-1])}")
    return "The first layer's gradient norm after the last epoch: " + ", ".join(parts) + "."
