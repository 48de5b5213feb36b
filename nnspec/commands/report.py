"""`nnspec report` and `nnspec compare`: a run's report rebuilt from its folder, several runs on one page."""

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


def compare_command(
    run_dirs: Annotated[list[Path], typer.Argument(
        help="Run folders (a sweep folder stands for its variants) to compare.", show_default=False)],
    out: Annotated[Optional[Path], typer.Option(
        help="Folder for the comparison page (default: runs/compare/<time>/).")] = None,
) -> None:
    """Compare runs on one page: their curves and diagnostics on the same axes, every option that differs."""
    from ..reports.compare import compare

    typer.echo(compare(run_dirs, out).summary())
