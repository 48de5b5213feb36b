"""Specs with ranges built through Spec.from_dict, for the tests of ranges and searches.

The parser reads `let lr = 0.0001..0.1 log` once the range syntax is in the grammar;
until then these tests write the spec with placeholder choices and swap in the ranges
through the JSON form, which is how a tool would build one.
"""

from __future__ import annotations

import nnspec
from nnspec.dsl import Spec

DIGITS_SEARCH = """data digits test=0.25 seed=0
let lr = 1 | 2
let units = 1 | 2
dense $units relu init=he
dense 10 softmax
train adam lr=$lr epochs={epochs} batch=64 val=0.2
"""

DIGITS_RANGES = {"lr": (0.0001, 0.1, True), "units": (8, 64, False)}


def with_ranges(text: str, ranges: dict, filename: str | None = None) -> Spec:
    """The spec of `text` whose lets named in `ranges` hold (low, high, log) ranges instead."""
    data = nnspec.parse(text, filename).to_dict()
    for stmt in data["statements"]:
        if stmt["type"] == "let" and stmt["name"] in ranges:
            low, high, log = ranges[stmt["name"]]
            stmt["values"] = [{"range": {"low": low, "high": high, "log": log}}]
    return Spec.from_dict(data)


def digits_search(epochs: int = 4, filename: str = "digits_search.nn") -> Spec:
    """The digits search of the tests and bench/search.py: lr log-uniform, units whole numbers."""
    return with_ranges(DIGITS_SEARCH.format(epochs=epochs), DIGITS_RANGES, filename)
