"""One error family: every failure a user can cause is an NNSpecError.

An error knows where it happened (file, line, column) and renders as

    specs/iris.nn:3:10: unknown activation 'relv'; did you mean 'relu'?
        dense 32 relv init=he x3
                 ^

so that the command line can print it and exit 1 instead of showing a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lines end where the grammar ends them (grammar.lark): \n, \r\n or \r (not at U+2028, \x0b, \x0c, ...,
# which str.splitlines() also breaks at).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """The lines of spec text, split exactly where the grammar ends lines."""
    lines = editor_lines(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def editor_lines(text: str) -> list[str]:
    """The lines as an editor has them: split as the grammar splits, the empty line after a
    final line end included (a cursor can be there; LSP ends lines at \\n, \\r\\n and \\r too)."""
    return _LINE_BREAK.split(text)


class NNSpecError(Exception):
    """A failure caused by the user's spec, data, options or environment."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        filename: str | None = None,
        line: int | None = None,
        column: int | None = None,
        source_line: str | None = None,
        hint: str | None = None,
        code: str | None = None,
        end_line: int | None = None,
        end_column: int | None = None,
        replacement: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.filename = filename
        self.line = line
        self.column = column
        self.source_line = source_line
        self.hint = hint
        # for diagnostics as data (docs/language.md lists the codes): a stable code, where
        # the problem ends (exclusive), and text that fixes it when put in its place
        self.code = code
        self.end_line = end_line
        self.end_column = end_column
        self.replacement = replacement

    def located(self, filename: str | None = None, source: str | None = None) -> "NNSpecError":
        """Fill in the file name and the source line where they are still unknown."""
        if self.filename is None:
            self.filename = filename
        if self.source_line is None and source is not None and self.line:
            lines = source_lines(source)
            if 0 < self.line <= len(lines):
                self.source_line = lines[self.line - 1]
        return self

    @property
    def errors(self) -> list["NNSpecError"]:
        """The individual errors (one, for a plain error)."""
        return [self]

    def headline(self) -> str:
        """The one-line form: `file:line:col: message; hint`."""
        where = ""
        if self.line is not None:
            where = f"{self.filename or '<spec>'}:{self.line}:{self.column or 1}: "
        elif self.filename:
            where = f"{self.filename}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f"; {self.hint}"
        return text

    def render(self) -> str:
        """The headline, then the source line with a caret under the column."""
        parts = [self.headline()]
        if self.source_line is not None and self.line is not None:
            src = self.source_line.replace("\t", " ")
            parts.append(f"    {src}")
            parts.append("    " + " " * max((self.column or 1) - 1, 0) + "^")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.render()


class SpecSyntaxError(NNSpecError):
    """The text is not a well-formed spec."""


class SpecError(NNSpecError):
    """The spec is well formed but does not make sense (names, types, shapes, fit)."""


class SpecErrors(NNSpecError):
    """Several errors found in one pass over a spec."""

    def __init__(self, errors: list[NNSpecError]) -> None:
        self._errors = list(errors)
        first = self._errors[0]
        super().__init__(
            first.message,
            filename=first.filename,
            line=first.line,
            column=first.column,
            source_line=first.source_line,
            hint=first.hint,
            code=first.code,
            end_line=first.end_line,
            end_column=first.end_column,
            replacement=first.replacement,
        )

    @property
    def errors(self) -> list[NNSpecError]:
        return self._errors

    def located(self, filename: str | None = None, source: str | None = None) -> "SpecErrors":
        for error in self._errors:
            error.located(filename, source)
        self.filename = self._errors[0].filename
        self.source_line = self._errors[0].source_line
        return self

    def render(self) -> str:
        return "\n".join(error.render() for error in self._errors)


class PluginError(NNSpecError):
    """A plugin could not be loaded or used a hook wrongly."""


class DataError(NNSpecError):
    """A dataset could not be found, downloaded or read."""


class TrainingError(NNSpecError):
    """Training or evaluation failed (NaN loss, out of memory, ...)."""


class Interrupted(KeyboardInterrupt):
    """Training was stopped (Ctrl-C, SIGTERM); the run folder is saved and can be resumed."""

    def __init__(self, folder, epochs_done: int, epochs: int) -> None:
        super().__init__(str(folder))
        self.folder = folder
        self.epochs_done = epochs_done
        self.epochs = epochs

    def render(self) -> str:
        """What was kept and how to go on."""
        return (f"interrupted after epoch {self.epochs_done} of {self.epochs}; the run is saved in {self.folder}\n"
                f"continue it with: nnspec run --resume {self.folder}")


class UsageError(NNSpecError):
    """The command line was used wrongly."""

    exit_code = 2


@dataclass(frozen=True)
class SpecWarning:
    """Something legal but probably not what the user meant."""

    message: str
    filename: str | None = None
    line: int | None = None
    column: int | None = None
    source_line: str | None = None
    code: str = "warning"
    hint: str | None = None

    def render(self) -> str:
        error = NNSpecError(
            self.message,
            filename=self.filename,
            line=self.line,
            column=self.column,
            source_line=self.source_line,
            hint=self.hint,
        )
        lines = error.render().splitlines()
        head = lines[0]
        if self.line is not None:
            where, _, rest = head.partition(f":{self.column or 1}: ")
            lines[0] = f"{where}:{self.column or 1}: warning: {rest}"
        else:
            lines[0] = f"warning: {head}"
        return "\n".join(lines)
