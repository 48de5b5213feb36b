"""How the tf1 backend implements the built-in names: `Named.impl["tf1"]` values.

nnspec/builtins/names.py registers these exactly as a plugin registers its own:
an activation is a function tensor -> tensor; an initializer `factory(seed)` of a
`tf.compat.v1` initializer; an optimizer `factory(lr, **options)` of a
`tf.compat.v1.train` optimizer that receives every option the optimizer declares,
defaults filled in by the checker. TensorFlow is imported inside the functions only.
"""

from __future__ import annotations


def activation(path: str, **arguments):
    """fn(x) -> `tf.<path>(x, **arguments)`, e.g. activation("nn.relu")."""

    def apply(x):
        import tensorflow as tf

        fn = tf
        for part in path.split("."):
            fn = getattr(fn, part)
        return fn(x, **arguments)

    apply.__name__ = path.rsplit(".", 1)[-1]
    return apply


def initializer(function_name: str, *arguments):
    """factory(seed) -> `tf.compat.v1.<function_name>(*arguments, seed=seed)`."""

    def make(seed: int):
        import tensorflow as tf

        return getattr(tf.compat.v1, function_name)(*arguments, seed=seed)

    make.__name__ = function_name
    return make


def constant(function_name: str):
    """factory(seed) for an initializer without randomness (zeros, ones)."""

    def make(seed: int):
        import tensorflow as tf

        return getattr(tf.compat.v1, function_name)()

    make.__name__ = function_name
    return make


def sgd(lr):
    import tensorflow as tf

    return tf.compat.v1.train.GradientDescentOptimizer(lr)


def momentum(lr, momentum, nesterov):
    import tensorflow as tf

    return tf.compat.v1.train.MomentumOptimizer(lr, momentum, use_nesterov=nesterov)


def adagrad(lr):
    import tensorflow as tf

    return tf.compat.v1.train.AdagradOptimizer(lr)


def rmsprop(lr, rho):
    import tensorflow as tf

    return tf.compat.v1.train.RMSPropOptimizer(lr, decay=rho)


def adam(lr, beta1, beta2):
    import tensorflow as tf

    return tf.compat.v1.train.AdamOptimizer(lr, beta1=beta1, beta2=beta2)


# ------------------------------------------------------------------ how generated scripts write them

V1 = "tf.compat.v1"


def initializer_code(function_name: str, *arguments) -> str:
    """`tf.compat.v1.<function_name>(<arguments>)`, as a generated TF1 script writes the initializer."""
    return f"{V1}.{function_name}({', '.join(map(repr, arguments))})".replace("'", '"')


def optimizer_code(class_name: str, **options: str) -> str:
    """`tf.compat.v1.train.<class_name>(learning_rate={lr}, key={option} ...)`: a template of the optimizer."""
    written = "".join(f", {key}={{{option}}}" for key, option in options.items())
    return f"{V1}.train.{class_name}(learning_rate={{lr}}{written})"


def _clipped(output: str) -> str:
    return f"tf.clip_by_value({output}, 1e-7, 1.0 - 1e-7)"


def categorical_crossentropy_code(y: str, output: str, logits: str | None, **_) -> str:
    if logits:
        return f"tf.nn.softmax_cross_entropy_with_logits(labels={y}, logits={logits})"
    return f"-tf.reduce_sum({y} * tf.math.log({_clipped(output)}), axis=1)"


def sparse_categorical_crossentropy_code(y: str, output: str, logits: str | None, **_) -> str:
    if logits:
        return f"tf.nn.sparse_softmax_cross_entropy_with_logits(labels={y}, logits={logits})"
    return f"-tf.math.log(tf.gather({_clipped(output)}, {y}, axis=1, batch_dims=1))"


def binary_crossentropy_code(y: str, output: str, logits: str | None, **_) -> str:
    if logits:
        return f"tf.nn.sigmoid_cross_entropy_with_logits(labels={y}, logits={logits})"
    probs = _clipped(output)
    return f"-({y} * tf.math.log({probs}) + (1.0 - {y}) * tf.math.log(1.0 - {probs}))"


def accuracy_code(y: str, output: str, label_encoding: str, from_logits: bool, **_) -> str:
    """The fraction of samples classified right, from the outputs and the encoded labels."""
    if label_encoding == "column":
        predicted, truth = f"tf.cast({output} > {0.0 if from_logits else 0.5}, tf.float32)", y
    else:
        predicted = f"tf.argmax({output}, 1, output_type=tf.int32)"
        truth = y if label_encoding == "index" else f"tf.argmax({y}, 1, output_type=tf.int32)"
    return f"tf.reduce_mean(tf.cast(tf.equal(\n    {predicted}, {truth}), tf.float32))"
