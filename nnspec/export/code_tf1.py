"""The TF1 script for a plan, as the course writes it (see code.py).

Placeholders for inputs and labels, `get_variable` weights with the spec's
initializers, the layers as `tf.matmul` / `tf.nn` ops, a `tf.compat.v1.train`
optimizer, a `Session` and a loop over shuffled mini-batches fed with `feed_dict`
under a tqdm bar, then the test metrics from the same graph.
"""

from __future__ import annotations

from ..errors import UsageError
from ..types import Plan
from .script import Script, has_validation, input_dtype, py, unsupported, write_data

V1 = "tf.compat.v1"
INITIALIZERS = {
    "xavier_uniform": f"{V1}.glorot_uniform_initializer()",  # = tf.contrib.layers.xavier_initializer()
    "xavier_normal": f"{V1}.glorot_normal_initializer()",
    "he_normal": f'{V1}.variance_scaling_initializer(2.0, "fan_in", "truncated_normal")',
    "he_uniform": f'{V1}.variance_scaling_initializer(2.0, "fan_in", "uniform")',
    "lecun_normal": f'{V1}.variance_scaling_initializer(1.0, "fan_in", "truncated_normal")',
    "lecun_uniform": f'{V1}.variance_scaling_initializer(1.0, "fan_in", "uniform")',
    "zeros": f"{V1}.zeros_initializer()",
    "ones": f"{V1}.ones_initializer()",
    "normal": f"{V1}.random_normal_initializer(0.0, 1.0)",  # tf.random_normal
    "uniform": f"{V1}.random_uniform_initializer(-0.05, 0.05)",
    "truncated_normal": f"{V1}.truncated_normal_initializer(0.0, 0.05)",
}
ACTIVATIONS = {
    "relu": "tf.nn.relu",
    "sigmoid": "tf.sigmoid",
    "tanh": "tf.tanh",
    "softmax": "tf.nn.softmax",
    "linear": "tf.identity",
    "elu": "tf.nn.elu",
    "selu": "tf.nn.selu",
    "leaky_relu": "tf.nn.leaky_relu",  # alpha 0.2, as Keras
    "gelu": "tf.nn.gelu",
    "swish": "tf.nn.silu",
}
OPTIMIZERS = {
    "sgd": "GradientDescentOptimizer({lr})",
    "momentum": "MomentumOptimizer({lr}, momentum={momentum}, use_nesterov={nesterov})",
    "adagrad": "AdagradOptimizer({lr})",
    "rmsprop": "RMSPropOptimizer({lr}, decay={rho})",
    "adam": "AdamOptimizer({lr}, beta1={beta1}, beta2={beta2})",
}


class Graph:
    """The network's lines as they are written, layer by layer."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.lines: list[str] = []
        self.keep_probs: dict[float, str] = {}  # dropout rate -> its placeholder's name
        self.training = False  # a batchnorm asks for the `training` placeholder
        self.logits: str | None = None  # the last layer's pre-activation, when it has one
        self.initializers: list[str] = []  # initializer names in the order the layers use them

    def keep_prob(self, rate: float) -> str:
        if rate not in self.keep_probs:
            self.keep_probs[rate] = "keep_prob" if not self.keep_probs else f"keep_prob_{len(self.keep_probs) + 1}"
        return self.keep_probs[rate]

    def variable(self, name: str, shape, init: str, trainable: bool = True) -> str:
        extra = ", trainable=False" if not trainable else ""
        shape_text = "[" + ", ".join(str(int(d)) for d in shape) + "]"
        if init not in self.initializers:
            self.initializers.append(init)
        self.lines.append(f"{name} = {V1}.get_variable(\"{name}\", {shape_text}, initializer={init}{extra})")
        return name


def write_tf1(plan: Plan, script: Script) -> None:
    """Fill `script` with the TF1 graph version of `plan`."""
    for line in ("import sys", "import numpy as np", "import tensorflow as tf", "from tqdm import tqdm"):
        script.need(line)
    script.add(f"{V1}.disable_eager_execution()\n{V1}.set_random_seed({plan.seed})")
    graph = Graph(plan)
    output = "x"
    last = len(plan.layers) - 1
    for i, layer in enumerate(plan.layers):
        output = _layer(graph, layer, output, is_last=i == last)
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
    inits = [f"{name} = {INITIALIZERS[name]}" for name in graph.initializers]
    script.add("\n".join(inputs) + "\n\n" + "\n".join(inits) + "\n\n" + "\n".join(graph.lines) + f"\noutput = {output}")
    script.add(
        f"parameters = sum(int(np.prod(v.shape)) for v in {V1}.global_variables())  # before the optimizer's"
    )
    script.add(_objectives(plan, graph, output))
    script.add(
        "print(\"parameters:\", parameters)\n"
        "if \"--build-only\" in sys.argv:  # stop before loading data and training\n"
        "    sys.exit(0)"
    )
    write_data(plan, script)
    script.add(_session_loop(plan, graph))


def _activate(graph: Graph, expression: str, activation, name: str, is_last: bool) -> str:
    """`name = activation(expression)`; the last layer keeps its pre-activation as `logits`."""
    if activation is None:
        graph.lines.append(f"{name} = {expression}")
        return name
    if is_last and activation in ("softmax", "sigmoid"):
        graph.lines.append(f"logits = {expression}")
        graph.logits = "logits"
        graph.lines.append(f"{name} = {ACTIVATIONS[activation]}(logits)")
        return name
    graph.lines.append(f"{name} = {ACTIVATIONS[activation]}({expression})")
    return name


def _layer(graph: Graph, layer, x: str, is_last: bool) -> str:
    a, n = layer.args, layer.index + 1
    out = f"L{n}"
    if layer.kind == "dense":
        w = graph.variable(f"W{n}", [layer.input_shape[0], a["units"]], a["init"])
        b = graph.variable(f"b{n}", [a["units"]], a["bias"])
        return _activate(graph, f"tf.matmul({x}, {w}) + {b}", a["activation"], out, is_last)
    if layer.kind == "conv2d":
        w = graph.variable(f"W{n}", [*a["kernel"], layer.input_shape[-1], a["filters"]], a["init"])
        b = graph.variable(f"b{n}", [a["filters"]], a["bias"])
        strides = f"[1, {a['stride'][0]}, {a['stride'][1]}, 1]"
        conv = f"tf.nn.conv2d({x}, {w}, strides={strides}, padding=\"{a['padding'].upper()}\") + {b}"
        return _activate(graph, conv, a["activation"], out, is_last)
    if layer.kind == "maxpool":
        graph.lines.append(
            f"{out} = tf.nn.max_pool2d({x}, ksize=[1, {a['pool'][0]}, {a['pool'][1]}, 1], "
            f"strides=[1, {a['stride'][0]}, {a['stride'][1]}, 1], padding=\"{a['padding'].upper()}\")"
        )
    elif layer.kind == "flatten":
        graph.lines.append(f"{out} = tf.reshape({x}, [-1, {layer.output_shape[0]}])")
    elif layer.kind == "dropout":
        keep = graph.keep_prob(float(a["rate"]))
        graph.lines.append(f"{out} = tf.nn.dropout({x}, rate=1.0 - {keep})")
    elif layer.kind == "activation":
        return _activate(graph, x, a["activation"], out, is_last)
    elif layer.kind == "embedding":
        table = graph.variable(f"E{n}", [a["vocab"], a["dim"]], "uniform")
        graph.lines.append(f"{out} = tf.nn.embedding_lookup({table}, {x})")
    elif layer.kind == "batchnorm":
        _batchnorm(graph, layer, x, out)
    else:
        raise unsupported(layer)
    return out


def _batchnorm(graph: Graph, layer, x: str, out: str) -> None:
    """Batch statistics while training (updating the moving ones), moving statistics otherwise."""
    graph.training = True
    n, a = layer.index + 1, layer.args
    channels = [layer.input_shape[-1]]
    gamma = graph.variable(f"gamma{n}", channels, "ones")
    beta = graph.variable(f"beta{n}", channels, "zeros")
    mean = graph.variable(f"moving_mean{n}", channels, "zeros", trainable=False)
    variance = graph.variable(f"moving_variance{n}", channels, "ones", trainable=False)
    axes = list(range(len(layer.input_shape)))
    m = a["momentum"]
    graph.lines += [
        f"batch_mean{n}, batch_variance{n} = tf.nn.moments({x}, axes={axes})",
        f"update_mean{n} = {V1}.assign({mean}, {mean} * {m!r} + batch_mean{n} * {1 - m:.6g})",
        f"update_variance{n} = {V1}.assign({variance}, {variance} * {m!r} + batch_variance{n} * {1 - m:.6g})",
        f"{V1}.add_to_collection({V1}.GraphKeys.UPDATE_OPS, update_mean{n})",
        f"{V1}.add_to_collection({V1}.GraphKeys.UPDATE_OPS, update_variance{n})",
        f"mean{n}, variance{n} = tf.cond(training, lambda: (batch_mean{n}, batch_variance{n}),",
        f"                             lambda: (tf.identity({mean}), tf.identity({variance})))",
        f"{out} = tf.nn.batch_normalization({x}, mean{n}, variance{n}, {beta}, {gamma}, {a['epsilon']!r})",
    ]


def _objectives(plan: Plan, graph: Graph, output: str) -> str:
    t = plan.train
    logits = "output" if t.from_logits else graph.logits
    losses = {
        "categorical_crossentropy": "tf.nn.softmax_cross_entropy_with_logits(labels=y, logits={logits})",
        "sparse_categorical_crossentropy": "tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits={logits})",
        "binary_crossentropy": "tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits={logits})",
        "mse": "tf.square(y - output)",
        "mae": "tf.abs(y - output)",
    }
    if t.loss not in losses:
        raise UsageError(f"loss '{t.loss}' has no code generator")
    if t.loss in ("mse", "mae") or logits is not None:
        per_sample = losses[t.loss].format(logits=logits)
    else:  # a crossentropy of an output that is not a softmax or sigmoid: clip, then log
        per_sample = {
            "binary_crossentropy": "-(y * tf.math.log(probs) + (1.0 - y) * tf.math.log(1.0 - probs))",
            "sparse_categorical_crossentropy": "-tf.math.log(tf.gather(probs, y, axis=1, batch_dims=1))",
        }.get(t.loss, "-tf.reduce_sum(y * tf.math.log(probs), axis=1)")
    lines = ["# loss, optimizer and metrics"]
    if "probs" in per_sample:
        lines.append("probs = tf.clip_by_value(output, 1e-7, 1.0 - 1e-7)")
    lines.append(f"loss = tf.reduce_mean({per_sample})")
    o = dict(t.options)
    optimizer = OPTIMIZERS.get(t.optimizer)
    if optimizer is None:
        raise UsageError(f"optimizer '{t.optimizer}' has no code generator",
                         hint="use one of: " + ", ".join(OPTIMIZERS))
    optimizer = optimizer.format(
        lr=f"learning_rate={t.lr!r}", momentum=o.get("momentum", 0.9), nesterov=o.get("nesterov", False),
        rho=o.get("rho", 0.9), beta1=o.get("beta1", 0.9), beta2=o.get("beta2", 0.999),
    )
    if graph.training:
        lines.append(f"with tf.control_dependencies({V1}.get_collection({V1}.GraphKeys.UPDATE_OPS)):")
        lines.append(f"    train_op = {V1}.train.{optimizer}.minimize(loss)")
    else:
        lines.append(f"train_op = {V1}.train.{optimizer}.minimize(loss)")
    metrics = {"loss": "loss"}
    for name in t.metrics:
        metrics[name] = name
        lines += _metric(plan, name)
    lines.append("metrics = {" + ", ".join(f"{py(k)}: {v}" for k, v in metrics.items()) + "}")
    return "\n".join(lines)


def _metric(plan: Plan, name: str) -> list[str]:
    if name == "mae":
        return ["mae = tf.reduce_mean(tf.abs(y - output))"]
    if name == "mse":
        return ["mse = tf.reduce_mean(tf.square(y - output))"]
    if name != "accuracy":
        raise UsageError(f"metric '{name}' has no code generator")
    if plan.label_encoding == "column":
        threshold = "0.0" if plan.train.from_logits else "0.5"
        predicted = f"tf.cast(output > {threshold}, tf.float32)"
        truth = "y"
    else:
        predicted = "tf.argmax(output, 1, output_type=tf.int32)"
        truth = "y" if plan.label_encoding == "index" else "tf.argmax(y, 1, output_type=tf.int32)"
    return [
        f"correct = tf.equal({predicted}, {truth})",
        "accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))",
    ]


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
