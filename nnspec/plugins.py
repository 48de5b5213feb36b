"""The plugin manager: entry points of group `nnspec`, built-ins first, failures isolated."""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import os
from dataclasses import dataclass, field

import pluggy

from . import hookspecs
from .errors import NNSpecError
from .registry import Registries

BUILTIN_PLUGINS = (
    "nnspec.builtins.layers",
    "nnspec.builtins.names",
    "nnspec.builtins.datasets",
    "nnspec.builtins.backends",
    "nnspec.builtins.reports",
)
ENV_VAR = "NNSPEC_PLUGINS"  # comma list of third-party plugins to load; empty: none

# hook name -> the registry attribute it fills
REGISTERING_HOOKS = {
    "register_layers": "layers",
    "register_activations": "activations",
    "register_initializers": "initializers",
    "register_optimizers": "optimizers",
    "register_losses": "losses",
    "register_metrics": "metrics",
    "register_datasets": "datasets",
    "register_backends": "backends",
}


@dataclass
class PluginInfo:
    """One loaded (or failed) plugin, for `nnspec plugins`."""

    name: str
    module: str
    package: str
    version: str
    builtin: bool
    error: str | None = None
    provides: dict[str, list[str]] = field(default_factory=dict)


class PluginManager(pluggy.PluginManager):
    """pluggy's manager plus what nnspec tracks about each plugin."""

    def __init__(self) -> None:
        super().__init__("nnspec")
        self.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}

    def load(self, name: str, module_path: str, package: str, version: str, builtin: bool) -> None:
        """Import and register one plugin module; a failure is recorded, not raised."""
        info = PluginInfo(name, module_path, package, version, builtin)
        self.infos[name] = info
        try:
            module = importlib.import_module(module_path)
            self.register(module, name=name)
        except Exception as exc:  # a broken plugin must not take the others down
            info.error = f"failed to load: {type(exc).__name__}: {exc}"
            return
        try:
            self.check_pending()
        except pluggy.PluginValidationError as exc:
            self.unregister(name=name)
            info.error = f"misuses a hook: {exc}"

    def failures(self) -> list[PluginInfo]:
        return [info for info in self.infos.values() if info.error]


def _wanted_third_party() -> set[str] | None:
    value = os.environ.get(ENV_VAR)
    if value is None:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


@functools.lru_cache(maxsize=None)
def get_plugin_manager() -> PluginManager:
    """The one plugin manager: built-ins, then installed plugins allowed by NNSPEC_PLUGINS."""
    pm = PluginManager()
    wanted = _wanted_third_party()
    points = importlib.metadata.entry_points(group="nnspec")
    builtin_points = [ep for ep in points if ep.dist and ep.dist.name == "nnspec"]
    if builtin_points:
        for ep in builtin_points:
            pm.load(ep.name, ep.value, "nnspec", ep.dist.version, builtin=True)
    else:  # running from a source tree that was not installed
        from . import __version__

        for module_path in BUILTIN_PLUGINS:
            pm.load(module_path.rsplit(".", 1)[-1], module_path, "nnspec", __version__, builtin=True)
    for ep in points:
        if ep.dist and ep.dist.name == "nnspec":
            continue
        if wanted is not None and ep.name not in wanted:
            continue
        dist = ep.dist.name if ep.dist else "?"
        version = ep.dist.version if ep.dist else "?"
        pm.load(ep.name, ep.value, dist, version, builtin=False)
    return pm


def _collect(pm: PluginManager, hook_name: str, register_item) -> None:
    """Call one hook plugin by plugin, so that a failing plugin is isolated and named."""
    for impl in getattr(pm.hook, hook_name).get_hookimpls():
        info = pm.infos.get(impl.plugin_name)
        try:
            impl.function(lambda item, _p=impl.plugin_name: register_item(item, _p))
        except Exception as exc:
            if info is not None:
                info.error = f"{hook_name} failed: {type(exc).__name__}: {exc}"


@functools.lru_cache(maxsize=None)
def get_registries() -> Registries:
    """Everything the plugins register, collected once per process."""
    pm = get_plugin_manager()
    registries = Registries()
    for hook_name, attribute in REGISTERING_HOOKS.items():
        registry = getattr(registries, attribute)

        def register_item(item, provider, _registry=registry):
            _registry.register(item.name, item, tuple(getattr(item, "aliases", ())), provider)
            info = pm.infos.get(provider)
            if info is not None:
                info.provides.setdefault(_registry.kind, []).append(item.name)

        _collect(pm, hook_name, register_item)

    def register_builder(builder, provider):
        registries.layer_builders[(builder.backend, builder.kind)] = builder

    _collect(pm, "register_layer_builders", register_builder)
    return registries


def reset() -> None:
    """Forget the loaded plugins (tests that install or restrict plugins use this)."""
    get_registries.cache_clear()
    get_plugin_manager.cache_clear()


def plugin_failures() -> list[PluginInfo]:
    """Plugins that failed to load or whose hooks raised, after registries are built."""
    get_registries()
    return get_plugin_manager().failures()


__all__ = ["get_plugin_manager", "get_registries", "reset", "plugin_failures", "NNSpecError"]
