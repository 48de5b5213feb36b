"""The plugin's Keras objects: a custom layer class, a custom activation, and the keras builders that use them.

This is the one module of the plugin that imports Keras at its top. The plugin's
registrations name what is here with `"nnspec_example_plugin.keras_objects:name"`
references, which nnspec imports only when a keras model is built, so `nnspec check`
never loads TensorFlow. `@keras.saving.register_keras_serializable` makes a saved
`model.keras` that uses them load in a fresh process once this module is imported:

    import keras
    import nnspec_example_plugin.keras_objects  # or: nnspec.plugins.import_keras_objects()
    model = keras.models.load_model("runs/moons/<time>/model.keras")
"""

import keras

PACKAGE = "nnspec_example"


@keras.saving.register_keras_serializable(package=PACKAGE)
def mish(x):
    """x * tanh(softplus(x)), with Keras operations."""
    return x * keras.ops.tanh(keras.ops.softplus(x))


@keras.saving.register_keras_serializable(package=PACKAGE)
class Scale(keras.layers.Layer):
    """Multiplies each feature by a learned factor (one weight, `scale`, per feature; ones at first)."""

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.scale

    def get_config(self):
        return super().get_config()  # no constructor arguments beyond Keras' own (name, dtype)


def build_scale(layer, ctx):
    """The keras builder of `scale`: the layer named as nnspec names it, so its weight is `scale_1/scale`."""
    return Scale(name=layer.name)
