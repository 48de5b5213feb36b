"""Fuzzing: mutated specs never crash parse, format or check, and formatting keeps meaning and comments.

Hypothesis mutates the shipped specs (characters, tokens, whole lines, comments with
odd Unicode) and, for every mutant that parses, checks that

- parse, format, reparse, check and diagnose raise nothing but the NNSpecError family;
- formatting is idempotent and the reparsed spec means the same (to_dict without positions);
- every comment's text survives formatting.
"""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnspec
from nnspec.dsl.format import format_spec
from nnspec.dsl.validate import check_spec
from nnspec.errors import NNSpecError

SPECS = [p.read_text() for p in sorted(Path(__file__).parent.parent.joinpath("specs").glob("*.nn"))]
POSITIONS = ("line", "column", "value_column", "name_column", "optimizer_column", "repeat_column", "end_line",
             "end_column")
TOKENS = [
    "dense", "dropout", "conv2d", "maxpool", "flatten", "batchnorm", "embedding", "activation", "relu", "softmax",
    "data", "input", "train", "seed", "backend", "let", "adam", "iris", "mnist", "x3", "x1.5", "x0", "28x28x1",
    "3x3", "16", "0.5", ".5", "1e-3", "-2", "init=he", "lr=0.01", "metrics=accuracy,mae", "tanh|relu", "$v",
    "let v = 1 | 2", '"a # b"', '"x\\"y"', "{", "}", ";", "=", "|", ",", "$", "#", "# note", "\n", "\t", " ",
    "\r\n", "\r", "\r#", "{ { { {", "\u2028", "\x0c", "\x85", "é", "\x00",
]


@st.composite
def mutants(draw):
    """A shipped spec with a few random edits: deletes, inserts, token splices, line moves."""
    text = draw(st.sampled_from(SPECS))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "insert", "token", "comment", "duplicate", "swap"]))
        at = draw(st.integers(0, len(text)))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 6)):]
        elif kind == "insert":
            text = text[:at] + draw(st.text(max_size=4)) + text[at:]
        elif kind == "token":
            text = text[:at] + " " + draw(st.sampled_from(TOKENS)) + " " + text[at:]
        elif kind == "comment":
            line_end = text.find("\n", at)
            line_end = len(text) if line_end < 0 else line_end
            text = text[:line_end] + "  # " + draw(st.text(max_size=12)) + text[line_end:]
        else:
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if kind == "duplicate":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


def meaning(spec) -> list:
    """The statements without positions: what formatting must not change."""

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in POSITIONS}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(spec.to_dict()["statements"])


def comment_texts(spec) -> list[str]:
    return sorted(c.text.strip() for c in spec.comments)


@settings(max_examples=1000, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(mutants())
def test_mutated_specs_parse_format_and_check_cleanly(text):
    try:
        spec = nnspec.parse(text, "fuzz.nn")
    except NNSpecError:
        nnspec.diagnose(text, "fuzz.nn")  # must not raise either
        return
    formatted = format_spec(spec)
    again = nnspec.parse(formatted, "fuzz.nn")  # the formatter's output is always a valid spec
    assert format_spec(again) == formatted  # idempotent
    assert meaning(again) == meaning(spec)  # same meaning
    assert comment_texts(again) == comment_texts(spec)  # every comment's text kept
    try:
        check_spec(spec)
    except NNSpecError:
        pass
    nnspec.diagnose(text, "fuzz.nn")
