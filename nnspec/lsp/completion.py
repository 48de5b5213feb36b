"""Completion: statement keywords, layer kinds, option names, registry names, `$variables`.

`complete(lines, line, character)` is pure: it reads the line being typed (which need
not parse) and the registries, plugins' names included.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..dsl.graph import HEADS
from ..types import Param
from . import docs
from .definition import let_definitions
from .params import options, param_for, param_of_variable, positional
from .words import KEYWORDS, Slot, slot_at


@dataclass(frozen=True)
class Completion:
    """One proposal. `kind` is keyword, layer, option, name, value or variable."""

    label: str
    kind: str
    detail: str = ""
    documentation: str | None = None
    sort: str = ""


@dataclass(frozen=True)
class Completions:
    """Proposals that replace [start, end) on `line` (0-based)."""

    items: tuple[Completion, ...]
    line: int
    start: int
    end: int


def complete(lines: list[str], line: int, character: int, registries=None) -> Completions:
    """What may be written at the position, filtered by what is already typed there."""
    if registries is None:
        from ..plugins import get_registries

        registries = get_registries()
    slot = slot_at(lines, line, character)
    items = _candidates(lines, slot, registries)
    prefix = slot.prefix.lower()
    chosen = tuple(item for item in items if item.label.lower().startswith(prefix))
    return Completions(chosen, line, slot.start, slot.start + len(slot.prefix))


def _candidates(lines: list[str], slot: Slot, registries) -> list[Completion]:
    if slot.role in ("none", "repeat", "let_name"):
        return []
    if slot.prefix.startswith("$"):
        return _variables(lines)
    if slot.role == "head":
        keywords = [] if slot.in_block else [
            Completion(word, "keyword", "statement", docs.statement_doc(word), f"0{word}") for word in KEYWORDS
        ]
        heads = [Completion(head, "keyword", "block head", f"**{head}** {{ ... }}: {meaning}", f"1{head}")
                 for head, meaning in HEADS.items()]
        return keywords + heads + _names(registries, "layer")
    if slot.role == "key":
        return _option_keys(slot, registries)
    if slot.role == "let_value":
        found = let_definitions(lines).get(slot.key)
        if found is not None and ".." in found.values and "|" not in found.values:  # a range takes `log`
            return [Completion("log", "keyword", "log-uniform range", docs.RANGE_DOC)]
        param = param_of_variable(lines, slot.key, registries)
        return _values(param, registries) if param else []
    param = param_for(slot, registries)
    found = _values(param, registries) if param else []
    if slot.role == "arg" and "," not in slot.prefix and slot.index >= len(_required(slot, registries)):
        found += _option_keys(slot, registries)
    return found


def _required(slot: Slot, registries) -> tuple[Param, ...]:
    return tuple(p for p in positional(slot, registries) if p.required)


def _option_keys(slot: Slot, registries) -> list[Completion]:
    used = set(slot.used_keys)
    return [
        Completion(f"{param.name}=", "option", "option", docs.param_line(param), f"1{param.name}")
        for param in options(slot, registries)
        if param.name not in used
    ]


def _values(param: Param, registries) -> list[Completion]:
    if param.type in docs.REGISTRY_TYPES or param.type == "layer":
        return _names(registries, "metric" if param.type == "metrics" else param.type)
    if param.choices:
        return [Completion(choice, "value", param.name) for choice in param.choices]
    if param.type == "bool":
        return [Completion(word, "value", param.name) for word in ("true", "false")]
    if param.type == "int_or_all":
        return [Completion("all", "value", f"{param.name}: the whole training set")]
    return []


def _names(registries, kind: str) -> list[Completion]:
    """Canonical names of a registry, then their aliases."""
    registry = registries.layers if kind == "layer" else registries.by_kind(kind)
    item_kind = "layer" if kind == "layer" else "name"
    out = []
    for name in registry.names():
        about = docs.name_doc(registries, kind, name)
        out.append(Completion(name, item_kind, registry.kind, about, f"2{name}"))
        for alias in registry.aliases_of(name):
            out.append(Completion(alias, item_kind, f"{registry.kind}, = {name}", about, f"3{alias}"))
    return out


def _variables(lines: list[str]) -> list[Completion]:
    return [
        Completion(f"${name}", "variable", f"= {found.values}", None, f"0{name}")
        for name, found in let_definitions(lines).items()
    ]
