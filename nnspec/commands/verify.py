"""`nnspec verify-plugin`: the table of nnspec.verify's checks, exit 1 on any failure."""

from __future__ import annotations

from typing import Annotated

import typer

from .plugin_warnings import warn_plugin_failures


def verify_plugin_command(
    names: Annotated[list[str] | None, typer.Argument(
        help="Plugin names as `nnspec plugins` shows them (none: every plugin).", show_default=False)] = None,
) -> None:
    """Build what plugins register on every backend and compare: counts, outputs, saving."""
    from ..training.environment import import_tensorflow_quietly
    from ..verify import verify_plugins

    warn_plugin_failures()
    import_tensorflow_quietly()
    verification = verify_plugins(names or ())
    typer.echo(verification.table())
    if not verification.ok:
        raise typer.Exit(1)
