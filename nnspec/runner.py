"""Train what a spec describes: everything around the backend, computed once for all backends.

    import nnspec
    result = nnspec.run("specs/iris.nn")           # trains, evaluates, writes runs/iris/<time>/
    result.metrics["accuracy"], result.dir
    model = nnspec.build(plan, "keras")            # a compiled keras.Model (tf1: TF1Model)

The runner checks the spec, loads the data once per dataset, encodes labels as the
loss needs them, holds validation samples out, shuffles and batches with the seed,
seeds everything, reports progress, stops on a NaN naming the epoch and batch,
computes validation and test metrics from the backend's outputs, and writes the run
folder as results become available:

    results.json  history.csv  spec.nn  model.keras | checkpoint/  predictions.npz

A sweep writes one such folder per variant and `sweep.json` beside them. TensorFlow
is imported by the functions that need it, never when this module is imported.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TextIO

import numpy as np

from .errors import DataError, NNSpecError, TrainingError, UsageError
from .types import Data, Plan

# Steps per backend call: 64 batches train as fast as a whole epoch per call and faster
# than 16 (bench/training_speed.py --suite chunks), while the gathered chunk stays small.
CHUNK_STEPS = 64
CHUNK_BYTES = 32 * 2**20
BAR_UPDATES = 20  # progress-bar updates per epoch, at most...
BAR_MIN_STEPS = 32  # ...and never fewer steps between two: short calls slow training (docs/performance.md)
SHUFFLE_STREAM = 1  # keeps the shuffling seed apart from the initializers' seeds
RESULTS_FILE = "results.json"
HISTORY_FILE = "history.csv"
SPEC_FILE = "spec.nn"
PREDICTIONS_FILE = "predictions.npz"
SWEEP_FILE = "sweep.json"
LOWER_IS_BETTER = {"loss", "mae", "mse"}


# ------------------------------------------------------------------ results


@dataclass
class RunResult:
    """What one variant's run produced: the content of its results.json, plus the model.

    `metrics` are the test metrics by name (loss, accuracy, mae...); `history` holds
    per-epoch lists (validation ones prefixed `val_`); `train_seconds` times the
    training loop alone. `model` is the trained backend model (not saved in JSON).
    """

    label: str
    spec: str
    variant: dict[str, Any]
    backend: str
    seed: int
    epochs: int
    metrics: dict[str, float]
    history: dict[str, list[float]]
    train_seconds: float
    versions: dict[str, str]
    dataset: str
    task: str
    class_names: list[str] | None
    image_shape: list[int] | None
    input_shape: list[int]
    param_count: int
    test_is_train: bool
    optimizer: str = ""
    lr: float = 0.0
    batch: int | None = None
    loss: str = ""
    epoch_seconds: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    error: str | None = None
    group: dict[str, Any] | None = None  # the variant without its seed, when seeds repeat
    dir: Path | None = None
    model: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The results.json content."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("model", "dir")}
        return _jsonable(out)


class SweepResult(list):
    """The results of a sweep's variants, best first; `dir` is the sweep folder.

    When seeds repeat, `groups` holds one `summary.Group` per variant over its seeds
    (mean, sd, n per metric), best mean first, and the runs are ordered by their group.
    """

    def __init__(self, results: Iterable[RunResult], dir: Path | None = None, failures: Sequence[RunResult] = ()):
        super().__init__(results)
        self.dir = dir
        self.failures = list(failures)
        self.groups = []

    @property
    def best(self) -> RunResult | None:
        return self[0] if self else None


# ------------------------------------------------------------------ public entry points


def build(spec_or_plan, backend: str | None = "keras"):
    """The backend's model for one variant: a compiled keras.Model, or a TF1Model.

    Accepts a Plan, a Spec, spec text or a path; a spec with several variants must be
    narrowed to one first (`nnspec.check(spec)` lists them).
    """
    import_tensorflow_quietly()
    plans = plans_for(spec_or_plan, backend=backend)
    if len(plans) != 1:
        raise UsageError(
            f"the spec has {len(plans)} variants; build one of them",
            hint="nnspec.check(spec) returns one plan per variant",
        )
    plan = plans[0]
    seed_everything(plan.seed)
    return _backend(plan.backend).build(plan)


def run(
    spec_or_path,
    backend: str | None = None,
    *,
    epochs: int | None = None,
    batch: int | str | None = None,
    lr: float | None = None,
    seed: int | None = None,
    seeds: Sequence[int] | None = None,
    out: str | Path | None = None,
    progress: str = "auto",
    stream: TextIO | None = None,
    data: Data | None = None,
    report: bool = True,
    jobs: int | None = None,
    ray: str | bool | None = None,
) -> RunResult | SweepResult:
    """Train, evaluate and save every variant of a spec; the result mirrors results.json.

    `backend`, `epochs`, `batch` (a number or "all"), `lr` and `seed` override the
    spec; `seeds` (a list) repeats every variant once per seed, and the result's
    `groups` then summarise each variant over its seeds (mean, sd, n). `out` is the run folder (default `runs/<spec name>/<time>/`; an existing
    folder is never overwritten). `progress` is "auto" (a bar on a terminal, epoch
    lines otherwise), "bar", "lines" or "none". `data` replaces the spec's dataset
    with arrays you supply. `jobs=N` trains a sweep's variants in N local processes at
    a time; `ray=True` (a local Ray instance) or `ray="ADDRESS"` (a cluster) trains them
    as Ray tasks; the results and the run folder are the serial run's. A single-variant spec returns a RunResult, a sweep a
    SweepResult (best first). A NaN loss raises TrainingError; in a sweep the other
    variants still run, then the error is raised with `.result` set.
    """
    import_tensorflow_quietly()
    spec = _as_spec(spec_or_path)
    if backend is not None:
        backend = _backend_name(backend)  # a wrong name is the caller's, not the spec's line
    spec = apply_overrides(spec, epochs=epochs, batch=batch, lr=lr, seed=seed, backend=backend)
    if seeds is not None:
        from .dsl.sweep import with_seeds

        spec = with_seeds(spec, seeds)
    plans = plans_for(spec)
    from .dsl.sweep import seed_axes

    repeated = seed_axes(spec)
    stream = stream or sys.stdout
    reporter = make_progress(progress, stream)
    root = _new_folder(Path(out) if out is not None else _default_folder(spec))
    sweep = len(plans) > 1
    loader = DataLoader(data)
    results: list[RunResult] = []
    failures: list[RunResult] = []
    if sweep:
        from .dsl.format import format_spec

        _write_text(root / SPEC_FILE, format_spec(spec))
    folders = _variant_folders(plans, root) if sweep else [root]
    parallel = sweep and (jobs is not None or bool(ray))
    if parallel:
        _run_in_parallel(plans, folders, root, data, repeated, reporter, jobs, ray, results, failures)
    for number, (plan, folder) in enumerate(zip(plans, folders) if not parallel else (), 1):
        reporter.start_variant(plan.variant_label if sweep else "", number, len(plans))
        try:
            result = run_plan(plan, folder, loader, reporter, repeated)
        except TrainingError as error:
            if not sweep:
                raise
            failures.append(error.result)
            reporter.message(f"{plan.variant_label}: {error.message}")
        else:
            results.append(result)
        if sweep:
            _write_json(root / SWEEP_FILE, [_sweep_entry(r, root) for r in results + failures])
    reporter.close()
    results = _in_order(results, folders)
    failures = _in_order(failures, folders)
    ranked = rank(results)
    outcome: RunResult | SweepResult = SweepResult(ranked, root, failures) if sweep else ranked[0]
    if sweep and repeated:
        from .summary import group_runs, rank_groups

        outcome.groups = rank_groups(group_runs(results + failures))
        outcome[:] = [r for g in outcome.groups for r in g.members if r.error is None]
    if report and results:
        _write_report(root, reporter)
    if failures:
        names = "; ".join(f"{r.label}: {r.error}" for r in failures)
        error = TrainingError(f"{len(failures)} of {len(plans)} variants failed ({names})")
        error.result = outcome
        raise error
    return outcome


def _run_in_parallel(plans, folders, root, data, repeated, reporter, jobs, ray, results, failures) -> None:
    """Train the variants on local processes or Ray, filling `results` and `failures` as they end."""
    from .parallel import Task, run_in_processes, run_on_ray

    tasks = [Task(n, plan, folder, data, frozenset(repeated)) for n, (plan, folder) in enumerate(zip(plans, folders))]
    if ray:
        outcomes = run_on_ray(tasks, None if ray is True else str(ray), reporter.message)
    else:
        outcomes = run_in_processes(tasks, jobs, reporter.message)
    errors = []
    for outcome in outcomes:
        if outcome.result is None:
            errors.append(outcome.error)
        elif outcome.result.error:
            failures.append(outcome.result)
        else:
            results.append(outcome.result)
        _write_json(root / SWEEP_FILE, [_sweep_entry(r, root) for r in _in_order(results + failures, folders)])
    if errors:  # not a training failure (the data cannot load...): as in a serial run, it stops the run
        raise errors[0]


def plans_for(spec_or_plan, backend: str | None = None) -> list[Plan]:
    """Checked plans for a Plan, a Spec, spec text or a path, with `backend` overriding."""
    if isinstance(spec_or_plan, Plan):
        plan = spec_or_plan
        if backend is not None and backend != plan.backend:
            plan = dataclasses.replace(plan, backend=_backend_name(backend))
        return [plan]
    from .dsl.validate import check

    if backend is not None:
        backend = _backend_name(backend)
    return check(apply_overrides(_as_spec(spec_or_plan), backend=backend))


# ------------------------------------------------------------------ one variant


def run_plan(plan: Plan, folder: Path, loader: "DataLoader", reporter: "Progress",
             seed_axes: set[str] = frozenset()) -> RunResult:
    """Train, evaluate and save one checked plan into `folder`; `seed_axes` name the seed's sweep axes."""
    from .dsl.format import format_spec

    folder.mkdir(parents=True, exist_ok=True)
    _write_text(folder / SPEC_FILE, format_spec(plan.spec))
    data = loader.load(plan)
    try:
        arrays = prepare(plan, data)
    except MemoryError:
        raise DataError(f"out of memory while preparing data {plan.dataset} for training") from None
    result = _blank_result(plan, data)
    result.dir = folder
    if seed_axes:
        result.group = {name: value for name, value in result.variant.items() if name not in seed_axes}
    backend = _backend(plan.backend)
    seed_everything(plan.seed)
    try:
        with _backend_errors(plan):
            model = backend.build(plan)
            trainer = backend.train(plan, model)
        result.model = model
        result.param_count = _param_count(model, plan)
        with _backend_errors(plan):
            train_loop(plan, trainer, arrays, reporter, result, folder)
        with _backend_errors(plan):
            outputs = trainer.predict(arrays.x_test)
        result.metrics = evaluate(plan, arrays.y_test, outputs)
        _write_json(folder / RESULTS_FILE, result.to_dict())
        _save_predictions(folder / PREDICTIONS_FILE, plan, arrays, outputs, result)
        with _backend_errors(plan):
            trainer.save(folder)
    except NNSpecError as error:
        result.error = error.message
        _write_json(folder / RESULTS_FILE, result.to_dict())
        error.result = result
        raise
    reporter.finish_variant(result)
    return result


@dataclass
class Arrays:
    """The variant's arrays, inputs cast and labels encoded as the loss needs them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray
    labels_test: np.ndarray  # the loader's labels: class indexes, or regression targets


def prepare(plan: Plan, data: Data) -> Arrays:
    """Cast inputs, encode labels per `plan.label_encoding`, hold validation samples out."""
    x_train = _inputs(plan, data.x_train, "training")
    y_train = np.asarray(data.y_train)
    x_val = y_val = None
    if data.x_val is not None:
        if plan.train.val is not None:
            raise DataError(
                f"data {plan.dataset} already holds validation samples out; "
                "the train line's val= would hold out more",
                hint="remove val= from the train line",
            )
        x_val, y_val = _inputs(plan, data.x_val, "validation"), np.asarray(data.y_val)
    elif plan.train.val is not None:
        count = _held_out(plan.train.val, len(x_train))
        # the last samples, as Keras' validation_split takes them
        x_train, x_val = x_train[: len(x_train) - count], x_train[len(x_train) - count:]
        y_train, y_val = y_train[: len(y_train) - count], y_train[len(y_train) - count:]
    if len(x_train) == 0:
        raise DataError(f"data {plan.dataset or '(given)'} has no training samples")
    if len(x_train) != len(y_train):
        raise DataError(f"data {plan.dataset}: {len(x_train)} training inputs but {len(y_train)} labels")
    x_test = _inputs(plan, data.x_test, "test")
    labels_test = np.asarray(data.y_test)
    return Arrays(
        x_train=x_train,
        y_train=encode_labels(plan, y_train),
        x_val=x_val,
        y_val=None if y_val is None else encode_labels(plan, y_val),
        x_test=x_test,
        y_test=encode_labels(plan, labels_test),
        labels_test=labels_test,
    )


def encode_labels(plan: Plan, labels) -> np.ndarray:
    """Integer labels or targets (n,) as the loss wants them: one-hot, index, or (n, 1) column."""
    labels = np.asarray(labels)
    if plan.label_encoding == "column":
        return labels.astype(np.float32).reshape(len(labels), -1)
    if labels.ndim == 2 and labels.shape[1] > 1:  # already one-hot
        labels = labels.argmax(axis=1)
    classes = plan.layers[-1].output_shape[0]
    index = labels.astype(np.int64).reshape(-1)
    if len(index) and (index.min() < 0 or index.max() >= classes):
        raise DataError(
            f"data {plan.dataset} has class labels from {index.min()} to {index.max()}, "
            f"but the network gives {classes} outputs"
        )
    if plan.label_encoding == "index":
        return index.astype(np.int32)
    return np.eye(classes, dtype=np.float32)[index]


def train_loop(plan: Plan, trainer, arrays: Arrays, reporter: "Progress", result: RunResult, folder: Path) -> None:
    """Epochs of shuffled mini-batches; fills result.history, writes history.csv each epoch."""
    x, y = arrays.x_train, arrays.y_train
    n = len(x)
    batch = min(plan.train.batch or n, n)
    steps = math.ceil(n / batch)
    row_bytes = max(1, x[:1].nbytes + y[:1].nbytes)
    chunk_steps = max(1, min(reporter.chunk_steps(steps), CHUNK_STEPS, CHUNK_BYTES // (row_bytes * batch)))
    chunk_rows = chunk_steps * batch
    rng = np.random.default_rng([plan.seed, SHUFFLE_STREAM])
    names = ("loss", *plan.train.metrics)
    history: dict[str, list[float]] = {name: [] for name in names}
    if arrays.x_val is not None:
        history.update({f"val_{name}": [] for name in names})
    schedule = plan.train.schedule
    if schedule:
        history["lr"] = []
        if not callable(getattr(trainer, "set_lr", None)):
            raise TrainingError(f"backend {plan.backend} cannot change the learning rate, so schedule= "
                                f"{schedule['kind']} cannot run on it", hint="remove schedule= or use keras or tf1")
    result.history = history
    started = time.perf_counter()
    for epoch in range(1, plan.train.epochs + 1):
        epoch_started = time.perf_counter()
        if schedule:
            from .schedules import lr_at

            rate = lr_at(plan.train.lr, schedule, epoch, plan.train.epochs)
            trainer.set_lr(rate)
        order = rng.permutation(n) if steps > 1 else None
        totals = np.zeros(len(names))
        seen = 0
        done = 0
        reporter.start_epoch(epoch, plan.train.epochs, steps)
        for start in range(0, n, chunk_rows):
            if order is None:
                xc, yc = x[start:start + chunk_rows], y[start:start + chunk_rows]
            else:
                index = order[start:start + chunk_rows]
                xc, yc = x[index], y[index]
            logs = trainer.train_steps(xc, yc, batch)
            losses = np.asarray(logs["loss"], dtype=np.float64)
            bad = np.flatnonzero(~np.isfinite(losses))
            if bad.size:
                what = "NaN" if np.isnan(losses[bad[0]]) else "infinite"
                raise TrainingError(
                    f"loss became {what} at epoch {epoch}, batch {done + bad[0] + 1}",
                    hint="try a smaller lr=, or check the data for NaN or huge values",
                )
            sizes = np.minimum(batch, len(xc) - batch * np.arange(len(losses)))
            totals += [float(np.dot(np.asarray(logs[name], dtype=np.float64), sizes)) for name in names]
            seen += int(sizes.sum())
            done += len(losses)
            reporter.update(done, totals[0] / seen)
        logs = {name: totals[i] / seen for i, name in enumerate(names)}
        if schedule:
            logs["lr"] = rate
        if arrays.x_val is not None:
            outputs = trainer.predict(arrays.x_val)
            logs.update({f"val_{k}": v for k, v in evaluate(plan, arrays.y_val, outputs).items()})
        for name, value in logs.items():
            history[name].append(float(value))
        seconds = time.perf_counter() - epoch_started
        result.epoch_seconds.append(seconds)
        result.train_seconds = time.perf_counter() - started
        result.best_epoch = best_epoch(history)
        _write_history(folder / HISTORY_FILE, history)
        reporter.end_epoch(epoch, plan.train.epochs, logs, seconds)


def evaluate(plan: Plan, y_encoded: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """Loss and metrics of outputs against encoded labels, with the definitions training uses."""
    import tensorflow as tf

    from .builtins.backends import objectives

    if len(y_encoded) == 0:
        return {}
    y_true = tf.constant(y_encoded)
    output = tf.constant(np.asarray(outputs, dtype=np.float32))
    values = {"loss": objectives.batch_mean(objectives.loss_function(plan), y_true, output)}
    for name, fn in objectives.metric_functions(plan).items():
        values[name] = objectives.batch_mean(fn, y_true, output)
    return {name: float(value) for name, value in values.items()}


def best_epoch(history: dict[str, list[float]]) -> int | None:
    """The epoch (from 1) with the lowest validation loss, or training loss without validation."""
    series = history.get("val_loss") or history.get("loss") or []
    finite = [(value, i) for i, value in enumerate(series) if math.isfinite(value)]
    return min(finite)[1] + 1 if finite else None


def rank(results: list[RunResult]) -> list[RunResult]:
    """Best first by the first metric (accuracy up, errors and loss down)."""
    if not results:
        return []
    metric = next((m for m in results[0].metrics if m != "loss"), "loss")
    lower = metric in LOWER_IS_BETTER

    def key(result: RunResult):
        value = result.metrics.get(metric)
        if value is None or not math.isfinite(value):
            return (1, 0.0)
        return (0, value if lower else -value)

    return sorted(results, key=key)


# ------------------------------------------------------------------ data


class DataLoader:
    """Loads each dataset once per (name, options, seed), so a sweep shares it."""

    def __init__(self, given: Data | None = None) -> None:
        self.given = given
        self._cache: dict[Any, Data] = {}

    def load(self, plan: Plan) -> Data:
        if self.given is not None:
            return self.given
        if not plan.dataset:
            raise DataError("the spec has no 'data' line, so there is nothing to train on",
                            hint="add 'data NAME', or pass data= to nnspec.run")
        key = (plan.dataset, _freeze(plan.dataset_options), plan.seed)
        if key not in self._cache:
            from .plugins import get_registries

            dataset = get_registries().datasets.get(plan.dataset)
            try:
                self._cache[key] = dataset.load(plan.dataset_options, plan.seed)
            except NNSpecError as error:
                raise _at_data_statement(error, plan)
            except MemoryError:
                raise _at_data_statement(DataError(f"out of memory while loading data {plan.dataset}"), plan) from None
            except Exception as exc:  # a plugin's bug must reach the user as a message
                raise _at_data_statement(
                    DataError(f"data {plan.dataset} failed to load: {type(exc).__name__}: {exc}"), plan
                ) from exc
        return self._cache[key]


def _at_data_statement(error: NNSpecError, plan: Plan) -> NNSpecError:
    """A loading error pointed at the spec's `data` line, where the user can act on it."""
    data = plan.spec.data
    if error.line is None and data is not None and data.line:
        error.line, error.column = data.line, data.name_column or data.column
        error.located(plan.spec.filename, plan.spec.source)
    return error


def _inputs(plan: Plan, x, what: str) -> np.ndarray:
    from .builtins.backends.common import input_dtype

    if x is None:
        raise DataError(f"data {plan.dataset} has no {what} inputs")
    x = np.ascontiguousarray(x, dtype=input_dtype(plan))
    if x.shape[1:] != tuple(plan.input_shape):
        raise DataError(
            f"data {plan.dataset} gives {what} inputs of shape {'x'.join(map(str, x.shape[1:]))}, "
            f"the network expects {'x'.join(map(str, plan.input_shape))}"
        )
    return x


def _held_out(val: float | int, n: int) -> int:
    count = n - int(n * (1 - val)) if isinstance(val, float) else int(val)
    if count >= n:
        raise DataError(f"val={val} holds out all {n} training samples")
    return count


# ------------------------------------------------------------------ seeds, backends, errors


def import_tensorflow_quietly() -> None:
    """Import TensorFlow with its start-up banner (oneDNN, CPU features) kept off the terminal.

    The banner is written by C++ code straight to file descriptor 2 before TensorFlow's
    log settings apply, so descriptor 2 points at /dev/null for the import alone.
    Python errors from the import still propagate.
    """
    import os

    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        import tensorflow  # noqa: F401
        return
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy, TensorFlow and Keras: the same seed gives the same numbers."""
    import keras

    keras.utils.set_random_seed(int(seed))


def _backend(name: str):
    from .plugins import get_registries

    return get_registries().backends.get(name)


def _backend_name(name: str) -> str:
    from .plugins import get_registries

    backends = get_registries().backends
    canonical = backends.resolve(name)
    if canonical is None:
        backends.get(name)  # raises with a did-you-mean hint
    return canonical


class _backend_errors:
    """Turns what TensorFlow or a backend raises into a TrainingError (no traceback for users)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if error is None or isinstance(error, NNSpecError) or not isinstance(error, Exception):
            return False
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if isinstance(error, MemoryError) or type(error).__name__ == "ResourceExhaustedError":
            raise TrainingError(
                f"out of memory on backend {self.plan.backend}",
                hint="try a smaller batch= or fewer units",
            ) from error
        raise TrainingError(f"backend {self.plan.backend} failed: {type(error).__name__}: {text}") from error


def _param_count(model, plan: Plan) -> int:
    count = getattr(model, "count_params", None)
    return int(count()) if callable(count) else plan.param_count


def versions() -> dict[str, str]:
    """Versions of nnspec, TensorFlow and Keras."""
    import keras
    import tensorflow as tf

    from . import __version__

    return {"nnspec": __version__, "tensorflow": tf.__version__, "keras": keras.__version__}


# ------------------------------------------------------------------ spec handling


def _as_spec(spec_or_path):
    from .dsl.ast import Spec
    from .dsl.parser import load, parse

    if isinstance(spec_or_path, Spec):
        return spec_or_path
    if isinstance(spec_or_path, Plan):
        raise UsageError("nnspec.run takes a spec or a path; a Plan is one checked variant",
                         hint="pass plan.spec")
    if isinstance(spec_or_path, Path):
        return load(spec_or_path)
    if isinstance(spec_or_path, str):
        looks_like_path = "\n" not in spec_or_path and spec_or_path.strip().endswith(".nn")
        return load(spec_or_path) if looks_like_path else parse(spec_or_path)
    raise UsageError(f"expected a spec, spec text or a path, not {type(spec_or_path).__name__}")


def apply_overrides(spec, *, epochs=None, batch=None, lr=None, seed=None, backend=None):
    """The spec with command-line values written into it, so spec.nn shows what ran."""
    from .dsl.ast import BackendStmt, Option, SeedStmt, TrainStmt

    statements = list(spec.statements)
    first_line = min((s.line for s in statements if getattr(s, "line", 0)), default=1)

    def set_single(cls, attribute: str, value) -> None:
        for i, stmt in enumerate(statements):
            if isinstance(stmt, cls):
                statements[i] = dataclasses.replace(stmt, **{attribute: value})
                return
        statements.insert(0, cls(value, line=first_line))

    given = (("epochs", epochs), ("batch", batch), ("lr", lr))
    train_values = {key: value for key, value in given if value is not None}
    if train_values:
        index = next((i for i, s in enumerate(statements) if isinstance(s, TrainStmt)), None)
        if index is None:
            last_line = max((s.line for s in statements), default=1)
            statements.append(TrainStmt("adam", line=last_line + 1))
            index = len(statements) - 1
        stmt = statements[index]
        options = [
            dataclasses.replace(o, value=train_values.pop(o.key)) if o.key in train_values else o
            for o in stmt.options
        ]
        options += [Option(key, value, line=stmt.line) for key, value in train_values.items()]
        statements[index] = dataclasses.replace(stmt, options=tuple(options))
    if seed is not None:
        set_single(SeedStmt, "value", seed)
    if backend is not None:
        set_single(BackendStmt, "name", backend)
    return dataclasses.replace(spec, statements=tuple(statements))


# ------------------------------------------------------------------ files


def _default_folder(spec) -> Path:
    stem = Path(spec.filename).stem if getattr(spec, "filename", None) else "spec"
    return Path("runs") / stem / datetime.now().strftime("%Y%m%d-%H%M%S")


def _new_folder(path: Path) -> Path:
    """`path`, or `path-2`, `path-3`... when it exists and holds files: nothing is overwritten."""
    candidate, number = path, 1
    while candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir())):
        number += 1
        candidate = path.with_name(f"{path.name}-{number}")
    try:
        candidate.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the run folder '{candidate}': {error.strerror}") from None
    return candidate


def slug(label: str) -> str:
    """A folder name for a variant label: `init=xavier lr=0.1` -> `init-xavier_lr-0.1`."""
    text = label.replace("=", "-").replace(" ", "_")
    return re.sub(r"[^A-Za-z0-9._+-]", "-", text) or "variant"


def _variant_folders(plans: list[Plan], root: Path) -> list[Path]:
    """One folder per variant under the sweep folder, named after its label, never twice."""
    taken: set[str] = set()
    folders = []
    for plan in plans:
        base = slug(plan.variant_label)
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name)
        folders.append(root / name)
    return folders


def _in_order(results: list[RunResult], folders: list[Path]) -> list[RunResult]:
    """Results in the order of their variants (parallel engines finish in any order)."""
    place = {folder: i for i, folder in enumerate(folders)}
    return sorted(results, key=lambda r: place.get(r.dir, len(place)))


def _blank_result(plan: Plan, data: Data) -> RunResult:
    meta = data.meta if data.meta is not None else plan.meta
    image_shape = (data.info or {}).get("image_shape")
    class_names = meta.class_names or plan.meta.class_names
    return RunResult(
        label=plan.variant_label,
        spec=_spec_text(plan),
        variant=dict(plan.variant),
        backend=plan.backend,
        seed=plan.seed,
        epochs=plan.train.epochs,
        metrics={},
        history={},
        train_seconds=0.0,
        versions=versions(),
        dataset=plan.dataset,
        task=task_of(plan, meta),
        class_names=list(class_names) if class_names else None,
        image_shape=list(image_shape) if image_shape else None,
        input_shape=list(plan.input_shape),
        param_count=plan.param_count,
        test_is_train=bool(data.test_is_train or meta.test_is_train),
        optimizer=plan.train.optimizer,
        lr=plan.train.lr,
        batch=plan.train.batch,
        loss=plan.train.loss,
    )


def _spec_text(plan: Plan) -> str:
    from .dsl.format import format_spec

    return format_spec(plan.spec)


def task_of(plan: Plan, meta=None) -> str:
    """multiclass, binary or regression: the data's word, else what the loss implies."""
    task = getattr(meta, "task", None) or plan.meta.task
    if task:
        return task
    if plan.train.loss in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        return "multiclass"
    if plan.train.loss == "binary_crossentropy":
        return "binary"
    return "regression"


def _save_predictions(path: Path, plan: Plan, arrays: Arrays, outputs: np.ndarray, result: RunResult) -> None:
    from .builtins.backends.objectives import probabilities

    probs = probabilities(plan, outputs).astype(np.float32)
    arrays_out: dict[str, np.ndarray] = {}
    if result.task == "regression":
        arrays_out["y_true"] = arrays.labels_test.astype(np.float32).reshape(-1)
        arrays_out["y_pred"] = np.asarray(outputs, dtype=np.float32).reshape(len(outputs), -1)[:, 0]
        _write_npz(path, arrays_out)
        return
    y_true = arrays.labels_test
    if y_true.ndim == 2 and y_true.shape[1] > 1:  # a loader that gave one-hot rows
        y_true = y_true.argmax(axis=1)
    y_true = y_true.reshape(-1).astype(np.int64)
    if result.task == "binary":
        p = probs[:, -1] if probs.ndim == 2 else probs
        predicted = (p > 0.5).astype(np.int64)
        y_pred = p
    else:
        predicted = probs.argmax(axis=1)
        y_pred = probs
    arrays_out["y_true"], arrays_out["y_pred"] = y_true, y_pred
    if result.image_shape:
        wrong = np.flatnonzero(predicted != y_true)
        arrays_out["x_wrong"] = arrays.x_test[wrong].astype(np.float16)
        arrays_out["wrong_index"] = wrong.astype(np.int64)
    _write_npz(path, arrays_out)


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)


def _write_history(path: Path, history: dict[str, list[float]]) -> None:
    names = list(history)
    rows = ["epoch," + ",".join(names)]
    epochs = len(next(iter(history.values()), []))
    for i in range(epochs):
        rows.append(f"{i + 1}," + ",".join(repr(float(history[name][i])) for name in names))
    _write_text(path, "\n".join(rows) + "\n")


def _write_text(path: Path, text: str) -> None:
    """Write a whole file or nothing: a crash never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _write_json(path: Path, data: Any) -> None:
    _write_text(path, json.dumps(_jsonable(data), indent=2, allow_nan=False) + "\n")


def _jsonable(value: Any) -> Any:
    """Plain JSON values: tuples as lists, NumPy numbers as Python's, NaN and infinity as null."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _sweep_entry(result: RunResult, root: Path) -> dict[str, Any]:
    entry = {
        "label": result.label,
        "variant": result.variant,
        "seed": result.seed,
        "dir": result.dir.relative_to(root).as_posix() if result.dir is not None else None,
        "metrics": result.metrics,
        "best_epoch": result.best_epoch,
        "train_seconds": result.train_seconds,
    }
    if result.group is not None:
        entry["group"] = result.group
    if result.error:
        entry["error"] = result.error
    return entry


def _write_report(root: Path, reporter: "Progress") -> None:
    """Let the reports plugin draw the run folder; its failure is a warning, never lost results."""
    try:
        from . import reports
    except ImportError:
        return
    write_report = getattr(reports, "write_report", None)
    if write_report is None:
        return
    try:
        write_report(root)
    except Exception as error:
        reporter.warn(f"the report could not be written: {getattr(error, 'message', None) or error}")


# ------------------------------------------------------------------ progress


class Progress:
    """Reports nothing; the base of the terminal bar and the plain epoch lines."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.prefix = ""

    def chunk_steps(self, steps: int) -> int:
        """How many steps the backend may run between two progress updates."""
        return steps

    def start_variant(self, label: str, number: int, total: int) -> None:
        self.prefix = f"[{label}] " if label else ""

    def start_epoch(self, epoch: int, epochs: int, steps: int) -> None:
        pass

    def update(self, steps_done: int, running_loss: float) -> None:
        pass

    def end_epoch(self, epoch: int, epochs: int, logs: dict[str, float], seconds: float) -> None:
        pass

    def finish_variant(self, result: RunResult) -> None:
        pass

    def message(self, text: str) -> None:
        pass

    def warn(self, text: str) -> None:
        print(f"warning: {text}", file=sys.stderr)

    def close(self) -> None:
        pass


class EpochLines(Progress):
    """One plain line per epoch: loss, metrics, validation, time."""

    def end_epoch(self, epoch, epochs, logs, seconds):
        print(f"{self.prefix}{epoch_line(epoch, epochs, logs, seconds)}", file=self.stream, flush=True)

    def message(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


class Bar(EpochLines):
    """A tqdm bar over each epoch's batches with the running loss, then the epoch line."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self.bar = None

    def chunk_steps(self, steps: int) -> int:
        return max(BAR_MIN_STEPS, math.ceil(steps / BAR_UPDATES))

    def start_epoch(self, epoch, epochs, steps):
        from tqdm.auto import tqdm

        self.epoch_text = f"{self.prefix}epoch {epoch}/{epochs}"
        self.bar = tqdm(total=steps, desc=self.epoch_text, unit="batch", leave=False, file=self.stream,
                        dynamic_ncols=True)

    def update(self, steps_done, running_loss):
        if self.bar is not None:
            self.bar.set_description_str(f"{self.epoch_text} loss {running_loss:.4f}", refresh=False)
            self.bar.update(steps_done - self.bar.n)

    def end_epoch(self, epoch, epochs, logs, seconds):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        super().end_epoch(epoch, epochs, logs, seconds)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def make_progress(kind: str, stream: TextIO | None = None) -> Progress:
    """`auto` (a bar on a terminal, epoch lines otherwise), `bar`, `lines` or `none`."""
    stream = stream or sys.stdout
    if kind == "auto":
        kind = "bar" if getattr(stream, "isatty", lambda: False)() else "lines"
    makers: dict[str, Callable[[TextIO], Progress]] = {"bar": Bar, "lines": EpochLines, "none": Progress}
    if kind not in makers:
        raise UsageError(f"unknown progress kind '{kind}'", hint="use auto, bar, lines or none")
    return makers[kind](stream)


def epoch_line(epoch: int, epochs: int, logs: dict[str, float], seconds: float) -> str:
    """`epoch 3/20  loss 0.4512  accuracy 0.8401  val_loss 0.4710  val_accuracy 0.8300  (1.2 s)`."""
    width = len(str(epochs))
    parts = [f"epoch {epoch:>{width}}/{epochs}"]
    parts += [f"{name} {value:.4f}" for name, value in logs.items()]
    return "  ".join(parts) + f"  ({seconds:.1f} s)"


def results_table(results: Sequence[RunResult]) -> str:
    """Test metrics, one row per variant (in the order given), as aligned text."""
    if not results:
        return ""
    metrics: list[str] = []
    for result in results:
        metrics += [m for m in result.metrics if m not in metrics]
    metrics = metrics or ["loss"]  # every variant failed: the column holds their errors
    sweep = len(results) > 1 or bool(results[0].variant)
    header = (["variant"] if sweep else []) + [f"test {m}" for m in metrics] + ["best epoch", "train s"]
    rows = []
    for result in results:
        cells = [result.label] if sweep else []
        if result.error:
            cells += ["failed: " + result.error] + [""] * (len(metrics) - 1)
        else:
            cells += [f"{result.metrics[m]:.4f}" if m in result.metrics else "" for m in metrics]
        cells += [str(result.best_epoch or ""), f"{result.train_seconds:.1f}"]
        rows.append(cells)
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    return "\n".join(lines)
