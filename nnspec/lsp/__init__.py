"""`nnspec lsp`: a language server for specs (diagnostics, hover, completion, formatting).

The protocol side needs pygls (`pip install 'nnspec[lsp]'`); the answers themselves come
from pure functions (words, analysis, hover, completion, definition) that need only the
parser side of nnspec, so they are tested without a client. TensorFlow is never imported.
"""

from __future__ import annotations

from ..errors import NNSpecError

INSTALL = "pip install 'nnspec[lsp]'"


def serve() -> None:
    """Run the language server on stdin/stdout until the client exits."""
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError as exc:
        raise NNSpecError(f"the language server needs pygls and lsprotocol ({exc.name} is not installed)",
                          hint=f"install them with: {INSTALL}") from None
    import sys

    from .server import build_server
    from .wire import FramedInput

    build_server().start_io(FramedInput(sys.stdin.buffer))
