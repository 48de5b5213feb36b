"""The warning every command gives first: which plugins failed to load."""

from __future__ import annotations

import typer


def warn_plugin_failures() -> None:
    """Name the plugins that failed to load, once, on stderr."""
    from ..plugins import plugin_failures

    for info in plugin_failures():
        typer.echo(f"warning: plugin '{info.name}' ({info.package}) {info.error}", err=True)
