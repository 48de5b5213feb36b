"""One contract for weight names: which tf1 variable holds the numbers of which Keras weight.

A keras builder names the Keras layer it makes after its nnspec layer: `dense_1`, or
`residual_1_dense` (`<layer>_<part>`) when it makes several Keras layers for one nnspec
layer. A weight whose path below its Keras layer is `w` (`kernel`; `query/kernel` inside
a MultiHeadAttention) is held on tf1 by the variable `<layer>/w`, or `<layer>/<part>/w`
for a part. Keras' inner wrappers do not count: a recurrent layer's cell (`lstm_cell/`)
is left out, and a Bidirectional layer's two layers read as `forward/` and `backward/`
(`lstm_1/forward/kernel`). The tf1 builder runs inside `variable_scope(layer.name)`, so
`ctx.variable("kernel", ...)` and `ctx.variable("dense/kernel", ...)` make exactly those.

`nnspec export` reads a tf1 run's checkpoint into the Keras model by these names, and
`nnspec verify-plugin` copies a tf1 model's weights into the Keras one by them: a
plugin that passes the one passes the other (docs/plugins.md, Weight names).
"""

from __future__ import annotations

from typing import Any, Iterable

from ...errors import NNSpecError

CONTRACT = "docs/plugins.md, Weight names"


def tf1_scope(keras_layer: str, layer_names: Iterable[str]) -> str | None:
    """The tf1 scope of a Keras layer: `dense_1` -> `dense_1`, `residual_1_dense` -> `residual_1/dense`, else None."""
    names = set(layer_names)
    if keras_layer in names:
        return keras_layer
    owners = [name for name in names if keras_layer.startswith(name + "_")]
    if not owners:
        return None
    owner = max(owners, key=len)
    return f"{owner}/{keras_layer[len(owner) + 1:]}"


def weight_path(keras_layer: str, weight: Any) -> str:
    """A Keras weight's path below its layer: `kernel`, `query/kernel` (Keras' `path` without the model's scopes)."""
    parts = str(getattr(weight, "path", "") or weight.name).split("/")
    if keras_layer not in parts:
        return weight.name
    below = []
    for part in parts[parts.index(keras_layer) + 1:-1]:
        direction = part.split("_", 1)[0]
        if direction in ("forward", "backward"):
            below.append(direction)
        elif not part.endswith("_cell"):
            below.append(part)
    return "/".join([*below, parts[-1]])


def tf1_names(model: Any, layer_names: Iterable[str]) -> list[tuple[str, Any]]:
    """(tf1 variable name, Keras weight) for every weight of a Keras model built from a plan with these layers.

    Raises NNSpecError for a Keras layer with weights that is not named after an nnspec layer.
    """
    names = list(layer_names)
    pairs = []
    for layer in model.layers:
        if not layer.weights:
            continue
        scope = tf1_scope(layer.name, names)
        if scope is None:
            raise NNSpecError(
                f"the Keras layer '{layer.name}' holds weights but is not named after an nnspec layer "
                f"({', '.join(names)})",
                hint=f"name it as its layer, or '<layer>_<part>' ({CONTRACT})")
        pairs += [(f"{scope}/{weight_path(layer.name, weight)}", weight) for weight in layer.weights]
    return pairs
