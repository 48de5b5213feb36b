"""The TF1 script for a plan, as the course writes it (see code.py).

Placeholders for inputs and labels, `get_variable` weights with the spec's
initializers, the layers as `tf.matmul` / `tf.nn` ops, a `tf.compat.v1.train`
optimizer, a `Session` and a loop over shuffled mini-batches fed with `feed_dict`
under a tqdm bar, then the test metrics from the same graph. Each layer is written by
the `code` function its tf1 `LayerBuilder` registered (the core kinds' are in
nnspec/builtins/backends/tf1_layers.py), each name by its registration
(`Named.code["tf1"]`): this module keeps no table of its own.
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

V1 = "tf.compat.v1"


class Graph:
    """What a tf1 layer's `code(x, layer, graph)` receives: the script's network, written line by line.

    - `graph.line(text)`: add a line to the network's section;
    - `graph.variable(name, shape, init, trainable=True)`: a `get_variable` line with the
      initializer an initializer *name* stands for (as the script writes it); returns `name`;
    - `graph.keep_prob(rate)`: the name of the keep-probability placeholder of a dropout rate;
    - `graph.use_training()`: the name of the bool placeholder the training step feeds True;
    - `graph.activate(expression, activation, name)`: `name = activation(expression)` (the
      last layer keeps its pre-activation as `logits` when the loss can take them); returns `name`;
    - `graph.activation(name, x)`: the expression of an activation applied to `x`.
    """

    def __init__(self, plan: Plan, script: Script) -> None:
        self.plan = plan
        self.script = script
        self.lines: list[str] = []
        self.keep_probs: dict[float, str] = {}  # dropout rate -> its placeholder's name
        self.training = False  # a layer asked for the `training` placeholder
        self.logits: str | None = None  # the last layer's pre-activation, when it has one
        self.initializers: dict[str, str] = {}  # initializer name -> its line, in the order the layers use them
        self.layer = None
        self.is_last = False

    def line(self, text: str) -> None:
        self.lines.append(text)

    def keep_prob(self, rate: float) -> str:
        if rate not in self.keep_probs:
            self.keep_probs[rate] = "keep_prob" if not self.keep_probs else f"keep_prob_{len(self.keep_probs) + 1}"
        return self.keep_probs[rate]

    def use_training(self) -> str:
        self.training = True
        return "training"

    def variable(self, name: str, shape, init: str, trainable: bool = True) -> str:
        extra = ", trainable=False" if not trainable else ""
        shape_text = "[" + ", ".join(str(int(d)) for d in shape) + "]"
        if init not in self.initializers:
            code = name_code(self.script, "initializer", init, "tf1", self._where())
            self.initializers[init] = f"{init} = {code}"
        self.lines.append(f"{name} = {V1}.get_variable(\"{name}\", {shape_text}, initializer={init}{extra})")
        return name

    def activation(self, name: str, x: str) -> str:
        if x.isidentifier():
            return name_code(self.script, "activation", name, "tf1", self._where(), x=x)
        # an expression goes in parentheses (`{x} * tf.tanh({x})`), none doubled inside a call
        text = name_code(self.script, "activation", name, "tf1", self._where(), x=f"({x})")
        return text.replace(f"(({x}))", f"({x})").replace(f"(({x}), ", f"({x}, ")

    def activate(self, expression: str, activation, name: str) -> str:
        if activation is None:
            self.lines.append(f"{name} = {expression}")
            return name
        if self.is_last and activation == _logits_of(self.plan):
            self.lines.append(f"logits = {expression}")
            self.logits = "logits"
            expression = "logits"
        self.lines.append(f"{name} = {self.activation(activation, expression)}")
        return name

    def _where(self) -> tuple[int, int]:
        return (self.layer.line, self.layer.column) if self.layer is not None else (0, 0)


def _logits_of(plan: Plan) -> str | None:
    """The output activation whose logits the plan's loss can take (softmax, sigmoid), from its registration."""
    from ..plugins import get_registries

    return getattr(get_registries().losses.get(plan.train.loss), "logits", None)


def write_tf1(plan: Plan, script: Script) -> None:
    """Fill `script` with the TF1 graph version of `plan`."""
    for line in ("import sys", "import numpy as np", "import tensorflow as tf", "from tqdm import tqdm"):
        script.need(line)
    fresh = f"\n{V1}.reset_default_graph()  # this variant's graph, not the last one's" if script.in_function else ""
    script.add(f"{V1}.disable_eager_execution(){fresh}\n{V1}.set_random_seed({plan.seed})")
    graph = Graph(plan, script)
    outputs: list[str] = []  # each layer's output tensor's name, for the branches and merges that read it
    for i, layer in enumerate(plan.layers):
        graph.layer, graph.is_last = layer, i == len(plan.layers) - 1
        outputs.append(layer_code(layer, "tf1")(layer_reads(layer, outputs, "x"), layer, graph))
    output = outputs[-1]
    label_shape = "[None]" if plan.label_encoding == "index" else f"[None, {plan.layers[-1].output_shape[0]}]"
    label_dtype = "tf.int32" if plan.label_encoding == "index" else "tf.float32"
    inputs = [
        "# the network",
        f"x = {V1}.placeholder(tf.{input_dtype(plan)}, [None, {', '.join(map(str, plan.input_shape))}], name=\"x\")",
        f"y = {V1}.placeholder({label_dtype}, {label_shape}, name=\"y\")",
    ]
    for rate, name in graph.keep_probs.items():
        inputs.append(f"{name} = {V1}.placeholder_with_default(1.0, (), name=\"{name}\")  # fed {1 - rate:g} to train")
    if graph.training:
        inputs.append(f"training = {V1}.placeholder_with_default(False, (), name=\"training\")  # fed True to train")
    inits = list(graph.initializers.values())
    script.add("\n".join(inputs) + ("\n\n" + "\n".join(inits) if inits else "") + "\n\n"
               + "\n".join(graph.lines) + f"\noutput = {output}")
    script.add(
        f"parameters = sum(int(np.prod(v.shape)) for v in {V1}.global_variables())  # before the optimizer's"
    )
    script.add(_objectives(plan, graph))
    script.add(
        "print(\"parameters:\", parameters)\n"
        "if \"--build-only\" in sys.argv:  # stop before loading data and training\n"
        f"    {script.stop}"
    )
    write_data(plan, script)
    script.add(_session_loop(plan, graph))


def _objectives(plan: Plan, graph: Graph) -> str:
    """The loss, the training op and the metrics, each written as its registration says."""
    t, where = plan.train, train_where(plan)
    logits = "output" if t.from_logits else graph.logits
    per_sample = name_code(graph.script, "loss", t.loss, "tf1", where, y="y", output="output", logits=logits)
    lines = ["# loss, optimizer and metrics", f"loss = tf.reduce_mean({per_sample})"]
    optimizer = name_code(graph.script, "optimizer", t.optimizer, "tf1", where, **optimizer_fields(plan))
    if graph.training:
        lines.append(f"with tf.control_dependencies({V1}.get_collection({V1}.GraphKeys.UPDATE_OPS)):")
        lines.append(f"    train_op = {optimizer}.minimize(loss)")
    else:
        lines.append(f"train_op = {optimizer}.minimize(loss)")
    metrics = {"loss": "loss"}
    for name in t.metrics:
        variable = f"metric_{name}" if name in ("loss", "x", "y", "output") else name
        metrics[name] = variable
        value = name_code(graph.script, "metric", name, "tf1", where, y="y", output="output",
                          label_encoding=plan.label_encoding, from_logits=t.from_logits)
        lines.append(f"{variable} = {value}")
    lines.append("metrics = {" + ", ".join(f"{py(k)}: {v}" for k, v in metrics.items()) + "}")
    return "\n".join(lines)


def _session_loop(plan: Plan, graph: Graph) -> str:
    t = plan.train
    feed = ["x: x_train[rows]", "y: y_train[rows]"]
    feed += [f"{name}: {1 - rate:g}" for rate, name in graph.keep_probs.items()]
    if graph.training:
        feed.append("training: True")
    batch = t.batch if t.batch is not None else "len(x_train)"
    lines = [
        "# training: one sess.run per mini-batch, fed with feed_dict",
        f"epochs, batch_size = {t.epochs}, {batch}",
        f"rng = np.random.default_rng({plan.seed})",
        f"sess = {V1}.Session()",
        f"sess.run({V1}.global_variables_initializer())",
        "for epoch in range(epochs):",
        "    order = rng.permutation(len(x_train))",
        "    total_loss = 0.0",
        "    batches = tqdm(range(0, len(x_train), batch_size), desc=f\"epoch {epoch + 1}/{epochs}\", leave=False)",
        "    for start in batches:",
        "        rows = order[start:start + batch_size]",
        f"        feed = {{{', '.join(feed)}}}",
        "        _, batch_loss = sess.run([train_op, loss], feed_dict=feed)",
        "        total_loss += batch_loss * len(rows)",
        "        batches.set_postfix(loss=f\"{batch_loss:.4f}\")",
        "    line = f\"epoch {epoch + 1}/{epochs}  loss {total_loss / len(x_train):.4f}\"",
    ]
    if has_validation(plan):
        lines += [
            "    for name, value in sess.run(metrics, feed_dict={x: x_val, y: y_val}).items():",
            "        line += f\"  val_{name} {value:.4f}\"",
        ]
    lines += [
        "    print(line)",
        "",
        "# evaluation on the test split (dropout off: keep_prob defaults to 1.0)",
        "for name, value in sess.run(metrics, feed_dict={x: x_test, y: y_test}).items():",
        "    print(f\"test {name} {value:.4f}\")",
    ]
    return "\n".join(lines)
