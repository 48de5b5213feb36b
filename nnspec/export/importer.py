"""`nnspec import`: the spec of a Keras Sequential model, from a .keras file or a Keras JSON config.

Only the model's configuration is read (keras_config.py: bounded, every value checked),
so importing needs neither TensorFlow nor the weights. Each Keras layer becomes the
statement node of the nnspec layer that builds it again (dense, dropout, flatten,
batchnorm, conv2d, maxpool, embedding, activation); runs of identical layers, or of
identical groups of layers, become one statement with `xN`. The text is written by
nnspec's formatter from those nodes, never pasted from the config, and is read back
before it is returned. Anything nnspec cannot say (another layer class, a
regularizer, an initializer with other settings) is an error naming it.
"""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

from ..dsl.ast import Arg, Block, InputStmt, LayerStmt, Option, ShapeValue, TrainStmt
from ..dsl.format import format_statement
from ..dsl.options import MAX_SIZE
from ..errors import NNSpecError
from .keras_config import Config, read_config, shown

ACTIVATIONS = {
    "relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "linear": None,
    "elu": "elu", "selu": "selu", "leaky_relu": "leaky_relu", "gelu": "gelu", "silu": "swish", "swish": "swish",
}
# Keras initializer class -> (nnspec name, the settings nnspec's name stands for)
INITIALIZERS = {
    "GlorotUniform": ("xavier", {}),
    "GlorotNormal": ("xavier_normal", {}),
    "HeNormal": ("he", {}),
    "HeUniform": ("he_uniform", {}),
    "LecunNormal": ("lecun_normal", {}),
    "LecunUniform": ("lecun_uniform", {}),
    "Zeros": ("zeros", {}),
    "Ones": ("ones", {}),
    "RandomNormal": ("normal", {"mean": 0.0, "stddev": 1.0}),
    "RandomUniform": ("uniform", {"minval": -0.05, "maxval": 0.05}),
    "TruncatedNormal": ("truncated_normal", {"mean": 0.0, "stddev": 0.05}),
}
OPTIMIZERS = {"Adam": "adam", "RMSprop": "rmsprop", "Adagrad": "adagrad", "SGD": "sgd"}
LOSSES = {
    "CategoricalCrossentropy": "categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "BinaryCrossentropy": "binary_crossentropy",
    "MeanSquaredError": "mse",
    "MeanAbsoluteError": "mae",
}
METRICS = {"accuracy": "accuracy", "mae": "mae", "mse": "mse", "mean_absolute_error": "mae",
           "mean_squared_error": "mse"}
UNUSED_OPTIONS = ("kernel_regularizer", "bias_regularizer", "activity_regularizer",
                  "kernel_constraint", "bias_constraint")
KINDS = "Dense, Dropout, Flatten, BatchNormalization, Conv2D, MaxPooling2D, Embedding and Activation"


def import_model(path: str | Path) -> str:
    """The spec text of the Sequential model in a .keras file or a Keras JSON config."""
    path = Path(path)
    model = read_config(path)
    kind = model.name("class_name", default="model")
    if kind != "Sequential":
        raise NNSpecError(
            f"{path}: a {shown(kind)[1:-1]} model; nnspec imports Sequential models",
            hint="a functional model with one chain of layers can be rebuilt as keras.Sequential",
        )
    body = model.object("config")
    layers = body.objects("layers")
    classes = [layer.name("class_name") for layer in layers]
    statements = [InputStmt(ShapeValue(_input_shape(model, body, layers, classes)))]
    statements += _repeats([_layer(layer, kind) for layer, kind in zip(layers, classes) if kind != "InputLayer"])
    if model.has("compile_config"):
        train = _train(model.object("compile_config"))
        statements += [train] if train is not None else []
    header = [f"# imported from {_printable(path.name)}", "# add a data line (`nnspec datasets` lists them) to train it"]
    text = "\n".join(header + [format_statement(s) for s in statements]) + "\n"
    _check_reads_back(text, statements, len(header), path)
    return text


def _input_shape(model: Config, body: Config, layers: list[Config], classes: list[str]) -> tuple[int, ...]:
    """The shape of one sample, from the InputLayer or what the model was built with."""
    places = [(layer.object("config"), key) for layer, kind in zip(layers, classes) if kind == "InputLayer"
              for key in ("batch_shape", "batch_input_shape")]
    places += [(body, "build_input_shape")]
    places += [(model.object("build_config"), "input_shape")] if model.has("build_config") else []
    owner, key = next(((owner, key) for owner, key in places if owner.has(key)), (body, "build_input_shape"))
    shape = owner.value(key)
    if shape is None or isinstance(shape, list) and len(shape) > 1 and None in shape[1:]:
        raise NNSpecError(f"{model.path}: the model does not say its input shape",
                          hint="build it with keras.Input(shape=...)")
    if not isinstance(shape, list) or len(shape) < 2 or not all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= MAX_SIZE for d in shape[1:]):
        owner.bad(key, shape, "a batch shape such as [null, 28, 28, 1]")
    return tuple(shape[1:])


def _layer(layer: Config, kind: str) -> LayerStmt:
    c = layer.object("config", f"layer {shown(kind)}")
    name = c.name("name", default=kind)
    c.where = f"layer {shown(name)} ({_printable(kind)})"
    for option in UNUSED_OPTIONS:
        if c.has(option):
            c.fail(f"has a {option}, which nnspec cannot express")
    if kind == "Dense":
        return _stmt("dense", [c.integer("units", high=MAX_SIZE), *_activation(c)], _inits(c))
    if kind == "Dropout":
        return _stmt("dropout", [_short(c.number("rate", 0, 1))])
    if kind == "Flatten":
        return _stmt("flatten")
    if kind == "BatchNormalization":
        _require(c, axis=-1, center=True, scale=True)
        options = []
        for key, default in (("momentum", 0.99), ("epsilon", 0.001)):
            value = _short(c.number(key, 0, 1e6, default=default))
            options += [(key, value)] if value != default else []
        return _stmt("batchnorm", [], options)
    if kind == "Conv2D":
        _require(c, dilation_rate=[1, 1], groups=1, data_format="channels_last")
        strides = c.integers("strides", 2, default=[1, 1])
        options = [("stride", ShapeValue(strides))] if strides != (1, 1) else []
        options += [("padding", "same")] if _padding(c) == "same" else []
        return _stmt("conv2d", [c.integer("filters", high=MAX_SIZE), ShapeValue(c.integers("kernel_size", 2)),
                                *_activation(c)], options + _inits(c))
    if kind == "MaxPooling2D":
        _require(c, data_format="channels_last")
        pool = c.integers("pool_size", 2)
        strides = c.integers("strides", 2, default=list(pool))
        options = [("stride", ShapeValue(strides))] if strides != pool else []
        options += [("padding", "same")] if _padding(c) == "same" else []
        return _stmt("maxpool", [ShapeValue(pool)], options)
    if kind == "Embedding":
        return _stmt("embedding", [c.integer("output_dim", high=MAX_SIZE)],
                     [("vocab", c.integer("input_dim", high=100_000_000))])
    if kind == "Activation":
        return _stmt("activation", _activation(c) or ["linear"])
    raise NNSpecError(f"{c.path}: layer {shown(name)} is a {_printable(kind)}, which nnspec has no layer kind for",
                      hint=f"nnspec imports {KINDS} layers")


def _stmt(kind: str, args=(), options=()) -> LayerStmt:
    return LayerStmt(kind, tuple(Arg(value) for value in args), tuple(Option(k, v) for k, v in options))


def _require(c: Config, **settings) -> None:
    """Settings nnspec's layer always has; a model with others cannot be written as a spec."""
    for key, value in settings.items():
        have = c.value(key)
        if have is not None and (list(have) if isinstance(have, (list, tuple)) else have) != value:
            c.fail(f"has {key}={shown(have)}, which nnspec cannot express")


def _padding(c: Config) -> str:
    padding = c.name("padding", default="valid")
    if padding not in ("same", "valid"):
        c.bad("padding", padding, "'same' or 'valid'")
    return padding


def _activation(c: Config) -> list[str]:
    """The activation as nnspec names it ([] for linear, which is no activation)."""
    activation = c.value("activation")
    if isinstance(activation, dict):  # a serialized function or activation object
        serialized = c.object("activation")
        inner = serialized.object("config")
        activation = inner.name("name") if inner.has("name") else serialized.name("class_name", default=None)
    activation = "linear" if activation is None else activation
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        c.fail(f"uses activation {shown(activation)}, which nnspec has no name for")
    mapped = ACTIVATIONS[activation]
    return [mapped] if mapped else []


def _inits(c: Config) -> list[tuple[str, str]]:
    options = []
    for key, option, default in (("kernel_initializer", "init", "xavier"), ("bias_initializer", "bias", "zeros")):
        if key == "bias_initializer" and not c.flag("use_bias", True):
            options.append(("bias", "none"))  # a layer built without bias
            continue
        value = _initializer(c, key)
        if value is not None and value != default:
            options.append((option, value))
    return options


def _initializer(c: Config, key: str) -> str | None:
    config = c.value(key)
    if config is None:
        return None
    if isinstance(config, str):
        config = {"class_name": "".join(part.title() for part in config.split("_")), "config": {}}
    initializer = Config(config, f"{c.where} {key}", c.path)
    kind = initializer.name("class_name")
    if kind not in INITIALIZERS:
        c.fail(f"uses initializer {shown(kind)}, which nnspec has no name for")
    nnspec_name, fixed = INITIALIZERS[kind]
    settings = initializer.object("config")
    for setting, value in fixed.items():
        have = settings.number(setting, default=value)
        if abs(have - value) > 1e-9:
            c.fail(f"uses {kind}({setting}={_short(have)}); nnspec's '{nnspec_name}' has {setting}={value}")
    return nnspec_name


def _train(compile_config: Config) -> TrainStmt | None:
    """The train statement from the model's compile settings, when it was saved compiled."""
    optimizer = compile_config.value("optimizer")
    if optimizer is None:
        return None
    if isinstance(optimizer, str):
        optimizer = {"class_name": optimizer.title(), "config": {}}
    optimizer = Config(optimizer, "the optimizer", compile_config.path)
    name = OPTIMIZERS.get(optimizer.name("class_name"))
    if name is None:
        return None
    settings = optimizer.object("config")
    momentum = name == "sgd" and settings.number("momentum", 0, 1, default=0.0) > 0
    options = []
    if not isinstance(settings.value("learning_rate"), dict):  # a schedule has no one rate to write
        if settings.has("learning_rate"):
            options.append(("lr", _short(settings.number("learning_rate", 1e-12, 1e6))))
    loss = compile_config.value("loss")
    if isinstance(loss, dict):
        loss = LOSSES.get(compile_config.object("loss").name("class_name"))
    if isinstance(loss, str) and loss in LOSSES.values():
        options.append(("loss", loss))
    metrics = compile_config.value("metrics") or []
    if not isinstance(metrics, list):
        compile_config.bad("metrics", metrics, "a list")
    metrics = [m for m in (_metric(compile_config, m) for m in metrics) if m]
    if metrics:
        options.append(("metrics", tuple(metrics) if len(metrics) > 1 else metrics[0]))
    return TrainStmt("momentum" if momentum else name, tuple(Option(k, v) for k, v in options))


def _metric(compile_config: Config, metric) -> str | None:
    if isinstance(metric, dict):
        found = Config(metric, "a metric", compile_config.path)
        inner = found.object("config")
        metric = inner.name("name") if inner.has("name") else found.name("class_name", default=None)
    return METRICS.get(metric.lower()) if isinstance(metric, str) else None


def _repeats(layers: list[LayerStmt]) -> list:
    """Runs of an identical layer, or of an identical group of layers, as one statement with xN."""
    out: list = []
    i = 0
    while i < len(layers):
        best_size, best_count = 1, 1
        for size in range(1, (len(layers) - i) // 2 + 1):
            count = 1
            while layers[i + count * size:i + (count + 1) * size] == layers[i:i + size]:
                count += 1
            if count > 1 and size * count > best_size * best_count:
                best_size, best_count = size, count
        group = layers[i:i + best_size]
        if best_count == 1:
            out.append(group[0])
        elif best_size == 1:
            out.append(dataclasses.replace(group[0], repeat=best_count))
        else:
            out.append(Block(tuple(group), repeat=best_count))
        i += best_size * best_count
    return out


def _check_reads_back(text: str, statements: list, comments: int, path: Path) -> None:
    """The written text must read back as exactly these statements and comments."""
    from ..dsl.parser import parse

    try:
        spec = parse(text)
    except NNSpecError as error:  # past a size limit of the language, say
        raise NNSpecError(f"{path}: the model cannot be written as a spec: {error.message}") from None
    if [format_statement(s) for s in spec.statements] != [format_statement(s) for s in statements] \
            or len(spec.comments) != comments:
        raise NNSpecError("the imported spec does not read back as written (a bug in nnspec import)")


def _short(value: float) -> float:
    """The shortest decimal that is the same float32 (Keras stores 0.001 as 0.0010000000474974513)."""
    single = struct.unpack("f", struct.pack("f", value))[0] if abs(value) < 3e38 else value
    for digits in range(1, 18):
        candidate = float(f"{value:.{digits}g}")
        if candidate == value or struct.unpack("f", struct.pack("f", candidate))[0] == single:
            return candidate
    return value


def _printable(text: str) -> str:
    """`text` with what could end a line or hide in a comment shown as '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)
