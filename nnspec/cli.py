"""The `nnspec` command line: thin commands over the library.

Every NNSpecError is printed (file:line:col, source line, caret) and exits with its
code (1, or 2 for usage errors); no traceback reaches the user.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from .errors import NNSpecError, SpecErrors


class NNSpecGroup(TyperGroup):
    """Turns NNSpecError from any command, built-in or plugin, into a message and an exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NNSpecError as error:
            typer.echo(error.render(), err=True)
            raise typer.Exit(error.exit_code)
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130)


def warn_plugin_failures() -> None:
    """Name the plugins that failed to load, once, on stderr."""
    from .plugins import plugin_failures

    for info in plugin_failures():
        typer.echo(f"warning: plugin '{info.name}' ({info.package}) {info.error}", err=True)


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


def check_command(
    specs: Annotated[list[Path], typer.Argument(help="Spec files (*.nn) to check.", show_default=False)],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
) -> None:
    """Check specs: syntax, names, arguments, shapes and fit with the dataset."""
    from .dsl.validate import check_spec

    warn_plugin_failures()
    exit_code = 0
    for path, spec in read_specs(specs):
        if isinstance(spec, NNSpecError):
            _report_error(spec)
            exit_code = max(exit_code, spec.exit_code)
            continue
        try:
            result = check_spec(spec)
        except NNSpecError as error:
            _report_error(error)
            exit_code = max(exit_code, error.exit_code)
            continue
        for warning in result.warnings:
            typer.echo(warning.render(), err=True)
        if not quiet:
            plans = result.plans
            variants = f", {len(plans)} variants" if len(plans) > 1 else ""
            typer.echo(
                f"{path}: ok ({len(plans[0].layers)} layers, "
                f"{plans[0].param_count:,} parameters{variants})"
            )
    if exit_code:
        raise typer.Exit(exit_code)


def show_command(
    spec: Annotated[Path, typer.Argument(help="Spec file to show.", show_default=False)],
) -> None:
    """Show the network a spec describes: layers, output shapes, parameters."""
    from .dsl.parser import load
    from .dsl.show import render_plans
    from .dsl.validate import check_spec

    warn_plugin_failures()
    result = check_spec(load(spec))
    for warning in result.warnings:
        typer.echo(warning.render(), err=True)
    typer.echo(render_plans(result.plans))


def fmt_command(
    specs: Annotated[list[Path], typer.Argument(help="Spec files to format in place.", show_default=False)],
    check: Annotated[bool, typer.Option("--check", help="Only report files that would change; exit 1 if any.")] = False,
    stdout: Annotated[bool, typer.Option("--stdout", help="Print the formatted text instead of writing files.")] = False,
) -> None:
    """Format specs in the canonical layout (comments are kept)."""
    from .dsl.format import format_spec

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
                _write_atomically(path, text)
                typer.echo(f"{path}: reformatted")
    if exit_code:
        raise typer.Exit(exit_code)


def _write_atomically(path: Path, text: str) -> None:
    """Replace a file's content without ever leaving it half written."""
    tmp = path.with_name(f".{path.name}.nnspec-tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


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


def version_callback(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"nnspec {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    """The typer app with the core commands and every plugin's commands."""
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
    from .builtins.backends.command import optional_ray_address

    try:
        app(args=optional_ray_address(sys.argv[1:]), prog_name="nnspec")
    except NNSpecError as error:  # raised outside a command (e.g. while parsing options)
        typer.echo(error.render(), err=True)
        sys.exit(error.exit_code)
