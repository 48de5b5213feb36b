"""`nnspec report`: rebuild a run's tables, pictures and page from its folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def report_command(
    run_dir: Annotated[Path, typer.Argument(help="A run or sweep folder written by `nnspec run`.", show_default=False)],
    label: Annotated[
        Optional[str],
        typer.Option("--label", "-l", help="Draw the misclassified images of this true label (index or class name)."),
    ] = None,
    n: Annotated[
        Optional[int], typer.Option("--n", "-n", help="How many misclassified images to draw (default 16).")
    ] = None,
) -> None:
    """Rebuild a run's tables, pictures and index.html from its saved results, without retraining."""
    from ..reports import report

    typer.echo(report(run_dir, label=label, n=n).summary())
