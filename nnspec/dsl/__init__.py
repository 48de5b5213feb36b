"""The language, without TensorFlow: the syntax tree's classes, for building specs in code.

    from nnspec.dsl import Arg, LayerStmt, InputStmt, ShapeValue, Spec
    spec = Spec((InputStmt(ShapeValue((4,))), LayerStmt("dense", (Arg(3), Arg("softmax")))))
    nnspec.format(spec)   # 'input 4\\ndense 3 softmax\\n'

Positions (line, column, end_line, end_column) may be left out; docs/cli.md shows more.
"""

from .ast import (
    Alt,
    Arg,
    BackendStmt,
    Block,
    Comment,
    DataStmt,
    InputStmt,
    Layer,
    LayerStmt,
    LetStmt,
    Option,
    Range,
    SeedStmt,
    ShapeValue,
    Spec,
    Statement,
    Text,
    TrainStmt,
    Var,
)

__all__ = [
    "Alt", "Arg", "BackendStmt", "Block", "Comment", "DataStmt", "InputStmt", "Layer", "LayerStmt",
    "LetStmt", "Option", "Range", "SeedStmt", "ShapeValue", "Spec", "Statement", "Text", "TrainStmt", "Var",
]
