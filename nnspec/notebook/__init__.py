"""nnspec in Jupyter: `%load_ext nnspec`, then `%nnspec PATH` and `%%nnspec` cells.

Needs IPython (`pip install 'nnspec[notebook]'`). The magics check a spec, train it
with a live progress bar and live curves, and show the report inline; a parsed Spec,
a CheckResult and RunResults show themselves as HTML in any notebook, without the
extension (CheckResult, RunResults and Report through their `_repr_html_`, a Spec
through the display nnspec/notebook/display.py registers).
"""

from __future__ import annotations


def load_ipython_extension(ipython) -> None:
    """Register the `%nnspec` line magic and the `%%nnspec` cell magic."""
    from . import display, magic

    display.register(ipython)

    def nnspec_magic(line: str, cell: str | None = None):
        return magic.run_cell(line, cell, ipython.user_ns)

    nnspec_magic.__doc__ = magic.__doc__  # what `%nnspec?` shows
    ipython.register_magic_function(nnspec_magic, "line_cell", "nnspec")


def unload_ipython_extension(ipython) -> None:
    """Nothing to undo: the magic stays registered, as IPython's own extensions leave theirs."""
