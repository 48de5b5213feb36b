"""Two layer kinds: `gaussian_noise STDDEV` (noise while training only) and `scale` (a learned factor per feature).

Each kind declares its arguments and shape rule; its `LayerBuilder`s say how each
built-in backend builds it (`build`), writes it in the script `nnspec code` generates
(`code`), and, for keras, how `nnspec import` reads a Keras layer back as it (`reads`,
`read`). The keras builder of `scale` lives in keras_objects.py, beside its Keras
class, and is registered by reference, so this module imports no TensorFlow.

Weight names, one contract for both backends: a weight of the Keras layer named
`layer.name` whose path below that layer is `w` is the tf1 variable `layer.name/w`
(the tf1 builder runs in `variable_scope(layer.name)`): `scale_1/scale` on both.
"""

from nnspec.types import LayerBuilder, LayerKind, Param

GAUSSIAN_NOISE = LayerKind(
    "gaussian_noise",
    positional=(Param("stddev", "float", min=0, doc="standard deviation of the noise"),),
    doc="adds zero-mean Gaussian noise while training; passes the input through when evaluating",
    aliases=("noise",),
    keeps_activation=True,  # noise after a sigmoid still leaves a probability when evaluating
)

SCALE = LayerKind(
    "scale",
    param_count=lambda shape, args: shape[-1],
    doc="multiplies each feature by a learned factor (ones at first)",
)


# ------------------------------------------------------------------ gaussian_noise


def build_keras(layer, ctx):
    """A Keras layer: keras.layers.GaussianNoise is active only while training."""
    import keras

    return keras.layers.GaussianNoise(layer.args["stddev"], seed=ctx.seed(), name=layer.name)


def code_keras(layer, script):
    """The expression a generated Keras script writes."""
    return f"keras.layers.GaussianNoise({layer.args['stddev']!r})"


def read_keras(config, reader):
    """A Keras GaussianNoise layer's arguments as the kind's."""
    return {"stddev": config["stddev"]}


def build_tf1(x, layer, ctx):
    """The TF1 graph: noise only when the `training` placeholder is fed true."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    stddev = layer.args["stddev"]
    seed = ctx.seed()

    def noisy():
        return x + tf1.random_normal(tf.shape(x), stddev=stddev, dtype=x.dtype, seed=seed)

    return tf1.cond(ctx.training, noisy, lambda: tf.identity(x))


def code_tf1(x, layer, graph):
    """The lines a generated TF1 script writes; returns the output's name."""
    out = f"L{layer.index + 1}"
    stddev = layer.args["stddev"]
    graph.line(f"{out} = tf.cond({graph.use_training()}, lambda: {x} + tf.random.normal(tf.shape({x}), "
               f"stddev={stddev!r}), lambda: {x})")
    return out


# ------------------------------------------------------------------ scale


def code_scale_keras(layer, script):
    script.need("from nnspec_example_plugin.keras_objects import Scale")
    return "Scale()"


def read_scale(config, reader):
    return {}


def build_scale_tf1(x, layer, ctx):
    return x * ctx.variable("scale", [layer.input_shape[-1]], "ones")


def code_scale_tf1(x, layer, graph):
    n = layer.index + 1
    factor = graph.variable(f"S{n}", [layer.input_shape[-1]], "ones")
    graph.line(f"L{n} = {x} * {factor}")
    return f"L{n}"


LAYER_BUILDERS = (
    LayerBuilder("keras", "gaussian_noise", build_keras, code=code_keras, reads=("GaussianNoise",), read=read_keras),
    LayerBuilder("tf1", "gaussian_noise", build_tf1, code=code_tf1),
    LayerBuilder("keras", "scale", "nnspec_example_plugin.keras_objects:build_scale", code=code_scale_keras,
                 reads=("Scale",), read=read_scale),
    LayerBuilder("tf1", "scale", build_scale_tf1, code=code_scale_tf1),
)
