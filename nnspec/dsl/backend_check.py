"""Does the plan's backend implement every layer kind and name the spec uses?

A backend that builds through the registries (it has layer builders registered,
as keras and tf1 do) needs a `LayerBuilder` for each layer kind and an
`impl[backend]` for each activation, initializer, optimizer, loss and metric. This
finds what is missing before TensorFlow is imported, at the line that uses it, and
names the plugin that would have to supply it. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from ..plugins import get_registries
from ..types import Plan

NAMED_KINDS = {"activation": "activations", "initializer": "initializers"}  # Param.type -> registry


def check_implementations(plan: Plan, out) -> None:
    """Report to `out` each layer kind and name `plan.backend` cannot build."""
    registries = get_registries()
    backend = plan.backend
    if not any(key[0] == backend for key in registries.layer_builders):
        return  # a backend that does not build through the registries (it reuses another's)
    for layer in plan.layers:
        where = (layer.line, layer.column)
        if (backend, layer.kind) not in registries.layer_builders:
            builds = sorted(b for b, kind in registries.layer_builders if kind == layer.kind)
            out.error(f"layer kind '{layer.kind}' has no builder for backend '{backend}'"
                      f" (plugin '{registries.layers.provider.get(layer.kind, '?')}'"
                      + (f" builds it for {', '.join(builds)})" if builds else ")"),
                      *where, hint=_other_backends(builds, backend), code="no-implementation")
        kind = registries.layers.get(layer.kind)
        for param in kind.params():
            registry = NAMED_KINDS.get(param.type)
            value = layer.args.get(param.name)
            if registry and isinstance(value, str):
                _check_name(registries, registry, param.type, value, backend, out, where)
    stmt = getattr(plan.spec, "train", None)
    where = (stmt.line, stmt.column) if stmt is not None else (plan.layers[-1].line, plan.layers[-1].column)
    _check_name(registries, "optimizers", "optimizer", plan.train.optimizer, backend, out, where)
    _check_name(registries, "losses", "loss", plan.train.loss, backend, out, where)
    for metric in plan.train.metrics:
        _check_name(registries, "metrics", "metric", metric, backend, out, where)


def _check_name(registries, registry: str, what: str, name: str, backend: str, out, where) -> None:
    names = getattr(registries, registry)
    canonical = names.resolve(name)
    if canonical is None or backend in names.get(canonical).impl:
        return
    has = sorted(names.get(canonical).impl)
    out.error(f"{what} '{canonical}' has no implementation for backend '{backend}'"
              f" (plugin '{names.provider.get(canonical, '?')}'"
              + (f" implements it for {', '.join(has)})" if has else ")"),
              *where, hint=_other_backends(has, backend), code="no-implementation")


def _other_backends(available: list[str], backend: str) -> str:
    if not available:
        return f"its plugin must register one for backend '{backend}'"
    return f"use 'backend {available[0]}', or its plugin must register one for '{backend}'"
