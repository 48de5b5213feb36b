"""Semantic tokens: highlighting through the server, for editors without the TextMate grammar.

Neovim and other LSP clients highlight from these; the token kinds follow the grammar in
editors/vscode/syntaxes (keywords, layer kinds, option names, numbers, strings, ...).
Each token is (line, start, length, type) with 0-based Python string positions.
"""

from __future__ import annotations

import re

from .words import KEYWORDS, Segment, code_part, segments, words

TOKEN_TYPES = ("keyword", "function", "parameter", "number", "string", "variable", "comment", "operator",
               "enumMember")
_TYPE = {name: index for index, name in enumerate(TOKEN_TYPES)}
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+(?:x[0-9]+)+")
_REPEAT = re.compile(r"x(?:[0-9]+|\$[A-Za-z_][A-Za-z0-9_]*)")  # x3, or x$depth
_PIECE = re.compile(r'"(?:[^"\\\n]|\\.)*"?|[,|=]|[^,|="]+')


def semantic_tokens(lines: list[str]) -> list[tuple[int, int, int, int]]:
    """(line, start, length, type index) of every token, in document order."""
    out: list[tuple[int, int, int, int]] = []
    for number, line in enumerate(lines):
        for segment in segments(line):
            _segment_tokens(number, line, segment, out)
        cut = len(code_part(line))
        if cut < len(line):
            out.append((number, cut, len(line) - cut, _TYPE["comment"]))
    return out


def _segment_tokens(number: int, line: str, segment: Segment, out: list) -> None:
    found = words(line, segment)
    if not found:
        return
    if segment.after_block:
        for word in found:
            _value(number, word.text, word.start, out, repeat=True)
        return
    head = found[0]
    keyword = head.text in KEYWORDS
    out.append((number, head.start, len(head.text), _TYPE["keyword" if keyword else "function"]))
    rest = found[1:]
    if head.text == "let" and rest:
        name = rest[0].text.split("=")[0]
        out.append((number, rest[0].start, len(name), _TYPE["variable"]))
        _value(number, rest[0].text[len(name):], rest[0].start + len(name), out)
        rest = rest[1:]
        for word in rest:
            if word.text == "log":  # `let lr = 0.0001..0.1 log`
                out.append((number, word.start, 3, _TYPE["keyword"]))
            else:
                _value(number, word.text, word.start, out)
        return
    for index, word in enumerate(rest):
        equals = word.equals
        if equals > 0:
            out.append((number, word.start, equals, _TYPE["parameter"]))
            _value(number, word.text[equals:], word.start + equals, out)
        else:
            last = index == len(rest) - 1 and not keyword
            _value(number, word.text, word.start, out, repeat=last)


def _value(number: int, text: str, start: int, out: list, repeat: bool = False) -> None:
    """Tokens of a value: atoms separated by ',' and '|', '=' and '|' as operators."""
    if repeat and _REPEAT.fullmatch(text):
        out.append((number, start, len(text), _TYPE["operator"]))
        return
    for piece in _PIECE.finditer(text):
        atom = piece.group()
        if atom == ",":
            continue
        if atom in "|=":
            kind = "operator"
        elif atom.startswith('"'):
            kind = "string"
        elif atom.startswith("$"):
            kind = "variable"
        elif _NUMBER.fullmatch(atom):
            kind = "number"
        elif _range_tokens(number, atom, start + piece.start(), out):
            continue
        else:
            kind = "enumMember"
        out.append((number, start + piece.start(), len(atom), _TYPE[kind]))


def _range_tokens(number: int, atom: str, start: int, out: list) -> bool:
    """`16..256`: two numbers and the `..` operator between them; False for anything else."""
    low, dots, high = atom.partition("..")
    if not dots or not _NUMBER.fullmatch(low) or not _NUMBER.fullmatch(high):
        return False
    out.append((number, start, len(low), _TYPE["number"]))
    out.append((number, start + len(low), 2, _TYPE["operator"]))
    out.append((number, start + len(low) + 2, len(high), _TYPE["number"]))
    return True
