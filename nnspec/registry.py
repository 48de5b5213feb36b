"""Name -> object registries with aliases and did-you-mean suggestions."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Generic, Iterator, TypeVar

from .errors import PluginError, SpecError, UsageError

T = TypeVar("T")


def snake_case(name: str) -> str:
    """`HeNormal` -> `he_normal`, `he-normal` -> `he_normal`."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return name.replace("-", "_").lower()


def closest_name(name: str, candidates: Any) -> str | None:
    """The candidate closest to `name` (the one a did-you-mean hint names), or None."""
    names = sorted(set(candidates))
    matches = difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
    if not matches:  # `mse_typo`, `relu2`: a known name with something stuck to it
        matches = sorted((c for c in names if len(c) >= 3 and str(name).startswith(c)), key=len, reverse=True)
    return matches[0] if matches else None


def did_you_mean(name: str, candidates: Any) -> str | None:
    """A `did you mean 'x'?` hint for the closest candidate, or None."""
    match = closest_name(name, candidates)
    return f"did you mean '{match}'?" if match else None


class Registry(Generic[T]):
    """Objects of one kind (activation, layer, dataset, ...) by canonical name and alias."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._aliases: dict[str, str] = {}
        self.provider: dict[str, str] = {}

    def register(self, name: str, item: T, aliases: tuple[str, ...] = (), provider: str = "") -> None:
        """Add `item` under `name`; a name registered twice is a plugin error."""
        canonical = snake_case(name)
        if canonical in self._items or canonical in self._aliases:
            raise PluginError(
                f"{self.kind} '{canonical}' is registered twice"
                f" (by {self.provider.get(self.resolve(canonical), '?')} and {provider or '?'})"
            )
        self._items[canonical] = item
        self.provider[canonical] = provider
        for alias in aliases:
            self._aliases.setdefault(snake_case(alias), canonical)

    def resolve(self, name: str) -> str | None:
        """The canonical name for `name` or one of its aliases, or None."""
        if name in self._items:  # the common case, without snake_case's regular expression
            return name
        key = snake_case(str(name))
        if key in self._items:
            return key
        return self._aliases.get(key)

    def get(self, name: str) -> T:
        """The item named `name`; raises SpecError with a suggestion when unknown."""
        canonical = self.resolve(name)
        if canonical is None:
            raise SpecError(f"unknown {self.kind} '{name}'", hint=self.suggest(name), code="unknown-name",
                            replacement=self.closest(name))
        return self._items[canonical]

    def suggest(self, name: str) -> str | None:
        """A `did you mean 'x'?` hint for an unknown name, else the known names (None when there are none)."""
        return did_you_mean(name, [*self._items, *self._aliases]) or self.known()

    def known(self) -> str | None:
        """`known backends: keras, tf1`: every canonical name, for a hint."""
        if not self._items:
            return None
        plural = self.kind + ("es" if self.kind.endswith("s") else "s")
        return f"known {plural}: {', '.join(self.names())}"

    def option(self, value: str, option: str) -> str:
        """The canonical name a command-line option such as `--backend` gives; refused as in a spec.

        Names are lower case, as a spec's are (`--backend TF1` is refused with `write 'tf1'`);
        an unknown one gets a did-you-mean or the known names. Raises UsageError (exit 2).
        """
        if value != value.lower() and self.resolve(value.lower()) is not None:
            raise UsageError(f"{option} {value}: names are lower case", hint=f"write '{value.lower()}'")
        canonical = self.resolve(value) if value == value.lower() else None
        if canonical is None:
            raise UsageError(f"{option}: unknown {self.kind} '{value}'", hint=self.suggest(value))
        return canonical

    def closest(self, name: str) -> str | None:
        """The known name or alias closest to an unknown one (what `suggest` names), or None."""
        return closest_name(name, [*self._items, *self._aliases])

    def names(self) -> list[str]:
        """Canonical names, sorted."""
        return sorted(self._items)

    def aliases_of(self, name: str) -> list[str]:
        return sorted(alias for alias, target in self._aliases.items() if target == name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.resolve(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Registries:
    """Everything the loaded plugins registered."""

    layers: Registry = field(default_factory=lambda: Registry("layer kind"))
    activations: Registry = field(default_factory=lambda: Registry("activation"))
    initializers: Registry = field(default_factory=lambda: Registry("initializer"))
    optimizers: Registry = field(default_factory=lambda: Registry("optimizer"))
    losses: Registry = field(default_factory=lambda: Registry("loss"))
    metrics: Registry = field(default_factory=lambda: Registry("metric"))
    datasets: Registry = field(default_factory=lambda: Registry("dataset"))
    backends: Registry = field(default_factory=lambda: Registry("backend"))
    training_callbacks: Registry = field(default_factory=lambda: Registry("training callback"))
    report_sections: Registry = field(default_factory=lambda: Registry("report section"))
    layer_builders: dict = field(default_factory=dict)  # (backend, kind) -> LayerBuilder
    layer_builder_providers: dict = field(default_factory=dict)  # (backend, kind) -> plugin name

    def by_kind(self, kind: str) -> Registry:
        """The registry for a `Param.type` such as 'activation' or 'dataset'."""
        return {
            "layer": self.layers,
            "activation": self.activations,
            "initializer": self.initializers,
            "optimizer": self.optimizers,
            "loss": self.losses,
            "metric": self.metrics,
            "metrics": self.metrics,
            "dataset": self.datasets,
            "backend": self.backends,
        }[kind]
