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
