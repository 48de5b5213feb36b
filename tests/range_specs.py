"""The digits search of the tests and bench/search.py, with fewer epochs where a test wants them short."""

from __future__ import annotations

from pathlib import Path

import nnspec
from nnspec.dsl import Spec

SPEC = Path(__file__).resolve().parents[1] / "specs" / "digits_search.nn"


def digits_search(epochs: int = 4) -> Spec:
    """specs/digits_search.nn (lr 0.0001..0.1 log, units 16..256) trained for `epochs` epochs."""
    text = SPEC.read_text().replace("epochs=20", f"epochs={epochs}")
    return nnspec.parse(text, str(SPEC))
