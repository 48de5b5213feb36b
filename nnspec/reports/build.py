"""Build a run's or a sweep's report from its saved files: tables, pictures and index.html."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..files import write_atomically
from ..rundir import SavedRun, SavedSweep, best_epoch, check_folder, is_sweep, load_run, load_sweep
from . import advice, captions, compare, diagnostic_plots, layer_plots, plots
from .curves import plot_curves
from .page import run_page
from .report import MISCLASSIFIED_FILE, Report
from .sections import add_sections
from .sweep_page import sweep_page
from .tables import (
    class_names_of,
    comparison_table,
    seed_summary_table,
    misclassified_table,
    predicted_classes,
    probabilities,
)

DEFAULT_GRID_SIZE = 16
DIAGNOSTICS_PICTURES = ("gradients", "layer_stats", "activations", "weights")
COMPARISON_FILE = "comparison.csv"
RUNS_FILE = "comparison_runs.csv"  # one row per run, when seeds repeat and comparison.csv is by variant


def report(result_or_dir, label: int | str | None = None, n: int | None = None) -> Report:
    """Rebuild the report of a run or sweep folder (or of what `nnspec.run` returned).

    `label` restricts the grid of misclassified images to one true class (its index
    or its name) and `n` sets how many images it shows (default 16). Nothing is
    retrained: everything comes from the files the run saved.
    """
    folder = check_folder(_folder_of(result_or_dir))
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise UsageError(f"the number of images must be a positive integer, not {n!r}")
    if is_sweep(folder):
        return _sweep_report(load_sweep(folder), label, n)
    return _run_report(load_run(folder), label, n)


def write_report(run_dir) -> Report:
    """Write every table, picture and index.html of a run or sweep folder (`nnspec.run` calls this)."""
    return report(run_dir)


def _folder_of(result_or_dir) -> Path:
    if isinstance(result_or_dir, (str, os.PathLike)):
        return Path(result_or_dir)
    for attribute in ("run_dir", "dir", "path", "folder"):
        value = getattr(result_or_dir, attribute, None)
        if isinstance(value, (str, os.PathLike)):
            return Path(value)
    raise UsageError(
        f"nnspec.report needs a run folder or the result of nnspec.run, not {type(result_or_dir).__name__}"
    )


def _scope(run: SavedRun) -> str:
    return "training data (no test split)" if run.test_is_train else "test data"


def _run_report(run: SavedRun, label, n, limits: dict | None = None, variant: str = "") -> Report:
    report = Report(run.dir, "run", metrics=dict(run.metrics), test_is_train=run.test_is_train)
    wanted = _wanted_label(run, label)  # checked first: a wrong label draws nothing
    variant = variant or compare.variant_label(run)
    if run.results.get("error"):
        report.notes.append(f"this run failed: {run.results['error']}")
    if run.results.get("interrupted"):
        report.notes.append(
            f"this run was interrupted after epoch {run.results.get('epochs_done', 0)} of "
            f"{run.results.get('epochs', '?')}: there are no test results yet; "
            f"continue it with nnspec run --resume {run.dir}"
        )
    report.diagnosis = advice.diagnosis(run)
    report.check_notes = advice.check_notes(run.spec_text, run.results.get("spec_file"))
    title = run.results.get("data_file") or run.results.get("dataset") or run.dir.name
    named = f"{title}, {variant}" if variant else title
    dead = advice.is_dead(run)
    chance = captions.chance_level(run)
    best = best_epoch(run.history)
    flat = plots_flat(run.history)
    initial = run.results.get("initial") or {}
    guess = captions.guess_loss(run)
    curves = plot_curves(run.history, run.dir / "curves.png", f"Training curves: {named}",
                         None if dead or flat else best, initial=initial, chance=chance, guess=guess)
    if curves:
        report.pictures["curves"] = curves
        report.captions["curves"] = captions.curves(run.history, initial, chance, dead or flat, guess)
    else:
        report.notes.append("the run recorded no per-epoch history, so there are no training curves")
    dropped = run.predictions.drop_non_finite() if run.predictions is not None else 0
    if dropped:
        report.notes.append(
            f"{dropped} of {dropped + len(run.predictions.y_true)} predictions are not numbers (NaN or "
            "infinite: did training diverge?); they are left out of the tables and pictures"
        )
    if run.predictions is None:
        report.notes.append("the run saved no predictions.npz, so there are no prediction pictures or tables")
    elif not len(run.predictions.y_true):
        report.notes.append("predictions.npz holds no usable samples, so there are no prediction pictures or tables")
    elif run.task == "regression":
        _regression_pictures(run, report)
    else:
        _classification_pictures(run, report, wanted, n)
    _diagnostics_pictures(run, report, named, limits or {})
    if dead:  # what explains a dead network comes before its one-column predictions
        first = [name for name in ("curves", *DIAGNOSTICS_PICTURES) if name in report.pictures]
        report.pictures = {name: report.pictures[name] for name in [*first, *report.pictures]}
    add_sections(run, report)
    report.html = run_page(report, run)
    return report


def plots_flat(history) -> bool:
    """Whether the series the best epoch is chosen by (validation loss, else loss) is flat."""
    from .figures import is_flat

    series = history.get("val_loss") or history.get("loss") or []
    return len(series) > 1 and is_flat(series)


def _diagnostics_pictures(run: SavedRun, report: Report, named: str, limits: dict) -> None:
    """gradients.png, layer_stats.png, activations.png and weights.png of a run with diagnostics."""
    diagnostics = run.results.get("diagnostics")
    if not diagnostic_plots.rows_of(diagnostics):
        return
    label = compare.variant_label(run)
    batchnorm = any(row.get("kind") == "batchnorm" for row in diagnostic_plots.rows_of(diagnostics))
    drawn = [
        ("gradients", layer_plots.plot_gradients(diagnostics, run.dir / "gradients.png",
                                                 f"Gradient norm of each layer's kernel: {named}", limits),
         lambda: captions.gradients(diagnostics, label, batchnorm)),
        ("layer_stats", layer_plots.plot_layer_stats(diagnostics, run.dir / "layer_stats.png",
                                                     f"Each layer on the probe batch: {named}", limits),
         lambda: captions.layer_stats(diagnostics, label, batchnorm)),
    ]
    for key, name, what in (("histograms", "activations", "output value"), ("weight_histograms", "weights", "weight")):
        picture = layer_plots.plot_histograms(
            diagnostics, key, run.dir / f"{name}.png",
            f"{'Layer outputs' if name == 'activations' else 'Kernel weights'} before training and after the "
            f"last epoch: {named}", what)
        shown = len(layer_plots.histogram_layers(diagnostics, key))
        total = len(diagnostic_plots.layers_with(diagnostics, "mean" if name == "activations" else "weight_norm"))
        drawn.append((name, picture, (lambda shown=shown, total=total: captions.activations(diagnostics, shown, total))
                      if name == "activations" else (lambda: captions.weights(diagnostics))))
    for name, picture, caption in drawn:
        if picture:
            report.pictures[name] = picture
            report.captions[name] = caption()


def _wanted_label(run: SavedRun, label) -> int | None:
    """The class index `label` names in this run, or None when no label was asked for."""
    if label is None:
        return None
    if run.task == "regression":
        raise UsageError(f"a label picks a class; {run.dir} is a regression run")
    if run.predictions is None:
        return None  # nothing to pick from; the report notes that predictions are missing
    return resolve_label(label, class_names_of(run))


def _regression_pictures(run: SavedRun, report: Report) -> None:
    y_true, y_pred = run.predictions.y_true, run.predictions.y_pred
    scope = _scope(run)
    report.pictures["scatter"] = plots.plot_regression_scatter(
        y_true, y_pred, run.dir / "scatter.png", f"Predicted vs true, {scope}"
    )
    report.captions["scatter"] = captions.scatter(y_true, y_pred)
    report.pictures["residuals"] = plots.plot_residuals(
        y_true, y_pred, run.dir / "residuals.png", f"Residuals, {scope}"
    )
    report.captions["residuals"] = captions.residuals(y_true, y_pred)


def _classification_pictures(run: SavedRun, report: Report, wanted: int | None, n) -> None:
    names = class_names_of(run)
    table = misclassified_table(run)
    write_atomically(run.dir / MISCLASSIFIED_FILE, table.to_csv(index=False), sync=False)
    report.misclassified = table
    y_true = run.predictions.y_true
    predicted, _ = predicted_classes(run)
    scope = _scope(run)
    report.pictures["confusion"] = plots.plot_confusion(
        y_true, predicted, names, run.dir / "confusion.png", f"Confusion matrix, {scope}: {len(y_true)} samples"
    )
    report.captions["confusion"] = captions.confusion(y_true, predicted, names, scope)
    if len(table) == 0:
        report.notes.append("no sample is misclassified, so there are no pictures of wrong predictions")
        return
    report.pictures["wrong_by_predicted"] = plots.plot_wrong_by_predicted(
        table, names, run.dir / "wrong_by_predicted.png", f"Wrong predictions by predicted class ({len(table)})"
    )
    label_ids, predicted_ids = _ids(table, "label"), _ids(table, "predicted")
    report.captions["wrong_by_predicted"] = captions.wrong_by_predicted(predicted_ids, names)
    if run.task == "binary":
        rows = np.searchsorted(run.predictions.index, table["index"].to_numpy())
        p1 = probabilities(run)[rows, 1]
        report.pictures["wrong_spread"] = plots.plot_wrong_spread(
            label_ids, p1, names, run.dir / "wrong_spread.png",
            f"Wrong predictions: probability of {names[1]} by true label",
            f"predicted probability of {names[1]}", threshold=0.5,
        )
        report.captions["wrong_spread"] = captions.wrong_probability(p1, names)
    else:
        report.pictures["wrong_spread"] = plots.plot_wrong_counts(
            label_ids, predicted_ids, names, run.dir / "wrong_spread.png",
            "Wrong predictions: how many of each true label went to each class",
        )
        report.captions["wrong_spread"] = captions.wrong_counts(label_ids, predicted_ids, names)
        confidence = table["confidence"].to_numpy(dtype=np.float64)
        report.pictures["wrong_confidence"] = plots.plot_wrong_confidence(
            label_ids, confidence, names, run.dir / "wrong_confidence.png",
            "Wrong predictions: how sure the network was, by true label",
        )
        report.captions["wrong_confidence"] = captions.wrong_confidence(confidence, len(names))
    _image_grid(run, report, table, names, wanted, n)


def _ids(table: pd.DataFrame, column: str) -> np.ndarray:
    return table[f"{column}_id" if f"{column}_id" in table else column].to_numpy(dtype=np.int64)


def resolve_label(label: int | str, names: list[str]) -> int:
    """A class index from an index or a class name (any case), or a UsageError listing the classes."""
    text = str(label).strip()
    lowered = [name.lower() for name in names]
    if text.lower() in lowered:
        return lowered.index(text.lower())
    try:
        index = int(text)
    except ValueError:
        index = None
    if index is not None and 0 <= index < len(names):
        return index
    choices = ", ".join(f"{i} ({name})" if name != str(i) else name for i, name in enumerate(names))
    raise UsageError(f"label {text!r} is not a class of this run; the classes are {choices}")


def _image_grid(run: SavedRun, report: Report, table: pd.DataFrame, names, wanted: int | None, n) -> None:
    """The grid of misclassified images, of one true label when `wanted` is set."""
    saved = run.predictions
    if run.image_shape is None or saved.x_wrong is None:
        if wanted is not None or n is not None:
            report.notes.append("the run's inputs are not images, so there is no grid of misclassified images")
        return
    rows = table[_ids(table, "label") == wanted] if wanted is not None else table
    position = {int(index): place for place, index in enumerate(saved.wrong_index)}
    rows = rows[rows["index"].isin(position)].head(n or DEFAULT_GRID_SIZE)
    which = "" if wanted is None else f" of label {names[wanted]}"
    if rows.empty:
        report.notes.append(f"no misclassified image{which} was saved, so there is no grid of images")
        return
    images = [plots.displayable(saved.x_wrong[position[int(i)]], run.image_shape) for i in rows["index"]]
    titles = [
        f"{label} / {predicted}\n({confidence:.0%})"
        for label, predicted, confidence in zip(rows["label"], rows["predicted"], rows["confidence"])
    ]
    name = "misclassified_images" if wanted is None else f"misclassified_images_label{wanted}"
    report.pictures[name] = plots.plot_image_grid(
        images, titles, run.dir / f"{name}.png",
        f"Misclassified images{which}: label / predicted (confidence)",
    )
    total = int((_ids(table, "label") == wanted).sum()) if wanted is not None else len(table)
    report.captions[name] = captions.images(len(images), total, which)


def shared_limits(runs) -> dict:
    """The ranges the variants' diagnostics pictures share, so that side by side they compare."""
    diagnostics = [run.results.get("diagnostics") for run in runs]
    return {column: diagnostic_plots.shared_range(diagnostics, column)
            for column in ("grad_norm", "mean", "std", "update_ratio")}


def _sweep_report(sweep: SavedSweep, label, n) -> Report:
    report = Report(sweep.dir, "sweep", test_is_train=any(run.test_is_train for run in sweep.runs))
    limits = shared_limits(sweep.runs)
    for entry, run in zip(sweep.entries, sweep.runs):
        report.variants[entry["label"]] = _run_report(run, label, n, limits, entry["label"])
    report.notes += [f"variant {entry['label']} failed: {entry['error']}" for entry in sweep.failed]
    report.check_notes = advice.check_notes(sweep.spec_text, sweep.runs[0].results.get("spec_file"))
    report.diagnosis = [f"{name}: {text}" for name, variant in report.variants.items() for text in variant.diagnosis]
    from ..summary import group_runs, is_repeated

    report.table = compare.with_options(comparison_table(sweep), list(zip(
        [entry["label"] for entry in sweep.entries], sweep.runs)))
    repeated = is_repeated(sweep.entries)
    if repeated:
        report.runs_table = report.table
        write_atomically(sweep.dir / RUNS_FILE, report.runs_table.to_csv(index=False), sync=False)
        report.table = seed_summary_table(sweep)
    write_atomically(sweep.dir / COMPARISON_FILE, report.table.to_csv(index=False), sync=False)
    tables = [
        variant.misclassified.assign(variant=name)[["variant", *variant.misclassified.columns]]
        for name, variant in report.variants.items()
        if variant.misclassified is not None
    ]
    report.misclassified = pd.concat(tables, ignore_index=True) if tables else None
    title = sweep.runs[0].results.get("data_file") or sweep.runs[0].results.get("dataset") or sweep.dir.name
    runs = [(entry["label"], run) for entry, run in zip(sweep.entries, sweep.runs)]
    if repeated:  # each variant's mean curves over its seeds; its first seed's diagnostics
        groups = group_runs([{**entry, "history": run.history, "run": run}
                             for entry, run in zip(sweep.entries, sweep.runs)])
        runs = [(group.label, group.members[0]["run"]) for group in groups]
        compare.add_pictures(runs, sweep.dir, report, "sweep_curves",
                             histories={group.label: group.mean_history()[0] for group in groups},
                             bands={group.label: group.mean_history()[1] for group in groups},
                             heading=f"mean of {len(groups)} variants over their seeds (band: ± 1 sd): {title}")
    else:
        compare.add_pictures(runs, sweep.dir, report, "sweep_curves", heading=f"{len(runs)} variants: {title}")
    report.html = sweep_page(report, sweep)
    return report
