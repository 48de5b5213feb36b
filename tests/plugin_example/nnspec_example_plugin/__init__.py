"""An example nnspec plugin: two layer kinds, their builders, a dataset, an activation and an initializer.

nnspec loads this module through the entry point `example` of group `nnspec`
(see pyproject.toml) and calls the `@hookimpl` functions below, each with a
`register` callback. Nothing here imports TensorFlow at import time: `nnspec check`
loads every plugin, and it must stay fast. The builders and the names import
TensorFlow/Keras inside their bodies, or live in keras_objects.py, which the
registrations name by reference and nnspec imports only when a backend needs it.
"""

from nnspec import hookimpl

from .activations import MISH, NARROW_GLOROT
from .layers import GAUSSIAN_NOISE, LAYER_BUILDERS, SCALE
from .moons import TWO_MOONS

__version__ = "0.1.0"


@hookimpl
def register_layers(register):
    """The `gaussian_noise STDDEV` and `scale` layer kinds."""
    register(GAUSSIAN_NOISE)
    register(SCALE)


@hookimpl
def register_layer_builders(register):
    """How the built-in backends `keras` and `tf1` build, write and read `gaussian_noise` and `scale`."""
    for builder in LAYER_BUILDERS:
        register(builder)


@hookimpl
def register_datasets(register):
    """The generated `two_moons` dataset."""
    register(TWO_MOONS)


@hookimpl
def register_activations(register):
    """The `mish` activation, implemented for both built-in backends."""
    register(MISH)


@hookimpl
def register_initializers(register):
    """The `narrow_glorot` initializer."""
    register(NARROW_GLOROT)
