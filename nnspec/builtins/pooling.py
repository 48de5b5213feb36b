"""The pooling layer kinds: `maxpool`, `avgpool`, `globalmaxpool`, `globalavgpool`, 1-D or 2-D by the input.

On an image (`height x width x channels`) a window is two numbers (`maxpool 2x2`); on a
sequence (`steps x features`) one (`maxpool 2`). The global pools take the maximum or
the mean over every step or position, leaving one value per channel. None has weights.
"""

from __future__ import annotations

from ..dsl.ast import shape_text
from ..hookspecs import hookimpl
from ..types import LayerKind, Param
from .layers import _spatial


def spatial_rank(kind: str, shape: tuple) -> int:
    """1 for a sequence (steps x features), 2 for an image (height x width x channels)."""
    if len(shape) not in (2, 3):
        hint = " (reshape it, or use flatten's vector with dense)" if len(shape) == 1 else ""
        raise ValueError(f"{kind} expects a sequence steps x features or an image height x width x channels, "
                         f"found {shape_text(shape)}{hint}")
    return len(shape) - 1


def _window(kind: str, which: str, value: tuple, rank: int) -> tuple:
    value = tuple(value)
    if len(value) == 1 and rank == 2:
        return (value[0], value[0])
    if len(value) != rank:
        example = "2" if rank == 1 else "2x2"
        raise ValueError(f"{kind} {which} {shape_text(value)} does not fit a {rank}-d input; write one like {example}")
    return value


def _adapt_pool(kind: str):
    """The window and stride as many numbers as the input has spatial axes (`2` on an image is 2x2)."""

    def adapt(args: dict, shape, readers) -> dict:
        rank = spatial_rank(kind, shape)
        pool = _window(kind, "window", args["pool"], rank)
        stride = pool if args["stride"] is None else _window(kind, "stride", args["stride"], rank)
        return {**args, "pool": pool, "stride": stride}

    return adapt


def _pool_shape(kind: str):
    def output_shape(shape: tuple, a) -> tuple:
        sizes = tuple(_spatial(n, w, s, a["padding"]) for n, w, s in zip(shape[:-1], a["pool"], a["stride"]))
        if min(sizes) < 1:
            raise ValueError(f"{kind} window {shape_text(a['pool'])} does not fit the input "
                             f"{shape_text(shape[:-1])} (use padding=same or a smaller window)")
        return (*sizes, shape[-1])
    return output_shape


def _pool(kind: str, doc: str, aliases: tuple = ()) -> LayerKind:
    return LayerKind(
        kind,
        positional=(Param("pool", "shape", doc="window: 2x2 on an image, 2 on a sequence"),),
        options=(
            Param("stride", "shape", default=None, doc="step of the window (default: the window)"),
            Param("padding", "name", default="valid", choices=("valid", "same")),
        ),
        output_shape=_pool_shape(kind),
        adapt=_adapt_pool(kind),
        doc=doc,
        aliases=aliases,
    )


def _global(kind: str, doc: str, aliases: tuple) -> LayerKind:
    return LayerKind(
        kind,
        output_shape=lambda shape, a: (spatial_rank(kind, shape) and shape[-1],),
        doc=doc,
        aliases=aliases,
    )


POOLING_LAYERS = (
    _pool("maxpool", "max pooling: 2-d on an image, 1-d on a sequence", ("maxpool2d", "max_pool", "maxpool1d")),
    _pool("avgpool", "average pooling: 2-d on an image, 1-d on a sequence",
          ("avgpool2d", "avg_pool", "avgpool1d", "averagepool")),
    _global("globalmaxpool", "the maximum over every step or position, per channel",
            ("global_max_pool", "globalmaxpool1d", "globalmaxpool2d")),
    _global("globalavgpool", "the mean over every step or position, per channel",
            ("global_avg_pool", "globalavgpool1d", "globalavgpool2d", "globalaveragepool")),
)


@hookimpl
def register_layers(register):
    for kind in POOLING_LAYERS:
        register(kind)
