"""nnspec: write, check, share and run neural-network definitions.

    import nnspec
    spec = nnspec.parse("dense 256 relu init=he x4; dense 10 softmax")
    len(spec.layers)  # 5
    nnspec.check(spec).warnings                  # CheckResult: .plans (one per variant), .warnings
    nnspec.run("specs/iris.nn").best.metrics     # RunResults: a RunResult per variant, best first

The parser side (parse, load, check, diagnose, format, param_count) never imports TensorFlow;
build, run and report import it when they are first called.
"""

from __future__ import annotations

from .errors import (
    DataError,
    NNSpecError,
    PluginError,
    SpecError,
    SpecErrors,
    SpecSyntaxError,
    SpecWarning,
    TrainingError,
    UsageError,
)
from .hookspecs import hookimpl

from .version import __version__

_LAZY = {
    # parser side
    "parse": ("nnspec.dsl.parser", "parse"),
    "load": ("nnspec.dsl.parser", "load"),
    "Spec": ("nnspec.dsl.ast", "Spec"),
    "format": ("nnspec.dsl.format", "format_spec"),
    "check": ("nnspec.api", "check"),
    "diagnose": ("nnspec.dsl.analyse", "diagnose"),
    "Diagnostic": ("nnspec.dsl.diagnostics", "Diagnostic"),
    "Fix": ("nnspec.dsl.diagnostics", "Fix"),
    "param_count": ("nnspec.dsl.validate", "param_count"),
    # training side: TensorFlow is imported only when these are called
    "build": ("nnspec.api", "build"),
    "run": ("nnspec.api", "run"),
    "report": ("nnspec.reports", "report"),
    "compare": ("nnspec.reports.compare", "compare"),
    # the result types
    "CheckResult": ("nnspec.dsl.validate", "CheckResult"),
    "RunResult": ("nnspec.results", "RunResult"),
    "RunResults": ("nnspec.results", "RunResults"),
}


def load_ipython_extension(ipython) -> None:
    """`%load_ext nnspec`: the `%nnspec` and `%%nnspec` magics (nnspec/notebook)."""
    from .notebook import load_ipython_extension as load

    load(ipython)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module_name, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module_name), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nnspec' has no attribute '{name}'")


__all__ = [
    "NNSpecError",
    "SpecError",
    "SpecErrors",
    "SpecSyntaxError",
    "DataError",
    "PluginError",
    "TrainingError",
    "UsageError",
    "SpecWarning",
    "hookimpl",
    "__version__",
    *_LAZY,
]


def _show_in_notebooks() -> None:
    """In a running IPython, a parsed Spec shows as its check and layers (nnspec/notebook/display.py)."""
    import sys

    if "IPython" in sys.modules:  # never imports IPython: a plain `import nnspec` stays as fast
        from .notebook.display import register_if_in_ipython

        register_if_in_ipython()


_show_in_notebooks()
