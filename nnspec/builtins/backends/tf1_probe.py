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

    variables = tf.compat.v1.global_variables()
    by_name = {v.name: v for v in variables}
    kernels = {}
    for layer in plan.layers:
        # a layer's kernel; of a layer made of sublayers (attention_1/query/kernel), the first one's
        kernel = by_name.get(f"{layer.name}/kernel:0")
        if kernel is None:
            kernel = next((v for v in variables
                           if v.name.startswith(f"{layer.name}/") and v.name.endswith("/kernel:0")), None)
        if kernel is not None:
            kernels[layer.name] = kernel
    gradients = tf.gradients(loss, list(kernels.values()))
    return {
        "outputs": dict(layer_outputs),
        "kernels": kernels,
        "gradients": {name: g for name, g in zip(kernels, gradients) if g is not None},
        "loss": loss,
        "callable": None,  # made by the first run_probe
    }


def run_probe(model, x, y) -> Probe:
    """One call of the probe ops on (x, y), through a callable the session prepared once."""
    ops = model.probe_ops
    if ops is None:
        raise RuntimeError("this tf1 model was built without probe ops")
    if ops.get("callable") is None:
        # Session.run sorts out a nested fetch structure on every call (30 ms here);
        # make_callable does that once
        ops["keys"] = [(part, name) for part in ("outputs", "kernels", "gradients") for name in ops[part]]
        fetches = [ops[part][name] for part, name in ops["keys"]] + [ops["loss"]]
        ops["callable"] = model.session.make_callable(fetches, feed_list=[model.x, model.y])
    *values, loss = ops["callable"](x, y)
    found: dict[str, dict] = {"outputs": {}, "kernels": {}, "gradients": {}}
    for (part, name), value in zip(ops["keys"], values):
        found[part][name] = value
    return Probe(outputs=found["outputs"], kernels=found["kernels"], gradients=found["gradients"],
                 loss=float(loss))
