"""The plugin manager: entry points of group `nnspec`, built-ins first, failures isolated."""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import os
import re
from dataclasses import dataclass, field
from typing import Any

import pluggy

from . import hookspecs
from .errors import NNSpecError, PluginError
from .registry import Registries, did_you_mean
from .types import Backend, Dataset, LayerBuilder, LayerKind, Named, ReportSection, TrainingCallback

BUILTIN_PLUGINS = (
    "nnspec.builtins.layers",
    "nnspec.builtins.pooling",
    "nnspec.builtins.sequence_layers",
    "nnspec.builtins.names",
    "nnspec.builtins.datasets",
    "nnspec.builtins.backends",
    "nnspec.builtins.layer_diagnostics",
    "nnspec.builtins.diagnostics_report",
    "nnspec.builtins.tensorboard_events",
)
ENV_VAR = "NNSPEC_PLUGINS"  # comma list of third-party plugins to load; empty: none

# hook name -> the registry attribute it fills and the type it takes
REGISTERING_HOOKS = {
    "register_layers": ("layers", LayerKind),
    "register_activations": ("activations", Named),
    "register_initializers": ("initializers", Named),
    "register_optimizers": ("optimizers", Named),
    "register_losses": ("losses", Named),
    "register_metrics": ("metrics", Named),
    "register_datasets": ("datasets", Dataset),
    "register_backends": ("backends", Backend),
    "register_training_callbacks": ("training_callbacks", TrainingCallback),
    "register_report_sections": ("report_sections", ReportSection),
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
    commands: list[str] = field(default_factory=list)  # filled when the CLI is built


class PluginManager(pluggy.PluginManager):
    """pluggy's manager plus what nnspec tracks about each plugin."""

    def __init__(self) -> None:
        super().__init__("nnspec")
        self.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}

    def load(self, name: str, module_path: str, package: str, version: str, builtin: bool) -> None:
        """Import and register one plugin module; a failure is recorded, not raised."""
        if name in self.infos:  # two distributions chose one entry-point name: the first keeps it
            taken = self.infos[name].package
            self.infos[f"{name} ({package})"] = PluginInfo(
                name, module_path, package, version, builtin,
                error=f"not loaded: the plugin name '{name}' is already used by {taken}",
            )
            return
        info = PluginInfo(name, module_path, package, version, builtin)
        self.infos[name] = info
        try:
            module = importlib.import_module(module_path)
        except Exception as exc:  # a broken plugin must not take the others down
            info.error = f"failed to load: {type(exc).__name__}: {exc}"
            return
        try:
            self.register(module, name=name)
            self.check_pending()
        except Exception as exc:
            info.error = f"misuses a hook: {self._explain(module, exc)}"
            # pluggy may have added some of the plugin's hooks before failing: drop them all
            if self.get_plugin(name) is module:
                self.unregister(name=name)

    def _explain(self, module, exc: Exception) -> str:
        """pluggy's complaint on one line, with a did-you-mean for a misspelled hook."""
        unknown = [caller.name for caller in self.get_hookcallers(module) or () if not caller.has_spec()]
        if unknown:
            hint = did_you_mean(unknown[0], [name for name in dir(hookspecs) if name.startswith("register_")])
            return f"implements unknown hook '{unknown[0]}'" + (f"; {hint}" if hint else "")
        return " ".join(str(exc).split())

    def record_error(self, plugin_name: str, message: str) -> None:
        """Note a plugin's failure after loading (a hook that raised), keeping earlier ones."""
        info = self.infos.get(plugin_name)
        if info is None or message in (info.error or ""):  # the registries were rebuilt: same failure
            return
        info.error = f"{info.error}; {message}" if info.error else message

    def failures(self) -> list[PluginInfo]:
        return [info for info in self.infos.values() if info.error]


def _wanted_third_party() -> set[str] | None:
    """Plugin or distribution names listed in NNSPEC_PLUGINS; None when it is unset."""
    value = os.environ.get(ENV_VAR)
    if value is None:
        return None
    return {_normalized(part) for part in value.split(",") if part.strip()}


def _normalized(name: str) -> str:
    """Distribution names compare as pip compares them: case, '-', '_' and '.' do not matter."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


@functools.lru_cache(maxsize=None)
def get_plugin_manager() -> PluginManager:
    """The one plugin manager: built-ins, then installed plugins allowed by NNSPEC_PLUGINS."""
    pm = PluginManager()
    wanted = _wanted_third_party()
    points = importlib.metadata.entry_points(group="nnspec")
    # only the built-ins this code has: an install made before one was removed still lists it
    builtin_points = [ep for ep in points if ep.dist and ep.dist.name == "nnspec" and ep.value in BUILTIN_PLUGINS]
    for ep in builtin_points:
        pm.load(ep.name, ep.value, "nnspec", ep.dist.version, builtin=True)
    # a source tree that was not installed, or built-ins added since it was installed
    found = {ep.value for ep in builtin_points}
    if len(found) < len(BUILTIN_PLUGINS):
        from .version import __version__

        for module_path in BUILTIN_PLUGINS:
            if module_path not in found:
                pm.load(module_path.rsplit(".", 1)[-1], module_path, "nnspec", __version__, builtin=True)
    for ep in points:
        if ep.dist and ep.dist.name == "nnspec":
            continue
        dist = ep.dist.name if ep.dist else "?"
        if wanted is not None and not {_normalized(ep.name), _normalized(dist)} & wanted:
            continue
        version = ep.dist.version if ep.dist else "?"
        pm.load(ep.name, ep.value, dist, version, builtin=False)
    return pm


def _collect(pm: PluginManager, hook_name: str, register_item) -> None:
    """Call one hook plugin by plugin, so that a failing plugin is isolated and named."""
    for impl in getattr(pm.hook, hook_name).get_hookimpls():
        try:
            impl.function(lambda item, _p=impl.plugin_name: register_item(item, _p))
        except Exception as exc:
            pm.record_error(impl.plugin_name, f"{hook_name} failed: {type(exc).__name__}: {exc}")


@functools.lru_cache(maxsize=None)
def get_registries() -> Registries:
    """Everything the plugins register, collected once per process."""
    pm = get_plugin_manager()
    registries = Registries()
    for info in pm.infos.values():  # rebuilt from scratch, as the registries are
        info.provides.clear()
    for hook_name, (attribute, item_type) in REGISTERING_HOOKS.items():
        registry = getattr(registries, attribute)

        def register_item(item, provider, _registry=registry, _type=item_type, _hook=hook_name):
            _expect(item, _type, _hook)
            _registry.register(item.name, item, tuple(getattr(item, "aliases", ())), provider)
            info = pm.infos.get(provider)
            if info is not None:
                info.provides.setdefault(_registry.kind, []).append(item.name)

        _collect(pm, hook_name, register_item)

    def register_builder(builder, provider):
        _expect(builder, LayerBuilder, "register_layer_builders")
        key = (builder.backend, builder.kind)
        if key in registries.layer_builders:
            raise PluginError(f"a {builder.backend} builder for layer kind '{builder.kind}' is registered twice")
        registries.layer_builders[key] = builder
        registries.layer_builder_providers[key] = provider
        info = pm.infos.get(provider)
        if info is not None:
            info.provides.setdefault("layer builder", []).append(f"{builder.kind} ({builder.backend})")

    _collect(pm, "register_layer_builders", register_builder)
    return registries


def _expect(item, item_type: type, hook_name: str) -> None:
    if not isinstance(item, item_type):
        raise PluginError(f"{hook_name} takes {item_type.__name__} objects, not {type(item).__name__}")


def register_plugin(plugin, name: str) -> None:
    """Register a plugin object or module from code (a notebook, a test), as if installed.

    `plugin` is anything holding `@hookimpl` functions (a module, a class instance).
    It is listed by `nnspec plugins` and checked by `nnspec verify-plugin NAME`.
    """
    pm = get_plugin_manager()
    if name in pm.infos:
        raise PluginError(f"a plugin named '{name}' is already loaded")
    pm.register(plugin, name=name)
    pm.check_pending()
    pm.infos[name] = PluginInfo(name, getattr(plugin, "__name__", type(plugin).__name__), "registered from code",
                                "", builtin=False)
    get_registries.cache_clear()


def unregister_plugin(name: str) -> None:
    """Forget a plugin registered with `register_plugin`."""
    pm = get_plugin_manager()
    pm.unregister(name=name)
    pm.infos.pop(name, None)
    get_registries.cache_clear()


def reset() -> None:
    """Forget the loaded plugins (tests that install or restrict plugins use this)."""
    get_registries.cache_clear()
    get_plugin_manager.cache_clear()


def plugin_failures() -> list[PluginInfo]:
    """Plugins that failed to load or whose hooks raised, after registries are built."""
    get_registries()
    return get_plugin_manager().failures()


def plugin_impl(registry: str, what: str, name: str, backend: str) -> Any:
    """What a plugin registered for `name` on `backend` (`Named.impl[backend]`), references imported."""
    named = getattr(get_registries(), registry).get(name)
    impl = named.impl.get(backend)
    if impl is None:
        raise PluginError(
            f"{what} '{name}' has no implementation for backend '{backend}'",
            hint=f"its plugin must register it with impl={{'{backend}': ...}}",
        )
    return resolve_reference(impl)


def is_reference(value: Any) -> bool:
    """Whether `value` is a `"module:attribute"` reference (what a plugin registers to defer an import)."""
    return isinstance(value, str) and re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*", value) is not None


def resolve_reference(value: Any) -> Any:
    """The object a `"module:attribute"` reference names, imported now; anything else as it is."""
    if not is_reference(value):
        return value
    module_name, _, attribute = value.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"cannot import '{value}', which a plugin registered: {type(exc).__name__}: {exc}",
                          hint="the plugin's author must fix the reference") from None
    return found


def keras_modules() -> list[str]:
    """The modules the loaded plugins' keras references name (their Keras classes and functions)."""
    registries = get_registries()
    references = [builder.build for (backend, _), builder in registries.layer_builders.items() if backend == "keras"]
    for registry in (registries.activations, registries.initializers, registries.optimizers,
                     registries.losses, registries.metrics):
        references += [registry.get(name).impl.get("keras") for name in registry.names()]
    return sorted({value.partition(":")[0] for value in references if is_reference(value)})


def import_keras_objects() -> list[str]:
    """Import every module holding a loaded plugin's Keras objects, so that a `model.keras` using them loads.

    Call it before `keras.models.load_model` in a process that did not build the
    model; returns the modules imported. Importing them imports Keras.
    """
    modules = keras_modules()
    for module in modules:
        resolve_reference(f"{module}:__name__")
    return modules


__all__ = ["get_plugin_manager", "get_registries", "register_plugin", "unregister_plugin", "reset",
           "plugin_failures", "plugin_impl", "resolve_reference", "import_keras_objects", "NNSpecError"]
