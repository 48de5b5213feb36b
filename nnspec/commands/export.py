"""`nnspec export`, `code`, `predict` and `import`: each calls nnspec.export and prints."""

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
    from ..export.export import export_run

    result = export_run(run_dir, format, out, force=force)
    typer.echo(f"verified: {result.verification.describe()}")
    typer.echo(f"exported {result.format} to {result.path}")


def code_command(
    spec: Annotated[Path, typer.Argument(help="Spec file (*.nn).", show_default=False)],
    backend: Annotated[
        str, typer.Option(help="keras (Sequential, compile, fit) or tf1 (placeholders, Session).")
    ] = "keras",
    variant: Annotated[
        Optional[str], typer.Option(help="For a sweep: the variant's number (from 1) or label, e.g. init=he.")
    ] = None,
    out: Annotated[Optional[Path], typer.Option(help="Write the script to this file instead of stdout.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file at --out.")] = False,
) -> None:
    """Print the standalone Python script a spec stands for."""
    from ..errors import UsageError
    from ..export.code import generate_code

    if not spec.is_file():
        raise UsageError(f"no spec file at '{spec}'")
    _check_out(out, force, spec)
    text = generate_code(spec, backend, variant)
    _emit(text, out)


def import_command(
    model: Annotated[Path, typer.Argument(help="A .keras file or a Keras JSON config (model.to_json()).",
                                          show_default=False)],
    out: Annotated[Optional[Path], typer.Option(help="Write the spec to this file instead of stdout.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file at --out.")] = False,
) -> None:
    """Write the spec of a Keras Sequential model."""
    from ..export.importer import import_model

    _check_out(out, force, model)
    text = import_model(model)
    _emit(text, out)


def predict_command(
    run_dir: Annotated[Path, typer.Argument(help="A run folder.", show_default=False)],
    inputs: Annotated[Path, typer.Argument(help="A .csv or .npy file of samples, or a folder of images.",
                                           show_default=False)],
    out: Annotated[Optional[Path], typer.Option(help="Write the CSV here instead of stdout.")] = None,
    prepared: Annotated[
        bool, typer.Option("--prepared", help="The samples are already scaled as the network takes them.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file at --out.")] = False,
) -> None:
    """Predict new samples with a run's model: class names and probabilities as CSV."""
    from ..export.predict import predict

    _check_out(out, force, run_dir, inputs)
    predictions = predict(run_dir, inputs, prepared=prepared)
    for note in predictions.notes:
        typer.echo(f"note: {note}", err=True)
    _emit(predictions.to_csv(), out)


def _check_out(out: Path | None, force: bool, *inputs: Path) -> None:
    """Before any work: `--out` is never an input, and replaces a file only with --force."""
    if out is not None:
        from ..files import check_new_output, check_writable

        check_new_output(out, force=force, inputs=inputs)
        check_writable(out)


def _emit(text: str, out: Path | None) -> None:
    """Print `text`, or write it whole to `out` (a file that cannot be written is an NNSpecError)."""
    if out is None:
        typer.echo(text, nl=False)
        return
    from ..files import write_atomically

    write_atomically(out, text)
    typer.echo(f"wrote {out}")
