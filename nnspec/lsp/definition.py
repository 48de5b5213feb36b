"""Sweep variables: where each `let` defines one, and where each `$name` is used."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .words import code_part, segments, slot_at, words

_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class LetDefinition:
    """`let NAME = values`: the name's 0-based position and the values as written."""

    name: str
    line: int
    start: int
    end: int
    values: str


def let_definitions(lines: list[str]) -> dict[str, LetDefinition]:
    """Every `let` of the document by name (the first definition wins)."""
    found: dict[str, LetDefinition] = {}
    for number, line in enumerate(lines):
        if "let" not in line:
            continue
        for segment in segments(line):
            items = words(line, segment)
            if len(items) < 2 or items[0].text != "let":
                continue
            name_word = items[1]
            name = name_word.text.split("=")[0]
            values = line[name_word.start + len(name):segment.end].strip().lstrip("=").strip()
            if name and name not in found:
                found[name] = LetDefinition(name, number, name_word.start, name_word.start + len(name), values)
    return found


def uses(lines: list[str], name: str) -> list[tuple[int, int, int]]:
    """(line, start, end) of every `$name` outside comments and strings."""
    out = []
    for number, line in enumerate(lines):
        if "$" not in line:
            continue
        for match in _VAR.finditer(code_part(line)):
            if match.group(1) == name:
                out.append((number, match.start(), match.end()))
    return out


def definition(lines: list[str], line: int, character: int) -> LetDefinition | None:
    """The `let` that defines the `$variable` at the position, or None."""
    slot = slot_at(lines, line, character)
    if not slot.atom.startswith("$"):
        return None
    return let_definitions(lines).get(slot.atom[1:])


def references(lines: list[str], line: int, character: int) -> tuple[str, list[tuple[int, int, int]]] | None:
    """The variable at the position (a `$use` or a `let` name) and every place it is written.

    The places are (line, start, end) of the `let` name, when there is one, then each
    use; renaming the variable rewrites exactly these.
    """
    slot = slot_at(lines, line, character)
    if slot.atom.startswith("$"):
        name = slot.atom[1:]
    elif slot.role == "let_name" and slot.atom:
        name = slot.atom
    else:
        return None
    found = let_definitions(lines).get(name)
    places = [(found.line, found.start, found.end)] if found else []
    # a use's range covers the name only, not the '$', so that a rename keeps the '$'
    places += [(number, start + 1, end) for number, start, end in uses(lines, name)]
    return name, places
