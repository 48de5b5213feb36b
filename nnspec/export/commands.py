"""The command-line faces of export, predict, code and import: each calls the library and prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def export_command(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (runs/<spec>/<time>/).", show_default=False)],
    format: Annotated[str, typer.Option("--format", "-f", help="keras, savedmodel, onnx or tflite.")] = "keras",
    out: Annotated[
        Optional[Path], typer.Option(help="Where to write (default: RUN_DIR/export/<model file>).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file at --out.")] = False,
) -> None:
    """Export a run's model, verified against the run's test predictions."""
    from .export import export_run

    result = export_run(run_dir, format, out, force=force)
    typer.echo(f"verified: {result.verification.describe()}")
    typer.echo(f"exported {result.format} to {result.path}")
