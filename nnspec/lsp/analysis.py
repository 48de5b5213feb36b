"""One document analysed once per version: its diagnostics, its spec and its checked plans.

Hover and code actions read a `Snapshot`; `Documents` keeps the latest one
per document and analyses again only when the version or the text changed, so that a
hover never re-checks the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import NNSpecError, editor_lines

LayerAt = Mapping[tuple[int, int], tuple[tuple[str, Any], ...]]


@dataclass(frozen=True)
class Snapshot:
    """What is known about one version of a document.

    `diagnostics` are `nnspec.Diagnostic`s (1-based lines and columns, end exclusive);
    `spec` is the spec as far as it could be recovered; `plans` is empty when the spec
    has errors. `layers` maps the (line, column) of a layer statement (1-based, as the
    parser reports it) to the (variant label, ResolvedLayer) pairs it produced, repeats
    and blocks included.
    """

    text: str
    version: int | None
    diagnostics: tuple[Any, ...]
    spec: Any = None
    plans: tuple[Any, ...] = ()
    layers: LayerAt = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        return editor_lines(self.text)


def analyse(text: str, path: str | None = None, version: int | None = None) -> Snapshot:
    """Diagnose, parse and check `text` in one pass (`nnspec.diagnose`'s); never raises."""
    from ..dsl.analyse import analyse as analyse_text
    from ..dsl.diagnostics import Diagnostic

    try:
        found = analyse_text(text, path)
    except Exception as exc:  # a plugin's bug must not take the editor's server down
        problem = Diagnostic("error", "internal", f"nnspec failed on this text: {type(exc).__name__}: {exc}",
                             1, 1, 1, 2)
        return Snapshot(text, version, (problem,))
    plans = tuple(found.plans)
    return Snapshot(text, version, tuple(found.diagnostics), found.spec, plans, _layers_by_position(plans))


def _layers_by_position(plans) -> dict:
    found: dict[tuple[int, int], list] = {}
    for plan in plans:
        for layer in plan.layers:
            found.setdefault((layer.line, layer.column), []).append((plan.variant_label, layer))
    return {key: tuple(value) for key, value in found.items()}


class Documents:
    """The latest analysis of each open document, keyed by URI."""

    def __init__(self) -> None:
        self._by_uri: dict[str, Snapshot] = {}
        self.analyses = 0  # how many times a text was analysed (tests read it)

    def get(self, uri: str, text: str, version: int | None = None, path: str | None = None) -> Snapshot:
        """The analysis of this version of the document, made now only if it is not cached."""
        cached = self._by_uri.get(uri)
        if cached is not None and cached.version == version and cached.text == text:
            return cached
        self.analyses += 1
        analysis = analyse(text, path, version)
        self._by_uri[uri] = analysis
        return analysis

    def cached(self, uri: str) -> Snapshot | None:
        return self._by_uri.get(uri)

    def close(self, uri: str) -> None:
        self._by_uri.pop(uri, None)


def formatted(text: str, path: str | None = None) -> str | None:
    """The canonical layout of `text` (nnspec's formatter), or None when it does not parse."""
    from ..dsl.format import format_spec
    from ..dsl.parser import parse

    try:
        return format_spec(parse(text, filename=path))
    except NNSpecError:
        return None
