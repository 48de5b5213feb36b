"""What both built-in backends share: name lookups, seeds, the build loop, chunked prediction."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...errors import NNSpecError, SpecError
from ...plugins import plugin_impl
from ...types import Plan, ResolvedLayer

PREDICT_ROWS = 4096  # samples per forward pass when predicting


def make_optimizer(plan: Plan, backend: str, lr=None):
    """The optimizer the spec names, as `backend` implements it: `impl(lr, **options)`.

    `lr` replaces the plan's rate (tf1 passes a tensor that a schedule feeds each epoch).
    """
    t = plan.train
    return plugin_impl("optimizers", "optimizer", t.optimizer, backend)(t.lr if lr is None else lr, **t.options)


def derived_seed(*parts: int) -> int:
    """A seed for one random thing, derived from the plan seed and where it is used."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0] & 0x7FFFFFFF)


def layer_builder(backend: str, layer: ResolvedLayer):
    """The build function registered for this layer kind on this backend."""
    from ...plugins import get_registries

    builder = get_registries().layer_builders.get((backend, layer.kind))
    if builder is None:
        raise SpecError(f"layer kind '{layer.kind}' has no builder for backend '{backend}'",
                        line=layer.line or None, column=layer.column or None,
                        hint="its plugin must register a LayerBuilder for this backend")
    return builder.build


def build_layers(plan: Plan, ctx: "BuildContext", call: Callable, x: Any = None) -> Any:
    """Build the plan's layers in order; both built-in backends use this loop.

    `call(build, layer, x)` calls one builder the backend's way with what the layer
    reads: the network's input `x` or the value `call` returned for the layer before
    it, or, in a graph, for the layer `layer.sources` names; a merge (`add`, `concat`)
    gets the list of its inputs' values. It returns the value of the last layer.
    Errors point at the layer's line: an `NNSpecError` as raised, any other exception
    as a failure of the plugin that registered the builder.
    """
    from ...plugins import get_registries

    kinds = get_registries().layers
    outputs: list = []
    for layer in plan.layers:
        ctx.enter(layer)
        build = layer_builder(ctx.backend, layer)
        given = [x if i < 0 else outputs[i] for i in layer.sources]
        try:
            outputs.append(call(build, layer, given if kinds.get(layer.kind).merges else given[0]))
        except NNSpecError as error:
            raise located(error, plan, layer) from None
        except Exception as exc:  # a builder's bug: say whose and where, not only what
            raise located(_builder_failed(ctx.backend, layer, exc), plan, layer) from exc
    return outputs[-1] if outputs else x


def _builder_failed(backend: str, layer: ResolvedLayer, exc: Exception) -> SpecError:
    from ...plugins import get_plugin_manager, get_registries

    provider = get_registries().layer_builder_providers.get((backend, layer.kind), "?")
    info = get_plugin_manager().infos.get(provider)
    package = ""
    if info is not None and not info.builtin:
        package = " (" + " ".join(part for part in (info.package, info.version) if part) + ")"
    detail = " ".join(str(exc).split())[:300]
    return SpecError(
        f"the {backend} builder of layer kind '{layer.kind}' from plugin '{provider}'{package} failed: "
        f"{type(exc).__name__}" + (f": {detail}" if detail else ""),
        hint="the spec is fine as far as nnspec can tell: report this to the plugin's author" if package else None,
    )


def located(error: Exception, plan: Plan, layer: ResolvedLayer) -> Exception:
    """An NNSpecError raised while building a layer, pointing at the layer's line."""
    if getattr(error, "line", 0) is None and layer.line:
        error.line, error.column = layer.line, layer.column or 1
    spec = plan.spec
    if hasattr(error, "located") and spec is not None:
        error.located(getattr(spec, "filename", None), getattr(spec, "source", None))
    return error


def predict_in_chunks(forward: Callable, x: Any, plan: Plan, rows: int = PREDICT_ROWS) -> np.ndarray:
    """`forward` over `rows` samples at a time, concatenated (an empty `x` gives no rows)."""
    if len(x) == 0:
        return np.zeros((0, *plan.layers[-1].output_shape), np.float32)
    return np.concatenate([np.asarray(forward(x[i:i + rows])) for i in range(0, len(x), rows)])


class BuildContext:
    """Shared part of what a layer builder receives: the plan, the layer, seeded names.

    `initializer(name)` gives a fresh seed to each call, so a layer's kernel and bias
    (and every layer) are drawn independently yet reproducibly from the plan seed.
    Names come from their registrations (`Named.impl[backend]`), built-in or not.
    """

    backend = ""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.layer: ResolvedLayer | None = None
        self._draws = 0

    def enter(self, layer: ResolvedLayer) -> None:
        """Start building `layer` (the build loop calls this before each builder)."""
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
        return plugin_impl("initializers", "initializer", name, self.backend)(seed)

    def layer_initializer(self, which: str = "init"):
        """The initializer a layer's `init=` (or `bias=`) names, with its `init_stddev=`/`init_limit=`.

        Without a spread it is `initializer(name)`; with one, the backend's
        `spread_initializer` draws from the normal or uniform the spec describes.
        """
        args = self.layer.args
        name = args[which]
        spread = args.get(f"{which}_stddev")
        if spread is None:
            spread = args.get(f"{which}_limit")
        if spread is None:
            return self.initializer(name)
        return self.spread_initializer(name, float(spread), self.seed())

    def spread_initializer(self, name: str, spread: float, seed: int):  # pragma: no cover - per backend
        raise NotImplementedError

    def activation(self, name: str | None):
        """The backend's activation function for a name (None: None, no activation)."""
        if name is None:
            return None
        return plugin_impl("activations", "activation", name, self.backend)


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
