"""Which parameter a slot is: the positional argument or option the cursor is on.

The answer comes from the registries (a layer kind's `positional` and `options`, a
dataset's or an optimizer's `options`, the `train` options), so plugins' layers and
datasets are understood like the built-ins.
"""

from __future__ import annotations

from ..types import Param
from .definition import uses
from .words import Slot, slot_at

SUBJECTS = {
    "data": Param("dataset", "dataset", doc="the dataset"),
    "train": Param("optimizer", "optimizer", doc="the optimizer"),
    "backend": Param("backend", "backend", doc="the backend run uses by default"),
    "input": Param("input", "shape", doc="the input shape per sample"),
    "seed": Param("seed", "int", doc="seed for splits, initializers and shuffling"),
}


def _train_options() -> tuple[Param, ...]:
    from ..dsl.validate import TRAIN_OPTIONS

    return tuple(TRAIN_OPTIONS)


def _lookup(registry, name: str):
    canonical = registry.resolve(name) if name else None
    return registry.get(canonical) if canonical else None


def positional(slot: Slot, registries) -> tuple[Param, ...]:
    """The positional parameters of the slot's statement."""
    if slot.head in SUBJECTS:
        return (SUBJECTS[slot.head],)
    kind = _lookup(registries.layers, slot.head)
    return tuple(kind.positional) if kind else ()


def options(slot: Slot, registries) -> tuple[Param, ...]:
    """The options the slot's statement accepts (its key=value names)."""
    if slot.head == "data":
        dataset = _lookup(registries.datasets, slot.subject)
        return tuple(dataset.options) if dataset else ()
    if slot.head == "train":
        optimizer = _lookup(registries.optimizers, slot.subject)
        return _train_options() + (tuple(optimizer.options) if optimizer else ())
    if slot.head in SUBJECTS or slot.head == "let":
        return ()
    kind = _lookup(registries.layers, slot.head)
    return tuple(kind.options) if kind else ()


def param_for(slot: Slot, registries) -> Param | None:
    """The parameter at the slot: an argument by position, an option key or value by name."""
    if slot.role == "arg":
        params = positional(slot, registries)
        return params[slot.index] if slot.index < len(params) else None
    if slot.role in ("key", "value"):
        # a layer's positional arguments may also be written as options (units=32)
        layer_positional = () if slot.head in SUBJECTS else positional(slot, registries)
        for param in options(slot, registries) + layer_positional:
            if param.name == slot.key:
                return param
    return None


def param_of_variable(lines: list[str], name: str, registries) -> Param | None:
    """The parameter a sweep variable's first use stands for (its `let` values are of that kind)."""
    for line, start, _ in uses(lines, name):
        param = param_for(slot_at(lines, line, start + 1), registries)
        if param is not None:
            return param
    return None
