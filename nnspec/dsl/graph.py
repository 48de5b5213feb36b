"""How a block's layers connect: the block heads, and the expanded list of layers with their inputs.

A plain block (`{ ... } xN`) runs its statements in order. A head makes a graph of it
(docs/language.md, "Graphs: residual connections and branches"):

    residual { a; b }     the block's input plus b(a(input))
    add { a; b; ... }     each statement a branch on the block's input; their sum
    concat { a; b; ... }  the same, joined along the last axis

`expand(statements)` unrolls every repeat and block into `Layer`s; a layer whose input
is not the layer before it says so in `Layer.inputs` (indexes into the list, -1 for
the network's input), and each head adds its merge layer (`add`, `concat`) at the
head's line. Nothing here knows shapes: the checker does (dsl/validate.py).
"""

from __future__ import annotations

from .nodes import Block, Layer, LayerStmt

# a block head -> the layer kind that merges its branches
MERGES = {"residual": "add", "add": "add", "concat": "concat"}
HEADS = {  # what each head means, for editors' hover and completion
    "residual": "the block's layers in order, and their output added to the block's input (equal shapes)",
    "add": "each statement inside a branch on the block's input; the branches' outputs summed (equal shapes)",
    "concat": "each statement inside a branch on the block's input; the outputs joined along the last axis",
}
BRANCHING = ("add", "concat")  # heads whose statements are parallel branches, not one sequence


def expand(statements) -> tuple[Layer, ...]:
    """The layer list with every repeat and block unrolled and every merge made a layer."""
    out: list[Layer] = []
    tip = -1
    for stmt in statements:
        if isinstance(stmt, (LayerStmt, Block)):
            tip = _expand(stmt, out, tip)
    return tuple(out)


def _count(stmt) -> int:
    return max(stmt.repeat if isinstance(stmt.repeat, int) else 1, 0)


def _add(out: list[Layer], layer: Layer, inputs: tuple[int, ...], merge: bool = False) -> int:
    """Append `layer` reading `inputs`; its index. A plain stack's layers keep inputs=None, a merge never."""
    index = len(out)
    if merge or inputs != (index - 1,):
        layer = Layer(layer.kind, layer.args, layer.options, layer.line, layer.column, layer.stmt, inputs)
    out.append(layer)
    return index


def _expand(stmt, out: list[Layer], tip: int) -> int:
    """Append what `stmt` stands for, reading the output of layer `tip`; the index of its output."""
    if isinstance(stmt, LayerStmt):
        layer = Layer(stmt.kind, tuple(a.value for a in stmt.args), {o.key: o.value for o in stmt.options},
                      stmt.line, stmt.column, stmt)
        for _ in range(_count(stmt)):
            tip = _add(out, layer, (tip,))
        return tip
    merge = MERGES.get(stmt.kind)
    for _ in range(_count(stmt)):
        if merge is None:  # a plain group, or a head the checker will name as unknown
            for inner in stmt.body:
                tip = _expand(inner, out, tip)
            continue
        start = tip
        if stmt.kind in BRANCHING:
            ends = tuple(_expand(inner, out, start) for inner in stmt.body)
        else:
            for inner in stmt.body:
                tip = _expand(inner, out, tip)
            ends = (start, tip)
        head = merge_statement(stmt)
        tip = _add(out, Layer(merge, (), {o.key: o.value for o in stmt.options}, stmt.line, stmt.column, head),
                   ends, merge=True)
    return tip


def merge_statement(block: Block) -> LayerStmt:
    """The merge layer a headed block ends in, as a statement at the head (its options are the head's;
    positional arguments a head cannot take are reported once, by the whole-spec checks)."""
    end_column = block.column + len(block.kind)
    return LayerStmt(MERGES[block.kind], (), block.options, 1, block.line, block.column, 0, block.line,
                     max([end_column, *(o.end_column for o in block.options if o.end_line == block.line)]))
