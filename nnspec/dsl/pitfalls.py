"""Pitfalls the course teaches: legal networks that train badly, found at `nnspec check`.

Each is a warning with a stable code (docs/language.md lists them), the position of
what causes it and a suggested fix; `nnspec check --strict` turns them into errors.

| code | when |
| --- | --- |
| `vanishing-gradients` | five or more sigmoid/tanh hidden layers and no batchnorm |
| `exploding-init` | a relu layer's weights drawn with a spread far above He's sqrt(2/fan_in), in a network of three or more relu layers (`init=normal`'s standard deviation is 1) |
| `unscaled-inputs` | the data's features span very different ranges (Pima's insulin reaches 846, its pedigree function 2.42) |
| `relu-xavier` (info) | three or more relu layers whose weights are drawn with Xavier's spread, which is made for tanh and sigmoid: He's suits relu |

(`relu-output`, a relu output layer, is checked with the loss in validate.py.)
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import math

from ..types import Plan, ResolvedLayer

SATURATING = ("sigmoid", "tanh")
DEEP_SATURATING = 5  # hidden sigmoid/tanh layers from which gradients vanish visibly (digits, 10 layers: 1e-5)
DEEP_RELU = 3
EXPLODING_FACTOR = 3.0  # a spread this many times He's multiplies the activations' scale layer by layer
SCALE_RATIO = 100.0  # largest feature magnitude over smallest
SCALE_LARGEST = 10.0  # ... when the largest reaches at least this
NORMALIZING_DATASETS = ("pima", "boston_housing", "csv")


def find_pitfalls(plan: Plan, out) -> None:
    """Add each pitfall of one checked variant to the collector `out` as a warning."""
    _vanishing_gradients(plan, out)
    _exploding_init(plan, out)
    _relu_xavier(plan, out)
    _unscaled_inputs(plan, out)


def _hidden(plan: Plan) -> list[ResolvedLayer]:
    """Layers with weights and an activation, the output layer excluded."""
    weighted = [layer for layer in plan.layers if "init" in layer.args]
    return weighted[:-1]


def _saturating_hidden(plan: Plan) -> list[ResolvedLayer]:
    """Hidden layers that apply sigmoid or tanh: `dense 64 sigmoid`, or `activation sigmoid` after a layer."""
    output = max((layer.index for layer in plan.layers if "init" in layer.args), default=-1)
    return [layer for layer in plan.layers
            if layer.index < output and layer.args.get("activation") in SATURATING
            and ("init" in layer.args or layer.kind == "activation")]


def _vanishing_gradients(plan: Plan, out) -> None:
    saturating = _saturating_hidden(plan)
    if len(saturating) < DEEP_SATURATING or any(layer.kind == "batchnorm" for layer in plan.layers):
        return
    first = saturating[0]
    names = "/".join(sorted({layer.args["activation"] for layer in saturating}))
    out.warn(
        f"{len(saturating)} {names} hidden layers without batch normalization: the gradients "
        "reaching the first layers shrink at every layer (vanishing gradients), so they barely learn",
        first.line, first.column, code="vanishing-gradients",
        hint="use relu with init=he, or add 'batchnorm' after each hidden layer; "
             "'train ... diagnostics=true' shows the gradient norm of each layer",
    )


def _spread(layer: ResolvedLayer) -> float | None:
    """The standard deviation of a layer's normal initializer (None for the scaled ones)."""
    name = layer.args.get("init")
    if name == "normal":
        return layer.args.get("init_stddev") or 1.0
    if name == "truncated_normal":
        return layer.args.get("init_stddev") or 0.05
    if name == "uniform":
        return (layer.args.get("init_limit") or 0.05) / math.sqrt(3.0)
    return None


def _exploding_init(plan: Plan, out) -> None:
    relu = [layer for layer in plan.layers if layer.args.get("activation") == "relu" and "init" in layer.args]
    if len(relu) < DEEP_RELU:
        return
    for layer in relu:
        spread = _spread(layer)
        fan_in = layer.input_shape[-1] if layer.kind == "dense" else None
        if layer.kind == "conv2d":
            fan_in = layer.args["kernel"][0] * layer.args["kernel"][1] * layer.input_shape[-1]
        if spread is None or not fan_in:
            continue
        he = math.sqrt(2.0 / fan_in)
        if spread > EXPLODING_FACTOR * he:
            out.warn(
                f"init={layer.args['init']} draws weights with standard deviation {spread:g}, "
                f"{spread / he:.0f} times He's {he:.2g} for {fan_in} inputs: through {len(relu)} relu layers "
                "the activations grow by that factor at every layer (exploding activations and loss)",
                layer.line, layer.column, code="exploding-init",
                hint="use init=he (or init=xavier), or a smaller spread such as "
                     f"init_stddev={_round(he)}",
            )
            return


XAVIER = ("xavier_uniform", "xavier_normal")


def _relu_xavier(plan: Plan, out) -> None:
    """An info note: Xavier's spread keeps the variance of tanh/sigmoid layers; relu halves it at every layer."""
    relu = [layer for layer in _hidden(plan) if layer.args.get("activation") == "relu"]
    xavier = [layer for layer in relu if layer.args.get("init") in XAVIER]
    if len(xavier) < DEEP_RELU:
        return
    first = xavier[0]
    name = "xavier" if first.args["init"] == "xavier_uniform" else first.args["init"]
    out.add(
        "info",
        f"{len(xavier)} relu layers draw their weights with init={name} (also the default), whose spread is made "
        "for tanh and sigmoid: relu zeroes about half of each layer's outputs, so the signal's variance halves "
        "at every layer; He's init (init=he) doubles the variance to keep it",
        first.line, first.column, code="relu-xavier",
        hint="write init=he on the relu layers",
    )


def _round(value: float) -> str:
    return f"{float(f'{value:.2g}'):g}"


def _unscaled_inputs(plan: Plan, out) -> None:
    ranges = plan.meta.feature_ranges
    if not ranges or len(ranges) < 2:
        return
    magnitudes = [max(abs(lo), abs(hi)) for lo, hi in ranges]
    largest = max(range(len(magnitudes)), key=magnitudes.__getitem__)
    positive = [i for i, m in enumerate(magnitudes) if m > 0]
    if not positive:
        return
    smallest = min(positive, key=magnitudes.__getitem__)
    big, small = magnitudes[largest], magnitudes[smallest]
    if big < SCALE_LARGEST or big < SCALE_RATIO * small:
        return
    data = plan.spec.data
    line, column = (data.line, data.column) if data is not None else (1, 1)
    if plan.dataset in NORMALIZING_DATASETS:
        hint = "add normalize=true to the data line (each feature standardised with the training split's statistics)"
    else:
        hint = "standardise the features (subtract the training mean, divide by the standard deviation)"
    out.warn(
        f"the inputs of data {plan.dataset} are on very different scales: feature {largest + 1} reaches "
        f"{big:g}, feature {smallest + 1} stays within {small:g}; the large ones dominate the first "
        "layer and training is slow or diverges",
        line, column, code="unscaled-inputs", hint=hint,
    )
