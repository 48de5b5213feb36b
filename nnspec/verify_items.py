"""verify-plugin's checks of what is not a layer or a name: a plugin's datasets and its commands.

A dataset whose options all have defaults is loaded with them (seed 0): its arrays must
be what `meta` promised `nnspec check` (input shape, task, classes, sizes), the same
seed must give the same arrays, and its `prepare` and `samples`, when it has them, must
answer as `nnspec predict` and `nnspec data` expect. A dataset that needs an option
(a file's path) cannot be loaded without the user's data, nor one whose files are not on
this machine (`availability` says "will download"): each gets a row saying why.
A command the plugin adds must answer `--help`.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .errors import NNSpecError

PREPARE_ROWS = 4


def verify_datasets_and_commands(add_row: Callable[..., None], plugin: str, provides: dict) -> None:
    """Rows for the plugin's datasets and commands: `add_row(item, check, ok, detail)` records each."""
    import typer

    from .plugins import get_plugin_manager

    for dataset in provides.get("dataset", []):
        verify_dataset(lambda check, ok, detail, item=f"dataset {dataset}": add_row(item, check, ok, detail), dataset)
    for impl in get_plugin_manager().hook.register_commands.get_hookimpls():
        if impl.plugin_name != plugin:
            continue
        app = typer.Typer(add_completion=False)  # the plugin's commands on an app of their own
        app.callback()(lambda: None)  # a group, so each command keeps its name
        try:
            impl.function(app)
        except Exception as exc:
            add_row("commands", "register_commands", False, f"{type(exc).__name__}: {exc}")
            continue
        for command in app.registered_commands:
            name = command.name or command.callback.__name__.replace("_", "-")
            verify_command(lambda check, ok, detail, item=f"command {name}": add_row(item, check, ok, detail),
                           name, command)


def verify_dataset(add: Callable[..., None], name: str) -> None:
    """Rows for one dataset; `add(check, ok, detail)` records each."""
    from .dsl.options import complete_options
    from .plugins import get_registries

    dataset = get_registries().datasets.get(name)
    needed = [p.name for p in dataset.options if p.required]
    if needed:
        add(f"not loaded (needs {', '.join(needed)}=)", True, "")
        return
    try:
        options = complete_options(dataset.options, {}, f"data {name}")
        where = str(dataset.availability(options))
        if where.startswith(("will download", "not found")):  # offline or absent here: not the plugin's fault
            add(f"not loaded ({where})", True, "")
            return
        meta = dataset.meta(options)
        data = dataset.load(options, 0)
    except NNSpecError as error:
        add("loads", False, error.message)
        return
    except Exception as exc:
        add("loads", False, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}")
        return
    add("loads", True, "")
    add("arrays as meta says", *_matches_meta(data, meta))
    again = dataset.load(options, 0)
    same = all(np.array_equal(np.asarray(getattr(data, k)), np.asarray(getattr(again, k)))
               for k in ("x_train", "y_train", "x_test", "y_test"))
    add("same seed, same data", same, "two loads with seed 0 gave different arrays")
    if dataset.prepare is not None:
        add("prepare", *guarded(_prepares, dataset, options, data, meta))
    if dataset.samples is not None:
        add("samples", *guarded(_samples, dataset, options))


def _matches_meta(data, meta) -> tuple[bool, str]:
    problems = []
    for split in ("train", "test"):
        x, y = np.asarray(getattr(data, f"x_{split}")), np.asarray(getattr(data, f"y_{split}"))
        if meta.input_shape is not None and tuple(x.shape[1:]) != tuple(meta.input_shape):
            problems.append(f"x_{split} samples are {x.shape[1:]}, meta says {tuple(meta.input_shape)}")
        if len(x) != len(y):
            problems.append(f"x_{split} has {len(x)} rows, y_{split} {len(y)}")
        size = getattr(meta, f"{split}_size")
        if size is not None and len(x) != size:
            problems.append(f"{split} has {len(x)} samples, meta says {size}")
        if meta.task in ("multiclass", "binary") and len(y):
            classes = meta.classes if meta.task == "multiclass" else 2
            if not np.issubdtype(y.dtype, np.integer):
                problems.append(f"y_{split} is {y.dtype}, classes are integers")
            elif classes and (y.min() < 0 or y.max() >= classes):
                problems.append(f"y_{split} holds classes {y.min()} to {y.max()}, meta says {classes}")
    return not problems, "; ".join(problems)


def _prepares(dataset, options, data, meta) -> tuple[bool, str]:
    """Rows as `nnspec predict` reads them (float64, one a row) come back a sample a row, as the network takes them."""
    rows = min(PREPARE_ROWS, len(data.x_test))
    raw = np.asarray(data.x_test[:rows], dtype="float64").reshape(rows, -1)
    prepared = np.asarray(dataset.prepare(options, raw, 0), dtype="float64")
    width = int(np.prod(meta.input_shape)) if meta.input_shape else raw.shape[1]
    if prepared.ndim == 0 or prepared.shape[0] != rows or prepared.size != rows * width:
        return False, f"prepare gave {prepared.shape} for {rows} rows; the network takes {width} values a row"
    if not np.all(np.isfinite(prepared)):
        return False, "prepare gave values that are not finite"
    return True, ""


def _samples(dataset, options) -> tuple[bool, str]:
    samples = dataset.samples(options, 3)
    if not isinstance(samples, list) or not all(isinstance(s, str) for s in samples) or len(samples) > 3:
        return False, f"samples(options, 3) should give up to 3 strings, gave {type(samples).__name__}"
    return True, ""


def verify_command(add: Callable[..., None], name: str, command: Any) -> None:
    """One row: the command (a typer CommandInfo) answers `--help`, on an app of its own."""
    import typer
    from typer.testing import CliRunner

    alone = typer.Typer(add_completion=False)
    alone.callback()(lambda: None)
    alone.registered_commands = [command]
    try:
        result = CliRunner().invoke(alone, [name, "--help"])
    except Exception as exc:  # typer could not make a command of it
        add("--help", False, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}")
        return
    add("--help", result.exit_code == 0, f"exit {result.exit_code}: {result.output.strip()[-200:]}")


def guarded(fn, *args) -> tuple[bool, str]:
    """`fn(*args)` as a row's (ok, detail): an error is a failed row with its message, never a traceback."""
    try:
        return fn(*args)
    except NNSpecError as error:
        return False, error.message
    except Exception as exc:
        return False, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
