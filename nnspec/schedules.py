"""Learning-rate schedules: the rate each epoch trains with, the same for every backend.

    train adam lr=0.01 schedule=step decay=0.5 every=10        # halve every 10 epochs
    train adam lr=0.01 schedule=exponential decay=0.9          # x0.9 each epoch
    train sgd lr=0.1 schedule=cosine min_lr=0.001              # half a cosine down to min_lr

The training loop computes the rate here once per epoch and hands it to the backend's
trainer (`set_lr`), so keras and tf1 cannot disagree about it. Plain Python.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from .types import Param

KINDS = ("none", "step", "exponential", "cosine")
EVERY_DEFAULT = {"step": 10, "exponential": 1}

OPTIONS = (
    Param("schedule", "name", default="none", choices=KINDS, doc="how lr changes over epochs"),
    Param("decay", "float", default=None, min=0, max=1, doc="step, exponential: the factor lr is multiplied by"),
    Param("every", "int", default=None, min=1, doc="step, exponential: epochs per decay (10, 1)"),
    Param("min_lr", "float", default=None, min=0, doc="cosine: the rate at the end (default 0)"),
)
OPTION_NAMES = tuple(p.name for p in OPTIONS)
OWNERS = {"decay": ("step", "exponential"), "every": ("step", "exponential"), "min_lr": ("cosine",)}
DECAY_DEFAULT = 0.5


def schedule_of(options: Mapping[str, Any]) -> dict[str, Any] | None:
    """The schedule the checked train options describe, defaults filled (None: a constant rate)."""
    kind = options.get("schedule") or "none"
    if kind == "none":
        return None
    if kind == "cosine":
        return {"kind": kind, "min_lr": options.get("min_lr") or 0.0}
    decay = options.get("decay")
    return {
        "kind": kind,
        "decay": DECAY_DEFAULT if decay is None else decay,
        "every": options.get("every") or EVERY_DEFAULT[kind],
    }


def misplaced(options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(option, message) for schedule options the chosen schedule does not use."""
    kind = options.get("schedule") or "none"
    out = []
    for name, owners in OWNERS.items():
        if options.get(name) is not None and kind not in owners:
            used_by = " or ".join(f"schedule={o}" for o in owners)
            now = "no schedule" if kind == "none" else f"schedule={kind}"
            out.append((name, f"{name}= belongs to {used_by}, and this train line has {now}"))
    if kind in ("step", "exponential") and options.get("decay") == 0:
        out.append(("decay", "decay=0 would stop training after the first decay"))
    return out


def lr_at(lr: float, schedule: Mapping[str, Any] | None, epoch: int, epochs: int) -> float:
    """The learning rate of `epoch` (from 1) out of `epochs`."""
    if not schedule:
        return lr
    kind = schedule["kind"]
    done = epoch - 1
    if kind == "step":
        return lr * schedule["decay"] ** (done // schedule["every"])
    if kind == "exponential":
        return lr * schedule["decay"] ** (done / schedule["every"])
    if kind == "cosine":
        low = schedule["min_lr"]
        return low + (lr - low) * 0.5 * (1 + math.cos(math.pi * done / max(epochs, 1)))
    raise ValueError(f"unknown schedule {kind!r}")
