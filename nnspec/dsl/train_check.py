"""The `train` statement checked against the network's output and the data.

`check_train` decides the loss (written, or the task's default), the metrics, the
learning rate (the optimizer's registered default unless written) and the label
encoding, and reports what does not fit. Everything it knows about a loss comes
from the loss's registration (`nnspec.types.Loss`: task, labels, logits), so a
plugin's loss is checked exactly like a built-in one. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..plugins import get_registries
from ..schedules import misplaced as misplaced_schedule_options
from ..schedules import schedule_of
from ..types import DatasetMeta, ResolvedLayer, TrainConfig
from .ast import Spec, TrainStmt, shape_text
from .options import describe

FALLBACK_LR = 0.001  # for an optimizer whose registration declares no `lr` option
DEFAULT_LOSS = {"regression": "mse", "binary": "binary_crossentropy", "multiclass": "categorical_crossentropy"}
PROBABILITY = ("softmax", "sigmoid")  # output activations whose logits a loss may take


@dataclass(frozen=True)
class Output:
    """What the checks need about the network's output and the data it is trained on."""

    layer: ResolvedLayer
    units: int
    activation: str | None
    task: str | None
    data: str  # the data statement's name, for messages
    meta: DatasetMeta | None

    @property
    def where(self) -> tuple[int, int]:
        return self.layer.line, self.layer.column


def last_activation(layers: tuple[ResolvedLayer, ...]) -> str | None:
    """The activation the network's output has passed through last (None: logits)."""
    kinds = get_registries().layers
    for layer in reversed(layers):
        if "activation" in layer.args:
            return layer.args["activation"]
        if not kinds.get(layer.kind).keeps_activation:
            return None
    return None


def check_train(spec: Spec, layers: tuple[ResolvedLayer, ...], meta: DatasetMeta | None, training, out):
    """(TrainConfig, label encoding) for the checked train options, or None; problems go to `out`."""
    optimizer, options = training
    stmt = spec.train or TrainStmt("adam", (), 0, 0, 0)
    line, column = (stmt.line, stmt.column) if spec.train else (layers[-1].line, layers[-1].column)

    def position(key: str) -> tuple[int, int]:
        for option in stmt.options:
            if option.key == key:
                return option.line, option.value_column
        return line, column

    last = layers[-1]
    if len(last.output_shape) != 1:
        out.error(f"the network must end in a flat output, found {shape_text(last.output_shape)}",
                  last.line, last.column, hint="add 'flatten' and a dense layer", code="output-mismatch")
        return None
    output = Output(last, last.output_shape[0], last_activation(layers), meta.task if meta else None,
                    spec.data.name if spec.data is not None else "", meta)
    check_output(output, out)
    loss_name = options["loss"] or default_loss(output)
    loss = get_registries().losses.get(loss_name)
    check_loss(loss, output, out, position("loss"))
    metrics = options["metrics"] or default_metrics(output, loss)
    if "accuracy" in metrics and output.task == "regression":
        out.error(f"accuracy means nothing on a regression data set ({output.data})", *position("metrics"),
                  hint="use metrics=mae", code="metric-mismatch")
    lr = options.get("lr")
    if lr is None:
        lr = FALLBACK_LR
    elif lr <= 0:
        out.error(f"lr must be positive, found {describe(lr)}", *position("lr"), code="bad-value")
    val = options["val"]
    if meta and meta.train_size and isinstance(val, int) and val >= meta.train_size:
        out.error(f"val={val} holds out every training sample (data {output.data} has {meta.train_size})",
                  *position("val"), code="bad-value")
    # an optimizer's own option of the same name (a plugin's decay=) is the optimizer's
    own = {p.name for p in optimizer.options}
    schedule_options = {key: value for key, value in options.items() if key not in own}
    for key, message in misplaced_schedule_options(schedule_options):
        out.error(message, *position(key), code="bad-value")
    config = TrainConfig(
        optimizer=optimizer.name,
        lr=float(lr),
        loss=loss_name,
        metrics=tuple(metrics),
        epochs=options["epochs"],
        batch=options["batch"],
        val=val,
        from_logits=output.activation in (None, "linear") and getattr(loss, "logits", None) is not None,
        options={p.name: options[p.name] for p in optimizer.options if p.name != "lr"},
        diagnostics=options.get("diagnostics", False),
        schedule=schedule_of(schedule_options),
    )
    return config, label_encoding(loss, output)


def check_output(output: Output, out) -> None:
    """The last layer against the data's task: its width and its activation."""
    units, activation, task, meta = output.units, output.activation, output.task, output.meta
    if activation == "softmax" and units == 1:
        out.error("softmax over a single unit always gives 1", *output.where,
                  hint="use 'dense 1 sigmoid' for a yes/no output", code="output-mismatch")
    if task == "multiclass" and meta.classes and units != meta.classes:
        out.error(f"the last layer gives {units} outputs but data {output.data} has {meta.classes} classes",
                  *output.where, hint=f"end with 'dense {meta.classes} softmax'", code="output-mismatch")
    if task == "binary" and units not in (1, 2):
        out.error(f"the last layer gives {units} outputs but data {output.data} is a yes/no task",
                  *output.where, hint="end with 'dense 1 sigmoid'", code="output-mismatch")
    if task == "regression" and activation in ("softmax", "sigmoid"):
        out.error(f"a {activation} output on a regression data set predicts only values in [0, 1]",
                  *output.where, hint="end with 'dense 1' (no activation)", code="output-mismatch")
    if activation == "relu" and task in ("multiclass", "binary"):
        out.warn("relu on the output layer of a classifier can die and predict one class only", *output.where,
                 code="relu-output")
    elif activation == "relu" and task == "regression":
        out.warn("relu on the output layer can die (all outputs 0) for some seeds; 'dense 1' is safer",
                 *output.where, code="relu-output")


def default_loss(output: Output) -> str:
    """The loss when none is written: from the data's task, else from the output layer."""
    task, units = output.task, output.units
    if task is None:  # no data to ask: the output layer says what it is
        if output.activation == "softmax":
            return DEFAULT_LOSS["multiclass"]
        if output.activation == "sigmoid" and units == 1:
            return DEFAULT_LOSS["binary"]
        return DEFAULT_LOSS["regression"]
    if task == "binary" and units != 1:
        return DEFAULT_LOSS["multiclass"]  # two softmax units for a yes/no task
    return DEFAULT_LOSS[task]


def check_loss(loss: Any, output: Output, out, where: tuple[int, int]) -> None:
    """The loss against the task and the output, as its registration describes it."""
    name, implies = loss.name, getattr(loss, "task", None)
    if implies == "multiclass":
        if output.task == "regression":
            out.error(f"{name} is for classification, but data {output.data} is regression", *where,
                      hint="use loss=mse", code="loss-mismatch")
        elif output.units == 1:
            out.error(f"{name} needs one output per class, the last layer gives 1", *where,
                      hint="use loss=binary_crossentropy with 'dense 1 sigmoid'", code="loss-mismatch")
    elif implies == "binary":
        if output.task == "regression":
            out.error(f"{name} is for yes/no labels, but data {output.data} is regression", *where,
                      hint="use loss=mse", code="loss-mismatch")
        elif output.units != 1 and output.task == "binary":
            out.error(f"{name} needs one output", *where, code="loss-mismatch")
        elif output.units != 1 and output.task == "multiclass":
            out.warn(f"{name} over several classes scores each class on its own", *where, code="loss-activation")
    pairs = getattr(loss, "logits", None)
    if pairs and output.activation in PROBABILITY and output.activation != pairs:
        out.warn(f"{name} after {output.activation}: use {pairs} for "
                 + ("one output" if pairs == "sigmoid" else "one output per class"), *where, code="loss-activation")


def default_metrics(output: Output, loss: Any) -> tuple[str, ...]:
    """accuracy for classification, mae for regression (also when only the loss says so)."""
    task = output.task or getattr(loss, "task", None)
    return ("mae",) if task == "regression" else ("accuracy",)


def label_encoding(loss: Any, output: Output) -> str:
    """How integer labels become targets: the loss's choice, else by the output's width."""
    labels = getattr(loss, "labels", None)
    if labels is not None:
        return labels
    return "column" if output.units == 1 and output.task != "multiclass" else "onehot"
