"""The `nnspec` command line: thin commands over the library.

Every NNSpecError is printed (file:line:col, source line, caret) and exits with its
code (1, or 2 for usage errors); no traceback reaches the user.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from .commands.plugin_warnings import warn_plugin_failures
from .errors import NNSpecError


class NNSpecGroup(TyperGroup):
    """Turns NNSpecError from any command, built-in or plugin, into a message and an exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NNSpecError as error:
            typer.echo(error.render(), err=True)
            raise typer.Exit(error.exit_code)
        except KeyboardInterrupt as interrupt:
            render = getattr(interrupt, "render", None)  # a run says where it is saved and how to resume
            typer.echo(render() if render else "interrupted", err=True)
            raise typer.Exit(130)


def read_specs(paths: list[Path]):
    """Load each spec file; yields (path, Spec or the NNSpecError it raised)."""
    from .dsl.parser import load

    for path in paths:
        try:
            yield path, load(path)
        except NNSpecError as error:
            yield path, error


def _report_error(error: NNSpecError) -> None:
    typer.echo(error.render(), err=True)


class OutputFormat(str, Enum):
    """How `check` prints what it finds."""

    text = "text"
    json = "json"


def check_command(
    specs: Annotated[list[Path], typer.Argument(help="Spec files (*.nn) to check.", show_default=False)],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
    output: Annotated[
        OutputFormat,
        typer.Option("--format", help="text: messages with source lines; json: a list of diagnostics."),
    ] = OutputFormat.text,
    backend: Annotated[str | None, typer.Option(
        "--backend", help="Check for this backend instead of the spec's: what it cannot build is an error.")] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat warnings (pitfalls such as vanishing-gradients) as errors.")
    ] = False,
) -> None:
    """Check specs: syntax, names, arguments, shapes, fit with the dataset, the backend's support."""
    import json

    from .dsl.analyse import analyse
    from .dsl.diagnostics import from_error
    from .dsl.parser import read_spec_text
    from .dsl.ranges import has_ranges, search_axes

    warn_plugin_failures()
    if backend is not None:
        from .plugins import get_registries

        backend = get_registries().backends.option(backend, "--backend")  # one error, not one per file
    exit_code = 0
    found = []
    for path in specs:
        try:
            text = read_spec_text(path)
        except NNSpecError as error:
            exit_code = max(exit_code, error.exit_code)
            if output is OutputFormat.json and error.exit_code == 1:
                found.extend({"file": str(path), **d.to_dict()} for d in from_error(error, None))
            else:
                _report_error(error)
            continue
        analysis = analyse(text, str(path), backend=backend)
        diagnostics = analysis.diagnostics
        if strict:  # a warning fails the check like an error
            diagnostics = [replace(d, severity="error") if d.severity == "warning" else d for d in diagnostics]
        failed = any(d.severity == "error" for d in diagnostics)
        if failed:
            exit_code = max(exit_code, 1)
        if output is OutputFormat.json:
            found.extend({"file": str(path), **d.to_dict()} for d in diagnostics)
            continue
        for diagnostic in diagnostics:
            typer.echo(diagnostic.render(str(path), text), err=True)
        if not failed and not quiet and not analysis.plans:  # no input or data: a note says why
            typer.echo(f"{path}: ok ({len(analysis.spec.layers)} layers, shapes not inferred)")
        elif not failed and not quiet:
            plans = analysis.plans
            variants = f", {len(plans)} variants" if len(plans) > 1 else ""
            if has_ranges(analysis.spec):
                axes = ", ".join(axis.describe() for axis in search_axes(analysis.spec))
                variants = f"; search space {axes}, checked at the ends of each range"
            typer.echo(
                f"{path}: ok ({len(plans[0].layers)} layers, "
                f"{plans[0].param_count:,} parameters{variants})"
            )
    if output is OutputFormat.json:
        typer.echo(json.dumps(found, indent=2))
    if exit_code:
        raise typer.Exit(exit_code)


def show_command(
    spec: Annotated[Path, typer.Argument(help="Spec file to show.", show_default=False)],
) -> None:
    """Show the network a spec describes: layers, output shapes, parameters."""
    from .dsl.parser import load
    from .dsl.show import render_layers, render_plans
    from .dsl.validate import check_spec

    warn_plugin_failures()
    parsed = load(spec)
    result = check_spec(parsed)
    for diagnostic in result.diagnostics:
        typer.echo(diagnostic.render(str(spec), parsed.source), err=True)
    typer.echo(render_plans(result.plans, parsed) if result.plans else render_layers(parsed))


def fmt_command(
    specs: Annotated[list[Path], typer.Argument(help="Spec files to format in place.", show_default=False)],
    check: Annotated[bool, typer.Option("--check", help="Only report files that would change; exit 1 if any.")] = False,
    stdout: Annotated[bool, typer.Option("--stdout", help="Print the formatted text instead of writing files.")] = False,
) -> None:
    """Format specs in the canonical layout (comments are kept)."""
    from .dsl.format import format_spec
    from .files import check_writable, write_atomically

    exit_code = 0
    for path, spec in read_specs(specs):
        if isinstance(spec, NNSpecError):
            _report_error(spec)
            exit_code = max(exit_code, spec.exit_code)
            continue
        text = format_spec(spec)
        if stdout:
            typer.echo(text, nl=False)
        elif text != spec.source:
            if check:
                typer.echo(f"{path}: would reformat")
                exit_code = max(exit_code, 1)
            else:
                try:
                    check_writable(path)
                    write_atomically(path, text)
                except NNSpecError as error:  # the other files are still formatted
                    _report_error(error)
                    exit_code = max(exit_code, error.exit_code)
                    continue
                typer.echo(f"{path}: reformatted")
    if exit_code:
        raise typer.Exit(exit_code)


def plugins_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the loaded plugins, their packages and versions, and what each provides."""
    import json

    from .plugins import get_plugin_manager, get_registries

    get_registries()
    infos = list(get_plugin_manager().infos.values())
    if as_json:
        typer.echo(json.dumps([info.__dict__ for info in infos], indent=2))
        return
    for info in infos:
        origin = "built-in" if info.builtin else "installed"
        typer.echo(f"{info.name} ({info.package} {info.version}, {origin}, {info.module})")
        if info.error:
            typer.echo(f"  error: {info.error}")
        for kind, names in sorted(info.provides.items()):
            typer.echo(f"  {kind}: {', '.join(sorted(names))}")
        if info.commands:
            typer.echo(f"  command: {', '.join(sorted(info.commands))}")


def lsp_command(
    stdio: Annotated[bool, typer.Option("--stdio", help="Accepted for editors that pass it: stdio is the only transport.")] = False,
) -> None:
    """Run the language server for editors (diagnostics, hover, completion, formatting)."""
    from .lsp import serve

    serve()


def version_callback(value: bool) -> None:
    if value:
        from .version import __version__

        typer.echo(f"nnspec {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    """The typer app with the core commands and every plugin's commands."""
    from .commands.export import code_command, export_command, import_command, predict_command
    from .commands.report import compare_command, report_command
    from .commands.run import run_command
    from .commands.runs import runs_command
    from .commands.verify import verify_plugin_command
    from .plugins import get_plugin_manager

    app = typer.Typer(
        cls=NNSpecGroup,
        name="nnspec",
        help="Write, check and run neural-network specs (*.nn).",
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _root(
        version: Annotated[
            bool,
            typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version."),
        ] = False,
    ) -> None:
        """Write, check and run neural-network specs (*.nn)."""

    app.command("check")(check_command)
    app.command("show")(show_command)
    app.command("fmt")(fmt_command)
    app.command("plugins")(plugins_command)
    app.command("run")(run_command)
    app.command("runs")(runs_command)
    app.command("report")(report_command)
    app.command("compare")(compare_command)
    app.command("lsp")(lsp_command)
    app.command("export")(export_command)
    app.command("code")(code_command)
    app.command("import")(import_command)
    app.command("predict")(predict_command)
    app.command("verify-plugin")(verify_plugin_command)
    pm = get_plugin_manager()
    for impl in pm.hook.register_commands.get_hookimpls():
        before = len(app.registered_commands)
        try:
            impl.function(app)
        except Exception as exc:
            pm.record_error(impl.plugin_name, f"register_commands failed: {type(exc).__name__}: {exc}")
        info = pm.infos.get(impl.plugin_name)
        if info is not None:
            added = app.registered_commands[before:]
            info.commands = [c.name or c.callback.__name__.replace("_", "-") for c in added]
    return app


app = build_app()


def main() -> None:
    """Console-script entry point."""
    from .commands.run import optional_ray_address

    try:
        app(args=optional_ray_address(sys.argv[1:]), prog_name="nnspec")
    except NNSpecError as error:  # raised outside a command (e.g. while parsing options)
        typer.echo(error.render(), err=True)
        sys.exit(error.exit_code)
    except SystemExit as done:
        leave_quickly(done.code)
        raise


# Services whose exit handlers must run (they stop processes or send what is buffered).
NEEDS_EXIT_HANDLERS = ("ray", "mlflow")


def leave_quickly(code) -> None:
    """After a command that imported TensorFlow, end the process without its teardown.

    Every file is written and closed by then (each under a temporary name, then
    renamed), so only the output streams need a flush; TensorFlow's and Python's
    teardown of a trained model's graph cost a noticeable share of a short run.
    Left alone when nothing heavy was imported, or when Ray or MLflow were used.
    """
    if "tensorflow" not in sys.modules or any(name in sys.modules for name in NEEDS_EXIT_HANDLERS):
        return
    if code is None:
        code = 0
    elif not isinstance(code, int):
        typer.echo(code, err=True)
        code = 1
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
