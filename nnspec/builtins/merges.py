"""The layer kinds that merge branches: `add` and `concat`, the ends of block heads (docs/language.md, Graphs).

`residual { ... }` and `add { ...; ... }` end in an `add`, `concat { ...; ... }` in a
`concat`. A merge kind's `output_shape` and `param_count` take the tuple of its
inputs' shapes (`LayerKind.merges`).
"""

from __future__ import annotations

from ..dsl.ast import shape_text
from ..types import LayerKind


def _add_shape(shapes: tuple, args) -> tuple:
    first = tuple(shapes[0])
    for other in shapes[1:]:
        if tuple(other) != first:
            raise ValueError(f"add needs equal shapes: {shape_text(first)} and {shape_text(other)}")
    return first


def _concat_shape(shapes: tuple, args) -> tuple:
    first = tuple(shapes[0])
    for other in shapes[1:]:
        if len(other) != len(first) or tuple(other[:-1]) != first[:-1]:
            raise ValueError(f"concat needs shapes that differ only in the last axis: "
                             f"{shape_text(first)} and {shape_text(other)}")
    return (*first[:-1], sum(shape[-1] for shape in shapes))


MERGE_LAYERS = (
    LayerKind("add", output_shape=_add_shape, doc="the sum of its branches (equal shapes)", merges=True),
    LayerKind("concat", output_shape=_concat_shape, doc="its branches joined along the last axis", merges=True,
              aliases=("concatenate",)),
)
