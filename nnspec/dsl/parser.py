"""Text -> Spec. The LALR grammar is loaded once; lark's errors become NNSpecErrors.

Every syntax error of a file is reported in one pass: after an error the parser
blanks out everything up to the end of the offending line (keeping line and column
numbers) and parses the rest again.
"""

from __future__ import annotations

import functools
import math
import re
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..errors import NNSpecError, SpecErrors, SpecSyntaxError, UsageError
from . import limits
from .ast import (
    Alt,
    Arg,
    BackendStmt,
    Block,
    Comment,
    DataStmt,
    InputStmt,
    LayerStmt,
    LetStmt,
    Option,
    SeedStmt,
    ShapeValue,
    Spec,
    Text,
    TrainStmt,
    Var,
    keyword_of,
)

MAX_ERRORS = 20
KEYWORDS = ("data", "input", "train", "seed", "backend", "let")
_INT = re.compile(r"[+-]?[0-9]+")


@functools.lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = resources.files("nnspec.dsl").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", maybe_placeholders=False)


def parse(text: str, filename: str | None = None) -> Spec:
    """Parse spec text into a Spec; raises SpecSyntaxError / SpecErrors with every error found."""
    if not isinstance(text, str):
        raise UsageError(f"parse() takes spec text (str), not {type(text).__name__}")
    if "\x00" in text:
        line, column = _position(text, text.index("\x00"))
        raise SpecSyntaxError("this is not a spec text file (it contains NUL bytes)", filename=filename,
                              line=line, column=column, code="not-text")
    limits.check_text(text, filename)  # size, line length, nesting: before lark and the recursive builder
    comments: list[Token] = []
    tree, errors = _parse_tree(text, comments)
    builder = _Builder()
    statements = builder.statements(tree) if tree is not None else ()
    errors.extend(builder.errors)
    if errors:
        errors.sort(key=lambda e: (e.line or 0, e.column or 0))
        for error in errors:
            error.located(filename, text)
        raise errors[0] if len(errors) == 1 else SpecErrors(errors)
    spec = Spec(
        statements=tuple(statements),
        filename=filename,
        source=text,
        comments=tuple(_comments(comments, text)),
    )
    limits.check_spec(spec)  # repeats, layers, variants: before anyone expands them
    return spec


def parse_recovering(text: str, filename: str | None = None):
    """(Spec or None, diagnostics): the syntax problems as data instead of an exception."""
    from .diagnostics import from_error

    try:
        return parse(text, filename), []
    except NNSpecError as error:
        return None, from_error(error, text)


def load(path: str | Path) -> Spec:
    """Read and parse a spec file; unreadable or binary files are NNSpecErrors."""
    return parse(read_spec_text(path), filename=str(path))


def read_spec_text(path: str | Path) -> str:
    """A spec file's text; unreadable or binary files are NNSpecErrors."""
    path = Path(path)
    name = str(path)
    try:
        limits.check_file_size(path.stat().st_size, name)
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such spec file: {name}") from None
    except IsADirectoryError:
        raise UsageError(f"{name} is a folder, not a spec file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(raw, exc.start)
        raise SpecSyntaxError(
            f"this is not a spec text file (invalid UTF-8 at byte {exc.start})", filename=name, code="not-text",
            line=line, column=column,
        ) from None
    return text


def _position(content: str | bytes, index: int) -> tuple[int, int]:
    """(line, column) from 1 of an index into text or bytes: where a binary file goes wrong."""
    newline = b"\n" if isinstance(content, bytes) else "\n"
    line_start = content.rfind(newline, 0, index) + 1
    return content.count(newline, 0, index) + 1, index - line_start + 1


# ------------------------------------------------------------------ lark -> errors


def _parse_tree(text: str, comments: list[Token]) -> tuple[Tree | None, list[NNSpecError]]:
    errors: list[NNSpecError] = []
    masked = text
    while True:
        del comments[:]
        try:
            tree = _parse_once(masked, comments)
            return (tree if not errors else None), errors
        except UnexpectedInput as exc:
            errors.append(_syntax_error(exc, text))
            end = _resume_point(masked, exc)
            if end is None or len(errors) >= MAX_ERRORS:
                return None, errors
            masked = _blank(masked, end)


def _parse_once(text: str, comments: list[Token]) -> Tree:
    parser = _lark()
    # lexer_callbacks are fixed at construction, so comments are read from the token stream
    tree = parser.parse(text)
    comments.extend(_scan_comments(text))
    return tree


_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|(#[^\n]*)')


def _scan_comments(text: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of every comment, skipping '#' inside strings."""
    found = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        for match in _COMMENT.finditer(line):
            if match.group(1):
                found.append((line_no, match.start(1) + 1, match.group(1)))
                break
    return found


def _comments(raw: list, text: str) -> list[Comment]:
    lines = text.splitlines()
    out = []
    for line, column, body in raw:
        own_line = not lines[line - 1][: column - 1].strip()
        out.append(Comment(body, line, column, own_line))
    return out


def _resume_point(text: str, exc: UnexpectedInput) -> int | None:
    """Index just past the line where parsing can go on after `exc` (None: give up)."""
    pos = getattr(exc, "pos_in_stream", None)
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        return None
    if pos is None:
        return None
    end = text.find("\n", pos)
    if end == -1:
        return None
    # an error inside an open block: skip to the line that closes it
    depth = _brace_depth(text[:end])
    while depth > 0:
        close = text.find("}", end)
        if close == -1:
            return None
        depth = _brace_depth(text[: close + 1])
        end = text.find("\n", close)
        if end == -1:
            return None
    return end


def _brace_depth(text: str) -> int:
    depth = 0
    for line in text.splitlines():
        code = _COMMENT.sub(lambda m: "" if m.group(1) else '""', line)
        depth += code.count("{") - code.count("}")
    return max(depth, 0)


def _blank(text: str, end: int) -> str:
    """Spaces for every character before `end`, newlines kept (positions stay the same)."""
    return re.sub(r"[^\n]", " ", text[:end]) + text[end:]


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type == "_NL":
        return "end of line"
    return f"'{token.value}'"


def _syntax_error(exc: UnexpectedInput, text: str) -> SpecSyntaxError:
    line, column = exc.line, exc.column
    hint = None
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else "?"
        if char == '"':
            message = "unterminated string"
            hint = 'close it with " on the same line'
        elif char.isprintable():
            message = f"unexpected character '{char}'"
        else:
            message = f"unexpected character {char!r}"
        if char in "=|," and exc.pos_in_stream > 0 and text[exc.pos_in_stream - 1] == " ":
            hint = "write options and lists without spaces, as key=value and a,b"
    elif isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = set(exc.expected)
        if token.type == "$END":
            line, column = _end_position(text)
        repeat = _after_repeat(text, exc.pos_in_stream)
        if repeat and token.type not in ("$END", "_NL", "SEMICOLON", "RBRACE"):
            message = f"unexpected {_describe(token)} after the repeat '{repeat}'"
            hint = "the repeat must be the last token of a layer or block"
        elif token.type == "RBRACE" and "RBRACE" not in expected:
            message = "unmatched '}'"
        elif token.type == "$END" and "RBRACE" in expected:
            message = "unclosed '{': the block needs a closing '}'"
        elif token.type == "EQUAL":
            message = "unexpected '='"
            hint = "an option is key=value after a layer or statement name"
        elif expected & {"NAME", "NUMBER", "SHAPE", "STRING", "VAR"} and not expected & {"_NL", "SEMICOLON"}:
            message = f"expected a value, found {_describe(token)}"
        else:
            message = f"unexpected {_describe(token)}"
    elif isinstance(exc, UnexpectedEOF):
        line, column = _end_position(text)
        message = "unexpected end of file"
    else:  # pragma: no cover - lark has no other kinds
        message = str(exc)
    return SpecSyntaxError(message, line=line, column=column, hint=hint)


def _after_repeat(text: str, pos: int | None) -> str | None:
    """The repeat suffix just before `pos` on the same line, if there is one."""
    if pos is None:
        return None
    match = re.search(r"(?<![A-Za-z0-9_.])(x[0-9]+)[ \t]+$", text[:pos].rsplit("\n", 1)[-1])
    return match.group(1) if match else None


def _end_position(text: str) -> tuple[int, int]:
    lines = text.splitlines() or [""]
    return len(lines), len(lines[-1]) + 1


# ------------------------------------------------------------------ tree -> AST


class _Builder:
    """Turns lark's tree into AST nodes, collecting every error instead of stopping."""

    def __init__(self) -> None:
        self.errors: list[NNSpecError] = []

    def error(self, message: str, where, hint: str | None = None) -> None:
        self.errors.append(SpecSyntaxError(message, line=where.line, column=where.column, hint=hint))

    def statements(self, tree: Tree) -> list:
        out = []
        for child in tree.children:
            node = self.statement(child)
            if node is not None:
                out.append(node)
        return out

    def statement(self, tree: Tree):
        if tree.data == "let_stmt":
            let_token, name_token, value_tree = tree.children
            value = self.value(value_tree)
            values = value.values if isinstance(value, Alt) else (value,)
            return LetStmt(self.name(name_token), tuple(values), let_token.line, let_token.column)
        if tree.data == "block":
            return self.block(tree)
        return self.stmt(tree)

    def block(self, tree: Tree) -> Block:
        body, repeat, repeat_column = [], 1, 0
        opening, end_line = tree.children[0], tree.children[-1].line
        for child in tree.children:
            if isinstance(child, Tree):
                node = self.statement(child)
                if isinstance(node, (LayerStmt, Block)):
                    body.append(node)
                elif node is not None:
                    self.error(f"'{keyword_of(node)}' cannot be inside a block: only layers can", node)
            elif child.type == "REPEAT":
                repeat, repeat_column = self.repeat(child), child.column
        return Block(tuple(body), repeat, opening.line, opening.column, repeat_column, end_line)

    def stmt(self, tree: Tree):
        head, *items = tree.children
        keyword = self.name(head)
        repeat, repeat_column = 1, 0
        if items and isinstance(items[-1], Token) and items[-1].type == "REPEAT":
            repeat, repeat_column = self.repeat(items[-1]), items[-1].column
            if keyword in KEYWORDS:
                self.error(f"'{keyword}' cannot be repeated", items[-1])
            items = items[:-1]
        args: list[Arg] = []
        options: list[Option] = []
        seen: dict[str, Option] = {}
        for item in items:
            if isinstance(item, Tree) and item.data == "option":
                key_token, value_tree = item.children
                option = Option(
                    self.name(key_token),
                    self.value(value_tree),
                    key_token.line,
                    key_token.column,
                    _first_token(value_tree).column,
                )
                if option.key in seen:
                    self.error(
                        f"duplicate option '{option.key}'",
                        key_token,
                        hint=f"it was already given at column {seen[option.key].column}",
                    )
                seen[option.key] = option
                options.append(option)
            else:
                first = _first_token(item)
                if options:
                    self.error(
                        "positional argument after options",
                        first,
                        hint="write positional arguments first, then key=value options",
                    )
                args.append(Arg(self.value(item), first.line, first.column))
        line, column = head.line, head.column
        if keyword == "data":
            name = self.single(keyword, args, head, "a dataset name, e.g. 'data iris'")
            if name is not None and not isinstance(name.value, str):
                self.error("the dataset name must be a name, e.g. 'data iris'", name)
            return DataStmt(name.value if name else "", tuple(options), line, column, name.column if name else 0)
        if keyword in ("input", "seed", "backend", "train"):
            what = {
                "input": "a shape, e.g. 'input 784' or 'input 28x28x1'",
                "seed": "a number, e.g. 'seed 42'",
                "backend": "a backend name, e.g. 'backend keras'",
                "train": "an optimizer, e.g. 'train adam lr=0.001'",
            }[keyword]
            value = self.single(keyword, args, head, what)
            if keyword != "train" and options:
                self.error(f"'{keyword}' takes no options", options[0])
            v, vcol = (value.value, value.column) if value else (None, 0)
            if keyword == "input":
                if isinstance(v, int) and not isinstance(v, bool):
                    v = ShapeValue((v,))
                return InputStmt(v, line, column, vcol)
            if keyword == "seed":
                return SeedStmt(v, line, column, vcol)
            if keyword == "backend":
                return BackendStmt(v, line, column, vcol)
            return TrainStmt(v, tuple(options), line, column, vcol)
        return LayerStmt(keyword, tuple(args), tuple(options), repeat, line, column, repeat_column)

    def single(self, keyword: str, args: list[Arg], head: Token, what: str) -> Arg | None:
        if not args:
            self.error(f"'{keyword}' needs {what}", head)
            return None
        if len(args) > 1:
            self.error(f"'{keyword}' takes one value, found {len(args)}", args[1])
        return args[0]

    def name(self, token: Token) -> str:
        text = str(token)
        if text != text.lower():
            self.error(f"names are lower case: '{text}'", token, hint=f"write '{text.lower()}'")
            return text.lower()
        return text

    def repeat(self, token: Token) -> int | Var:
        if token[1:2] == "$":  # `x$depth`: the count is a sweep variable
            return Var(self.name(Token("NAME", str(token)[2:], line=token.line, column=token.column)))
        count = self.integer(token[1:], token)
        if count is not None and count < 1:
            self.error(f"repeat count must be at least 1, found '{token}'", token)
        return count if count is not None else 1

    def integer(self, text: str, where) -> int | None:
        try:
            return int(text)
        except ValueError:  # more digits than Python converts
            self.error(f"number too large: {text[:12]}...", where)
            return None

    def value(self, node):
        """A token (one atom), an alt_item tree (a list) or a value tree (alternatives)."""
        if isinstance(node, Token):
            return self.atom(node)
        if node.data == "alt_item":
            return tuple(self.atom(child) for child in node.children)
        return Alt(tuple(self.value(child) for child in node.children))

    def atom(self, token: Token):
        kind = token.type
        if kind == "NAME":
            name = self.name(token)
            return {"true": True, "false": False}.get(name, name)
        if kind == "NUMBER":
            text = str(token)
            if _INT.fullmatch(text):
                value = self.integer(text, token)
                return 0 if value is None else value
            number = float(text)
            if math.isinf(number):
                self.error(f"number too large: {text[:12]}", token)
                return 0.0
            return number
        if kind == "SHAPE":
            dims = [self.integer(part, token) for part in str(token).split("x")]
            return ShapeValue(tuple(d if d is not None else 0 for d in dims))
        if kind == "STRING":
            return Text(_unescape(str(token)[1:-1]))
        if kind == "VAR":
            return Var(self.name(Token("NAME", str(token)[1:], line=token.line, column=token.column)))
        raise AssertionError(kind)  # pragma: no cover


def _first_token(node) -> Token:
    while isinstance(node, Tree):
        node = node.children[0]
    return node


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)

