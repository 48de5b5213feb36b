"""What each picture shows, in words written from the run's own numbers: the page's <figcaption>s.

A caption says what to see ("the first hidden layer's gradient is 1.7e-06 of the last
hidden layer's"), not what the axes are: the reader learns the lesson from this run,
not from a general description. Every function returns one short paragraph.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from . import diagnostic_plots as numbers
from .curves import is_accuracy, series_groups
from .figures import finite, is_flat, number as n, wants_log

BATCHNORM_AT_ZERO = (
    "At epoch 0 the batchnorm layers still hold their initial moving statistics (mean 0, variance 1) and the probe "
    "runs in evaluation mode, so the network is probed as if it had no batch normalization: its epoch-0 point "
    "equals the plain network's. From epoch 1 on the moving statistics are the data's."
)


def chance_level(run) -> float | None:
    """The accuracy of always answering the commonest test class (1/classes when the labels are unknown)."""
    if run.task not in ("multiclass", "binary"):
        return None
    if run.predictions is not None and len(run.predictions.y_true):
        counts = np.bincount(np.asarray(run.predictions.y_true, dtype=np.int64))
        return float(counts.max() / counts.sum())
    classes = len(run.class_names or []) or (2 if run.task == "binary" else 0)
    return 1.0 / classes if classes else None


def guess_loss(run) -> float | None:
    """The cross-entropy of a uniform guess, ln(classes): the loss of a network that has learnt nothing."""
    loss = str(run.results.get("loss") or "")
    classes = len(run.class_names or []) or (2 if run.task == "binary" else 0)
    if run.task not in ("multiclass", "binary") or "crossentropy" not in loss or classes < 2:
        return None
    return math.log(classes)


def _last(values) -> float:
    found = finite(values)
    return float(found[-1]) if found.size else math.nan


def curves(history: Mapping[str, list[float]], initial: Mapping[str, float] | None, chance: float | None,
           dead: bool, guess: float | None = None) -> str:
    """The loss from before training to the end, overfitting where the validation loss turns up, accuracy."""
    groups = series_groups(history)
    parts = []
    loss = groups.get("loss", {})
    if "train" in loss:
        start = (initial or {}).get("loss")
        begun = f"from {n(start)} before training " if start is not None else f"from {n(loss['train'][0])} "
        parts.append(f"Training loss goes {begun}to {n(_last(loss['train']))} after epoch {len(loss['train'])}.")
        if wants_log([*(loss.get("train") or []), *(loss.get("validation") or []), start]):
            parts.append("The loss axis is logarithmic: its values span orders of magnitude.")
        if guess is not None and abs(_last(loss["train"]) - guess) < 0.05 * guess:
            parts.append(f"That is the loss of a uniform guess, ln({round(math.exp(guess))}) = {n(guess)}.")
    if "validation" in loss:
        parts.append(overfitting(loss["train"], loss["validation"]))
    for metric, series in groups.items():
        if not is_accuracy(metric):
            continue
        train, validation = series.get("train"), series.get("validation")
        text = f"Training {metric} reaches {n(_last(train))}" if train else f"{metric.capitalize()}"
        if validation:
            text += f", validation {metric} {n(_last(validation))}"
        if chance is not None:
            text += f"; chance (always the commonest class) is {n(chance)}"
        parts.append(text + ".")
        if dead or (train and is_flat(train) and chance is not None and abs(_last(train) - chance) < 0.05):
            parts.append(f"The {metric} stays at the chance level: the network has learnt nothing from its inputs, "
                         "so there is no best epoch to mark.")
        break
    return " ".join(parts) or "The run's series per epoch."


def overfitting(train: list[float], validation: list[float]) -> str:
    """Where the validation loss bottoms out, and the gap to the training loss it ends with."""
    values, fitted = finite(validation), finite(train)
    if not values.size or not fitted.size:
        return ""
    best = int(np.argmin(values)) + 1
    gap = float(values[-1] - fitted[-1])
    text = (f"Validation loss is lowest at epoch {best} ({n(values.min())}) and ends at {n(values[-1])}, "
            f"{n(abs(gap))} {'above' if gap >= 0 else 'below'} the training loss ({n(fitted[-1])}).")
    if best < len(values) - 1 and gap > 0.1 * values[-1] and fitted[-1] < fitted[min(best, len(fitted)) - 1]:
        text += (f" After epoch {best} the training loss keeps falling while the validation loss does not: "
                 "the network fits its training samples rather than the task (overfitting).")
    else:
        text += " Training and validation loss stay close: no overfitting to speak of."
    return text


def confusion(y_true: np.ndarray, predicted: np.ndarray, names: list[str], scope: str) -> str:
    right = int((y_true == predicted).sum())
    text = f"{right} of {len(y_true)} samples of the {scope} are right ({right / max(1, len(y_true)):.1%}) on the diagonal."
    wrong = [(int(t), int(p)) for t, p in zip(y_true, predicted) if t != p]
    if wrong:
        pairs, counts = np.unique(np.asarray(wrong), axis=0, return_counts=True)
        (t, p), count = pairs[counts.argmax()], int(counts.max())
        text += f" The commonest mistake: {names[t]} taken for {names[p]} ({count} times)."
    if len(set(predicted.tolist())) == 1:
        text += f" Every sample is predicted {names[int(predicted[0])]}: one full column."
    return text


def wrong_by_predicted(predicted_ids: np.ndarray, names: list[str]) -> str:
    counts = np.bincount(predicted_ids.astype(np.int64), minlength=len(names))
    top = int(counts.argmax())
    return (f"Of the {int(counts.sum())} wrong predictions, {int(counts[top])} ({counts[top] / counts.sum():.0%}) "
            f"went to {names[top]}: the class the network reaches for when it is unsure.")


def wrong_counts(label_ids: np.ndarray, predicted_ids: np.ndarray, names: list[str]) -> str:
    pairs, counts = np.unique(np.stack([label_ids, predicted_ids], axis=1), axis=0, return_counts=True)
    (t, p), count = pairs[counts.argmax()], int(counts.max())
    return (f"Each dot is one (true label, prediction) pair, its area the count: {len(pairs)} pairs occur; the "
            f"largest is {names[t]} predicted as {names[p]} ({count} of {int(counts.sum())}).")


def wrong_probability(p1: np.ndarray, names: list[str]) -> str:
    sure = int(np.sum((p1 < 0.1) | (p1 > 0.9)))
    return (f"Each wrong prediction is a point at its predicted probability of {names[1]}; {sure} of {len(p1)} lie "
            "beyond 0.1 or 0.9 (confidently wrong), the rest near the 0.5 threshold (close calls).")


def wrong_confidence(confidence: np.ndarray, classes: int) -> str:
    sure = int(np.sum(confidence > 0.9))
    return (f"How sure the network was when wrong: median confidence {n(float(np.median(confidence)))} "
            f"(a guess among {classes} classes is {n(1 / classes)}); {sure} of {len(confidence)} mistakes were made "
            "with more than 0.9.")


def images(shown: int, total: int, which: str) -> str:
    return f"The first {shown} of {total} misclassified test images{which}, each titled label / predicted (confidence)."


def scatter(y_true: np.ndarray, y_pred: np.ndarray) -> str:
    mae = float(np.mean(np.abs(y_pred - y_true)))
    spread = float(np.ptp(y_pred)) if len(y_pred) else 0.0
    text = f"Mean absolute error {n(mae)}; points on the dashed line are exact."
    if spread < 1e-6 * max(1.0, float(np.abs(y_pred).max(initial=0))):
        text += f" Every prediction is {n(float(y_pred[0]))}: a horizontal line, the network ignores its inputs."
    return text


def residuals(y_true: np.ndarray, y_pred: np.ndarray) -> str:
    error = y_pred - y_true
    bias = float(error.mean())
    within = float(np.quantile(np.abs(error), 0.9))
    side = "over" if bias > 0 else "under"
    return (f"The network {side}-predicts by {n(abs(bias))} on average; 90% of the residuals lie within "
            f"±{n(within)}.")


def gradients(diagnostics: Mapping[str, Any], label: str, batchnorm: bool) -> str:
    epochs = numbers.epochs_of(diagnostics)
    hidden = numbers.hidden(diagnostics)
    parts = [f"{label}:" if label else ""]
    first, last = numbers.first_to_last(diagnostics, epochs[0]), numbers.first_to_last(diagnostics, epochs[-1])
    if first is not None and last is not None:
        parts.append(f"the first hidden layer ({hidden[0]}) gets {n(first)} times the gradient of the last hidden "
                     f"layer ({hidden[-1]}) before training and {n(last)} times after epoch {epochs[-1]}.")
        if last < 1e-2:
            parts.append("Its weights barely move: the gradient vanishes on its way down.")
        elif last > 0.3:
            parts.append("Every layer gets a gradient of about the same size: nothing vanishes.")
    else:
        gradients_now = numbers.at_epoch(diagnostics, "grad_norm", epochs[-1])
        parts.append("gradient norms after the last epoch: " + ", ".join(f"{k} {n(v)}" for k, v in gradients_now.items()))
    if batchnorm:
        parts.append(BATCHNORM_AT_ZERO)
    return " ".join(p for p in parts if p)


def layer_stats(diagnostics: Mapping[str, Any], label: str, batchnorm: bool) -> str:
    epochs = numbers.epochs_of(diagnostics)
    start = numbers.at_epoch(diagnostics, "mean", epochs[0])
    layers = [name for name in numbers.hidden(diagnostics) if name in start]
    parts = [f"{label}:" if label else ""]
    if len(layers) >= 2:
        growth = (abs(start[layers[-1]]) / abs(start[layers[0]])) ** (1 / (len(layers) - 1)) if start[layers[0]] else 0
        parts.append(f"before training the outputs' mean goes from {n(start[layers[0]])} ({layers[0]}) to "
                     f"{n(start[layers[-1]])} ({layers[-1]}), a factor of {n(growth)} per layer.")
        if growth > 3:
            parts.append("The activations explode: the initial weights are drawn too wide.")
    ratios = numbers.at_epoch(diagnostics, "update_ratio", epochs[1]) if len(epochs) > 1 else {}
    if ratios:
        top = max(ratios, key=ratios.get)
        parts.append(f"In epoch {epochs[1]} the weights of {top} moved most, by {n(ratios[top])} of their size.")
    if batchnorm:
        parts.append(BATCHNORM_AT_ZERO)
    return " ".join(p for p in parts if p) or "Each layer's output statistics."


def activations(diagnostics: Mapping[str, Any], shown: int, total: int) -> str:
    epochs = numbers.epochs_of(diagnostics)
    parts = []
    for column, what in (("saturated", "saturated (within 1% of 0 or 1)"), ("dead", "dead (0 for every sample)")):
        last = numbers.at_epoch(diagnostics, column, epochs[-1])
        worst = max(last, key=last.get) if last else None
        if worst and last[worst] >= 0.01:
            parts.append(f"After epoch {epochs[-1]}, {last[worst]:.0%} of {worst}'s outputs are {what}.")
    spread = numbers.at_epoch(diagnostics, "std", epochs[-1])
    hidden = [name for name in numbers.hidden(diagnostics) if name in spread] or list(spread)
    if not parts and hidden:
        low, high = min(hidden, key=spread.get), max(hidden, key=spread.get)
        parts.append(f"No layer's outputs are saturated or dead after epoch {epochs[-1]}; their sd ranges from "
                     f"{n(spread[low])} ({low}) to {n(spread[high])} ({high}): a narrow spike says the layer "
                     "gives nearly the same value for every input.")
    if shown < total:
        parts.append(f"{shown} of the {total} layers are drawn, spread over the network.")
    return " ".join(parts) or "Each layer's outputs before training (filled) and after the last epoch (outline)."


def weights(diagnostics: Mapping[str, Any]) -> str:
    epochs = numbers.epochs_of(diagnostics)
    start, end = (numbers.at_epoch(diagnostics, "weight_norm", e) for e in (epochs[0], epochs[-1]))
    moved = {k: end[k] / start[k] for k in start if k in end and start[k]}
    if not moved:
        return "Each kernel's weights before training (filled) and after the last epoch (outline)."
    most = max(moved, key=lambda k: abs(math.log(moved[k])))
    return (f"Each kernel's weights before training (filled) and after epoch {epochs[-1]} (outline); {most}'s norm "
            f"changed most, by a factor of {n(moved[most])}.")
