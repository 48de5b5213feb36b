"""The core layer kinds: arguments, shape arithmetic and parameter counts (as Keras counts)."""

from __future__ import annotations

import math

from ..dsl.ast import shape_text
from ..hookspecs import hookimpl
from ..types import LayerKind, Param
from .attention_layers import ATTENTION_LAYERS
from .merges import MERGE_LAYERS

ACTIVATION = Param("activation", "activation", default=None, doc="activation applied to the output")
INIT = Param("init", "initializer", default="xavier_uniform", doc="weight initializer")
BIAS = Param("bias", "initializer", default="zeros", choices=("none",),
             doc="bias initializer, or none for a layer without bias")
# The spread of the random initializers, in the course's words: tf.random_normal(stddev=...),
# tf.random_uniform(minval=-limit, maxval=limit)
SPREAD = (
    Param("init_stddev", "float", default=None, min=0, doc="standard deviation of init=normal or truncated_normal"),
    Param("init_limit", "float", default=None, min=0, doc="init=uniform draws from [-limit, limit]"),
    Param("bias_stddev", "float", default=None, min=0, doc="standard deviation of bias=normal or truncated_normal"),
    Param("bias_limit", "float", default=None, min=0, doc="bias=uniform draws from [-limit, limit]"),
)
STDDEV_INITIALIZERS = ("normal", "truncated_normal")


def _check_spread(args: dict) -> None:
    """init_stddev= and the like only where the initializer has that spread."""
    for which in ("init", "bias"):
        name = args[which]
        if args.get(f"{which}_stddev") is not None and name not in STDDEV_INITIALIZERS:
            raise ValueError(f"{which}_stddev= applies to {which}=normal or {which}=truncated_normal, "
                             f"not {which}={name}")
        if args.get(f"{which}_limit") is not None and name != "uniform":
            raise ValueError(f"{which}_limit= applies to {which}=uniform, not {which}={name}")


def _bias_count(args) -> int:
    """Bias weights of a dense or conv2d layer: one per unit or filter, none with bias=none."""
    return 0 if args["bias"] == "none" else args.get("units", args.get("filters"))


def _flat(kind: str, shape: tuple) -> int:
    if len(shape) != 1:
        raise ValueError(f"{kind} expects a flat input, found {shape_text(shape)}; add 'flatten' before it")
    return shape[0]


def _features(kind: str, shape: tuple) -> int:
    """The features a dense layer reads: a flat vector's, or each step's of a sequence (as Keras' Dense)."""
    if len(shape) not in (1, 2):
        raise ValueError(f"{kind} expects a flat input, found {shape_text(shape)}; add 'flatten' before it")
    return shape[-1]


def _image(kind: str, shape: tuple) -> tuple[int, int, int]:
    if len(shape) != 3:
        dims = shape_text(shape)
        hint = " (use 'input 28x28x1' or a dataset option such as flatten=false)" if len(shape) == 1 else ""
        raise ValueError(f"{kind} expects an image input height x width x channels, found {dims}{hint}")
    return shape


def _pair(value) -> tuple[int, int]:
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(value) == 1:
        return (value[0], value[0])
    if len(value) != 2:
        raise ValueError(f"expected a 2-d size such as 3x3, found {'x'.join(map(str, value))}")
    return value


def _spatial(size: int, window: int, stride: int, padding: str) -> int:
    if padding == "same":
        return math.ceil(size / stride)
    return (size - window) // stride + 1


def _windowed(kind: str, shape: tuple, window: tuple, stride: tuple, padding: str, channels: int) -> tuple:
    height, width, _ = _image(kind, shape)
    out_h = _spatial(height, window[0], stride[0], padding)
    out_w = _spatial(width, window[1], stride[1], padding)
    if out_h < 1 or out_w < 1:
        raise ValueError(
            f"{kind} window {window[0]}x{window[1]} does not fit the input {height}x{width}"
            " (use padding=same or a smaller window)"
        )
    return (out_h, out_w, channels)


def _finalize_dense(args: dict, meta) -> dict:
    _check_spread(args)
    return args


def _finalize_conv(args: dict, meta) -> dict:
    _check_spread(args)
    return {**args, "kernel": _pair(args["kernel"]), "stride": _pair(args["stride"])}


def _finalize_dropout(args: dict, meta) -> dict:
    """The rate, from `dropout 0.3` or from the course's keep probability `dropout keep=0.7`."""
    rate, keep = args["rate"], args["keep"]
    if rate is not None and keep is not None:
        raise ValueError(f"dropout is given both a rate ({rate:g}) and keep={keep:g}; write one "
                         f"(keep=K is rate 1-K)")
    if rate is None and keep is None:
        raise ValueError("dropout needs the fraction to drop (dropout 0.3) or the keep probability (keep=0.7)")
    if keep is not None:
        if keep <= 0:
            raise ValueError("dropout keep=0 keeps nothing; keep= is the probability of keeping a unit, above 0")
        rate = round(1.0 - keep, 12)  # keep=0.7 is rate 0.3, not 0.30000000000000004
    return {**args, "rate": rate, "keep": round(1.0 - rate, 12)}


def _finalize_embedding(args: dict, meta) -> dict:
    if args["vocab"] is None:
        vocab = getattr(meta, "vocab", None)
        if vocab is None:
            raise ValueError("embedding needs vocab=N: the data does not say how many distinct tokens it has")
        args = {**args, "vocab": vocab}
    return args


CORE_LAYERS = (
    LayerKind(
        "dense",
        positional=(Param("units", "int", min=1, doc="number of units"), ACTIVATION),
        options=(INIT, BIAS, *SPREAD),
        output_shape=lambda shape, a: (*shape[:-1], _features("dense", shape) and a["units"]),
        param_count=lambda shape, a: _features("dense", shape) * a["units"] + _bias_count(a),
        finalize=_finalize_dense,
        doc="fully connected layer",
    ),
    LayerKind(
        "dropout",
        positional=(Param("rate", "fraction", default=None, doc="fraction of units dropped while training"),),
        options=(Param("keep", "float", default=None, min=0, max=1,
                       doc="keep probability, as TF1's keep_prob: keep=0.7 is rate 0.3"),),
        finalize=_finalize_dropout,
        doc="randomly drops units while training; does nothing when evaluating",
        keeps_activation=True,
    ),
    LayerKind(
        "flatten",
        output_shape=lambda shape, a: (math.prod(shape),),
        doc="flattens each sample to a vector",
        keeps_activation=True,
    ),
    LayerKind(
        "batchnorm",
        options=(
            Param("momentum", "fraction", default=0.99, doc="moving-average momentum"),
            Param("epsilon", "float", default=0.001, min=0, doc="added to the variance"),
        ),
        # gamma, beta, moving mean, moving variance per channel: Keras counts all four
        param_count=lambda shape, a: 4 * shape[-1],
        doc="batch normalization over the last axis",
        aliases=("batch_norm", "batchnormalization", "batch_normalization"),
    ),
    LayerKind(
        "conv2d",
        positional=(
            Param("filters", "int", min=1, doc="number of filters"),
            Param("kernel", "shape", doc="kernel size, e.g. 3x3"),
            ACTIVATION,
        ),
        options=(
            Param("stride", "shape", default=(1, 1), doc="step of the window"),
            Param("padding", "name", default="valid", choices=("valid", "same")),
            INIT,
            BIAS,
            *SPREAD,
        ),
        output_shape=lambda shape, a: _windowed("conv2d", shape, a["kernel"], a["stride"], a["padding"], a["filters"]),
        param_count=lambda shape, a: a["kernel"][0] * a["kernel"][1] * _image("conv2d", shape)[2] * a["filters"] + _bias_count(a),
        finalize=_finalize_conv,
        doc="2-d convolution",
    ),
    LayerKind(
        "embedding",
        positional=(Param("dim", "int", min=1, doc="output dimension"),),
        options=(Param("vocab", "int", default=None, min=1, doc="number of distinct tokens (default: the data's)"),),
        output_shape=lambda shape, a: (_flat("embedding", shape), a["dim"]),
        param_count=lambda shape, a: a["vocab"] * a["dim"],
        finalize=_finalize_embedding,
        doc="maps word indexes to dense vectors",
    ),
    LayerKind(
        "activation",
        positional=(Param("activation", "activation", doc="activation name"),),
        doc="applies an activation function",
    ),
)


@hookimpl
def register_layers(register):
    for kind in (*CORE_LAYERS, *MERGE_LAYERS, *ATTENTION_LAYERS):
        register(kind)
