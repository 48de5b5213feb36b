"""The keras backend's probe: layer outputs and kernel gradients on a fixed batch.

Training diagnostics (nnspec/builtins/layer_diagnostics.py) call it once per epoch. It runs
the model's layers one by one in evaluation mode (dropout off), so every layer's
output is seen, and takes the gradient of the training loss with respect to each
kernel without applying it. TensorFlow is imported inside the functions only.
"""

from __future__ import annotations

import numpy as np

from ...types import Probe
from ... import objectives


def make_probe(plan, model, loss_fn):
    """A function (x, y) -> Probe for a built keras model and its loss (compiled once, reused each epoch)."""
    import keras
    import tensorflow as tf

    wanted = {layer.name for layer in plan.layers}
    kernel_owners = []
    for layer in plan.layers:
        kernel = _first_kernel(_keras_layer(model, layer.name))
        if kernel is not None:
            kernel_owners.append((layer.name, kernel))
    kernels = [kernel for _, kernel in kernel_owners]
    named = [name for name in (layer.name for layer in plan.layers) if _keras_layer(model, name) is not None]
    # branches, or a layer called on more than one tensor (attention's mha(x, x)): every
    # layer's output from one model over the graph
    if plan.is_graph or (not isinstance(model, keras.Sequential) and len(named) == len(plan.layers)):
        taps = keras.Model(model.inputs, [model.get_layer(name).output for name in named])

        def run_layers(x):
            values = taps(x, training=False)
            return dict(zip(named, values)), values[-1]
    else:
        def run_layers(x):
            outputs, h = {}, x
            for keras_layer in model.layers:
                h = keras_layer(h, training=False)
                if keras_layer.name in wanted:
                    outputs[keras_layer.name] = h
            return outputs, h

    @tf.function
    def forward_backward(x, y):
        with tf.GradientTape() as tape:
            outputs, h = run_layers(x)
            loss = objectives.batch_mean(loss_fn, y, h)
        return outputs, tape.gradient(loss, kernels), loss

    def probe(x: np.ndarray, y: np.ndarray) -> Probe:
        outputs, gradients, loss = forward_backward(x, y)
        return Probe(
            outputs={name: value.numpy() for name, value in outputs.items()},
            kernels={name: np.asarray(kernel.numpy()) for name, kernel in kernel_owners},
            gradients={name: _dense(g) for (name, _), g in zip(kernel_owners, gradients)},
            loss=float(loss),
        )

    return probe


def _first_kernel(keras_layer):
    """The layer's kernel; of a layer made of sublayers (attention), the first one's (its query's)."""
    if keras_layer is None:
        return None
    kernel = getattr(keras_layer, "kernel", None)
    if kernel is None:
        kernel = next((weight for weight in keras_layer.weights if weight.name == "kernel"), None)
    return kernel


def _keras_layer(model, name: str):
    try:
        return model.get_layer(name)
    except ValueError:  # a plugin's builder named its Keras layers otherwise
        return None


def _dense(gradient) -> np.ndarray:
    import tensorflow as tf

    if gradient is None:  # a kernel the loss does not reach
        return np.zeros(0, np.float32)
    if isinstance(gradient, tf.IndexedSlices):
        gradient = tf.convert_to_tensor(gradient)
    return gradient.numpy()
