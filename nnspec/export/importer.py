"""`nnspec import`: the spec of a Keras Sequential or functional model, from a .keras file or a JSON config.

Only the model's configuration is read (keras_config.py: bounded by size before and
while it is read), so importing needs neither TensorFlow nor the weights. Nothing
here names a layer or a name: each Keras layer class is read by the keras
`LayerBuilder` that lists it in `reads` (its `read(config, reader)` gives the layer
kind's arguments), and each activation, initializer, optimizer, loss and metric is
found by the `KerasForm`s its registration lists, plugins' included. Every value is
written into the spec text by `spec_line`, checked against the kind's `Param`s, so a
crafted config cannot add text of its own; the text is read back before it is
returned. Runs of identical layers, or of identical groups of layers, are written
once with `xN`. Anything nnspec cannot say (another layer class, a regularizer, an
initializer with other settings) or cannot read (a config of the wrong shape) is an
error naming the file and the layer.
"""
from __future__ import annotations

import math
import re
import struct
from pathlib import Path

from ..dsl.options import MAX_SIZE
from ..errors import NNSpecError
from ..forms import KerasForm
from .functional import functional_lines
from .keras_config import read_config, shown

UNUSED_OPTIONS = ("kernel_regularizer", "bias_regularizer", "activity_regularizer",
                  "kernel_constraint", "bias_constraint", "recurrent_regularizer", "recurrent_constraint")
WORD = re.compile(r"[a-z_][a-z0-9_]*")


def import_model(path: str | Path) -> str:
    """The spec text of the Sequential or functional model in a .keras file or a Keras JSON config."""
    path = Path(path)
    config = read_config(path).data
    reader = Reader(path)
    try:
        text = _spec_text(config, path, reader)
    except NNSpecError:
        raise
    except (AttributeError, TypeError, KeyError, IndexError, ValueError, RecursionError) as error:
        # a config of the wrong shape (a list where a layer belongs, a missing key): say where, not a traceback
        where = f"layer {shown(reader.layer_name)}" if reader.layer_name else "the model"
        raise NNSpecError(f"{path}: {where} cannot be read as a Keras config ({type(error).__name__}: "
                          f"{shown(str(error))[1:-1][:120]})") from None
    _check_reads_back(text, path)
    return text


def _spec_text(config: dict, path: Path, reader: "Reader") -> str:
    kind = config.get("class_name", "model") if isinstance(config, dict) else "model"
    if kind not in ("Sequential", "Functional"):
        raise NNSpecError(f"{path}: a {shown(kind)[1:-1]} model; nnspec imports Sequential and functional models")
    layers = config.get("config", {}).get("layers", [])
    shape = _input_shape(config, layers, path)
    if kind == "Functional":  # a graph: chains, residual blocks and branches (functional.py)
        lines = functional_lines(config, path, reader)
    else:
        lines = [reader.layer_line(layer) for layer in layers if layer.get("class_name") != "InputLayer"]
    text = [f"# imported from {_printable(path.name)}", "# add a data line (`nnspec datasets` lists them) to train it",
            f"input {'x'.join(str(d) for d in shape)}", *_repeats(lines)]
    reader.layer_name = ""
    train = reader.train_line(config.get("compile_config"))
    if train:
        text.append(train)
    return "\n".join(text) + "\n"


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
    if not isinstance(shape, list) or len(shape) < 2 or not all(_whole(d) and 1 <= d <= MAX_SIZE for d in shape[1:]):
        raise NNSpecError(f"{path}: the model's input shape is {shown(shape)}, not a batch shape such as "
                          "[null, 28, 28, 1]")
    return [int(d) for d in shape[1:]]


def _check_reads_back(text: str, path: Path) -> None:
    """The written text must be a spec of layers (and a train line) that parses."""
    from ..dsl.ast import Block, InputStmt, LayerStmt, TrainStmt
    from ..dsl.parser import parse

    try:
        spec = parse(text)
    except NNSpecError as error:  # past a size limit of the language, say
        raise NNSpecError(f"{path}: the model cannot be written as a spec: {error.message}") from None
    if not all(isinstance(s, (InputStmt, LayerStmt, TrainStmt, Block)) for s in spec.statements) \
            or len(spec.comments) != 2:
        raise NNSpecError("the imported spec does not read back as written (a bug in nnspec import)")


def _printable(text: str) -> str:
    """`text` with what could end a line or hide in a comment shown as '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


class Reader:
    """What a keras builder's `read(config, reader)` receives: Keras' names mapped back through the registrations."""

    def __init__(self, path) -> None:
        from ..plugins import get_registries

        self.path = path
        self.registries = get_registries()
        self.layer_name = ""
        self.layer_class = ""

    # ---- for the builders' read functions

    def fail(self, message: str, hint: str | None = None) -> NNSpecError:
        """An error about the layer being read (raise it)."""
        return NNSpecError(f"{self.path}: layer {shown(self.layer_name)} ({_printable(str(self.layer_class))}) {message}",
                           hint=hint)

    def require(self, config: dict, **settings) -> None:
        """Settings nnspec's layer always has; a model with others cannot be written as a spec."""
        for key, value in settings.items():
            have = config.get(key, value)
            if (list(have) if isinstance(have, (list, tuple)) else have) != value:
                raise self.fail(f"has {key}={shown(have)}, "
                                "which nnspec cannot express")

    def activation(self, config: dict, key: str = "activation") -> str | None:
        """The nnspec activation of `config[key]` (None for linear, Keras' 'no activation')."""
        value = config.get(key, "linear")
        if isinstance(value, dict):  # a serialized function or activation object
            inner = value.get("config")
            value = inner if isinstance(inner, str) else (inner or {}).get("name") or value.get("class_name")
        name = self._named("activations", value)
        if name is None:
            raise self.fail(f"uses activation {shown(value)}, which nnspec has no name for")
        return None if name == "linear" else name

    def initializer(self, value) -> str | None:
        """The nnspec initializer of a Keras initializer config (a name or a dict); None when absent."""
        if value is None:
            return None
        if isinstance(value, str):
            value = {"class_name": "".join(part.title() for part in value.split("_")), "config": {}}
        kind, settings = value.get("class_name"), value.get("config") or {}
        found = self._match("initializers", kind, settings)
        if found is None:
            fixed = self._forms("initializers", kind)
            if fixed:  # the class is known, with other settings
                name, form = fixed[0]
                key = next(k for k, v in form.fixed.items() if not _same(settings.get(k, v), v))
                raise self.fail(f"uses {_printable(str(kind))}({key}={shown(settings[key])}); nnspec's '{name}' "
                                f"has {key}={form.fixed[key]}")
            raise self.fail(f"uses initializer {shown(kind)}, which nnspec has no name for")
        return found[0]

    # ---- layers and the train line

    def layer_line(self, layer: dict) -> str:
        """One Keras layer as a spec line, read by the builder that lists its class."""
        from ..plugins import resolve_reference

        self.layer_class, config = layer.get("class_name"), layer.get("config") or {}
        self.layer_name = config.get("name", self.layer_class)
        for option in UNUSED_OPTIONS:
            if config.get(option) is not None:
                raise self.fail(f"has a {option}, which nnspec cannot express")
        readers = [b for (backend, _), b in self.registries.layer_builders.items()
                   if backend == "keras" and self.layer_class in b.reads and b.read is not None]
        for builder in readers:
            args = resolve_reference(builder.read)(config, self)
            if args is not None:
                return spec_line(builder.kind, args, self)
        known = sorted({c for (backend, _), b in self.registries.layer_builders.items() if backend == "keras"
                        for c in b.reads})
        raise NNSpecError(f"{self.path}: layer {shown(self.layer_name)} is a {_printable(str(self.layer_class))}, "
                          "which nnspec has no layer kind for", hint="nnspec imports " + ", ".join(known))

    def train_line(self, compile_config) -> str | None:
        """The train line from the model's compile settings, when it was saved compiled."""
        if not compile_config:
            return None
        optimizer = compile_config.get("optimizer") or {}
        if isinstance(optimizer, str):
            optimizer = {"class_name": optimizer.title(), "config": {}}
        settings = optimizer.get("config") or {}
        found = self._match("optimizers", optimizer.get("class_name"), settings)
        if found is None:
            return None
        name, form = found
        params = {p.name: p for p in self.registries.optimizers.get(name).options}
        parts = ["train", name]
        written = {"lr": settings.get("learning_rate"),
                   **{option: settings.get(key) for key, option in form.options.items()}}
        for option, value in written.items():
            param = params.get(option)
            if param is not None and isinstance(value, (bool, int, float)) and not _same(value, param.default):
                parts.append(f"{option}={_value(param, value, self)}")
        loss = compile_config.get("loss")
        loss = self._named("losses", loss.get("class_name") if isinstance(loss, dict) else loss)
        if loss:
            parts.append(f"loss={loss}")
        metrics = [self._named("metrics", _metric_name(m)) for m in compile_config.get("metrics") or []]
        if any(metrics):
            parts.append("metrics=" + ",".join(m for m in metrics if m))
        return " ".join(parts)

    # ---- the registrations' KerasForms

    def _forms(self, registry: str, keras_name) -> list[tuple[str, KerasForm]]:
        """(nnspec name, form) for each registered name with a form of this Keras name."""
        names = getattr(self.registries, registry)
        found = []
        for name in names.names():
            for form in names.get(name).keras:
                form = form if isinstance(form, KerasForm) else KerasForm(form)
                if form.name == keras_name or (isinstance(keras_name, str) and form.name.lower() == keras_name.lower()):
                    found.append((name, form))
        return found

    def _match(self, registry: str, keras_name, settings: dict) -> tuple[str, KerasForm] | None:
        """The name whose form has this Keras name and whose fixed settings the config has (the most specific)."""
        candidates = [(name, form) for name, form in self._forms(registry, keras_name)
                      if all(_same(settings.get(k, v), v) for k, v in form.fixed.items())]
        return max(candidates, key=lambda item: len(item[1].fixed), default=None)

    def _named(self, registry: str, keras_name) -> str | None:
        found = self._match(registry, keras_name, {}) if keras_name else None
        return found[0] if found else None


def _metric_name(metric) -> str | None:
    if isinstance(metric, dict):
        return (metric.get("config") or {}).get("name") or metric.get("class_name")
    return metric


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) <= 1e-9
    return a == b


# ------------------------------------------------------------------ writing a layer's arguments


def spec_line(kind_name: str, args: dict, reader: Reader) -> str:
    """`kind positional ... option=value ...`: the arguments that differ from the kind's defaults.

    Positional arguments are written in order as long as none before them was left
    out; the others as `key=value`. Each value is checked against its `Param` first.
    """
    kind = reader.registries.layers.get(kind_name)
    words, in_order = [kind_name], True
    for param in kind.positional:
        value = args.get(param.name, param.default)
        if not param.required and _same(value, param.default):
            in_order = False
            continue
        text = _value(param, value, reader)
        words.append(text if in_order else f"{param.name}={text}")
    for param in kind.options:
        value = args.get(param.name, param.default)
        if param.required or not _same(value, param.default):
            words.append(f"{param.name}={_value(param, value, reader)}")
    return " ".join(words)


def _value(param, value, reader: Reader) -> str:
    """One value as spec text, when it is what the parameter takes (a crafted config cannot inject text)."""
    kind = param.type
    if kind == "bool" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "shape" and isinstance(value, (list, tuple)) and value and all(_whole(v) for v in value):
        return "x".join(str(int(v)) for v in value)
    if kind == "shape" and _whole(value):
        return str(int(value))
    if kind in ("int", "int_or_all") and _whole(value):
        return str(int(value))
    if kind in ("float", "number", "fraction", "int_or_fraction") and _number(value):
        return str(int(value)) if _whole(value) else _float_text(float(value))
    if kind not in ("int", "float", "number", "fraction", "bool", "shape") and isinstance(value, str) \
            and WORD.fullmatch(value):
        return value
    raise reader.fail(f"has {param.name}={shown(value)}, "
                      f"which is not a {kind} nnspec can write")


def _float_text(value: float) -> str:
    """The shortest text that reads back as `value` (`0.3`, `1e-05`), as a float32 when Keras stored one."""
    single = _float32(value) == value  # 0.009999999776482582 is Keras' float32 0.01
    for digits in range(1, 18):
        text = f"{value:.{digits}g}"
        if float(text) == value or (single and _float32(float(text)) == value):
            return text
    return repr(value)


def _float32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value) -> bool:
    return _number(value) and isinstance(value, int)


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
