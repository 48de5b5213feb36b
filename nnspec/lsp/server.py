"""The pygls wiring: LSP requests in, the pure functions of this package, LSP answers out.

Positions: the pure functions count characters as Python string indexes on lines split
at '\\n', '\\r\\n' and '\\r' (as the parser and LSP count); `_Codec` converts to and from what the client counts
(UTF-16 code units unless it asked for another encoding). Every handler is guarded:
whatever the text, a request gets an answer (possibly empty), never a dead server.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import traceback
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..errors import editor_lines
from .analysis import Documents, formatted
from .completion import complete
from .definition import definition, references
from .hover import hover
from .symbols import symbols
from .tokens import TOKEN_TYPES, semantic_tokens
from .wire import Protocol

SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "info": lsp.DiagnosticSeverity.Information,
}
ITEM_KIND = {
    "keyword": lsp.CompletionItemKind.Keyword,
    "layer": lsp.CompletionItemKind.Class,
    "option": lsp.CompletionItemKind.Property,
    "name": lsp.CompletionItemKind.EnumMember,
    "value": lsp.CompletionItemKind.Value,
    "variable": lsp.CompletionItemKind.Variable,
}
SYMBOL_KIND = {
    "statement": lsp.SymbolKind.Property,
    "let": lsp.SymbolKind.Variable,
    "layer": lsp.SymbolKind.Function,
    "block": lsp.SymbolKind.Namespace,
}
NAME = re.compile(r"[a-z_][a-z0-9_]*")
TRIGGER_CHARACTERS = ["=", ",", "|", "$", " "]
CHANGE_DELAY = 0.15  # seconds without a change before a changed document is checked

log = logging.getLogger("nnspec.lsp")


class _Codec:
    """Character index <-> client position units, for one document's lines."""

    def __init__(self, ls: LanguageServer, text: str) -> None:
        self.units = ls.workspace.position_codec.client_num_units
        self.lines = editor_lines(text)

    def _line(self, number: int) -> str:
        return self.lines[number] if 0 <= number < len(self.lines) else ""

    def to_client(self, line: int, character: int) -> lsp.Position:
        line = max(0, min(line, len(self.lines) - 1))
        text = self._line(line)
        return lsp.Position(line, self.units(text[: max(0, min(character, len(text)))]))

    def range(self, line: int, start: int, end_line: int, end: int) -> lsp.Range:
        return lsp.Range(self.to_client(line, start), self.to_client(end_line, end))

    def from_client(self, position: lsp.Position) -> tuple[int, int]:
        text, units, index = self._line(position.line), 0, 0
        while index < len(text) and units < position.character:
            units += self.units(text[index])
            index += 1
        return position.line, index + max(position.character - units, 0)  # past the end stays past it


def _report_failure(ls: LanguageServer, what: str) -> None:
    """Log the current exception to stderr and to the editor's log."""
    message = f"nnspec lsp: {what} failed\n{traceback.format_exc()}"
    log.error("%s", message)
    try:  # the editor's log is where a user looks first
        ls.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=message))
    except Exception:
        pass


def _guarded(default=None):
    """Answer `default` (and log the traceback) when a handler fails, instead of an error reply."""

    def wrap(handler):
        @functools.wraps(handler)
        def run(ls, params):
            try:
                return handler(ls, params)
            except JsonRpcException:  # a request that cannot be answered: pygls replies with the error
                raise
            except Exception:
                _report_failure(ls, handler.__name__)
                return default

        return run

    return wrap


def _path(uri: str) -> str | None:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else None


class NNSpecLanguageServer(LanguageServer):
    """A pygls server that keeps one analysis per open document."""

    def __init__(self) -> None:
        # whole texts on every change: pygls applies a change's range to lines split by
        # str.splitlines (at U+2028, \x0c, ... too), where LSP lines end at \n, \r\n, \r only
        super().__init__("nnspec", __version__, lsp.TextDocumentSyncKind.Full, protocol_cls=Protocol)
        self.documents = Documents()
        self._pending: dict[str, asyncio.TimerHandle] = {}

    def source(self, uri: str) -> str:
        """The document's text: as the editor sent it, or read from its file when it is not open."""
        try:
            return self.workspace.get_text_document(uri).source
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise JsonRpcInvalidParams(f"{uri} is not open here and cannot be read ({error})") from None

    def analysis(self, uri: str):
        """The cached analysis of the document's current version."""
        text = self.source(uri)
        return self.documents.get(uri, text, self.workspace.get_text_document(uri).version, _path(uri))

    def publish(self, uri: str) -> None:
        analysis = self.analysis(uri)
        codec = _Codec(self, analysis.text)
        diagnostics = [_diagnostic(codec, d) for d in analysis.diagnostics]
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, version=analysis.version, diagnostics=diagnostics)
        )

    def publish_later(self, uri: str) -> None:
        """Publish once typing pauses: a burst of changes is checked once, not once per key."""
        self.cancel_pending(uri)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (called outside the server): publish now
            self.publish(uri)
            return
        self._pending[uri] = loop.call_later(CHANGE_DELAY, self._publish_pending, uri)

    def _publish_pending(self, uri: str) -> None:
        self._pending.pop(uri, None)
        try:
            self.publish(uri)
        except Exception:
            _report_failure(self, "checking a changed document")

    def cancel_pending(self, uri: str) -> None:
        handle = self._pending.pop(uri, None)
        if handle is not None:
            handle.cancel()


def _diagnostic(codec: _Codec, found) -> lsp.Diagnostic:
    line = max((found.line or 1) - 1, 0)
    column = max((found.column or 1) - 1, 0)
    end_line = max((found.end_line or found.line or 1) - 1, line)
    end = max((found.end_column or found.column or 1) - 1, 0)
    if end_line == line and end <= column:
        end = column + 1
    message = f"{found.message}; {found.hint}" if found.hint else found.message
    return lsp.Diagnostic(
        range=codec.range(line, column, end_line, end),
        message=message,
        severity=SEVERITY.get(found.severity, lsp.DiagnosticSeverity.Error),
        code=found.code,
        source="nnspec",
    )


def build_server() -> NNSpecLanguageServer:
    """A language server for nnspec specs, ready for `start_io()`."""
    server = NNSpecLanguageServer()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    @_guarded()
    def did_open(ls: NNSpecLanguageServer, params: lsp.DidOpenTextDocumentParams):
        ls.publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    @_guarded()
    def did_change(ls: NNSpecLanguageServer, params: lsp.DidChangeTextDocumentParams):
        ls.publish_later(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    @_guarded()
    def did_close(ls: NNSpecLanguageServer, params: lsp.DidCloseTextDocumentParams):
        ls.cancel_pending(params.text_document.uri)
        ls.documents.close(params.text_document.uri)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    @_guarded()
    def on_hover(ls: NNSpecLanguageServer, params: lsp.HoverParams):
        analysis = ls.analysis(params.text_document.uri)
        codec = _Codec(ls, analysis.text)
        found = hover(analysis, *codec.from_client(params.position))
        if found is None:
            return None
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=found.markdown),
            range=codec.range(found.line, found.start, found.line, found.end),
        )

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS))
    @_guarded()
    def on_completion(ls: NNSpecLanguageServer, params: lsp.CompletionParams):
        text = ls.source(params.text_document.uri)
        codec = _Codec(ls, text)
        found = complete(codec.lines, *codec.from_client(params.position))
        edit_range = codec.range(found.line, found.start, found.line, found.end)
        items = [
            lsp.CompletionItem(
                label=item.label,
                kind=ITEM_KIND.get(item.kind),
                detail=item.detail or None,
                documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=item.documentation)
                if item.documentation else None,
                sort_text=item.sort or None,
                text_edit=lsp.TextEdit(range=edit_range, new_text=item.label),
            )
            for item in found.items
        ]
        return lsp.CompletionList(is_incomplete=False, items=items)

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    @_guarded()
    def on_formatting(ls: NNSpecLanguageServer, params: lsp.DocumentFormattingParams):
        text = ls.source(params.text_document.uri)
        new_text = formatted(text, _path(params.text_document.uri))
        if new_text is None or new_text == text:
            return [] if new_text is not None else None
        codec = _Codec(ls, text)
        last = len(codec.lines) - 1
        return [lsp.TextEdit(range=codec.range(0, 0, last, len(codec.lines[last])), new_text=new_text)]

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    @_guarded()
    def on_definition(ls: NNSpecLanguageServer, params: lsp.DefinitionParams):
        text = ls.source(params.text_document.uri)
        codec = _Codec(ls, text)
        found = definition(codec.lines, *codec.from_client(params.position))
        if found is None:
            return None
        return lsp.Location(uri=params.text_document.uri, range=codec.range(found.line, found.start, found.line, found.end))

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])
    )
    @_guarded(default=[])
    def on_code_action(ls: NNSpecLanguageServer, params: lsp.CodeActionParams):
        uri = params.text_document.uri
        analysis = ls.analysis(uri)
        codec = _Codec(ls, analysis.text)
        first, last = params.range.start.line + 1, params.range.end.line + 1
        actions = []
        for found in analysis.diagnostics:
            fix = getattr(found, "fix", None)
            if fix is None or not (first <= found.line <= last or first <= found.end_line <= last):
                continue
            edit = lsp.TextEdit(
                range=codec.range(fix.line - 1, fix.column - 1, fix.end_line - 1, fix.end_column - 1),
                new_text=fix.replacement,
            )
            actions.append(lsp.CodeAction(
                title=f"Replace with '{fix.replacement}'" if fix.replacement else "Remove",
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[_diagnostic(codec, found)],
                edit=lsp.WorkspaceEdit(changes={uri: [edit]}),
                is_preferred=True,
            ))
        return actions

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @_guarded(default=[])
    def on_document_symbol(ls: NNSpecLanguageServer, params: lsp.DocumentSymbolParams):
        analysis = ls.analysis(params.text_document.uri)
        codec = _Codec(ls, analysis.text)
        return [_document_symbol(codec, found) for found in symbols(analysis)]

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    @_guarded(default=[])
    def on_references(ls: NNSpecLanguageServer, params: lsp.ReferenceParams):
        uri = params.text_document.uri
        codec = _Codec(ls, ls.source(uri))
        found = references(codec.lines, *codec.from_client(params.position))
        if found is None:
            return []
        return [lsp.Location(uri=uri, range=codec.range(line, start, line, end)) for line, start, end in found[1]]

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    @_guarded()
    def on_prepare_rename(ls: NNSpecLanguageServer, params: lsp.PrepareRenameParams):
        codec = _Codec(ls, ls.source(params.text_document.uri))
        line, character = codec.from_client(params.position)
        found = references(codec.lines, line, character)
        if found is None:
            return None
        here = [p for p in found[1] if p[0] == line and p[1] - 1 <= character <= p[2]]
        return codec.range(here[0][0], here[0][1], here[0][0], here[0][2]) if here else None

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    @_guarded()
    def on_rename(ls: NNSpecLanguageServer, params: lsp.RenameParams):
        uri = params.text_document.uri
        codec = _Codec(ls, ls.source(uri))
        found = references(codec.lines, *codec.from_client(params.position))
        if found is None or not NAME.fullmatch(params.new_name):
            return None
        edits = [lsp.TextEdit(range=codec.range(line, start, line, end), new_text=params.new_name)
                 for line, start, end in found[1]]
        return lsp.WorkspaceEdit(changes={uri: edits})

    @server.feature(
        lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
        lsp.SemanticTokensLegend(token_types=list(TOKEN_TYPES), token_modifiers=[]),
    )
    @_guarded()
    def on_semantic_tokens(ls: NNSpecLanguageServer, params: lsp.SemanticTokensParams):
        codec = _Codec(ls, ls.source(params.text_document.uri))
        return lsp.SemanticTokens(data=_encode_tokens(codec, semantic_tokens(codec.lines)))

    return server


def _encode_tokens(codec: _Codec, tokens) -> list[int]:
    """LSP's relative form: per token, line and start as deltas from the previous one."""
    data: list[int] = []
    last_line = last_start = 0
    for line, start, length, kind in tokens:
        text = codec.lines[line]
        begin = codec.units(text[:start])
        delta_line = line - last_line
        data += [delta_line, begin - last_start if delta_line == 0 else begin,
                 codec.units(text[start:start + length]), kind, 0]
        last_line, last_start = line, begin
    return data


def _document_symbol(codec: _Codec, found) -> lsp.DocumentSymbol:
    whole = codec.range(found.line, found.start, found.end_line, found.end)
    return lsp.DocumentSymbol(
        name=found.name or "?",
        detail=found.detail or None,
        kind=SYMBOL_KIND.get(found.kind, lsp.SymbolKind.Property),
        range=whole,
        selection_range=lsp.Range(whole.start, whole.start if found.kind == "block" else whole.end),
        children=[_document_symbol(codec, child) for child in found.children] or None,
    )
