"""How the keras backend implements the built-in names: `Named.impl["keras"]` values.

nnspec/builtins/names.py registers these exactly as a plugin registers its own:
an activation is a Keras activation name; an initializer `factory(seed)`; an
optimizer `factory(lr, **options)` that receives every option the optimizer
declares, defaults filled in by the checker (so no default is repeated here).
Keras is imported inside the functions only.
"""

from __future__ import annotations


def initializer(class_name: str, **arguments):
    """factory(seed) -> `keras.initializers.<class_name>(seed=seed, **arguments)`."""

    def make(seed: int):
        from keras import initializers

        return getattr(initializers, class_name)(seed=seed, **arguments)

    make.__name__ = f"keras_{class_name}"
    return make


def constant(class_name: str):
    """factory(seed) for an initializer without randomness (Zeros, Ones)."""

    def make(seed: int):
        from keras import initializers

        return getattr(initializers, class_name)()

    make.__name__ = f"keras_{class_name}"
    return make


def sgd(lr, momentum=0.0, nesterov=False):
    """keras.optimizers.SGD; `momentum` registers this with its own momentum options."""
    from keras import optimizers

    return optimizers.SGD(lr, momentum=momentum, nesterov=nesterov)


def adagrad(lr):
    from keras import optimizers

    return optimizers.Adagrad(lr)


def rmsprop(lr, rho):
    from keras import optimizers

    return optimizers.RMSprop(lr, rho=rho)


def adam(lr, beta1, beta2):
    from keras import optimizers

    return optimizers.Adam(lr, beta_1=beta1, beta_2=beta2)


def accuracy_code(label_encoding: str, from_logits: bool, **_) -> str:
    """How a Keras script asks for accuracy: a yes/no output trained from logits splits at 0."""
    if label_encoding == "column" and from_logits:
        return "keras.metrics.BinaryAccuracy(threshold=0.0, name=\"accuracy\")"
    return "\"accuracy\""
