"""`nnspec runs [DIR]`: the runs under a folder as a table or JSON, sortable by a metric."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer


class RunsFormat(str, Enum):
    """How `runs` prints."""

    text = "text"
    json = "json"


def runs_command(
    folder: Annotated[Path, typer.Argument(help="The folder to look in (default: runs).")] = Path("runs"),
    sort: Annotated[
        Optional[str], typer.Option(help="Best first by this test metric (accuracy down, loss up); default: newest.")
    ] = None,
    output: Annotated[RunsFormat, typer.Option("--format", help="text: a table; json: a list of runs.")]
    = RunsFormat.text,
) -> None:
    """List the runs under a folder: spec, variant, key options, metrics, when, and state."""
    from ..tracking.runs import find_runs, runs_table, sort_runs

    rows = sort_runs(find_runs(folder), sort)
    if output is RunsFormat.json:
        typer.echo(json.dumps([row.to_dict() for row in rows], indent=2))
    else:
        typer.echo(runs_table(rows))
