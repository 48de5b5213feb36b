"""Checks of training: the optimizer and its options, and the loss, metrics and label
encoding that fit the last layer and the data."""

from __future__ import annotations

from ..errors import SpecError
from ..plugins import get_registries
from ..types import DatasetMeta, Param, ResolvedLayer, TrainConfig
from .ast import Spec, TrainStmt, shape_text
from .diagnostics import Collector
from .layer_checks import check_options
from .options import coerce, describe

TRAIN_OPTIONS = (
    Param("lr", "float", default=None, min=0, doc="learning rate (default: the optimizer's)"),
    Param("loss", "loss", default=None, doc="loss (default: from the task and the last activation)"),
    Param("metrics", "metrics", default=None, doc="metrics to report (default: accuracy or mae)"),
    Param("epochs", "int", default=10, min=1, max=100_000, doc="passes over the training data"),
    Param("batch", "int_or_all", default=32, min=1, doc="samples per step, or all"),
    Param("val", "int_or_fraction", default=None, min=1, doc="fraction or count held out of train"),
)
CROSSENTROPY = {"categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy"}


def _last_activation(layers: tuple[ResolvedLayer, ...]) -> str | None:
    """The activation the network's output has passed through last (None: logits)."""
    kinds = get_registries().layers
    for layer in reversed(layers):
        if "activation" in layer.args:
            return layer.args["activation"]
        if not kinds.get(layer.kind).keeps_activation:
            return None
    return None


def train_options(spec: Spec, out: Collector):
    """The optimizer and the checked `train` options (defaults when there is no train line)."""
    stmt = spec.train or TrainStmt("adam", (), 0, 0, 0)
    try:
        optimizer_name = coerce(Param("optimizer", "optimizer"), stmt.optimizer, "train")
    except SpecError as error:
        out.error(error, stmt.line, stmt.optimizer_column)
        return None
    optimizer = get_registries().optimizers.get(optimizer_name)
    params = TRAIN_OPTIONS + tuple(optimizer.options)
    options = check_options(params, stmt.options, f"train {optimizer_name}", out, stmt.line, stmt.column)
    if options is None:
        return None
    return optimizer, options


def train_config(spec: Spec, layers: tuple[ResolvedLayer, ...], meta: DatasetMeta | None, training, out: Collector):
    """The loss, metrics and label encoding that fit the last layer and the data."""
    from ..builtins.names import DEFAULT_LR

    optimizer, options = training
    optimizer_name = optimizer.name
    stmt = spec.train or TrainStmt("adam", (), 0, 0, 0)
    line, column = (stmt.line, stmt.column) if spec.train else (layers[-1].line, layers[-1].column)
    last = layers[-1]
    activation = _last_activation(layers)
    outputs = last.output_shape
    task = meta.task if meta else None
    loss = options["loss"]
    where = _option_position(stmt, "loss") or (line, column)
    last_where = (last.line, last.column)

    if len(outputs) != 1:
        out.error(f"the network must end in a flat output, found {shape_text(outputs)}",
                  *last_where, hint="add 'flatten' and a dense layer", code="output-mismatch")
        return None
    units = outputs[0]
    if activation == "softmax" and units == 1:
        out.error("softmax over a single unit always gives 1", *last_where,
                  hint="use 'dense 1 sigmoid' for a yes/no output", code="output-mismatch")
    if task == "multiclass" and meta.classes and units != meta.classes:
        out.error(f"the last layer gives {units} outputs but data {spec.data.name} has {meta.classes} classes",
                  *last_where, hint=f"end with 'dense {meta.classes} softmax'", code="output-mismatch")
    if task == "binary" and units not in (1, 2):
        out.error(f"the last layer gives {units} outputs but data {spec.data.name} is a yes/no task",
                  *last_where, hint="end with 'dense 1 sigmoid'", code="output-mismatch")
    if task == "regression" and activation in ("softmax", "sigmoid"):
        out.error(f"a {activation} output on a regression data set predicts only values in [0, 1]",
                  *last_where, hint="end with 'dense 1' (no activation)", code="output-mismatch")
    if activation == "relu" and task in ("multiclass", "binary"):
        out.warn("relu on the output layer of a classifier can die and predict one class only",
                 *last_where, code="relu-output")
    elif activation == "relu" and task == "regression":
        out.warn("relu on the output layer can die (all outputs 0) for some seeds; 'dense 1' is safer",
                 *last_where, code="relu-output")

    if loss is None:
        if task == "regression":
            loss = "mse"
        elif task == "binary" and units == 1:
            loss = "binary_crossentropy"
        elif task in ("multiclass", "binary"):
            loss = "categorical_crossentropy"
        elif activation == "softmax":  # no data to ask: the output layer says what it is
            loss = "categorical_crossentropy"
        elif activation == "sigmoid" and units == 1:
            loss = "binary_crossentropy"
        else:
            loss = "mse"
    if loss == "categorical_crossentropy" or loss == "sparse_categorical_crossentropy":
        if task == "regression":
            out.error(f"{loss} is for classification, but data {spec.data.name} is regression", *where,
                      hint="use loss=mse", code="loss-mismatch")
        elif units == 1:
            out.error(f"{loss} needs one output per class, the last layer gives 1", *where,
                      hint="use loss=binary_crossentropy with 'dense 1 sigmoid'", code="loss-mismatch")
    if loss == "binary_crossentropy":
        if task == "regression":
            out.error(f"binary_crossentropy is for yes/no labels, but data {spec.data.name} is regression",
                      *where, hint="use loss=mse", code="loss-mismatch")
        elif units != 1 and task == "binary":
            out.error("binary_crossentropy needs one output", *where, code="loss-mismatch")
        elif units != 1 and task == "multiclass":
            out.warn("binary_crossentropy over several classes scores each class on its own", *where, code="loss-activation")
        if activation == "softmax":
            out.warn("binary_crossentropy after softmax: use sigmoid for one output", *where, code="loss-activation")

    metrics = options["metrics"]
    if metrics is None:
        metrics = ("mae",) if task == "regression" or (task is None and loss in ("mse", "mae")) else ("accuracy",)
    if "accuracy" in metrics and task == "regression":
        out.error(f"accuracy means nothing on a regression data set ({spec.data.name})",
                  *(_option_position(stmt, "metrics") or (line, column)), hint="use metrics=mae", code="metric-mismatch")

    lr = options["lr"]
    if lr is None:
        lr = DEFAULT_LR.get(optimizer_name, 0.001)
    elif lr <= 0:
        out.error(f"lr must be positive, found {describe(lr)}", *(_option_position(stmt, "lr") or (line, column)), code="bad-value")
    val = options["val"]
    if meta and meta.train_size and isinstance(val, int) and val >= meta.train_size:
        out.error(f"val={val} holds out every training sample (data {spec.data.name} has {meta.train_size})",
                  *(_option_position(stmt, "val") or (line, column)), code="bad-value")
    batch = options["batch"]

    if loss == "sparse_categorical_crossentropy":
        encoding = "index"
    elif task in ("binary", "regression") and units == 1:
        encoding = "column"
    elif task is None and units == 1:
        encoding = "column"
    else:
        encoding = "onehot"
    from_logits = activation in (None, "linear") and loss in CROSSENTROPY
    extra = {p.name: options[p.name] for p in optimizer.options}
    config = TrainConfig(
        optimizer=optimizer_name,
        lr=float(lr),
        loss=loss,
        metrics=tuple(metrics),
        epochs=options["epochs"],
        batch=batch,
        val=val,
        from_logits=from_logits,
        options=extra,
    )
    return config, encoding


def _option_position(stmt: TrainStmt, key: str) -> tuple[int, int] | None:
    for option in stmt.options:
        if option.key == key:
            return option.line, option.value_column
    return None

