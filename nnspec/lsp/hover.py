"""Hover: a layer's output shape and parameter count, a name's documentation.

`hover(analysis, line, character)` is pure: it reads the cached analysis of the
document (the checked plans, never a new check) and the registries.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..dsl.ast import Block, shape_text
from ..dsl.graph import HEADS
from . import docs
from .analysis import Snapshot
from .definition import let_definitions, uses
from .params import param_for, param_of_variable
from .words import KEYWORDS, Slot, slot_at

MAX_LAYER_LINES = 12


@dataclass(frozen=True)
class HoverText:
    """Markdown and the 0-based span on one line it describes."""

    markdown: str
    line: int
    start: int
    end: int


def hover(analysis: Snapshot, line: int, character: int, registries=None) -> HoverText | None:
    """What to show for the position, or None when there is nothing to say."""
    if registries is None:
        from ..plugins import get_registries

        registries = get_registries()
    lines = analysis.lines
    if not 0 <= line < len(lines) or character > len(lines[line]):
        return None
    slot = slot_at(lines, line, character)
    if slot.role == "none" or not slot.atom:
        return None
    text = _text(analysis, lines, slot, line, registries)
    return HoverText(text, line, slot.start, slot.end) if text else None


def _text(analysis: Snapshot, lines: list[str], slot: Slot, line: int, registries) -> str | None:
    atom = slot.atom
    if atom.startswith("$"):
        return _variable(lines, atom[1:])
    if slot.role == "head":
        word = atom.lower()
        if word in KEYWORDS:
            return docs.statement_doc(word)
        if word in HEADS and _heads_block(analysis.spec, line + 1, slot.start + 1):
            about = f"```nnspec\n{word} {{ ... }} [xN]\n```\n\n**{word}** (block head): {HEADS[word]}"
            return _layer_summary(analysis, line + 1, slot.start + 1) + "\n\n---\n\n" + about
        about = docs.layer_doc(registries, word)
        if about is None:
            return None
        return _layer_summary(analysis, line + 1, slot.start + 1) + "\n\n---\n\n" + about
    if slot.role == "let_name":
        return _variable(lines, atom)
    if slot.role == "repeat":
        return f"`{atom}`: repeated {atom[1:]} times"
    if slot.role == "let_value":
        param = param_of_variable(lines, slot.key, registries)
    else:
        param = param_for(slot, registries)
    if param is None:
        return None
    if slot.role == "key":
        return docs.param_line(param)
    if param.type in docs.REGISTRY_TYPES:
        return docs.name_doc(registries, param.type, atom) or docs.param_line(param)
    return docs.param_line(param)


def _heads_block(spec, line: int, column: int) -> bool:
    """True when a block with a head (`residual {`) starts at (line, column)."""
    blocks = [s for s in getattr(spec, "statements", ()) if isinstance(s, Block)]
    while blocks:
        block = blocks.pop()
        if (block.line, block.column) == (line, column) and block.kind:
            return True
        blocks.extend(s for s in block.body if isinstance(s, Block))
    return False


def _variable(lines: list[str], name: str) -> str:
    found = let_definitions(lines).get(name)
    count = len(uses(lines, name))
    used = f"used {count} time{'s' if count != 1 else ''}"
    if found is None:
        return f"`${name}`: not defined (add `let {name} = a | b`); {used}"
    return f"sweep variable `{name}` = {found.values} (line {found.line + 1}); {used}"


def _layer_summary(analysis: Snapshot, line: int, column: int) -> str:
    """Output shapes and parameter counts of the layers a statement produced, per variant."""
    produced = analysis.layers.get((line, column))
    if not produced:
        if analysis.plans:
            return "no layer: this statement is repeated zero times"
        return "output shape and parameters: known once the spec checks without errors"
    by_variant: dict[str, list] = {}
    for label, layer in produced:
        by_variant.setdefault(label, []).append(layer)
    described = {label: _describe_layers(layers) for label, layers in by_variant.items()}
    if len(set(described.values())) == 1:
        return next(iter(described.values()))
    return "\n\n".join(f"variant {label}:\n{text}" for label, text in described.items())


def _shapes_in(layer) -> str:
    """`64`, or for a merge the shapes it joins: `64 + 64`."""
    shape = layer.input_shape
    if shape and isinstance(shape[0], tuple):
        return " + ".join(shape_text(s) for s in shape)
    return shape_text(shape)


def _describe_layers(layers: list) -> str:
    if len(layers) == 1:
        layer = layers[0]
        return (f"`{layer.name}`: {_shapes_in(layer)} → **{shape_text(layer.output_shape)}**, "
                f"**{layer.param_count:,}** parameters")
    rows = [f"- `{layer.name}`: {_shapes_in(layer)} → {shape_text(layer.output_shape)}, "
            f"{layer.param_count:,} parameters" for layer in layers[:MAX_LAYER_LINES]]
    if len(layers) > MAX_LAYER_LINES:
        rows.append(f"- ... {len(layers) - MAX_LAYER_LINES} more")
    total = sum(layer.param_count for layer in layers)
    return (f"{len(layers)} layers, output **{shape_text(layers[-1].output_shape)}**, "
            f"**{total:,}** parameters in all\n" + "\n".join(rows))
