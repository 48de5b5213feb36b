"""A run's trained network as a Keras model, whichever backend trained it.

A keras run's weights come from its `model.keras`; a tf1 run's from its Saver
checkpoint, variable by variable, by the one contract for weight names
(nnspec/builtins/backends/weight_names.py: `dense_1/kernel` is the Keras layer
`dense_1`'s `kernel`, `residual_1/dense/kernel` the Keras layer `residual_1_dense`'s):
both backends compute the same functions, so the Keras model gives the tf1 graph's outputs. The model is built
from the run's plan by the keras backend, so plugin layers work when their plugin
registers a keras builder.
"""

from __future__ import annotations

import dataclasses
import warnings

from ..errors import NNSpecError
from .runfolder import SavedRun


def keras_model(run: SavedRun):
    """The run's network as a Keras model with its trained weights."""
    from ..builtins.backends import keras as keras_backend
    from ..training.environment import import_tensorflow_quietly, seed_everything

    import_tensorflow_quietly()
    if run.backend not in ("keras", "tf1"):
        raise NNSpecError(f"runs of backend '{run.backend}' cannot be exported; keras and tf1 runs can")
    path = run.model_file
    if run.backend == "tf1":
        index = path.with_name(path.name + ".index")
        if not index.is_file():
            raise NNSpecError(f"{index}: missing; the tf1 run saved no checkpoint")
    elif not path.is_file():
        raise NNSpecError(f"{path}: missing; the run saved no model")
    plan = dataclasses.replace(run.plan, backend="keras")
    seed_everything(plan.seed)
    model = keras_backend.build(plan)
    if run.backend == "tf1":
        _load_checkpoint(model, path, [layer.name for layer in plan.layers])
    else:
        with warnings.catch_warnings():
            # the optimizer's slots are not needed to predict; Keras warns that it skips them
            warnings.simplefilter("ignore")
            try:
                model.load_weights(path)
            except (ValueError, OSError) as error:
                raise NNSpecError(f"{path}: does not hold this run's network ({error})") from None
    return model


def _load_checkpoint(model, prefix, layer_names: list[str]) -> None:
    """Copy each variable of a TF1 checkpoint into the Keras weight the weight-name contract pairs it with."""
    import tensorflow as tf

    from ..builtins.backends.weight_names import CONTRACT, tf1_names

    reader = tf.train.load_checkpoint(str(prefix))
    shapes = reader.get_variable_to_shape_map()
    for key, weight in tf1_names(model, layer_names):
        if key not in shapes:
            raise NNSpecError(f"{prefix}: the checkpoint has no variable '{key}' for the Keras weight "
                              f"'{weight.path}'", hint=f"the tf1 builder names it so ({CONTRACT})")
        if tuple(shapes[key]) != tuple(weight.shape):
            raise NNSpecError(
                f"{prefix}: variable '{key}' has shape {tuple(shapes[key])}, "
                f"the network expects {tuple(weight.shape)}"
            )
        weight.assign(reader.get_tensor(key))


def serving_function(model, plan):
    """A tf.function over a batch of inputs named `input`: what the converters trace."""
    import tensorflow as tf

    from ..builtins.backends.common import input_dtype

    spec = tf.TensorSpec([None, *plan.input_shape], input_dtype(plan), name="input")

    @tf.function(input_signature=[spec])
    def serve(x):
        return model(x, training=False)

    return serve, spec
