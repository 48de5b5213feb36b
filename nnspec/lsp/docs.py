"""Markdown documentation of statements, layer kinds, names and options, from the registries.

Everything a plugin registers is documented the same way as the built-ins: the text
comes from the registered objects (`doc`, `aliases`, `options`), never from a copy.
"""

from __future__ import annotations

from ..types import REQUIRED, Param

STATEMENTS = {
    "data": ("data NAME [opt=value ...]", "the dataset that supplies the train and test arrays, with its options"),
    "input": ("input SHAPE", "the input shape per sample (`input 784`, `input 28x28x1`); optional when `data` knows it"),
    "train": ("train OPTIMIZER [opt=value ...]",
              "how to train: `lr=`, `loss=`, `metrics=`, `epochs=`, `batch=`, `val=` and the optimizer's options"),
    "seed": ("seed N", "one seed for data splits, initializers and shuffling"),
    "backend": ("backend NAME", "the default backend for `run` (the command line overrides it)"),
    "let": ("let NAME = a | b ...\nlet NAME = LOW..HIGH [log]",
            "a sweep variable, used as `$NAME` in any value: choices `a | b`, or a range that "
            "`nnspec run --trials N` samples (`16..256` whole numbers, `0.0001..0.1 log` log-uniform)"),
}

RANGE_DOC = ("a range: `nnspec run SPEC --trials N` samples it (whole numbers when both ends are whole, "
             "`log` for log-uniform, above 0); `check` and `show` use its two ends")


def range_doc(written: str) -> str:
    """What a range as written (`0.0001..0.1 log`) means."""
    low, _, rest = written.partition("..")
    high = rest.split()[0] if rest.split() else ""
    log = rest.split()[1:] == ["log"]
    whole = low.lstrip("+-").isdigit() and high.lstrip("+-").isdigit()
    kind = "log-uniform" if log else "uniform"
    values = "whole numbers" if whole else "numbers"
    return f"`{written}`: {kind} over the {values} from {low} to {high}; {RANGE_DOC}"

# Param.type -> the registry whose names are its values
REGISTRY_TYPES = ("activation", "initializer", "optimizer", "loss", "metric", "metrics", "dataset", "backend")


def statement_doc(keyword: str) -> str | None:
    """The documentation of a statement keyword, or None."""
    if keyword not in STATEMENTS:
        return None
    usage, meaning = STATEMENTS[keyword]
    return f"```nnspec\n{usage}\n```\n{meaning}"


def param_line(param: Param) -> str:
    """`- **init=** initializer, default xavier_uniform: weight initializer`."""
    kind = param.type if not param.choices else " | ".join(param.choices)
    default = "" if param.default is REQUIRED else f", default {_value_text(param.default)}"
    doc = f": {param.doc}" if param.doc else ""
    return f"- **{param.name}** ({kind}{default}){doc}"


def _value_text(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "x".join(str(v) for v in value)
    return str(value)


def _aliases(registry, name: str) -> str:
    aliases = registry.aliases_of(name)
    return f"\n\nalso written: {', '.join(aliases)}" if aliases else ""


def _provider(registry, name: str) -> str:
    provider = registry.provider.get(name, "")
    return f"\n\nfrom plugin `{provider}`" if provider and provider not in _BUILTIN_PLUGINS else ""


_BUILTIN_PLUGINS = {"layers", "pooling", "sequence_layers", "names", "datasets", "backends", "reports"}


def layer_doc(registries, name: str) -> str | None:
    """Usage, meaning and parameters of a layer kind (plugins' included), or None."""
    canonical = registries.layers.resolve(name)
    if canonical is None:
        return None
    kind = registries.layers.get(canonical)
    usage = " ".join([canonical, *(p.name.upper() if p.required else f"[{p.name.upper()}]" for p in kind.positional)])
    if kind.options:
        usage += " " + " ".join(f"[{p.name}=]" for p in kind.options)
    parts = [f"```nnspec\n{usage} [xN]\n```", f"**{canonical}** (layer kind): {kind.doc or 'no description'}"]
    params = kind.positional + kind.options
    if params:
        parts.append("\n".join(param_line(p) for p in params))
    return "\n\n".join(parts) + _aliases(registries.layers, canonical) + _provider(registries.layers, canonical)


def name_doc(registries, kind: str, name: str) -> str | None:
    """The documentation of `name` in the registry for `kind` (activation, dataset, ...), or None."""
    if kind == "layer":
        return layer_doc(registries, name)
    if kind not in REGISTRY_TYPES:
        return None
    registry = registries.by_kind(kind)
    canonical = registry.resolve(name)
    if canonical is None:
        return None
    item = registry.get(canonical)
    label = "metric" if kind == "metrics" else kind
    title = f"**{canonical}** ({label})"
    if canonical != str(name).lower():
        title += f", written here as `{name}`"
    parts = [f"{title}: {getattr(item, 'doc', '') or 'no description'}"]
    options = tuple(getattr(item, "options", ()))
    if options:
        parts.append("options:\n" + "\n".join(param_line(p) for p in options))
    return "\n\n".join(parts) + _aliases(registry, canonical) + _provider(registry, canonical)
