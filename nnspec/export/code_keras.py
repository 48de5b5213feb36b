"""The Keras script for a plan: Sequential, compile, fit, evaluate (see code.py)."""

from __future__ import annotations

from ..types import Plan
from .script import Script, has_validation, input_dtype, unsupported, write_data

# nnspec's initializer names as Keras writes them; `normal` is tf.random_normal's stddev 1
INITIALIZERS = {
    "xavier_uniform": '"glorot_uniform"',
    "xavier_normal": '"glorot_normal"',
    "he_normal": '"he_normal"',
    "he_uniform": '"he_uniform"',
    "lecun_normal": '"lecun_normal"',
    "lecun_uniform": '"lecun_uniform"',
    "zeros": '"zeros"',
    "ones": '"ones"',
    "normal": "normal",  # defined before the model, see NORMAL
    "uniform": '"random_uniform"',  # Keras' default range, -0.05 to 0.05
    "truncated_normal": '"truncated_normal"',  # Keras' default stddev, 0.05
}
NORMAL = "normal = keras.initializers.RandomNormal(stddev=1.0)  # nnspec's `normal`: tf.random_normal's stddev"
LOSSES = {
    "categorical_crossentropy": "CategoricalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "binary_crossentropy": "BinaryCrossentropy",
}


def write_keras(plan: Plan, script: Script) -> None:
    """Fill `script` with the Keras version of `plan`."""
    for line in ("import sys", "import keras"):
        script.need(line)
    script.add(f"keras.utils.set_random_seed({plan.seed})")
    layers = [f"    keras.Input(shape={tuple(plan.input_shape)!r}, dtype=\"{input_dtype(plan)}\"),"]
    layers += [f"    {_layer(layer)}," for layer in plan.layers]
    uses_normal = any("normal" in (layer.args.get("init"), layer.args.get("bias")) for layer in plan.layers)
    network = "# the network\n" + (NORMAL + "\n" if uses_normal else "")
    script.add(network + "model = keras.Sequential([\n" + "\n".join(layers) + "\n])")
    script.add(
        f"model.compile(\n    optimizer={_optimizer(plan)},\n    loss={_loss(plan)},\n"
        f"    metrics=[{', '.join(_metric(plan, m) for m in plan.train.metrics)}],\n)\n"
        "model.summary()\n"
        "print(\"parameters:\", model.count_params())\n"
        "if \"--build-only\" in sys.argv:  # stop before loading data and training\n"
        "    sys.exit(0)"
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


def _layer(layer) -> str:
    a = layer.args
    if layer.kind == "dense":
        return f"keras.layers.Dense({a['units']}{_activation(a['activation'])}{_inits(a)})"
    if layer.kind == "dropout":
        return f"keras.layers.Dropout({a['rate']!r})"
    if layer.kind == "flatten":
        return "keras.layers.Flatten()"
    if layer.kind == "batchnorm":
        return f"keras.layers.BatchNormalization(momentum={a['momentum']!r}, epsilon={a['epsilon']!r})"
    if layer.kind == "conv2d":
        return (
            f"keras.layers.Conv2D({a['filters']}, {tuple(a['kernel'])!r}, strides={tuple(a['stride'])!r}, "
            f"padding=\"{a['padding']}\"{_activation(a['activation'])}{_inits(a)})"
        )
    if layer.kind == "maxpool":
        return (
            f"keras.layers.MaxPooling2D({tuple(a['pool'])!r}, strides={tuple(a['stride'])!r}, "
            f"padding=\"{a['padding']}\")"
        )
    if layer.kind == "embedding":
        return f"keras.layers.Embedding({a['vocab']}, {a['dim']})"
    if layer.kind == "activation":
        return f"keras.layers.Activation(\"{a['activation']}\")"
    raise unsupported(layer)


def _activation(name) -> str:
    return f", activation=\"{name}\"" if name else ""


def _inits(args) -> str:
    text = ""
    if args["init"] != "xavier_uniform":  # Keras' default, glorot_uniform
        text += f", kernel_initializer={INITIALIZERS[args['init']]}"
    if args["bias"] != "zeros":
        text += f", bias_initializer={INITIALIZERS[args['bias']]}"
    return text


def _optimizer(plan: Plan) -> str:
    t, o = plan.train, dict(plan.train.options)
    lr = f"learning_rate={t.lr!r}"
    table = {
        "sgd": f"keras.optimizers.SGD({lr})",
        "momentum": f"keras.optimizers.SGD({lr}, momentum={o.get('momentum', 0.9)!r}, "
        f"nesterov={o.get('nesterov', False)!r})",
        "adagrad": f"keras.optimizers.Adagrad({lr})",
        "rmsprop": f"keras.optimizers.RMSprop({lr}, rho={o.get('rho', 0.9)!r})",
        "adam": f"keras.optimizers.Adam({lr}, beta_1={o.get('beta1', 0.9)!r}, beta_2={o.get('beta2', 0.999)!r})",
    }
    if t.optimizer not in table:
        from ..errors import UsageError

        raise UsageError(f"optimizer '{t.optimizer}' has no code generator", hint="use one of: " + ", ".join(table))
    return table[t.optimizer]


def _loss(plan: Plan) -> str:
    t = plan.train
    if t.loss in LOSSES and t.from_logits:
        return f"keras.losses.{LOSSES[t.loss]}(from_logits=True)"
    if t.loss in LOSSES or t.loss in ("mse", "mae"):
        return f"\"{t.loss}\""
    from ..errors import UsageError

    raise UsageError(f"loss '{t.loss}' has no code generator")


def _metric(plan: Plan, name: str) -> str:
    if name == "accuracy" and plan.label_encoding == "column" and plan.train.from_logits:
        return "keras.metrics.BinaryAccuracy(threshold=0.0, name=\"accuracy\")"  # logits split at 0
    if name in ("accuracy", "mae", "mse"):
        return f"\"{name}\""
    from ..errors import UsageError

    raise UsageError(f"metric '{name}' has no code generator")
