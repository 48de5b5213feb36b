"""The language's size limits, checked before anything is expanded.

A spec is a few lines that can describe something huge: `dense 3 x100000000`, a block
repeated inside a repeated block, twenty two-valued `let`s (a million variants),
`input 1000000x1000000x1000000`. Each limit below is far above any network this tool
can train on one machine, and each is checked on the text or the syntax tree by
arithmetic alone, so a spec past one gives one clear error in milliseconds instead
of minutes of work, a MemoryError or a RecursionError. docs/language.md lists them.

    check_text(text)        file size, line length, block nesting (before parsing)
    check_spec(spec)        repeats, total layers, variants (before expanding)
    check_layer(...)        parameters and values per sample (while shapes are inferred)
"""

from __future__ import annotations

import math
import re

from ..errors import NNSpecError, SpecError, SpecSyntaxError, source_lines

MAX_FILE_BYTES = 1_000_000
MAX_LINE_LENGTH = 10_000
MAX_DEPTH = 16  # blocks inside blocks
MAX_REPEAT = 10_000  # one `xN`
MAX_LAYERS = 10_000  # after every repeat is unrolled
MAX_VARIANTS = 10_000  # the product of every used sweep variable's values
MAX_PARAMETERS = 1_000_000_000  # 4 GB of float32 weights
MAX_VALUES_PER_SAMPLE = 1_000_000_000  # one layer's output for one sample

# what is not code on one line: a string (closed, or open to the line's end) or a comment
_NOT_CODE = re.compile(r'"(?:[^"\\]|\\.)*"?|#.*')
_BRACE = re.compile(r"[{}]")

LIMITS = {
    "file size (bytes)": MAX_FILE_BYTES,
    "line length (characters)": MAX_LINE_LENGTH,
    "block nesting depth": MAX_DEPTH,
    "one repeat xN": MAX_REPEAT,
    "layers after unrolling repeats": MAX_LAYERS,
    "sweep variants": MAX_VARIANTS,
    "parameters": MAX_PARAMETERS,
    "values per sample in one layer's output": MAX_VALUES_PER_SAMPLE,
}


def check_file_size(size: int, filename: str | None = None) -> None:
    """A spec file larger than MAX_FILE_BYTES is refused before it is read."""
    if size > MAX_FILE_BYTES:
        raise SpecSyntaxError(
            f"the file has {size:,} bytes; a spec may have at most {MAX_FILE_BYTES:,}",
            filename=filename,
            hint="is this a spec file?",
            code="limit",
        )


def check_text(text: str, filename: str | None = None) -> None:
    """File size, line length and block nesting, from the text alone (no parsing)."""
    try:
        _check_text(text)
    except NNSpecError as error:
        raise error.located(filename, text) from None


def _check_text(text: str) -> None:
    check_file_size(len(text.encode("utf-8", "surrogatepass")))
    depth = 0
    # lines end where the grammar ends them (\n, \r\n or \r): a comment or a string that
    # ran on past a bare \r would hide the braces after it from this count
    for number, line in enumerate(source_lines(text), 1):
        if len(line) > MAX_LINE_LENGTH:
            raise SpecSyntaxError(
                f"line {number} has {len(line):,} characters; a line may have at most {MAX_LINE_LENGTH:,}",
                line=number,
                column=MAX_LINE_LENGTH + 1,
                code="limit",
            )
        if "{" not in line and "}" not in line:
            continue
        code = _NOT_CODE.sub(lambda found: " " * len(found.group()), line)
        for brace in _BRACE.finditer(code):
            if brace.group() == "}":
                depth = max(depth - 1, 0)
                continue
            depth += 1
            if depth > MAX_DEPTH:
                raise SpecSyntaxError(
                    f"blocks are nested {depth} deep; at most {MAX_DEPTH} are allowed",
                    line=number,
                    column=brace.start() + 1,
                    code="limit",
                )


def check_spec(spec) -> None:
    """Repeats, total layers and variants of a parsed spec, counted without expanding it."""
    try:
        _check_spec(spec)
    except NNSpecError as error:
        raise error.located(spec.filename, spec.source) from None


def _check_spec(spec) -> None:
    from .ast import Block, LayerStmt

    errors: list[SpecError] = []
    total = 0
    for stmt in spec.statements:
        if isinstance(stmt, (LayerStmt, Block)):
            total += _count_layers(stmt, errors)
            if total > MAX_LAYERS and not errors:
                errors.append(SpecError(
                    f"the network unrolls to {_amount(total)} layers; at most {MAX_LAYERS:,} are allowed",
                    line=stmt.line, column=stmt.column,
                    hint="use a smaller repeat count", code="limit",
                ))
        if errors:
            raise errors[0]
    _check_variants(spec)


def _count_layers(stmt, errors: list[SpecError]) -> int:
    """How many layers `stmt` unrolls to (capped arithmetic: stops at the first repeat past the limit)."""
    from .ast import Block
    from .graph import MERGES

    repeat = stmt.repeat if isinstance(stmt.repeat, int) else 1
    if repeat > MAX_REPEAT:
        errors.append(SpecError(
            f"repeat x{_digits(repeat)} is more than {MAX_REPEAT:,}",
            line=stmt.line, column=getattr(stmt, "repeat_column", 0) or stmt.column,
            hint="a network this deep cannot be trained here", code="limit",
        ))
        return 0
    if isinstance(stmt, Block):
        inner = 1 if stmt.kind in MERGES else 0  # a head's merge layer
        for child in stmt.body:
            inner += _count_layers(child, errors)
            if errors:
                return 0
        return inner * max(repeat, 0)
    return max(repeat, 0)


def _check_variants(spec) -> None:
    count = 1
    for let, size in _sweep_sizes(spec):
        count *= max(size, 1)
        if count > MAX_VARIANTS:
            raise SpecError(
                f"the sweep has {_amount(count)} variants or more; at most {MAX_VARIANTS:,} are allowed",
                line=let[0], column=let[1],
                hint="sweep fewer values at once", code="limit",
            )


def _sweep_sizes(spec):
    """((line, column), number of values) of every sweep axis that makes variants."""
    from .ast import Alt
    from .sweeps import used_variables, walk_values as _walk_values

    used = used_variables(spec.statements) if spec.lets else set()
    for let in spec.lets:
        if let.name in used:
            yield (let.line, let.column), len(let.values)
    for stmt in spec.statements:
        for _, value in _walk_values(stmt):
            if isinstance(value, Alt):
                yield (stmt.line, stmt.column), len(value.values)


def check_layer(total_params: int, output_shape, line: int, column: int) -> None:
    """Raise SpecError when the parameters so far or one sample's output pass their limits."""
    if total_params > MAX_PARAMETERS:
        raise SpecError(
            f"the network has {_amount(total_params)} parameters up to this layer; "
            f"at most {MAX_PARAMETERS:,} are allowed",
            line=line, column=column,
            hint="use fewer units or filters, or a smaller input", code="limit",
        )
    values = math.prod(int(d) for d in output_shape)
    if values > MAX_VALUES_PER_SAMPLE:
        raise SpecError(
            f"this layer's output holds {_amount(values)} values per sample; "
            f"at most {MAX_VALUES_PER_SAMPLE:,} are allowed",
            line=line, column=column,
            hint="use a smaller input or pool/stride earlier", code="limit",
        )


def _digits(number: int) -> str:
    """A number as written, shortened when it is absurdly long."""
    text = str(number)
    return text if len(text) <= 24 else f"{text[:12]}... ({len(text)} digits)"


def _amount(number: int) -> str:
    """1,234 for readable sizes, 1.2e+24 for absurd ones."""
    return f"{number:,}" if number < 10**15 else f"{float(number):.1e}"
