"""What every generated script shares: the text builder, the data section, literals (see code.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import SpecError, UsageError
from ..forms import Code, KerasForm
from ..registry import snake_case
from ..types import Plan

SKLEARN_LOADERS = {"iris": "load_iris", "digits": "load_digits"}


@dataclass
class Script:
    """A script being written: its imports, then its sections in order."""

    title: str
    imports: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    in_function: bool = False  # the body of one variant's function in a sweep's script (code.py)

    @property
    def stop(self) -> str:
        """The statement `--build-only` stops with: the script's end, or the variant function's."""
        return "return" if self.in_function else "sys.exit(0)"

    def need(self, line: str) -> None:
        """Add an import line once."""
        if line not in self.imports:
            self.imports.append(line)

    def add(self, text: str) -> None:
        """Add a section (blocks of lines, separated by a blank line in the script)."""
        self.sections.append(text.strip("\n"))

    def render(self) -> str:
        """The whole script: docstring, sorted imports (standard library first), sections."""
        return self.head() + "\n\n" + self.body() + "\n"

    def head(self) -> str:
        """The docstring and the imports, sorted as isort sorts them (standard library first)."""
        def order(line: str) -> tuple:  # isort's: `import x` lines first, then `from x import y`
            return (line.startswith("from "), line.split()[1])

        standard = sorted((i for i in self.imports if i.split()[1] in ("os", "sys")), key=order)
        others = sorted((i for i in self.imports if i not in standard), key=order)
        head = [f'"""{self.title}"""', "", *standard]
        if standard and others:
            head.append("")
        head += others
        return "\n".join(head)

    def body(self) -> str:
        """The sections, a blank line between them."""
        return "\n\n".join(self.sections)


def write_data(plan: Plan, script: Script) -> None:
    """The data section: x_train, y_train, x_test, y_test (and x_val, y_val), labels encoded."""
    options = dict(plan.dataset_options)
    if plan.dataset in SKLEARN_LOADERS:
        _sklearn_data(plan, options, script)
    else:
        _plugin_data(plan, options, script)
    if plan.label_encoding == "onehot":
        script.need("import numpy as np")
    script.add(_encode_labels(plan))


def has_validation(plan: Plan) -> bool:
    """Whether the run validates: `val=` on the train line, or a dataset holding samples out."""
    return plan.train.val is not None or bool(plan.dataset_options.get("val"))


def _sklearn_data(plan: Plan, options: dict, script: Script) -> None:
    loader = SKLEARN_LOADERS[plan.dataset]
    script.need(f"from sklearn.datasets import {loader}")
    seed = options.get("seed") if options.get("seed") is not None else plan.seed
    written = f"data {plan.dataset} test={options['test']:g} seed={seed}"
    lines = [f"# the data: scikit-learn's copy, split as nnspec's `{written}` splits it",
             f"features, labels = {loader}(return_X_y=True)"]
    if plan.dataset == "digits":
        lines.append("features = (features / 16.0).astype(\"float32\")  # pixels 0..16 scaled to [0, 1]")
        if len(plan.input_shape) == 3:
            lines.append("features = features.reshape(-1, 8, 8, 1)  # images, not vectors (flatten=false)")
    else:
        lines.append("features = features.astype(\"float32\")")
    if options["test"]:
        script.need("from sklearn.model_selection import train_test_split")
        lines.append(
            "x_train, x_test, y_train, y_test = train_test_split(\n"
            f"    features, labels, test_size={options['test']!r}, random_state={seed})"
        )
    else:
        lines.append("x_train, y_train = x_test, y_test = features, labels  # test=0: evaluated on the training data")
    script.add("\n".join(lines))
    _hold_out(plan, script)


def _plugin_data(plan: Plan, options: dict, script: Script) -> None:
    if not plan.dataset:
        raise UsageError("the spec has no data line; a script needs data to train on")
    script.need("from nnspec.plugins import get_registries")
    lines = [
        f"# the data: nnspec's `{plan.dataset}` loader (offline copies, the run's preprocessing);",
        "# nnspec is used for the data only",
        _options_line(options),
        f"data = get_registries().datasets.get({py(plan.dataset)}).load(options, seed={plan.seed})",
        "x_train, y_train, x_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test",
    ]
    if options.get("val"):
        lines.append("x_val, y_val = data.x_val, data.y_val  # held out by the dataset (val=)")
    script.add("\n".join(lines))
    _hold_out(plan, script)


def _options_line(options: dict) -> str:
    """`options = {...}` on one line, or one option a line when that is long."""
    items = [f"{py(key)}: {py(value)}" for key, value in options.items()]
    line = "options = {" + ", ".join(items) + "}"
    return line if len(line) <= 95 else "options = {\n" + "".join(f"    {item},\n" for item in items) + "}"


def _hold_out(plan: Plan, script: Script) -> None:
    """`val=` on the train line: the last training samples, as Keras' validation_split takes them."""
    val = plan.train.val
    if val is None:
        return
    count = f"len(x_train) - int(len(x_train) * (1 - {val!r}))" if isinstance(val, float) else str(val)
    script.add(
        f"held_out = {count}  # val={val} on the train line: the last samples\n"
        "x_train, x_val = x_train[:-held_out], x_train[-held_out:]\n"
        "y_train, y_val = y_train[:-held_out], y_train[-held_out:]"
    )


def _encode_labels(plan: Plan) -> str:
    names = ["y_train", "y_test"] + (["y_val"] if has_validation(plan) else [])
    if plan.label_encoding == "onehot":
        classes = plan.layers[-1].output_shape[0]
        lines = ["# labels as one-hot rows, as categorical crossentropy wants them"]
        lines += [f"{name} = np.eye({classes}, dtype=\"float32\")[{name}]" for name in names]
    elif plan.label_encoding == "index":
        lines = ["# labels as class indexes (sparse crossentropy)"]
        lines += [f"{name} = {name}.astype(\"int32\")" for name in names]
    else:
        lines = ["# labels or targets as one float column"]
        lines += [f"{name} = {name}.astype(\"float32\").reshape(-1, 1)" for name in names]
    return "\n".join(lines)


def py(value) -> str:
    """A Python literal with double-quoted strings, as the rest of the script writes them."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(py(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def input_dtype(plan: Plan) -> str:
    """int32 for word indexes (an embedding first), else float32."""
    return "int32" if plan.layers and plan.layers[0].kind == "embedding" else "float32"


# ------------------------------------------------------------------ layers and names from their registrations

REGISTRIES = {"activation": "activations", "initializer": "initializers", "optimizer": "optimizers",
              "loss": "losses", "metric": "metrics"}


def layer_code(layer, backend: str):
    """The `code` function the layer kind's builder for `backend` registered; an error at its line without one."""
    from ..plugins import get_registries, resolve_reference

    registries = get_registries()
    builder = registries.layer_builders.get((backend, layer.kind))
    if builder is None or builder.code is None:
        provider = registries.layer_builder_providers.get((backend, layer.kind)) or registries.layers.provider.get(
            layer.kind, "?")
        raise SpecError(
            f"layer kind '{layer.kind}' (plugin '{provider}') has no code generator for backend '{backend}'",
            line=layer.line or None, column=layer.column or None, code="no-code",
            hint="its plugin can register one: LayerBuilder(..., code=...) (docs/plugins.md, Generated code)",
        )
    return resolve_reference(builder.code)


def layer_reads(layer, outputs: list[str], network_input: str):
    """What a layer's code is given: the name of the output it reads, or for a merge the list of them.

    `outputs` holds the names earlier layers' code returned; -1 in `layer.sources` is
    the network's input.
    """
    from ..plugins import get_registries

    names = [network_input if i < 0 else outputs[i] for i in layer.sources]
    return names if get_registries().layers.get(layer.kind).merges else names[0]


def name_code(script: Script, what: str, name: str, backend: str, where: tuple[int, int], **fields) -> str:
    """How a script on `backend` writes the name, from its registration (`Named.code`, or its KerasForm).

    A name without code for the backend is an error at `where` (the line that uses it).
    """
    from ..plugins import get_registries

    registry = getattr(get_registries(), REGISTRIES[what])
    named = registry.get(name)
    code = named.code.get(backend)
    if code is None and backend == "keras":
        code = keras_form_code(what, named, fields)
    if code is None:
        raise SpecError(
            f"{what} '{named.name}' (plugin '{registry.provider.get(named.name, '?')}') has no code for backend "
            f"'{backend}', so nnspec code cannot write it",
            line=where[0] or None, column=where[1] or None, code="no-code",
            hint=f"its plugin can say how: Named(..., code={{'{backend}': ...}}) (docs/plugins.md, Generated code)",
        )
    code = code if isinstance(code, Code) else Code(code)
    for line in code.imports:
        script.need(line)
    return code.render(**fields)


def keras_form_code(what: str, named, fields: dict) -> str | None:
    """A Keras script's text for a name from its first KerasForm (None without one)."""
    if not named.keras:
        return None
    form = named.keras[0] if isinstance(named.keras[0], KerasForm) else KerasForm(named.keras[0])
    is_class = form.name[:1].isupper()
    if what == "initializer" and is_class and not form.fixed:
        return py(snake_case(form.name))  # "he_normal": Keras' own name for the class
    if what == "optimizer":
        options = fields.get("options", {})
        written = {"learning_rate": fields["lr"], **{k: py(v) for k, v in form.fixed.items()},
                   **{key: options[option] for key, option in form.options.items() if option in options}}
        return f"keras.optimizers.{form.name}(" + ", ".join(f"{k}={v}" for k, v in written.items()) + ")"
    if what == "loss" and is_class:
        return f"keras.losses.{form.name}(from_logits=True)" if fields.get("from_logits") else py(snake_case(form.name))
    if what == "initializer" and is_class:
        return f"keras.initializers.{form.name}(" + ", ".join(f"{k}={py(v)}" for k, v in form.fixed.items()) + ")"
    return py(form.name)


def train_where(plan: Plan) -> tuple[int, int]:
    """Where the train line is (the first layer's line when the spec has none)."""
    stmt = getattr(plan.spec, "train", None)
    if stmt is not None and stmt.line:
        return stmt.line, stmt.column
    return plan.layers[0].line, plan.layers[0].column


def optimizer_fields(plan: Plan) -> dict:
    """The fields of an optimizer's code: `lr` and each option, as Python literals."""
    options = {key: py(value) for key, value in plan.train.options.items()}
    return {"lr": py(plan.train.lr), **options, "options": options}
