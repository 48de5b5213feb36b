"""What both built-in backends need besides the objectives: plugin lookups, seeds, build context."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import SpecError
from ...plugins import plugin_impl  # noqa: F401  (the backends look names up through it)
from ...types import Plan, ResolvedLayer


def derived_seed(*parts: int) -> int:
    """A seed for one random thing, derived from the plan seed and where it is used."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0] & 0x7FFFFFFF)


def layer_builder(backend: str, layer: ResolvedLayer):
    """The build function registered for this layer kind on this backend."""
    from ...plugins import get_registries

    builder = get_registries().layer_builders.get((backend, layer.kind))
    if builder is None:
        error = SpecError(f"layer kind '{layer.kind}' has no builder for backend '{backend}'",
                          line=layer.line or None, column=layer.column or None,
                          hint="its plugin must register a LayerBuilder for this backend")
        raise error
    return builder.build


def located(error: Exception, plan: Plan, layer: ResolvedLayer) -> Exception:
    """An NNSpecError raised while building a layer, pointing at the layer's line."""
    if getattr(error, "line", 0) is None and layer.line:
        error.line, error.column = layer.line, layer.column or 1
    spec = plan.spec
    if hasattr(error, "located") and spec is not None:
        error.located(getattr(spec, "filename", None), getattr(spec, "source", None))
    return error


class BuildContext:
    """Shared part of what a layer builder receives: the plan, the layer, seeded names.

    `initializer(name)` gives a fresh seed to each call, so a layer's kernel and bias
    (and every layer) are drawn independently yet reproducibly from the plan seed.
    """

    backend = ""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.layer: ResolvedLayer | None = None
        self._draws = 0

    def enter(self, layer: ResolvedLayer) -> None:
        """Start building `layer` (the runner's loop calls this before each builder)."""
        self.layer = layer
        self._draws = 0

    def seed(self) -> int:
        """A fresh seed for the current layer (initializers, dropout masks)."""
        self._draws += 1
        index = self.layer.index if self.layer is not None else 0
        return derived_seed(self.plan.seed, index, self._draws)

    def initializer(self, name: str):
        """The backend's initializer for a canonical name, seeded for this layer."""
        seed = self.seed()
        factory = self.builtin_initializers().get(name)
        if factory is None:
            factory = plugin_impl("initializers", "initializer", name, self.backend)
        return factory(seed)

    def activation(self, name: str | None):
        """The backend's activation function for a canonical name (None: identity)."""
        if name is None:
            return None
        found = self.builtin_activations().get(name)
        if found is None:
            found = plugin_impl("activations", "activation", name, self.backend)
        return found

    def builtin_initializers(self) -> dict:  # pragma: no cover - each backend defines it
        raise NotImplementedError

    def builtin_activations(self) -> dict:  # pragma: no cover - each backend defines it
        raise NotImplementedError


def input_dtype(plan: Plan) -> str:
    """int32 when the network starts with an embedding (word indexes), else float32."""
    return plan.input_dtype


def label_spec(plan: Plan) -> tuple[tuple, str]:
    """Per-sample shape and dtype of the encoded labels."""
    if plan.label_encoding == "index":
        return (), "int32"
    return tuple(plan.layers[-1].output_shape), "float32"


class _NotForUsers:
    """Drops TensorFlow log records that say nothing a spec's author can act on."""

    def filter(self, record) -> bool:
        message = record.getMessage()
        # TensorFlow counts traces by source code, so the sixth trainer of a sweep (each
        # compiling its own functions once) looks like "excessive retracing" to it
        if "triggered tf.function retracing" in message and "KerasTrainer" in message:
            return False
        # TF1 optimizers still use initializer arguments TensorFlow itself deprecated
        return "is deprecated and will be removed in a future version" not in message


def quiet_tensorflow_logs() -> None:
    """Install the filter above on TensorFlow's logger, once."""
    import tensorflow as tf

    logger = tf.get_logger()
    if not any(isinstance(f, _NotForUsers) for f in logger.filters):
        logger.addFilter(_NotForUsers())
