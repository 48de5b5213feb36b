"""The outline of a document: one symbol per statement, blocks holding their layers.

Built from the spec as far as it was recovered (statements with errors elsewhere still
appear); a layer's detail gives its output shape and parameters when the spec checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..dsl.ast import Block, LayerStmt, LetStmt, keyword_of, shape_text
from .analysis import Snapshot
from .words import segments


@dataclass(frozen=True)
class Symbol:
    """A statement as written, its kind (statement, let, layer, block), its 0-based range."""

    name: str
    detail: str
    kind: str
    line: int
    start: int
    end_line: int
    end: int
    children: tuple["Symbol", ...] = ()


def symbols(snapshot: Snapshot) -> list[Symbol]:
    """One symbol per top-level statement of the document."""
    if snapshot.spec is None:
        return []
    lines = snapshot.lines
    first_variant = snapshot.plans[0].variant_label if snapshot.plans else None
    return [_symbol(stmt, lines, snapshot, first_variant) for stmt in snapshot.spec.statements]


def _written(lines: list[str], line: int, column: int) -> tuple[str, int, int]:
    """The text of the statement that starts at a 1-based (line, column), and its span."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    for segment in segments(text):
        if segment.start <= column - 1 <= segment.end:
            written = text[segment.start:segment.end]
            start = segment.start + len(written) - len(written.lstrip())
            return written.strip(), start, start + len(written.strip())
    return text.strip(), 0, len(text)


def _symbol(stmt, lines: list[str], snapshot: Snapshot, variant: str | None) -> Symbol:
    line = max(stmt.line, 1)
    if isinstance(stmt, Block):
        children = tuple(_symbol(inner, lines, snapshot, variant) for inner in stmt.body)
        placed = [*_layer_stmts(stmt), *([stmt] if stmt.kind else [])]  # a head's merge sits at the head
        layers = [layer for inner in placed for label, layer in snapshot.layers.get((inner.line, inner.column), ())
                  if label == variant]
        detail = f"{len(layers)} layers, {sum(layer.param_count for layer in layers):,} parameters" if layers else ""
        end_line = max(stmt.end_line or line, line)
        end_text = lines[end_line - 1] if end_line <= len(lines) else ""
        name = (f"{stmt.kind} " if stmt.kind else "") + "{ }" + (f" x{stmt.repeat}" if stmt.repeat != 1 else "")
        return Symbol(name, detail, "block", line - 1, max(stmt.column - 1, 0), end_line - 1, len(end_text), children)
    name, start, end = _written(lines, line, stmt.column)
    if isinstance(stmt, LayerStmt):
        kind, detail = "layer", _layer_detail(snapshot.layers.get((stmt.line, stmt.column), ()), variant)
    elif isinstance(stmt, LetStmt):
        kind, detail = "let", "sweep variable"
    else:
        kind, detail = "statement", keyword_of(stmt)
    return Symbol(name or keyword_of(stmt), detail, kind, line - 1, start, line - 1, end)


def _layer_stmts(block: Block):
    for inner in block.body:
        if isinstance(inner, Block):
            yield from _layer_stmts(inner)
        else:
            yield inner


def _layer_detail(produced, variant: str | None) -> str:
    layers = [layer for label, layer in produced if label == variant]
    if not layers:
        return ""
    total = sum(layer.param_count for layer in layers)
    return f"→ {shape_text(layers[-1].output_shape)}, {total:,} parameters"
