"""`nnspec lsp` driven by a real LSP client over stdio (pygls' client).

One server process (`python -m nnspec lsp`) serves the whole module; the client's
event loop runs in a background thread and each test waits for its answers.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time

import pytest

pytest.importorskip("pygls")

from lsprotocol import types as lsp  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

import nnspec  # noqa: E402

TIMEOUT = 60  # seconds; generous, the machine may be busy


class Session:
    """A client connected to a server subprocess, usable from synchronous tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.published: dict[str, list[lsp.PublishDiagnosticsParams]] = {}
        self.changed = threading.Condition()
        self.stderr = bytearray()
        self.versions: dict[str, int] = {}
        self.call(self._start())

    def call(self, coroutine, timeout: float = TIMEOUT):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _start(self) -> None:
        self.client = LanguageClient("nnspec-tests", "0")

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            with self.changed:
                self.published.setdefault(params.uri, []).append(params)
                self.changed.notify_all()

        await self.client.start_io(sys.executable, "-m", "nnspec", "lsp")
        self._drain = asyncio.ensure_future(self._read_stderr(self.client._server.stderr))
        capabilities = lsp.ClientCapabilities(
            text_document=lsp.TextDocumentClientCapabilities(
                hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown]),
            )
        )
        self.initialized = await self.client.initialize_async(lsp.InitializeParams(capabilities=capabilities))
        self.client.initialized(lsp.InitializedParams())

    async def _read_stderr(self, stream) -> None:
        # read it all, so that the server can never block on a full pipe
        while chunk := await stream.read(4096):
            self.stderr.extend(chunk)

    def notify(self, method, params) -> None:
        async def send():
            method(params)

        self.call(send())

    def open(self, uri: str, text: str) -> None:
        self.versions[uri] = 1
        self.notify(self.client.text_document_did_open, lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="nnspec", version=1, text=text)))

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.notify(self.client.text_document_did_change, lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))

    def change_all(self, uri: str, texts: list[str]) -> None:
        """Send several changes at once, as fast typing does."""
        params = []
        for text in texts:
            self.versions[uri] += 1
            params.append(lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))

        async def send():
            for item in params:
                self.client.text_document_did_change(item)

        self.call(send())

    def diagnostics(self, uri: str) -> list[lsp.Diagnostic]:
        """The diagnostics published for the document's latest version (waits for them)."""
        version = self.versions[uri]
        deadline = time.monotonic() + TIMEOUT
        with self.changed:
            while True:
                for params in self.published.get(uri, []):
                    if params.version == version:
                        return list(params.diagnostics)
                left = deadline - time.monotonic()
                assert left > 0, f"no diagnostics for {uri} version {version}"
                self.changed.wait(left)

    def hover(self, uri: str, line: int, character: int):
        return self.call(self.client.text_document_hover_async(
            lsp.HoverParams(lsp.TextDocumentIdentifier(uri), lsp.Position(line, character))))

    def close(self) -> None:
        try:
            self.call(self.client.shutdown_async(None), timeout=10)
            self.notify(self.client.exit, None)
            self.call(self.client.stop(), timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)


@pytest.fixture(scope="module")
def server():
    session = Session()
    yield session
    session.close()


def doc(name: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(f"file:///specs/{name}.nn")


IRIS = """\
data iris test=0.3 seed=1234
dense 32 relu init=he x3
dense 3 softmax
train adam lr=0.001 loss=categorical_crossentropy metrics=accuracy epochs=200 batch=16
"""


def test_initialize_advertises_every_feature(server):
    capabilities = server.initialized.capabilities
    assert capabilities.hover_provider
    assert capabilities.definition_provider
    assert capabilities.document_formatting_provider
    assert capabilities.code_action_provider
    assert "=" in capabilities.completion_provider.trigger_characters
    assert server.initialized.server_info.name == "nnspec"
    # whole texts: pygls would apply a change's range to lines split at U+2028 too, LSP's are not
    assert capabilities.text_document_sync.change == lsp.TextDocumentSyncKind.Full


def test_open_publishes_diagnostics_with_codes_severities_and_ranges(server):
    uri = doc("typo").uri
    server.open(uri, "data iris\ndense 32 relv init=he x3\ndense 3 softmax\n")
    (found,) = server.diagnostics(uri)
    assert found.severity == lsp.DiagnosticSeverity.Error
    assert found.code and found.source == "nnspec"
    assert "relv" in found.message and "relu" in found.message
    assert (found.range.start.line, found.range.start.character) == (1, 9)
    assert (found.range.end.line, found.range.end.character) == (1, 13)


def test_warnings_are_published_as_warnings(server):
    uri = doc("warn").uri
    server.open(uri, "input 4\nlet act = relu\ndense 3 softmax\n")
    found = server.diagnostics(uri)
    assert found and {d.severity for d in found} == {lsp.DiagnosticSeverity.Warning}
    assert all(d.range.start.line == 1 for d in found)


def test_change_publishes_the_new_diagnostics(server):
    uri = doc("change").uri
    server.open(uri, "data iris\ndense 32 relv\ndense 3 softmax\n")
    assert server.diagnostics(uri)
    server.change(uri, "data iris\ndense 32 relu\ndense 3 softmax\n")
    assert server.diagnostics(uri) == []


def test_a_burst_of_changes_is_checked_once_typing_pauses(server):
    uri = doc("burst").uri
    server.open(uri, "input 4\ndense 3 softmax\n")
    assert server.diagnostics(uri) == []
    server.change_all(uri, [f"input 4\ndense {units} relv\ndense 3 softmax\n" for units in range(5, 10)])
    (found,) = server.diagnostics(uri)
    assert "relv" in found.message
    assert [params.version for params in server.published[uri]] == [1, 6]


def test_hover_on_a_layer_shows_shape_and_parameters(server):
    uri = doc("iris").uri
    server.open(uri, IRIS)
    server.diagnostics(uri)
    found = server.hover(uri, 2, 2)
    last = nnspec.check(nnspec.parse(IRIS))[0].layers[-1]
    assert f"**{last.param_count:,}** parameters" in found.contents.value
    assert found.contents.kind == lsp.MarkupKind.Markdown
    assert (found.range.start.character, found.range.end.character) == (0, 5)


def test_hover_on_a_name_shows_its_documentation(server):
    uri = doc("iris-name").uri
    server.open(uri, IRIS)
    assert "**relu** (activation)" in server.hover(uri, 1, 10).contents.value
    assert server.hover(uri, 1, 30) is None  # past the end of the line


def test_completion_offers_option_names_for_the_kind_at_the_cursor(server):
    uri = doc("complete").uri
    server.open(uri, "input 28x28x1\nconv2d 8 3x3 relu \n")
    found = server.call(server.client.text_document_completion_async(
        lsp.CompletionParams(lsp.TextDocumentIdentifier(uri), lsp.Position(1, 18))))
    labels = {item.label for item in found.items}
    assert {"stride=", "padding=", "init=", "bias="} <= labels
    item = next(item for item in found.items if item.label == "padding=")
    assert item.kind == lsp.CompletionItemKind.Property
    assert item.text_edit.range.start == lsp.Position(1, 18)


def test_formatting_replaces_the_whole_document_with_the_formatters_text(server):
    uri = doc("messy").uri
    messy = "data   iris\n  dense 32 relu   init=he  x3 ;dense 3 softmax\n"
    server.open(uri, messy)
    (edit,) = server.call(server.client.text_document_formatting_async(
        lsp.DocumentFormattingParams(lsp.TextDocumentIdentifier(uri), lsp.FormattingOptions(4, True))))
    assert edit.new_text == nnspec.format(nnspec.parse(messy))
    assert edit.range.start == lsp.Position(0, 0) and edit.range.end == lsp.Position(2, 0)


def test_definition_goes_from_a_variable_to_its_let(server):
    uri = doc("sweep").uri
    server.open(uri, "input 4\nlet act = relu | tanh\ndense 8 $act\ndense 3 softmax\n")
    found = server.call(server.client.text_document_definition_async(
        lsp.DefinitionParams(lsp.TextDocumentIdentifier(uri), lsp.Position(2, 10))))
    assert found.uri == uri
    assert (found.range.start.line, found.range.start.character, found.range.end.character) == (1, 4, 7)


def test_references_and_rename_cover_the_let_and_every_use(server):
    uri = doc("rename").uri
    server.open(uri, "input 4\nlet act = relu | tanh\ndense 8 $act\ndense 8 $act\ndense 3 softmax\n")
    identifier = lsp.TextDocumentIdentifier(uri)
    found = server.call(server.client.text_document_references_async(lsp.ReferenceParams(
        text_document=identifier, position=lsp.Position(2, 10), context=lsp.ReferenceContext(include_declaration=True))))
    assert [(r.range.start.line, r.range.start.character) for r in found] == [(1, 4), (2, 9), (3, 9)]
    edit = server.call(server.client.text_document_rename_async(
        lsp.RenameParams(text_document=identifier, position=lsp.Position(1, 5), new_name="activation")))
    assert [(e.range.start.line, e.new_text) for e in edit.changes[uri]] == [(1, "activation"), (2, "activation"),
                                                                             (3, "activation")]


def test_outline_lists_statements_with_layer_shapes(server):
    uri = doc("outline").uri
    server.open(uri, IRIS)
    found = server.call(server.client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(uri))))
    assert [s.name for s in found] == [line for line in IRIS.splitlines()]
    assert found[1].kind == lsp.SymbolKind.Function and found[1].detail.startswith("→ 32, ")


def test_semantic_tokens_highlight_through_the_server(server):
    uri = doc("tokens").uri
    server.open(uri, 'data csv path="é.csv"  # c\ndense 8 relu\n')
    legend = server.initialized.capabilities.semantic_tokens_provider.legend.token_types
    data = server.call(server.client.text_document_semantic_tokens_full_async(
        lsp.SemanticTokensParams(lsp.TextDocumentIdentifier(uri)))).data
    decoded, line, start = [], 0, 0
    for index in range(0, len(data), 5):
        delta_line, delta_start, length, kind, _ = data[index:index + 5]
        line, start = line + delta_line, (start if delta_line == 0 else 0) + delta_start
        decoded.append((line, start, length, legend[kind]))
    assert decoded == [(0, 0, 4, "keyword"), (0, 5, 3, "enumMember"), (0, 9, 4, "parameter"), (0, 13, 1, "operator"),
                       (0, 14, 7, "string"), (0, 23, 3, "comment"), (1, 0, 5, "function"), (1, 6, 1, "number"),
                       (1, 8, 4, "enumMember")]


def test_code_action_offers_the_suggested_fix(server):
    uri = doc("fix").uri
    server.open(uri, "input 4\ndense 8 relv\ndense 3 softmax\n")
    diagnostics = server.diagnostics(uri)
    actions = server.call(server.client.text_document_code_action_async(lsp.CodeActionParams(
        lsp.TextDocumentIdentifier(uri), lsp.Range(lsp.Position(1, 0), lsp.Position(1, 12)),
        lsp.CodeActionContext(diagnostics=diagnostics))))
    (action,) = actions
    (edit,) = action.edit.changes[uri]
    assert edit.new_text == "relu"
    assert (edit.range.start.character, edit.range.end.character) == (8, 12)


def test_positions_count_utf16_units_after_non_ascii_text(server):
    uri = doc("unicode").uri
    server.open(uri, 'data csv path="😀.csv" target=2\n')  # the emoji is one character, two UTF-16 units
    assert "**path**" in server.hover(uri, 0, 22).contents.value  # just after the closing quote
    found = server.hover(uri, 0, 23)
    assert "**target**" in found.contents.value
    assert (found.range.start.character, found.range.end.character) == (23, 29)


GARBAGE = [
    "",
    "\x00\x01\x02 dense",
    "{{{{{{{{{{ dense 8 x3",
    "}}}} ; ; ;",
    "dense " + "9" * 400 + " relu",
    "let = | | $",
    'data csv path="never closed',
    "\u2028dense 8\u2029relu\r\rtrain\x0b\x0c",
    "😀" * 50 + " =|,$",
    "dense 8 relu x99999999999999999999999",
    "input 0x0x0\nconv2d 0 0x0 stride=0x0\nmaxpool 99x99",
    "\n".join(["{ dense 8"] * 50),
]


def test_garbage_never_crashes_the_server(server):
    for number, text in enumerate(GARBAGE):
        uri = doc(f"garbage{number}").uri
        server.open(uri, text)
        server.diagnostics(uri)
        identifier = lsp.TextDocumentIdentifier(uri)
        for line, character in ((0, 0), (0, 3), (0, 500), (1, 2), (40, 1)):
            position = lsp.Position(line, character)
            server.hover(uri, line, character)
            server.call(server.client.text_document_completion_async(lsp.CompletionParams(identifier, position)))
            server.call(server.client.text_document_definition_async(lsp.DefinitionParams(identifier, position)))
        server.call(server.client.text_document_formatting_async(
            lsp.DocumentFormattingParams(identifier, lsp.FormattingOptions(4, True))))
        server.call(server.client.text_document_document_symbol_async(lsp.DocumentSymbolParams(identifier)))
        server.call(server.client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(identifier)))
        server.change(uri, text[::-1])
        server.diagnostics(uri)
    assert "**relu**" in server.hover(doc("iris-name").uri, 1, 10).contents.value  # still serving
    assert b"Traceback" not in server.stderr, server.stderr.decode(errors="replace")


def long_spec(lines: int = 200) -> str:
    body = ["data iris test=0.3 seed=1", "let act = relu | elu"]  # 65 tanh layers would warn (vanishing-gradients)
    while len(body) < lines - 2:
        body += ["# a hidden layer", "dense 16 $act init=he", "dropout 0.1"]
    return "\n".join(body[: lines - 2] + ["dense 3 softmax", "train adam lr=0.001 epochs=5"]) + "\n"


def test_hover_answers_within_50_ms_on_a_200_line_spec(server):
    uri = doc("long").uri
    text = long_spec()
    server.open(uri, text)
    assert server.diagnostics(uri) == []
    line = max(number for number, written in enumerate(text.split("\n")) if written.startswith("dense 16"))
    server.hover(uri, line, 1)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        found = server.hover(uri, line, 1)
        times.append(time.perf_counter() - start)
    assert "parameters" in found.contents.value
    assert min(times) < 0.05, times
