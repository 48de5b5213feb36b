"""The tf1 backend's probe: layer outputs and kernel gradients on a fixed batch.

`probe_ops` adds `tf.gradients` of the loss with respect to each layer's kernel to the
graph before it is finalized (ops that nothing runs unless something probes: the
training step's `Session.run` fetches and computes exactly what it did); `run_probe`
evaluates them with one
`Session.run` that feeds only x and y, so dropout is off (keep_prob 1.0) and batchnorm
uses its moving statistics, and nothing is updated.
"""

from __future__ import annotations

from ...types import Probe


def probe_ops(plan, loss, layer_outputs: dict) -> dict:
    """Ops for the probe in the current graph: outputs by layer, kernels and their gradients."""
    import tensorflow as tf

    by_name = {v.name: v for v in tf.compat.v1.global_variables()}
    kernels = {}
    for layer in plan.layers:
        kernel = by_name.get(f"{layer.name}/kernel:0")
        if kernel is not None:
            kernels[layer.name] = kernel
    gradients = tf.gradients(loss, list(kernels.values()))
    return {
        "outputs": dict(layer_outputs),
        "kernels": kernels,
        "gradients": {name: g for name, g in zip(kernels, gradients) if g is not None},
        "loss": loss,
    }


def run_probe(model, x, y) -> Probe:
    """One Session.run of the probe ops on (x, y)."""
    if model.probe_ops is None:
        raise RuntimeError("this tf1 model was built without probe ops")
    values = model.session.run(model.probe_ops, {model.x: x, model.y: y})
    return Probe(outputs=values["outputs"], kernels=values["kernels"], gradients=values["gradients"],
                 loss=float(values["loss"]))
