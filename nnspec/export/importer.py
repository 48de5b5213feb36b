"""`nnspec import`: the spec of a Keras Sequential model, from a .keras file or a Keras JSON config.

Only the model's configuration is read (a .keras file is a zip holding config.json),
so importing needs neither TensorFlow nor the weights. Each Keras layer becomes the
nnspec layer that builds it again (dense, dropout, flatten, batchnorm, conv2d,
maxpool, embedding, activation); runs of identical layers, or of identical groups
of layers, are written once with `xN`. Anything nnspec cannot say (another layer
class, a regularizer, an initializer with other settings) is an error naming it.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from ..errors import NNSpecError, UsageError

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


def import_model(path: str | Path) -> str:
    """The spec text of the Sequential model in a .keras file or a Keras JSON config."""
    config = read_config(Path(path))
    if config.get("class_name") != "Sequential":
        raise NNSpecError(
            f"{path}: a {config.get('class_name', 'model')} model; nnspec imports Sequential models",
            hint="a functional model with one chain of layers can be rebuilt as keras.Sequential",
        )
    layers = config.get("config", {}).get("layers", [])
    shape = _input_shape(config, layers, path)
    lines = [_layer(layer, path) for layer in layers if layer.get("class_name") != "InputLayer"]
    text = [f"# imported from {Path(path).name}", "# add a data line (`nnspec datasets` lists them) to train it",
            f"input {'x'.join(str(d) for d in shape)}", *_repeats(lines)]
    train = _train(config.get("compile_config"), path)
    if train:
        text.append(train)
    return "\n".join(text) + "\n"


def read_config(path: Path) -> dict[str, Any]:
    """The model config: config.json inside a .keras zip, or a JSON file (model.to_json())."""
    if not path.is_file():
        raise UsageError(f"no model file at '{path}'")
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return json.loads(archive.read("config.json"))
        return json.loads(path.read_text(encoding="utf-8"))
    except (KeyError, ValueError, UnicodeDecodeError, zipfile.BadZipFile) as error:
        raise NNSpecError(f"{path}: not a .keras file or a Keras JSON config ({error})") from None


def _input_shape(config: dict, layers: list, path) -> list[int]:
    shape = None
    for layer in layers:
        if layer.get("class_name") == "InputLayer":
            shape = layer["config"].get("batch_shape") or layer["config"].get("batch_input_shape")
    if shape is None:
        shape = (config.get("config", {}).get("build_input_shape")
                 or (config.get("build_config") or {}).get("input_shape"))
    if not shape or any(d is None for d in shape[1:]):
        raise NNSpecError(f"{path}: the model does not say its input shape",
                          hint="build it with keras.Input(shape=...)")
    return [int(d) for d in shape[1:]]


def _layer(layer: dict, path) -> str:
    kind, c = layer.get("class_name"), layer.get("config", {})
    name = c.get("name", kind)
    for option in UNUSED_OPTIONS:
        if c.get(option) is not None:
            raise NNSpecError(f"{path}: layer '{name}' ({kind}) has a {option}, which nnspec cannot express")
    if kind == "Dense":
        return f"dense {c['units']}{_activation(c, name, path)}{_inits(c, name, path)}"
    if kind == "Dropout":
        return f"dropout {_number(c['rate'])}"
    if kind == "Flatten":
        return "flatten"
    if kind == "BatchNormalization":
        _require(c, name, kind, path, axis=-1, center=True, scale=True)
        options = [f"momentum={_number(c['momentum'])}"] if c.get("momentum", 0.99) != 0.99 else []
        options += [f"epsilon={_number(c['epsilon'])}"] if c.get("epsilon", 0.001) != 0.001 else []
        return " ".join(["batchnorm", *options])
    if kind == "Conv2D":
        _require(c, name, kind, path, dilation_rate=[1, 1], groups=1, data_format="channels_last")
        text = f"conv2d {c['filters']} {_pair(c['kernel_size'])}{_activation(c, name, path)}"
        text += f" stride={_pair(c['strides'])}" if list(c.get("strides", [1, 1])) != [1, 1] else ""
        text += " padding=same" if c.get("padding") == "same" else ""
        return text + _inits(c, name, path)
    if kind == "MaxPooling2D":
        _require(c, name, kind, path, data_format="channels_last")
        text = f"maxpool {_pair(c['pool_size'])}"
        strides = c.get("strides") or c["pool_size"]
        text += f" stride={_pair(strides)}" if list(strides) != list(c["pool_size"]) else ""
        return text + (" padding=same" if c.get("padding") == "same" else "")
    if kind == "Embedding":
        return f"embedding {c['output_dim']} vocab={c['input_dim']}"
    if kind == "Activation":
        activation = _activation(c, name, path).strip()
        return f"activation {activation or 'linear'}"
    raise NNSpecError(
        f"{path}: layer '{name}' is a {kind}, which nnspec has no layer kind for",
        hint="nnspec imports Dense, Dropout, Flatten, BatchNormalization, Conv2D, MaxPooling2D, Embedding "
        "and Activation layers",
    )


def _require(c: dict, name: str, kind: str, path, **settings) -> None:
    """Settings nnspec's layer always has; a model with others cannot be written as a spec."""
    for key, value in settings.items():
        have = c.get(key, value)
        if (list(have) if isinstance(have, (list, tuple)) else have) != value:
            raise NNSpecError(f"{path}: layer '{name}' ({kind}) has {key}={have!r}, which nnspec cannot express")


def _activation(c: dict, name: str, path) -> str:
    activation = c.get("activation", "linear")
    if isinstance(activation, dict):  # a serialized function or activation object
        activation = activation.get("config", {}).get("name") or activation.get("class_name")
    if activation not in ACTIVATIONS:
        raise NNSpecError(f"{path}: layer '{name}' uses activation '{activation}', which nnspec has no name for")
    mapped = ACTIVATIONS[activation]
    return f" {mapped}" if mapped else ""


def _inits(c: dict, name: str, path) -> str:
    text = ""
    for key, option, default in (("kernel_initializer", "init", "xavier"), ("bias_initializer", "bias", "zeros")):
        if key == "bias_initializer" and c.get("use_bias", True) is False:
            text += " bias=none"  # a layer built without bias (`bias=none`)
            continue
        value = _initializer(c.get(key), name, path)
        if value is not None and value != default:
            text += f" {option}={value}"
    return text


def _initializer(config, name: str, path) -> str | None:
    if config is None:
        return None
    if isinstance(config, str):
        config = {"class_name": "".join(part.title() for part in config.split("_")), "config": {}}
    kind, settings = config.get("class_name"), config.get("config") or {}
    if kind not in INITIALIZERS:
        raise NNSpecError(f"{path}: layer '{name}' uses initializer {kind}, which nnspec has no name for")
    nnspec_name, fixed = INITIALIZERS[kind]
    for key, value in fixed.items():
        if abs(float(settings.get(key, value)) - value) > 1e-9:
            raise NNSpecError(
                f"{path}: layer '{name}' uses {kind}({key}={settings[key]}); nnspec's '{nnspec_name}' "
                f"has {key}={value}"
            )
    return nnspec_name


def _train(compile_config, path) -> str | None:
    """The train line from the model's compile settings, when it was saved compiled."""
    if not compile_config:
        return None
    optimizer = compile_config.get("optimizer") or {}
    if isinstance(optimizer, str):
        optimizer = {"class_name": optimizer.title(), "config": {}}
    kind, settings = optimizer.get("class_name"), optimizer.get("config") or {}
    name = OPTIMIZERS.get(kind)
    if name is None:
        return None
    parts = ["train", "momentum" if name == "sgd" and settings.get("momentum") else name]
    lr = settings.get("learning_rate")
    if isinstance(lr, (int, float)):
        parts.append(f"lr={_number(lr)}")
    loss = compile_config.get("loss")
    if isinstance(loss, dict):
        loss = LOSSES.get(loss.get("class_name"))
    if loss in LOSSES.values():
        parts.append(f"loss={loss}")
    metrics = [_metric(m) for m in compile_config.get("metrics") or []]
    metrics = [m for m in metrics if m]
    if metrics:
        parts.append("metrics=" + ",".join(metrics))
    return " ".join(parts)


def _metric(metric) -> str | None:
    if isinstance(metric, dict):
        metric = (metric.get("config") or {}).get("name") or metric.get("class_name")
    return METRICS.get(str(metric).lower()) if metric else None


def _repeats(lines: list[str]) -> list[str]:
    """Runs of an identical line, or of an identical group of lines, written once with xN."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        best_size, best_count = 1, 1
        for size in range(1, (len(lines) - i) // 2 + 1):
            count = 1
            while lines[i + count * size:i + (count + 1) * size] == lines[i:i + size]:
                count += 1
            if count > 1 and size * count > best_size * best_count:
                best_size, best_count = size, count
        group = lines[i:i + best_size]
        if best_count == 1:
            out.append(group[0])
        elif best_size == 1:
            out.append(f"{group[0]} x{best_count}")
        else:
            out.append("{ " + "; ".join(group) + f" }} x{best_count}")
        i += best_size * best_count
    return out


def _pair(value) -> str:
    value = list(value) if isinstance(value, (list, tuple)) else [value, value]
    return "x".join(str(int(v)) for v in value)


def _number(value) -> str:
    return f"{float(value):g}" if isinstance(value, float) else str(value)
