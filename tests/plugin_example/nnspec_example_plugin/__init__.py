"""An example nnspec plugin: a layer kind, its builders, a dataset and an activation.

nnspec loads this module through the entry point `example` of group `nnspec`
(see pyproject.toml) and calls the `@hookimpl` functions below, each with a
`register` callback. Nothing here imports TensorFlow at import time: `nnspec check`
loads every plugin, and it must stay fast. The builders and the activation import
TensorFlow/Keras inside their bodies, when a backend calls them.
"""

from nnspec import hookimpl

from .activations import MISH
from .layers import GAUSSIAN_NOISE, LAYER_BUILDERS
from .moons import TWO_MOONS

__version__ = "0.1.0"


@hookimpl
def register_layers(register):
    """The `gaussian_noise STDDEV` layer kind."""
    register(GAUSSIAN_NOISE)


@hookimpl
def register_layer_builders(register):
    """How the built-in backends `keras` and `tf1` build `gaussian_noise`."""
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
