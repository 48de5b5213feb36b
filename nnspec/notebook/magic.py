"""`%nnspec PATH` and `%%nnspec`: check a spec, train it with a live bar and curves, show the report inline.

    %%nnspec --epochs 5 --as runs
    data digits test=0.25 seed=0
    dense 64 sigmoid|relu x10
    dense 10 softmax
    train sgd lr=0.05 epochs=20 batch=32 diagnostics=true

The cell is checked first and its diagnostics (with carets) and layers are shown; a
spec with errors stops there, without a traceback. Otherwise every variant trains with
`LiveProgress` and the cell's value is the RunResults, which the notebook shows as its
metrics and report (every picture with its caption). `--check` only checks; `--as NAME`
also keeps the RunResults in the variable NAME.
"""

from __future__ import annotations

import argparse
import html
import shlex
from pathlib import Path

from ..errors import NNSpecError, UsageError

OPTIONS = "[--check] [--epochs N] [--backend B] [--seed S] [--lr LR] [--out DIR] [--diagnostics] [--as NAME]"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit the kernel's process
        raise UsageError(f"%nnspec: {message}", hint=f"usage: %nnspec {OPTIONS} [PATH]")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="%nnspec", add_help=False)
    parser.add_argument("path", nargs="?")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--backend")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--out")
    parser.add_argument("--diagnostics", action="store_true")
    parser.add_argument("--as", dest="name")
    return parser


def _display_html(text: str) -> None:
    from IPython.display import HTML, display

    display(HTML(text))


def _error_html(error: NNSpecError) -> str:
    return (f'<pre style="border-left:4px solid #d9534f;background:#fdf3f3;padding:.4em .6em;white-space:pre-wrap">'
            f"{html.escape(error.render())}</pre>")


def run_cell(line: str, cell: str | None, namespace: dict | None = None):
    """What `%nnspec` (cell None) and `%%nnspec` do; returns the RunResults, or None when nothing trained."""
    try:
        options = _parser().parse_args(shlex.split(line or ""))
        if cell is None and not options.path:
            raise UsageError("%nnspec needs a spec file; %%nnspec takes the spec as the cell's text",
                             hint=f"usage: %nnspec {OPTIONS} PATH")
        if cell is not None and options.path:
            raise UsageError("%%nnspec takes the spec from the cell, not a file",
                             hint="use the line magic for a file: %nnspec specs/iris.nn")
        text, filename = _source(options.path, cell)
    except NNSpecError as error:
        _display_html(_error_html(error))
        return None
    from ..dsl.analyse import analyse
    from ..dsl.html import check_html

    analysis = analyse(text, filename)
    _display_html(check_html(analysis.plans, analysis.diagnostics, filename or "cell", text, analysis.spec))
    if options.check or any(d.severity == "error" for d in analysis.diagnostics):
        return None
    results = _train(text, filename, options)
    if results is not None and options.name and namespace is not None:
        namespace[options.name] = results
    return results


def _source(path: str | None, cell: str | None) -> tuple[str, str | None]:
    if cell is not None:
        return cell, None
    from ..dsl.parser import read_spec_text

    return read_spec_text(Path(path)), path


def _train(text: str, filename: str | None, options):
    from .. import api
    from ..dsl.parser import parse
    from .live import LiveProgress

    progress = LiveProgress()
    try:
        spec = parse(text, filename) if filename else parse(text)
        if filename is None:  # a cell's runs are named after the notebook's cell, not "spec"
            spec = _named(spec)
        return api.run(spec, options.backend, epochs=options.epochs, lr=options.lr, seed=options.seed,
                       out=options.out, progress=progress, diagnostics=options.diagnostics)
    except NNSpecError as error:
        progress.close()
        _display_html(_error_html(error))
        partial = getattr(error, "result", None)
        return partial if partial else None


def _named(spec):
    import dataclasses

    return dataclasses.replace(spec, filename="cell.nn")
