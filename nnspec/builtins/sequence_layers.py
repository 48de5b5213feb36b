"""The layer kinds of sequences: `rnn`, `lstm`, `gru` (one direction or both), `conv1d` and `reshape`.

A sequence is a per-sample shape `steps x features` (an embedding's output, or
`input 28x28` read row by row). A recurrent layer returns every step's output
(`return_sequences=true`, shape `steps x units`) or the last one's (`units`). When
`return_sequences=` is not written it follows from what reads the layer
(docs/language.md, "Sequences"): another recurrent layer, attention, positions,
conv1d, a pool or a global pool take every step; dense and flatten the last; nothing
after it the last, as Keras does. A merge (`add`, `concat`, a residual block's add)
keeps its inputs' rank, so what reads the merge decides. Where the next layer could
take either (reshape, a plugin's kind) the option must be written. `bidirectional=true` runs a second layer
over the reversed steps and joins both outputs along the last axis (as Keras'
Bidirectional with merge_mode="concat"): twice the units and twice the weights.
Parameter counts are Keras': GRU with `reset_after=True` (two bias rows).
"""

from __future__ import annotations

import math

from ..dsl.ast import shape_text
from ..hookspecs import hookimpl
from ..types import LayerKind, Param
from .layers import BIAS, INIT, SPREAD, _bias_count, _check_spread, _spatial

# how many weight matrices of each size a cell has: gates of LSTM (4), GRU (3), plain RNN (1)
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
# kinds that take every step of a sequence, and kinds that take a vector (the last step)
READS_STEPS = frozenset({"rnn", "lstm", "gru", "conv1d", "attention", "multihead_attention", "self_attention",
                         "positions", "globalavgpool", "globalmaxpool", "avgpool", "maxpool"})
READS_LAST = frozenset({"dense", "flatten"})
# kinds that pass a sequence or a vector on as it came (a merge: in its inputs' rank): look past them
PASSES_ON = frozenset({"dropout", "activation", "batchnorm", "layernorm", "add", "concat"})


def sequence(kind: str, shape: tuple) -> tuple[int, int]:
    """(steps, features) of a sequence input, or a ValueError naming what would make one."""
    if len(shape) != 2:
        if len(shape) == 1:
            hint = " (put an embedding before it, or 'reshape' the input into steps x features)"
        else:
            hint = " (reshape it into steps x features)"
        raise ValueError(f"{kind} expects a sequence steps x features, found {shape_text(shape)}{hint}")
    return shape


def _recurrent_shape(kind: str):
    def output_shape(shape: tuple, a) -> tuple:
        steps, _ = sequence(kind, shape)
        width = a["units"] * (2 if a["bidirectional"] else 1)
        return (steps, width) if a["return_sequences"] else (width,)
    return output_shape


def _recurrent_count(kind: str):
    def param_count(shape: tuple, a) -> int:
        _, features = sequence(kind, shape)
        units, gates = a["units"], GATES[kind]
        biases = 2 * units if kind == "gru" else units  # Keras' GRU: reset_after=True, an input and a recurrent bias
        one = gates * (features * units + units * units + biases)
        return one * (2 if a["bidirectional"] else 1)
    return param_count


def _what_follows(readers: tuple) -> set:
    """True (every step), False (the last) or the name that cannot tell, for each reader's way onwards."""
    found = set()
    for chain in readers:
        for name in chain:
            if name in PASSES_ON:
                continue
            found.add(True if name in READS_STEPS else False if name in READS_LAST else name)
            break
        else:
            found.add(False)  # only dropout and the like until the output: the last step, as Keras' default
    return found or {False}


def return_sequences(kind: str):
    """`return_sequences` from what reads the layer, when the spec does not write it."""

    def adapt(args: dict, shape, readers: tuple) -> dict:
        if args["return_sequences"] is not None:
            return args
        found = _what_follows(readers)
        if found in ({True}, {False}):
            return {**args, "return_sequences": found.pop()}
        unclear = sorted(str(f) for f in found if not isinstance(f, bool))
        after = f"'{unclear[0]}'" if unclear else "its readers, which disagree"
        raise ValueError(f"{kind} cannot tell from {after} after it whether to give every step or the last: "
                         f"write return_sequences=true (every step) or return_sequences=false (the last)")

    return adapt


def _recurrent(kind: str, doc: str, activation: str = "tanh") -> LayerKind:
    return LayerKind(
        kind,
        positional=(Param("units", "int", min=1, doc="size of the state (each direction's)"),
                    Param("activation", "activation", default=activation, doc="activation of the state")),
        options=(
            Param("return_sequences", "bool", default=None,
                  doc="every step's output (true) or the last one's (false); default: from the layer after it"),
            Param("bidirectional", "bool", default=False,
                  doc="also run over the reversed steps and join both outputs (twice the units)"),
        ),
        output_shape=_recurrent_shape(kind),
        param_count=_recurrent_count(kind),
        adapt=return_sequences(kind),
        doc=doc,
    )


# ------------------------------------------------------------------ conv1d, reshape


def _finalize_conv1d(args: dict, meta) -> dict:
    _check_spread(args)
    return args


def _conv1d_shape(shape: tuple, a) -> tuple:
    steps, _ = sequence("conv1d", shape)
    out = _spatial(steps, a["kernel"], a["stride"], a["padding"])
    if out < 1:
        raise ValueError(f"conv1d kernel {a['kernel']} does not fit the {steps} steps (use padding=same or a "
                         "smaller kernel)")
    return (out, a["filters"])


def _reshape_shape(shape: tuple, a) -> tuple:
    target = tuple(a["shape"])
    if math.prod(target) != math.prod(shape):
        raise ValueError(f"reshape to {shape_text(target)} needs {math.prod(target)} values per sample; "
                         f"the input {shape_text(shape)} has {math.prod(shape)}")
    return target


SEQUENCE_LAYERS = (
    _recurrent("rnn", "fully connected recurrent layer (Keras' SimpleRNN)"),
    _recurrent("lstm", "long short-term memory layer"),
    _recurrent("gru", "gated recurrent unit layer (Keras' GRU, reset_after)"),
    LayerKind(
        "conv1d",
        positional=(
            Param("filters", "int", min=1, doc="number of filters"),
            Param("kernel", "int", min=1, doc="window length in steps"),
            Param("activation", "activation", default=None, doc="activation applied to the output"),
        ),
        options=(
            Param("stride", "int", default=1, min=1, doc="step of the window"),
            Param("padding", "name", default="valid", choices=("valid", "same")),
            INIT,
            BIAS,
            *SPREAD,
        ),
        output_shape=_conv1d_shape,
        param_count=lambda shape, a: a["kernel"] * sequence("conv1d", shape)[1] * a["filters"] + _bias_count(a),
        finalize=_finalize_conv1d,
        doc="1-d convolution over the steps of a sequence",
        aliases=("convolution1d",),
    ),
    LayerKind(
        "reshape",
        positional=(Param("shape", "shape", doc="the per-sample shape, e.g. 28x28 or 7x7x16"),),
        output_shape=_reshape_shape,
        doc="the same values in another per-sample shape",
        keeps_activation=True,
    ),
)


@hookimpl
def register_layers(register):
    for kind in SEQUENCE_LAYERS:
        register(kind)
