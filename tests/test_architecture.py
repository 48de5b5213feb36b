"""The layout of nnspec/, computed from its import statements: no cycles, no upward imports,
no module over 400 lines, and docs/architecture.md listing exactly the modules there are.

Every `import` and `from ... import` counts, wherever it is: at the top, inside a
function, or under `if TYPE_CHECKING:`; a lazy import still ties two modules together.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nnspec"
DOC = ROOT / "docs" / "architecture.md"
MAX_LINES = 400

# Layers, lowest first: a module imports only from its own layer or lower ones. A module
# is placed by the longest prefix of its dotted name found here.
LAYERS = (
    ("core", ("nnspec.errors", "nnspec.types", "nnspec.registry", "nnspec.hookspecs", "nnspec.version",
              "nnspec.results", "nnspec.files", "nnspec.summary", "nnspec.forms", "nnspec.observers",
              "nnspec.keras_files")),
    ("plugin manager", ("nnspec.plugins",)),
    ("language", ("nnspec.dsl", "nnspec.objectives", "nnspec.schedules")),
    ("built-ins", ("nnspec.builtins",)),
    ("training and run folder", ("nnspec.training", "nnspec.rundir")),
    ("reports", ("nnspec.reports",)),
    ("tracking", ("nnspec.tracking",)),
    ("export", ("nnspec.export",)),
    ("public face", ("nnspec", "nnspec.api", "nnspec.api_search", "nnspec.api_specs", "nnspec.cli", "nnspec.commands",
                     "nnspec.lsp", "nnspec.__main__", "nnspec.datasets", "nnspec.verify", "nnspec.verify_reload", "nnspec.verify_items",
                     "nnspec.testing",
                     "nnspec.notebook")),
)

# Imports that go up a layer today, each with the reason it is allowed for now.
ALLOWED_UPWARD: set[tuple[str, str]] = set()

# Modules still over 400 lines, each being split in work under way.
OVERSIZED: dict[str, str] = {}


@lru_cache(maxsize=None)
def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under nnspec/."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path) -> set[str]:
    """The nnspec modules a module imports (a name imported from a package counts as the
    submodule when there is one by that name, else as the package)."""
    known = modules()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    found = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target.startswith("nnspec") and target != name:
            found.add(target)
    return found


@lru_cache(maxsize=None)
def graph() -> dict[str, frozenset[str]]:
    return {name: frozenset(imported(name, path)) for name, path in modules().items()}


def layer_of(name: str) -> int | None:
    best, level = -1, None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, level = len(prefix), index
    # the package's own __init__ ("nnspec") is the public face, not a prefix of everything
    if level == len(LAYERS) - 1 and best == len("nnspec") and name != "nnspec":
        return None
    return level


def cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def documented() -> set[str]:
    """The module paths docs/architecture.md gives a table row: | `nnspec/x.py` | job | in -> out |."""
    return set(re.findall(r"^\| `(nnspec/[\w/]+\.py)` \|", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE))


def test_the_import_graph_is_found():
    # guards the checks below against an empty graph (a moved package, a broken parser)
    edges = graph()
    assert {"nnspec.api", "nnspec.training.loop", "nnspec.rundir.write"} <= set(edges)
    assert "nnspec.rundir" in edges["nnspec.training.loop"]
    assert "nnspec.objectives" in edges["nnspec.training.evaluation"]  # a function-level import


def test_no_import_cycles():
    assert cycles() == [], "modules that import each other (directly or round a loop)"


def test_every_module_has_a_layer():
    missing = [name for name in graph() if layer_of(name) is None]
    assert not missing, f"declare the layer of {missing} in LAYERS (tests/test_architecture.py) and docs/architecture.md"


def test_no_module_imports_from_a_higher_layer():
    upward = [
        f"{name} ({LAYERS[layer_of(name)][0]}) imports {other} ({LAYERS[layer_of(other)][0]})"
        for name, others in sorted(graph().items())
        for other in sorted(others)
        if layer_of(other) is not None and layer_of(name) is not None
        and layer_of(other) > layer_of(name) and (name, other) not in ALLOWED_UPWARD
    ]
    assert not upward, "\n".join(upward)


def test_the_allowed_upward_imports_are_still_there():
    # an exception that is no longer needed is removed, so the list cannot hide a new one
    stale = [pair for pair in ALLOWED_UPWARD if pair[1] not in graph().get(pair[0], ())]
    assert not stale, f"remove {stale} from ALLOWED_UPWARD"


def test_builtins_import_nothing_from_the_cli_training_or_reports():
    above = ("nnspec.cli", "nnspec.commands", "nnspec.api", "nnspec.training", "nnspec.rundir", "nnspec.reports")
    wrong = [
        f"{name} imports {other}"
        for name, others in sorted(graph().items()) if name.startswith("nnspec.builtins")
        for other in sorted(others) if other == "nnspec" or other.startswith(above)
    ]
    assert not wrong, "\n".join(wrong)


def test_training_uses_no_built_in_plugin():
    # training works the same with any backend: it may use the plugin types, never a built-in's code
    wrong = [
        f"{name} imports {other}"
        for name, others in sorted(graph().items()) if name.startswith(("nnspec.training", "nnspec.rundir"))
        for other in sorted(others) if other.startswith("nnspec.builtins")
    ]
    assert not wrong, "\n".join(wrong)


def test_no_module_is_over_400_lines():
    long = {
        path.relative_to(ROOT).as_posix(): lines
        for path in modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    unexpected = {path: lines for path, lines in long.items() if path not in OVERSIZED}
    assert not unexpected, f"modules over {MAX_LINES} lines: {unexpected}"


def test_the_oversized_list_holds_only_oversized_modules():
    short = [
        path for path in OVERSIZED
        if not (ROOT / path).is_file() or len((ROOT / path).read_text(encoding="utf-8").splitlines()) <= MAX_LINES
    ]
    assert not short, f"remove {short} from OVERSIZED: they are {MAX_LINES} lines or fewer now"


def test_every_module_is_in_the_architecture_doc():
    files = {path.relative_to(ROOT).as_posix() for path in modules().values()}
    missing = sorted(files - documented())
    assert not missing, f"docs/architecture.md has no row for {missing}"


def test_every_module_in_the_architecture_doc_exists():
    files = {path.relative_to(ROOT).as_posix() for path in modules().values()}
    gone = sorted(documented() - files)
    assert not gone, f"docs/architecture.md lists modules that do not exist: {gone}"
