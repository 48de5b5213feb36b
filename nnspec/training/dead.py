"""Dead and diverged networks named after training: constant predictions, with their likely causes.

A network whose every test prediction is the same class (or the same value) has
learnt nothing from its inputs: a relu output that died, relu units all at zero,
saturated sigmoids, a step size that blew the weights up. The loss alone does not
say so (Boston's dead relu output still reports a plausible-looking MAE), so the run
says it: in the final table, in results.json's `warnings` and at the top of the report.
"""

from __future__ import annotations

import numpy as np

from ..types import Plan

RELATIVE_SPREAD = 1e-6  # regression outputs this close together (relative to their size) are one value


def constant_prediction_warning(plan: Plan, outputs: np.ndarray, labels: np.ndarray, task: str) -> str | None:
    """A warning when every test prediction is the same, naming the likely causes; else None."""
    outputs = np.asarray(outputs, dtype=np.float64).reshape(len(outputs), -1)
    labels = np.asarray(labels)
    if len(outputs) < 2:
        return None
    if task == "regression":
        values = outputs[:, 0]
        if not np.all(np.isfinite(values)):
            return None
        spread = float(values.max() - values.min())
        if spread > RELATIVE_SPREAD * max(1.0, float(np.abs(values).max())):
            return None
        what = f"the same value ({values[0]:.4g}) for every one of the {len(values)} test samples"
    else:
        if outputs.shape[1] == 1:
            threshold = 0.0 if plan.train.from_logits else 0.5
            predicted = (outputs[:, 0] > threshold).astype(np.int64)
        else:
            predicted = outputs.argmax(axis=1)
        if len(np.unique(predicted)) > 1:
            return None
        truth = labels.argmax(axis=1) if labels.ndim == 2 and labels.shape[1] > 1 else labels.reshape(-1)
        if len(np.unique(truth)) <= 1:
            return None  # one class in the test set: a constant answer may be right
        names = plan.meta.class_names
        cls = int(predicted[0])
        label = f"{cls} ({names[cls]})" if names and cls < len(names) and names[cls] != str(cls) else str(cls)
        what = f"class {label} for every one of the {len(predicted)} test samples"
    return f"the network is dead: it predicts {what}. Likely causes: {'; '.join(likely_causes(plan))}"


def likely_causes(plan: Plan) -> list[str]:
    """What in the plan tends to kill a network, most specific first."""
    causes = []
    last = plan.layers[-1]
    if last.args.get("activation") == "relu":
        causes.append("a relu output layer that died (every output 0): end with 'dense 1' or softmax/sigmoid")
    ranges = plan.meta.feature_ranges
    if ranges and max(max(abs(lo), abs(hi)) for lo, hi in ranges) >= 10:
        causes.append("unscaled inputs (features reach "
                      f"{max(max(abs(lo), abs(hi)) for lo, hi in ranges):g}): add normalize=true to the data line")
    hidden = [layer for layer in plan.layers[:-1] if "init" in layer.args]
    saturating = [layer for layer in plan.layers[:-1] if layer.args.get("activation") in ("sigmoid", "tanh")
                  and ("init" in layer.args or layer.kind == "activation")]  # `activation sigmoid` layers too
    if len(saturating) >= 5:
        causes.append("vanishing gradients through many sigmoid/tanh layers: use relu with init=he, or batchnorm")
    if any(layer.args.get("init") == "normal" for layer in hidden):
        causes.append("init=normal (standard deviation 1) blowing up the activations: use init=he")
    causes.append(f"a learning rate too high (lr={plan.train.lr:g}) that pushed the relu units to zero "
                  "or the sigmoids into saturation: try a smaller lr=")
    if plan.train.diagnostics:
        causes.append("dead relu units or saturated sigmoids: the report's training diagnostics show each layer's "
                      "dead and saturated fractions and how far its gradient has shrunk")
    else:
        causes.append("dead relu units: rerun with diagnostics=true to see each layer's dead fraction")
    return causes
