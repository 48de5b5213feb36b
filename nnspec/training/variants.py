"""Every variant of a spec, one after another: build, train, evaluate and save each into its folder.

A sweep writes one run folder per variant and sweep.json beside them; a variant that
fails with a TrainingError leaves its folder and entry and the others still run.
TensorFlow is imported by the backends and the functions that need it, never when
this module is imported.
"""

from __future__ import annotations

from pathlib import Path

from ..dsl.format import format_spec
from ..dsl.sweep import present
from ..errors import DataError, Interrupted, NNSpecError, TrainingError
from ..results import RunResult
from ..rundir import (
    CHECKPOINT_FILE,
    SPEC_FILE,
    save_model,
    variant_folders,
    write_predictions,
    write_results,
    write_sweep,
    write_text,
)
from . import checkpoint
from ..types import Data, Plan
from .data import DataLoader, prepare
from .dead import constant_prediction_warning
from .environment import seed_everything, versions
from .evaluation import evaluate, prediction_arrays, task_of
from .loop import train_loop
from .progress import Progress


def run_plans(plans: list[Plan], root: Path, loader: DataLoader, reporter: Progress,
              resume=None, seed_axes: frozenset = frozenset(), backend=None) -> tuple[list[RunResult], list[TrainingError]]:
    """Run each plan into `root` (a sweep: one subfolder each); the results and the training errors.

    A variant that fails with a TrainingError does not stop the others; its error
    (with `.result` set) is returned. Any other NNSpecError stops the run. `resume`
    (a checkpoint) continues a single interrupted run. `seed_axes` name the sweep axes
    that only choose the seed (runs repeated over seeds); `backend`, when given, builds
    and trains instead of the plan's (several workers).
    """
    sweep = len(plans) > 1
    results: list[RunResult] = []
    errors: list[TrainingError] = []
    folders = variant_folders(root, [plan.variant_label for plan in plans]) if sweep else [root]
    for number, (plan, folder) in enumerate(zip(plans, folders), 1):
        reporter.start_variant(plan.variant_label if sweep else "", number, len(plans))
        try:
            result = run_plan(plan, folder, loader, reporter, resume, seed_axes, backend)
        except TrainingError as error:
            errors.append(error)
            if sweep:
                reporter.message(f"{plan.variant_label}: {error.message}")
        else:
            results.append(result)
        if sweep:
            write_sweep(root, results + [e.result for e in errors])
    return results, errors


def run_plan(plan: Plan, folder: Path, loader: DataLoader, reporter: Progress, resume=None,
             seed_axes: frozenset = frozenset(), backend=None, callbacks: tuple = ()) -> RunResult:
    """Train, evaluate and save one checked plan into `folder`.

    `resume` is a checkpoint (Position, trainer state) to continue from. results.json is
    written before the first epoch and after every one, marked interrupted until the
    end, so Ctrl-C or a kill leaves a folder that `nnspec report` reads and
    `nnspec run --resume` continues. A model that cannot be saved is recorded in
    `result.save_error`; it never hides the results. `seed_axes` and `backend` as in
    run_plans; `callbacks` are TrainingCallbacks of this run only (a search trial's).
    """
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / SPEC_FILE, format_spec(present(plan.spec)))  # what this variant trains, read back as is
    if plan.dataset and not loader.has(plan):
        reporter.message(f"loading data {plan.dataset} ...")
    data = loader.load(plan)
    try:
        arrays = prepare(plan, data)
    except MemoryError:
        raise DataError(f"out of memory while preparing data {plan.dataset} for training") from None
    result = _blank_result(plan, data)
    result.dir = folder
    if seed_axes:
        result.group = {name: value for name, value in result.variant.items() if name not in seed_axes}
    result.interrupted = True
    backend = backend or backend_named(plan.backend)
    result.extras.update(getattr(backend, "results", None) or {})  # a distributed run's strategy and workers
    seed_everything(plan.seed)
    try:
        with _backend_errors(plan):
            model = backend.build(plan)
            trainer = backend.train(plan, model)
        result.model = model
        result.param_count = _param_count(model, plan)
        start = None
        if resume is not None:
            start, state = resume
            with _backend_errors(plan):
                checkpoint.restore(trainer, state)
            reporter.message(f"resuming after epoch {start.epoch} of {plan.train.epochs}")
            _continue_from(folder, start, result)  # so that results.json says what was done, killed or not
        write_results(folder, result)
        with _backend_errors(plan):
            train_loop(plan, trainer, arrays, reporter, result, folder, start, callbacks)
        with _backend_errors(plan):
            outputs = trainer.predict(arrays.x_test)
        result.metrics = evaluate(plan, arrays.y_test, outputs)
        dead = constant_prediction_warning(plan, outputs, arrays.labels_test, result.task)
        if dead:
            result.warnings.append(dead)
        result.interrupted = False
        write_predictions(folder, prediction_arrays(plan, arrays, outputs, result.task, bool(result.image_shape)))
        write_results(folder, result)
    except NNSpecError as error:
        result.error = error.message
        result.interrupted = False
        write_results(folder, result)
        error.result = result
        raise
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM, which `nnspec run` turns into one)
        write_results(folder, result)
        raise Interrupted(folder, result.epochs_done, plan.train.epochs) from None
    try:
        with _backend_errors(plan):
            save_model(trainer, folder)
    except NNSpecError as error:
        result.save_error = error.message
        write_results(folder, result)
    (folder / CHECKPOINT_FILE).unlink(missing_ok=True)  # finished: the model and results replace it
    reporter.finish_variant(result)
    return result


def _continue_from(folder: Path, start, result: RunResult) -> None:
    """A resumed run's result as its checkpoint and results.json left it: history, epochs, timings, extras."""
    from dataclasses import fields

    from ..rundir import RESULTS_FILE, best_epoch, read_json

    result.history = {name: [float(v) for v in values] for name, values in start.history.items()}
    result.epochs_done, result.epoch_seconds = start.epoch, list(start.epoch_seconds)
    result.train_seconds = start.train_seconds
    result.best_epoch = best_epoch(result.history) if result.history else None
    own = {f.name for f in fields(RunResult)}
    try:
        saved = read_json(folder / RESULTS_FILE)
    except NNSpecError:
        return
    result.extras.update({key: value for key, value in saved.items() if key not in own and key not in result.extras})


def _blank_result(plan: Plan, data: Data) -> RunResult:
    meta = data.meta if data.meta is not None else plan.meta
    image_shape = (data.info or {}).get("image_shape")
    class_names = meta.class_names or plan.meta.class_names
    return RunResult(
        label=plan.variant_label,
        spec=format_spec(present(plan.spec)),
        variant=dict(plan.variant),
        backend=plan.backend,
        seed=plan.seed,
        data_seed=plan.data_seed,
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
        spec_file=str(plan.spec.filename) if plan.spec.filename else None,
        data_file=Path(plan.dataset_options["path"]).name if plan.dataset == "csv" and plan.dataset_options.get("path")
        else None,
    )


def backend_named(name: str):
    """The registered Backend of this name (or alias)."""
    from ..plugins import get_registries

    return get_registries().backends.get(name)


def backend_name(name: str) -> str:
    """The canonical name of a backend asked for by `--backend` (or `backend=`): a UsageError as a spec refuses it."""
    from ..plugins import get_registries

    return get_registries().backends.option(name, "--backend")


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
