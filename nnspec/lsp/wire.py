"""The wire under pygls: messages read whole, bounded and checked; unreadable requests answered.

pygls reads the base protocol (a header block with `Content-Length`, a blank line, that
many bytes of JSON) trusting every byte: after a header block without a usable
`Content-Length`, or a length that does not match the body, it reads bodies as headers
from then on and answers nothing more; a huge length is read (and allocated) as given,
or overflows and ends the server. `FramedInput` stands in for stdin at pygls' one
reading point (`readline` and `read`): it reads each message itself, at most
MAX_MESSAGE_BYTES, and hands pygls only whole JSON objects, framed again with their
true length. After bad framing it skips to the next `Content-Length` line (which can
never occur inside JSON: a raw line end is not allowed in a JSON string). Invalid
UTF-8 in a message is replaced by U+FFFD, so a document with a stray byte still opens.

`Protocol` is pygls' protocol, except that a request whose params do not fit the
method (pygls raises while reading it, and nobody answers) gets a JSON-RPC error.
"""

from __future__ import annotations

import collections
import json
import logging
import re
from typing import Any, BinaryIO

from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol

MAX_MESSAGE_BYTES = 16 * 2**20  # a spec is at most 1 MB; JSON escapes can make it a few times that
_CHUNK = 65536  # bytes read at a time
_MAX_HEADER_LINE = 4096
# a length line may arrive cut at the end of a read: keep this much unread text when skipping
_TAIL = 64
_LENGTH = re.compile(rb"Content-Length:[ \t]*([0-9]{1,20})[ \t]*\r?\n", re.IGNORECASE)
_FIELD = re.compile(rb"[!-9;-~]+:[^\r\n]*\r?\n")  # another header field (Content-Type)
_FIELDS = re.compile(rb"(?:[!-9;-~]+:[^\r\n]*\r?\n)*")

log = logging.getLogger("nnspec.lsp")


class FramedInput:
    """A stdin for pygls that yields only whole, well-framed JSON messages (see the module)."""

    def __init__(self, raw: BinaryIO, limit: int = MAX_MESSAGE_BYTES) -> None:
        self._read = getattr(raw, "read1", raw.read)
        self._buffer = bytearray()
        self._eof = False
        self._limit = limit
        self._out: collections.deque[bytes] = collections.deque()

    # the two calls pygls' reader makes
    def readline(self) -> bytes:
        if not self._out:
            body = self._next_message()
            if body is None:
                return b""  # the end of the input: pygls stops
            self._out += (b"Content-Length: %d\r\n" % len(body), b"\r\n", body)
        return self._out.popleft()

    def read(self, size: int = -1) -> bytes:
        return self._out.popleft() if self._out else b""

    def _next_message(self) -> bytes | None:
        while True:
            length = self._header()
            if length is None:
                return None
            if length < 0:
                log.warning("nnspec lsp: a message header without an empty line after it was skipped")
                continue
            if length > self._limit:  # its body is skipped below, a chunk at a time
                log.warning("nnspec lsp: a message of %s bytes was refused (at most %s)", f"{length:,}",
                            f"{self._limit:,}")
                continue
            body = self._body(length)
            if body is None:
                return None
            checked = _checked(body)
            if checked is not None:
                return checked

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    def _header(self) -> int | None:
        """The next header block's Content-Length (-1 for a broken block); None at the end."""
        skipped = 0  # bytes before the header that are neither blank nor header fields
        while (found := _LENGTH.search(self._buffer)) is None:
            drop = max(len(self._buffer) - _TAIL, 0)
            skipped += len(bytes(self._buffer[:drop]).strip())
            del self._buffer[:drop]
            if not self._fill():
                return None
        before = bytes(self._buffer[: found.start()])
        if not _FIELDS.fullmatch(before.lstrip()):
            skipped += len(before.strip())
        if skipped:
            log.warning("nnspec lsp: %s bytes that were not a message were skipped", f"{skipped:,}")
        length = int(found.group(1))
        del self._buffer[: found.end()]
        while True:  # the other fields, up to the empty line
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > _MAX_HEADER_LINE or not self._fill():
                    return -1
                continue
            line = bytes(self._buffer[: end + 1])
            if not line.strip():
                del self._buffer[: end + 1]
                return length
            if not _FIELD.fullmatch(line) or _LENGTH.match(line):
                return -1  # the line stays: it may start the next message
            del self._buffer[: end + 1]

    def _body(self, length: int) -> bytes | None:
        """`length` bytes, or fewer when the next message's header comes first; None at the end."""
        scanned = 0
        while True:
            following = _LENGTH.search(self._buffer, max(scanned - _TAIL, 0))
            if following is not None and following.start() < length:
                log.warning("nnspec lsp: a message said it had %s bytes, but the next began after %s",
                            f"{length:,}", f"{following.start():,}")
                length = following.start()
            if len(self._buffer) >= length:
                body = bytes(self._buffer[:length])
                del self._buffer[:length]
                return body
            scanned = len(self._buffer)
            if not self._fill():
                return None


def _checked(body: bytes) -> bytes | None:
    """The body as UTF-8 JSON text when it is a JSON object, else None (and a warning)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        log.warning("nnspec lsp: invalid UTF-8 at byte %d of a message was replaced by U+FFFD", error.start)
        text = body.decode("utf-8", "replace")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as error:
        log.warning("nnspec lsp: a message that is not JSON was skipped (%s)", str(error)[:200])
        return None
    if not isinstance(message, dict):
        log.warning("nnspec lsp: a message that is not a JSON object was skipped")
        return None
    return text.encode("utf-8")


class _Unreadable:
    """A message pygls could not read: a request is answered with `error`, a notification dropped."""

    def __init__(self, data: dict, error: JsonRpcException) -> None:
        identifier = data.get("id")
        self.is_request = "id" in data
        self.id = identifier if isinstance(identifier, (int, str)) and not isinstance(identifier, bool) else None
        self.method = data.get("method")
        self.error = error


class Protocol(LanguageServerProtocol):
    """pygls' protocol; a request it cannot read is answered with a JSON-RPC error."""

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if "method" not in data:
                raise
            error.message = f"{error.message} for {str(data['method'])[:100]}: {_why(error)}"
            return _Unreadable(data, error)

    def handle_message(self, message) -> None:
        if not isinstance(message, _Unreadable):
            super().handle_message(message)
        elif message.is_request:
            log.warning("nnspec lsp: %s", message.error.message)
            self._send_response(message.id, None, message.error.to_response_error())
        else:
            log.warning("nnspec lsp: a notification was dropped: %s", message.error.message)


def _why(error: JsonRpcException) -> str:
    """What was wrong, in cattrs' words (`expected int @ $.params.position.line`)."""
    from cattrs import transform_error

    cause = error.__cause__
    try:
        found = transform_error(cause, path="$") if cause is not None else []
    except Exception:  # not a cattrs validation error
        found = [str(cause)]
    return "; ".join(found)[:500] or "unreadable params"
