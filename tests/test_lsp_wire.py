"""`nnspec lsp` fed broken bytes: it skips what it cannot read and goes on answering.

The server is a real `python -m nnspec lsp` subprocess, written to with raw bytes (no LSP
client library, which would never send such things); `FramedInput` is also tested alone
on in-memory streams cut into pieces of every size.
"""

from __future__ import annotations

import io
import json
import queue
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("pygls")

from nnspec.lsp.wire import MAX_MESSAGE_BYTES, FramedInput  # noqa: E402

TIMEOUT = 60  # seconds; generous, the machine may be busy


def frame(message=None, *, body: bytes | None = None, length: int | None = None, header: bytes | None = None) -> bytes:
    body = json.dumps(message).encode() if body is None else body
    if header is None:
        header = b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length)
    return header + body


def symbols_request(number: int) -> dict:
    return {"jsonrpc": "2.0", "id": number, "method": "textDocument/documentSymbol",
            "params": {"textDocument": {"uri": "file:///wire/ok.nn"}}}


def did_open(uri: str, text: str) -> dict:
    return {"jsonrpc": "2.0", "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "nnspec", "version": 1, "text": text}}}


class RawServer:
    """`nnspec lsp` on pipes; a thread reads its (well-formed) messages into a queue."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "nnspec", "lsp"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages: queue.Queue = queue.Queue()
        self.stderr = bytearray()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()
        self.send(frame({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"capabilities": {}}}))
        assert "capabilities" in self.reply(0)["result"]
        self.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        self.send(frame(did_open("file:///wire/ok.nn", "input 4\ndense 3 softmax\n")))

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while (line := stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            self.messages.put(json.loads(stream.read(length)))

    def _drain(self) -> None:
        while chunk := self.process.stderr.read1(4096):
            self.stderr.extend(chunk)

    def send(self, data: bytes) -> None:
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def wait_for(self, wanted) -> dict:
        while True:
            message = self.messages.get(timeout=TIMEOUT)
            if wanted(message):
                return message

    def reply(self, number: int) -> dict:
        return self.wait_for(lambda m: m.get("id") == number and "method" not in m)

    def said(self, text: str) -> bool:
        """Whether the server's stderr has `text` (waiting a little for it to arrive)."""
        deadline = time.monotonic() + TIMEOUT
        while text.encode() not in self.stderr and time.monotonic() < deadline:
            time.sleep(0.05)
        return text.encode() in self.stderr

    def close(self) -> None:
        self.process.kill()
        self.process.wait(TIMEOUT)


@pytest.fixture(scope="module")
def server():
    started = RawServer()
    yield started
    started.close()


BROKEN = {
    "no Content-Length": frame(symbols_request(901), header=b"Content-Type: application/json\r\n\r\n"),
    "Content-Length not a number": frame(symbols_request(902), header=b"Content-Length: twelve\r\n\r\n"),
    "Content-Length negative": frame(symbols_request(903), header=b"Content-Length: -5\r\n\r\n"),
    "Content-Length too small": frame(symbols_request(904), length=10),
    "no empty line after the header": b"Content-Length: 5\r\nnot a header\r\n{}",
    "not JSON": frame(body=b"{this is not json"),
    "JSON but not an object": frame([1, 2, 3]),
    "deeply nested JSON": frame(body=b"[" * 100_000 + b"]" * 100_000),
    "binary garbage": bytes(range(256)) * 20,
    "Content-Length of 10**20": frame(symbols_request(905), length=10**20),
    "Content-Length past the limit": frame(symbols_request(906), length=MAX_MESSAGE_BYTES + 1),
}


@pytest.mark.parametrize("broken", BROKEN.values(), ids=BROKEN.keys())
def test_the_server_answers_the_next_request_after_broken_framing(server, broken):
    number = 1000 + list(BROKEN.values()).index(broken)
    server.send(broken)
    server.send(frame(symbols_request(number)))
    assert [found["name"] for found in server.reply(number)["result"]] == ["input 4", "dense 3 softmax"]
    assert server.process.poll() is None


def test_a_message_longer_than_its_content_length_says_is_still_read(server):
    # the length claims more than was sent; the next message's header shows where this one ended
    server.send(frame(symbols_request(1101), length=500) + frame(symbols_request(1102)))
    assert server.reply(1101)["result"]
    assert server.reply(1102)["result"]


def test_invalid_utf8_is_replaced_and_the_document_still_opens(server):
    uri = "file:///wire/latin1.nn"
    body = json.dumps(did_open(uri, "input 4\ndense 3 relv # caf\u00e9\n")).encode().replace(b"\\u00e9", b"\xe9")
    server.send(frame(body=body))
    published = server.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                and m["params"]["uri"] == uri)
    (found,) = published["params"]["diagnostics"]
    assert "relv" in found["message"] and found["range"]["start"] == {"line": 1, "character": 8}
    assert server.said("invalid UTF-8 at byte")


def test_a_request_with_invalid_params_gets_an_invalid_params_error(server):
    server.send(frame({"jsonrpc": "2.0", "id": 1201, "method": "textDocument/hover",
                       "params": {"textDocument": {"uri": "file:///wire/ok.nn"}, "position": "top"}}))
    error = server.reply(1201)["error"]
    assert error["code"] == -32602
    assert "textDocument/hover" in error["message"] and "$.params.position" in error["message"]
    server.send(frame({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": 5}}))
    server.send(frame(symbols_request(1202)))
    assert server.reply(1202)["result"]


def test_lines_ending_in_a_bare_carriage_return_are_lines_to_the_server(server):
    uri = "file:///wire/mac.nn"
    server.send(frame(did_open(uri, "input 4\r# note\rdense 3 relv\r")))
    published = server.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                and m["params"]["uri"] == uri)
    (found,) = published["params"]["diagnostics"]
    assert found["range"] == {"start": {"line": 2, "character": 8}, "end": {"line": 2, "character": 12}}


def messages_through(data: bytes, piece: int) -> list:
    """What pygls would read from FramedInput over `data` delivered `piece` bytes at a time."""

    class Pieces(io.RawIOBase):
        def __init__(self) -> None:
            self.rest = data

        def read1(self, size: int = -1) -> bytes:
            out, self.rest = self.rest[:piece], self.rest[piece:]
            return out

    framed, found = FramedInput(Pieces(), limit=10_000), []
    while (header := framed.readline()) != b"":
        assert header.startswith(b"Content-Length: ") and framed.readline() == b"\r\n"
        body = framed.read(int(header.split(b":")[1]))
        assert len(body) == int(header.split(b":")[1])
        found.append(json.loads(body))
    return found


MESSAGES = st.lists(st.dictionaries(st.sampled_from(["id", "method", "text"]),
                                    st.one_of(st.integers(), st.text(max_size=30)), max_size=3), max_size=4)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(MESSAGES, st.lists(st.sampled_from(list(BROKEN.values())[:9]), max_size=3), st.integers(1, 70))
def test_every_good_message_comes_through_whatever_the_pieces_and_the_garbage_between(messages, garbage, piece):
    data = b""
    for index, message in enumerate(messages):
        data += garbage[index] if index < len(garbage) else b""
        data += frame(message, header=b"Content-Type: x\r\nContent-Length: %d\r\n\r\n" % len(json.dumps(message)))
    received = [m for m in messages_through(data, piece) if "jsonrpc" not in m]  # the garbage's own requests
    assert received == messages


def test_a_refused_message_is_skipped_a_piece_at_a_time():
    big = frame({"text": "x" * 50_000})
    assert messages_through(big + frame({"id": 1}), 4096) == [{"id": 1}]


def test_a_request_about_a_document_that_is_neither_open_nor_a_file_gets_an_error(server):
    server.send(frame({"jsonrpc": "2.0", "id": 1301, "method": "textDocument/documentSymbol",
                       "params": {"textDocument": {"uri": "file:///wire/nowhere/missing.nn"}}}))
    error = server.reply(1301)["error"]
    assert error["code"] == -32602 and "is not open here and cannot be read" in error["message"]
