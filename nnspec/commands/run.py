"""`nnspec run`: train a spec, print the test metrics as a table (or JSON), leave the run folder behind."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional, Sequence

import typer

from ..errors import TrainingError, UsageError
from ..results import RunResult, RunResults
from .plugin_warnings import warn_plugin_failures


LOCAL_RAY = "local"
DEFAULT_MLFLOW = "default"
_OPTIONAL_VALUES = {"--ray": (LOCAL_RAY, ("auto", LOCAL_RAY)), "--mlflow": (DEFAULT_MLFLOW, (DEFAULT_MLFLOW,))}


def optional_ray_address(argv: list[str]) -> list[str]:
    """`--ray` with no address becomes `--ray local` (`--mlflow` alone `--mlflow default`), so that it may be left out.

    The word after `--ray` is its address when it looks like one (host:port, ray://...,
    auto, local), and the word after `--mlflow` its tracking URI when it has a scheme
    (sqlite:///..., http://...); otherwise (the spec file, another option, nothing) it is
    left alone.
    """
    out = []
    for i, arg in enumerate(argv):
        out.append(arg)
        if arg in _OPTIONAL_VALUES:
            missing, words = _OPTIONAL_VALUES[arg]
            following = argv[i + 1] if i + 1 < len(argv) else ""
            if not (":" in following or following in words):
                out.append(missing)
    return out


def _batch(value: Optional[str]) -> int | str | None:
    if value is None or value == "all":
        return value
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise UsageError(f"--batch must be a positive number or 'all', not '{value}'")
    return number


def run_command(
    specs: Annotated[
        Optional[list[Path]], typer.Argument(help="Spec files (*.nn) to train, one after another.", show_default=False)
    ] = None,
    backend: Annotated[
        Optional[str], typer.Option(help="keras or tf1 (default: the spec's backend line, else keras).")
    ] = None,
    epochs: Annotated[Optional[int], typer.Option(min=1, help="Override the number of epochs.")] = None,
    batch: Annotated[Optional[str], typer.Option(help="Override the batch size (a number, or all).")] = None,
    lr: Annotated[Optional[float], typer.Option(min=0.0, help="Override the learning rate.")] = None,
    seed: Annotated[Optional[int], typer.Option(min=0, help="Override the seed.")] = None,
    seeds: Annotated[
        Optional[str],
        typer.Option(help="Repeat every variant once per seed: a list (0,1,2) or a count (5: seeds 0-4)."),
    ] = None,
    out: Annotated[Optional[Path], typer.Option(help="Run folder (default: runs/<spec name>/<time>/).")] = None,
    diagnostics: Annotated[
        bool, typer.Option("--diagnostics", help="Record per-layer gradients and activations each epoch.")
    ] = False,
    workers: Annotated[
        Optional[int], typer.Option(min=1, help="Train one keras model data-parallel on N local worker processes.")
    ] = None,
    cluster: Annotated[
        Optional[str], typer.Option(help="Worker addresses host:port,host:port for training across machines.")
    ] = None,
    task: Annotated[Optional[int], typer.Option(min=0, help="This machine's place in --cluster (0: the chief).")] = None,
    jobs: Annotated[
        Optional[int], typer.Option(min=1, help="Train a sweep's variants in N local processes at a time.")
    ] = None,
    ray: Annotated[
        Optional[str],
        typer.Option(metavar="[ADDRESS]", help="Train a sweep's variants on Ray: a cluster's ADDRESS "
                     "(host:port, ray://host:port), or nothing for a local Ray instance."),
    ] = None,
    resume: Annotated[
        Optional[Path], typer.Option(help="Continue an interrupted run or search in this folder.")
    ] = None,
    trials: Annotated[
        Optional[int], typer.Option(min=1, help="Search the spec's ranges and choices with N Optuna trials.")
    ] = None,
    sampler: Annotated[str, typer.Option(help="The search's sampler: tpe or random.")] = "tpe",
    prune: Annotated[
        str, typer.Option(help="Stop trials that fall behind at epoch ends: median, asha or none.")
    ] = "median",
    objective: Annotated[
        Optional[str], typer.Option(help="The series a search judges trials by (default: val_loss, else loss).")
    ] = None,
    tensorboard: Annotated[
        bool, typer.Option("--tensorboard", help="Write TensorBoard event files into each variant's folder.")
    ] = False,
    mlflow: Annotated[
        Optional[str], typer.Option(metavar="[TRACKING_URI]", help="Log every variant to MLflow (default: "
                                    "sqlite:///runs/mlflow.db)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the final table.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the results as JSON (progress goes to stderr).")
    ] = False,
) -> None:
    """Train and evaluate the network a spec describes; save results, model and predictions."""
    from .. import api
    from ..dsl.sweep import parse_seeds

    warn_plugin_failures()
    specs = list(specs or [])
    if resume is not None and (specs or backend or epochs or batch or lr is not None or seed is not None or out
                               or trials or tensorboard or mlflow):
        raise UsageError("--resume takes only the run folder: the spec and options come from it")
    if resume is None and not specs:
        raise UsageError("give a spec file to train, or --resume RUN_DIR", hint="e.g. nnspec run specs/iris.nn")
    if out is not None and len(specs) > 1:
        raise UsageError("--out names one run folder; with several specs, leave it out")
    for spec in specs:
        if not spec.is_file():
            raise UsageError(f"no spec file at '{spec}'")
    if seed is not None and seeds is not None:
        raise UsageError("give --seed or --seeds, not both")
    seed_list = parse_seeds(seeds) if seeds is not None else None
    if jobs is not None and ray is not None:
        raise UsageError("give --jobs or --ray, not both")
    if trials is None and (sampler != "tpe" or prune != "median" or objective is not None):
        raise UsageError("--sampler, --prune and --objective shape a search: give --trials N too")
    progress = "none" if quiet else "auto"
    stream = sys.stderr if as_json else sys.stdout
    _stop_on_sigterm()
    if resume is not None:
        _print(api.resume(resume, progress=progress, stream=stream), as_json)
        return
    for spec in specs:
        try:
            outcome = api.run(spec, backend, epochs=epochs, batch=_batch(batch), lr=lr, seed=seed, out=out,
                              progress=progress, stream=stream, diagnostics=diagnostics, seeds=seed_list,
                              jobs=jobs, workers=workers, cluster=cluster, task=task,
                              ray=None if ray is None else (True if ray == LOCAL_RAY else ray),
                              trials=trials, sampler=sampler, prune=prune, objective=objective,
                              tensorboard=tensorboard, mlflow=True if mlflow == DEFAULT_MLFLOW else mlflow)
        except TrainingError as error:
            partial = getattr(error, "result", None)
            if isinstance(partial, RunResults) and partial.sweep:  # show what did train, then fail
                _print(partial, as_json)
            raise
        _print(outcome, as_json)


def _stop_on_sigterm() -> None:
    """`kill` (SIGTERM) stops a run as Ctrl-C does: the folder is saved and can be resumed."""
    import signal
    import threading

    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def _print(outcome: RunResults, as_json: bool) -> None:
    """The table (or JSON: a list for a sweep, one object for a single run) and the folder."""
    results = list(outcome) + outcome.failures
    if as_json:
        payload = [r.to_dict() | {"dir": str(r.dir)} for r in results]
        typer.echo(json.dumps(payload if outcome.sweep else payload[0], indent=2))
        return
    if outcome.groups:  # seeds repeated: one row per variant over its seeds
        from ..summary import summary_table

        typer.echo(summary_table(outcome.groups))
    else:
        typer.echo(results_table(results))
    if outcome.dir is not None:  # single runs, sweeps and runs repeated over seeds alike
        page = Path(outcome.dir) / "index.html"
        typer.echo(f"saved in {outcome.dir}" + (f"; open {page} for the report" if page.is_file() else ""))
    for result in results:  # after the table: a lost model file must not hide the results
        if result.save_error:
            typer.echo(f"warning: {result.label + ': ' if result.label else ''}the model could not be saved "
                       f"({result.save_error}); the results above and results.json are complete", err=True)


def results_table(results: Sequence[RunResult]) -> str:
    """Test metrics, one row per variant (in the order given), as aligned text."""
    if not results:
        return ""
    metrics: list[str] = []
    for result in results:
        metrics += [m for m in result.metrics if m not in metrics]
    metrics = metrics or ["loss"]  # every variant failed: the column holds their errors
    sweep = len(results) > 1 or bool(results[0].variant)
    searched = [r.extras.get("search") for r in results if r.extras.get("search")]
    objective = searched[0]["objective"] if searched else ""
    header = (["variant"] if sweep else []) + (["trial", objective] if searched else [])
    header += [f"test {m}" for m in metrics] + ["best epoch", "train s"]
    rows = []
    for result in results:
        cells = [result.label] if sweep else []
        if searched:  # a search: how the trial ended, and the value it was judged by
            info = result.extras.get("search") or {}
            state = info.get("state", "failed")
            cells += [f"pruned at {result.epochs_done}" if state == "pruned" else state,
                      f"{info['value']:.4f}" if info.get("value") is not None else ""]
        if result.error:
            cells += ["failed: " + result.error] + [""] * (len(metrics) - 1)
        else:
            cells += [f"{result.metrics[m]:.4f}" if m in result.metrics else "" for m in metrics]
        cells += [str(result.best_epoch or ""), f"{result.train_seconds:.1f}"]
        rows.append(cells)
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    for result in results:  # a dead network is named under the table, not hidden in a file
        lines += [f"warning: {result.label + ': ' if sweep else ''}{text}" for text in result.warnings]
    return "\n".join(lines)
