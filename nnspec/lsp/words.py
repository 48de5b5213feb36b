"""Where the cursor is in a spec line: the statement, the word and the atom under it.

Editors ask about text that is being typed and rarely parses, so this reads one line
with a small scanner instead of the parser. That is enough for nnspec: statements end
at a newline or `;`, words are separated by spaces (options and lists are written
without spaces), and a word's atoms are separated by `,` and `|`. Positions are
0-based (line, character) with characters counted as Python string indexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEYWORDS = ("data", "input", "train", "seed", "backend", "let")

# a word: a run of anything but spaces, separators and comments; a string keeps its spaces
_WORD = re.compile(r'(?:"(?:[^"\\\n]|\\.)*"?|[^\s;{}#"])+')
_REPEAT = re.compile(r"x[0-9]+")
_ATOM_SEPARATORS = ",|"


@dataclass(frozen=True)
class Segment:
    """One statement's stretch of a line: [start, end) and what closed or opened it."""

    start: int
    end: int
    after_block: bool  # right after '}': only the block's repeat (x2) belongs here


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int

    @property
    def equals(self) -> int:
        """Index of the '=' of a key=value word (outside strings), or -1."""
        return _outside_strings(self.text).find("=")


@dataclass(frozen=True)
class Slot:
    """What the cursor points at.

    `role` is one of: head (the statement's first word), arg (a positional value,
    `index` counting from 0 after the head), key (an option name), value (an option
    value, `key` names the option), repeat (`x3`), let_name, let_value, or none
    (a comment, a string, nothing). `atom` spans [start, end) on the line; `prefix`
    is its part before the cursor. `subject` is a data or train statement's first
    argument (the dataset or the optimizer), which decides its options.
    """

    role: str
    head: str = ""
    subject: str = ""
    index: int = 0
    key: str = ""
    atom: str = ""
    prefix: str = ""
    start: int = 0
    end: int = 0
    in_block: bool = False
    used_keys: tuple[str, ...] = ()


def code_part(line: str) -> str:
    """The line with strings blanked and the comment cut off (same length up to the comment)."""
    blanked = _outside_strings(line)
    cut = blanked.find("#")
    return blanked if cut < 0 else blanked[:cut]


def _outside_strings(text: str) -> str:
    """`text` with the inside of double-quoted strings replaced by '_' (same length, quotes kept)."""
    return _STRING.sub(_blank_string, text)


_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"?')
_CLOSED_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def _blank_string(match: re.Match) -> str:
    body = match.group()
    closed = _CLOSED_STRING.fullmatch(body) is not None
    return '"' + "_" * (len(body) - 1 - closed) + '"' * closed


def segments(line: str) -> list[Segment]:
    """The statements of one line, split at ';', '{' and '}' outside strings and comments."""
    code = code_part(line)
    out: list[Segment] = []
    start, after_block = 0, False
    for index, char in enumerate(code):
        if char in ";{}":
            out.append(Segment(start, index, after_block))
            start, after_block = index + 1, char == "}"
    out.append(Segment(start, len(code), after_block))
    return out


def words(line: str, segment: Segment) -> list[Word]:
    """The words of a segment, with their columns on the line."""
    code = code_part(line)
    found = []
    for match in _WORD.finditer(code, segment.start, segment.end):
        found.append(Word(line[match.start():match.end()], match.start(), match.end()))
    return found


def block_depth(lines: list[str], line_number: int, character: int) -> int:
    """How many '{' are open at a position (comments and strings skipped)."""
    depth = 0
    for number in range(min(line_number, len(lines) - 1) + 1):
        code = code_part(lines[number])
        if number == line_number:
            code = code[:character]
        depth = max(depth + code.count("{") - code.count("}"), 0)
    return depth


def _atom_span(text: str, offset: int, cursor: int) -> tuple[int, int]:
    """[start, end) of the ,/| separated atom of `text` holding `cursor` (relative indexes)."""
    plain = _outside_strings(text)
    start = max((plain.rfind(sep, 0, cursor) for sep in _ATOM_SEPARATORS), default=-1) + 1
    start = max(start, offset)
    ends = [i for i in (plain.find(sep, cursor) for sep in _ATOM_SEPARATORS) if i >= 0]
    return start, min(ends) if ends else len(text)


def slot_at(lines: list[str], line_number: int, character: int) -> Slot:
    """The slot at a 0-based position of a document split into lines."""
    if not 0 <= line_number < len(lines):
        return Slot("none")
    line = lines[line_number]
    character = max(0, min(character, len(line)))
    code = code_part(line)
    if character > len(code):  # in the comment
        return Slot("none")
    segment = next((s for s in segments(line) if s.start <= character <= s.end), None)
    if segment is None:
        return Slot("none")
    in_block = block_depth(lines, line_number, segment.start) > 0
    found = words(line, segment)
    current = next((w for w in found if w.start <= character <= w.end), None) or Word("", character, character)
    before = [w for w in found if w.end <= current.start and w is not current]
    head = before[0].text.lower() if before else ""
    base = dict(head=head, in_block=in_block)
    if segment.after_block:
        return Slot("repeat", atom=current.text, prefix=current.text[: character - current.start],
                    start=current.start, end=current.end, **base)
    if not before:
        return Slot("head", atom=current.text, prefix=current.text[: character - current.start],
                    start=current.start, end=current.end, in_block=in_block)
    if head == "let":
        return _let_slot(before, current, character, base)
    rest = before[1:]
    subject = rest[0].text if rest and rest[0].equals < 0 else ""
    used = tuple(w.text[: w.equals] for w in found[1:] if w.equals > 0 and w is not current)
    base.update(subject=subject.lower(), used_keys=used)
    relative = character - current.start
    if current.equals >= 0 and relative > current.equals:  # in the value of key=value
        start, end = _atom_span(current.text, current.equals + 1, relative)
        return Slot("value", key=current.text[: current.equals].lower(), atom=current.text[start:end],
                    prefix=current.text[start:relative], start=current.start + start,
                    end=current.start + end, **base)
    if current.equals >= 0:
        key = current.text[: current.equals]
        return Slot("key", key=key.lower(), atom=key, prefix=key[:relative], start=current.start,
                    end=current.start + len(key), **base)
    if _REPEAT.fullmatch(current.text) and current is found[-1] and len(found) > 1 and head not in KEYWORDS:
        return Slot("repeat", atom=current.text, prefix=current.text[:relative], start=current.start,
                    end=current.end, **base)
    index = sum(1 for w in rest if w.equals < 0)
    start, end = _atom_span(current.text, 0, relative)
    return Slot("arg", index=index, atom=current.text[start:end], prefix=current.text[start:relative],
                start=current.start + start, end=current.start + end, **base)


def _let_slot(before: list[Word], current: Word, character: int, base: dict) -> Slot:
    """`let NAME = a | b`: the name, or one of the values (spaces around '=' and '|' allowed)."""
    text, relative = current.text, character - current.start
    equals = text.find("=")
    if len(before) == 1 and (equals < 0 or relative <= equals):
        end = equals if equals >= 0 else len(text)
        return Slot("let_name", atom=text[:end], prefix=text[:relative], start=current.start,
                    end=current.start + end, **base)
    name = (before[1].text if len(before) > 1 else text).split("=")[0]
    start, end = _atom_span(text, equals + 1 if 0 <= equals < relative else 0, relative)
    return Slot("let_value", key=name.lower(), atom=text[start:end], prefix=text[start:relative],
                start=current.start + start, end=current.start + end, **base)
