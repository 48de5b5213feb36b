"""How a notebook shows nnspec's objects: a parsed Spec as its check and its layers.

A Spec cannot carry `_repr_html_` itself: showing it means checking it, and the
checker imports the syntax tree the Spec belongs to. So IPython is told, by type name
(nothing is imported until a Spec is shown), to display a Spec with `spec_html`:
`import nnspec` does it when it finds a running IPython, and `%load_ext nnspec` does it
too. CheckResult, RunResults and Report have `_repr_html_` of their own.
"""

from __future__ import annotations

SPEC_TYPE = ("nnspec.dsl.ast", "Spec")


def spec_html(spec) -> str:
    """A parsed Spec: its check's diagnostics (with carets) and every variant's layers, shapes, parameters."""
    from ..dsl.diagnostics import Collector, sort_diagnostics
    from ..dsl.html import check_html
    from ..dsl.validate import collect

    out = Collector(spec.source, spec.filename)
    plans = collect(spec, out)
    if any(d.severity == "error" for d in out.diagnostics):
        plans = []
    return check_html(plans, sort_diagnostics(out.diagnostics), spec.filename, spec.source, spec)


def register(ipython) -> None:
    """Tell an IPython shell to show a Spec with spec_html (by name: no import happens now)."""
    formatters = getattr(getattr(ipython, "display_formatter", None), "formatters", None) or {}
    html = formatters.get("text/html")
    if html is not None:
        html.for_type_by_name(*SPEC_TYPE, spec_html)


def register_if_in_ipython() -> None:
    """What `import nnspec` calls: register with the running IPython, if there is one (never imports it)."""
    import sys

    ipython_module = sys.modules.get("IPython")
    shell = getattr(ipython_module, "get_ipython", lambda: None)() if ipython_module else None
    if shell is not None:
        register(shell)
