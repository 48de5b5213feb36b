"""The Keras script for a plan: the network, compile, fit, evaluate (see code.py).

Each layer is written by the `code` function its keras `LayerBuilder` registered
(nnspec/builtins/backends/keras_layers.py for the core kinds), each name by its
registration (`Named.code["keras"]`, or its first `KerasForm`): this module keeps no
table of its own. A layer's code is the expression of a new Keras layer; the network
is then a `keras.Sequential`. Code that is a template of the incoming tensor `{x}`
(a layer that is a function of its input, such as self-attention) makes the script
write the network with Keras' functional API instead.
"""

from __future__ import annotations

from ..types import Plan
from .script import (
    Script,
    has_validation,
    input_dtype,
    layer_code,
    layer_reads,
    name_code,
    optimizer_fields,
    py,
    train_where,
    write_data,
)


class KerasWriter:
    """What a keras layer's `code(layer, script)` receives: how names and values are written."""

    def __init__(self, plan: Plan, script: Script) -> None:
        self.plan = plan
        self.script = script
        self.layer = None
        self.definitions: dict[str, str] = {}  # initializer name -> its line before the model

    def activation(self, name: str | None) -> str | None:
        """The text of `activation=` for an activation name (None: None)."""
        if name is None:
            return None
        return name_code(self.script, "activation", name, "keras", self._where())

    def initializer(self, name: str) -> str:
        """The text of `kernel_initializer=` (or any initializer argument) for an initializer name.

        An initializer written as a call (`keras.initializers.RandomNormal(...)`) is defined
        once before the model and named after the nnspec name.
        """
        code = name_code(self.script, "initializer", name, "keras", self._where())
        if code.startswith('"') or code.isidentifier():
            return code
        self.definitions.setdefault(name, f"{name} = {code}")
        return name

    def need(self, line: str) -> None:
        """Add an import line to the script (once)."""
        self.script.need(line)

    def literal(self, value) -> str:
        """A Python literal, strings double-quoted."""
        return py(value)

    def _where(self) -> tuple[int, int]:
        return (self.layer.line, self.layer.column) if self.layer is not None else (0, 0)


def write_keras(plan: Plan, script: Script) -> None:
    """Fill `script` with the Keras version of `plan`."""
    for line in ("import sys", "import keras"):
        script.need(line)
    script.add(f"keras.utils.set_random_seed({plan.seed})")
    writer = KerasWriter(plan, script)
    written = []
    for layer in plan.layers:
        writer.layer = layer
        written.append(layer_code(layer, "keras")(layer, writer))
    definitions = "".join(line + "\n" for line in writer.definitions.values())
    script.add("# the network\n" + definitions + _network(plan, written))
    where = train_where(plan)
    t = plan.train
    optimizer = name_code(script, "optimizer", t.optimizer, "keras", where, **optimizer_fields(plan))
    loss = name_code(script, "loss", t.loss, "keras", where, from_logits=t.from_logits)
    metrics = [name_code(script, "metric", m, "keras", where, label_encoding=plan.label_encoding,
                         from_logits=t.from_logits) for m in t.metrics]
    script.add(
        f"model.compile(\n    optimizer={optimizer},\n    loss={loss},\n"
        f"    metrics=[{', '.join(metrics)}],\n)\n"
        "model.summary()\n"
        "print(\"parameters:\", model.count_params())\n"
        "if \"--build-only\" in sys.argv:  # stop before loading data and training\n"
        f"    {script.stop}"
    )
    write_data(plan, script)
    batch = plan.train.batch if plan.train.batch is not None else "len(x_train)"
    validation = ", validation_data=(x_val, y_val)" if has_validation(plan) else ""
    script.add(
        "# training\n"
        f"model.fit(x_train, y_train, epochs={plan.train.epochs}, batch_size={batch}{validation}, verbose=2)"
    )
    script.add(
        "# evaluation on the test split\n"
        "results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)\n"
        "for name, value in results.items():\n"
        "    print(f\"test {name} {value:.4f}\")"
    )


def _network(plan: Plan, written: list[str]) -> str:
    """`model = keras.Sequential([...])`, or the functional form for a graph or a layer that is a function of `{x}`."""
    inputs = f"keras.Input(shape={tuple(plan.input_shape)!r}, dtype=\"{input_dtype(plan)}\")"
    if plan.is_graph:  # each layer's output named after it, so that branches and merges can read it
        lines, outputs = [f"inputs = {inputs}"], []
        for layer, text in zip(plan.layers, written):
            reads = layer_reads(layer, outputs, "inputs")
            given = f"[{', '.join(reads)}]" if isinstance(reads, list) else reads
            lines.append(f"{layer.name} = " + (text.replace("{x}", given) if "{x}" in text else f"{text}({given})"))
            outputs.append(layer.name)
        return "\n".join([*lines, f"model = keras.Model(inputs, {outputs[-1]})"])
    if not any("{x}" in text for text in written):
        return "model = keras.Sequential([\n" + "".join(f"    {line},\n" for line in [inputs, *written]) + "])"
    lines = [f"inputs = {inputs}", "x = inputs"]
    for text in written:
        lines.append(f"x = {text.replace('{x}', 'x')}" if "{x}" in text else f"x = {text}(x)")
    lines.append("model = keras.Model(inputs, x)")
    return "\n".join(lines)
