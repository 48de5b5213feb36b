"""One model across processes: data-parallel training with tf.distribute.MultiWorkerMirroredStrategy.

    nnspec run spec.nn --workers 2                              # 2 local processes, loopback ports
    nnspec run spec.nn --cluster h1:12345,h2:12345 --task 0    # on h1 (the chief), --task 1 on h2
    TF_CONFIG='{"cluster": {"worker": [...]}, "task": {"type": "worker", "index": 1}}' nnspec run spec.nn

Every worker loads the same data and shuffles it with the same seed, so all agree on
each step's global batch (the spec's `batch=`); each worker computes the loss and
gradients of its own slice of it, and the strategy sums the gradients across workers
before every update, which gives the update one process would make on the whole batch.
The chief (worker 0) writes the run folder; the others train into a scratch folder that
is removed. Only the keras backend trains this way.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import TrainingError, UsageError
from ..types import Plan

TF_CONFIG = "TF_CONFIG"
PREDICT_ROWS = 4096  # samples per forward pass when predicting
MAX_LOCAL_WORKERS = 16


# ------------------------------------------------------------------ the cluster


def cluster_config(addresses: list[str], index: int) -> dict[str, Any]:
    """The TF_CONFIG of worker `index` in a cluster of `addresses` (host:port each)."""
    if not 0 <= index < len(addresses):
        raise UsageError(f"--task {index} is not a worker of a {len(addresses)}-worker cluster",
                         hint=f"use --task 0 to {len(addresses) - 1}")
    for address in addresses:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise UsageError(f"--cluster: '{address}' is not host:port")
    return {"cluster": {"worker": list(addresses)}, "task": {"type": "worker", "index": index}}


def joined_cluster() -> tuple[int, int] | None:
    """(this worker's index, the number of workers) when TF_CONFIG names a cluster of workers."""
    text = os.environ.get(TF_CONFIG, "").strip()
    if not text:
        return None
    try:
        config = json.loads(text)
        workers = config["cluster"]["worker"]
        index = int(config["task"]["index"])
    except (ValueError, KeyError, TypeError):
        raise UsageError("TF_CONFIG is set but is not a cluster with workers and a task index",
                         hint='e.g. {"cluster": {"worker": ["h1:12345", "h2:12345"]}, '
                              '"task": {"type": "worker", "index": 0}}') from None
    return index, len(workers)


def free_ports(count: int) -> list[int]:
    """`count` free TCP ports on the loopback interface."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def make_strategy():
    """The MultiWorkerMirroredStrategy of TF_CONFIG's cluster; it must exist before TensorFlow runs anything."""
    import tensorflow as tf

    return tf.distribute.MultiWorkerMirroredStrategy()


def barrier(strategy) -> None:
    """Wait until every worker gets here (one all-reduce of a constant)."""
    import tensorflow as tf

    strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(lambda: tf.constant(1.0)), axis=None)


# ------------------------------------------------------------------ training on one worker


class DistributedKeras:
    """A backend (build, train) that builds the keras model under the strategy and trains it data-parallel."""

    def __init__(self, strategy, index: int, count: int) -> None:
        self.strategy, self.index, self.count = strategy, index, count

    @property
    def results(self) -> dict:
        """What results.json records of the distribution: the strategy and the number of workers."""
        return {"distribution": {"strategy": "MultiWorkerMirroredStrategy", "workers": self.count}}  # make_strategy's

    def build(self, plan: Plan):
        from .variants import backend_named

        if plan.backend != "keras":
            raise UsageError(f"several workers train with tf.distribute, on the keras backend only; "
                             f"this spec runs on {plan.backend}", hint="use --backend keras, or drop --workers")
        with self.strategy.scope():  # the keras backend's own model, its variables mirrored on every worker
            model = backend_named("keras").build(plan)
            model.optimizer.build(model.trainable_variables)
        return model

    def train(self, plan: Plan, model) -> "DistributedTrainer":
        return DistributedTrainer(plan, model, self.strategy, self.index, self.count)


class DistributedTrainer:
    """train_steps over global batches: this worker's slice of each, gradients summed across workers."""

    def __init__(self, plan: Plan, model, strategy, index: int, count: int) -> None:
        import tensorflow as tf

        from ..objectives import loss_function, metric_functions

        self.plan, self.model, self.strategy = plan, model, strategy
        self.index, self.count = index, count
        per_sample = loss_function(plan, "keras")
        metrics = list(metric_functions(plan, "keras").values())
        optimizer = model.optimizer

        @tf.function
        def step(x, y, total):
            def replica(x, y):
                with tf.GradientTape() as tape:
                    output = model(x, training=True)
                    # this slice's share of the global batch's mean: summed over workers, the mean
                    value = tf.reduce_sum(per_sample(y, output)) / total
                gradients = tape.gradient(value, model.trainable_variables)
                optimizer.apply_gradients(zip(gradients, model.trainable_variables))
                shares = [tf.reduce_sum(tf.cast(fn(y, output), tf.float32)) / total for fn in metrics]
                return tf.stack([value, *shares])

            logs = strategy.run(replica, args=(x, y))
            return strategy.reduce(tf.distribute.ReduceOp.SUM, logs, axis=None)

        self._step = step
        self._tf = tf

    def _mine(self, rows: int) -> slice:
        """This worker's rows of a batch of `rows`: consecutive, as even as can be."""
        bounds = np.linspace(0, rows, self.count + 1).round().astype(int)
        return slice(bounds[self.index], bounds[self.index + 1])

    def train_steps(self, x: np.ndarray, y: np.ndarray, batch: int) -> dict[str, np.ndarray]:
        """One update per global batch of `batch` rows; per-step loss and metrics of the whole batch."""
        tf = self._tf
        logs = []
        for start in range(0, len(x), batch):
            xb, yb = x[start:start + batch], y[start:start + batch]
            if len(xb) < self.count:  # too few rows for every worker to hold one: no update
                continue
            mine = self._mine(len(xb))
            xs = self.strategy.experimental_distribute_values_from_function(lambda _: tf.constant(xb[mine]))
            ys = self.strategy.experimental_distribute_values_from_function(lambda _: tf.constant(yb[mine]))
            logs.append(self._step(xs, ys, tf.constant(float(len(xb)))).numpy())
        values = np.asarray(logs, dtype=np.float32).reshape(len(logs), 1 + len(self.plan.train.metrics))
        return {name: values[:, i] for i, name in enumerate(("loss", *self.plan.train.metrics))}

    def set_lr(self, lr: float) -> None:
        """The learning rate of the next steps (every worker sets the same)."""
        self.model.optimizer.learning_rate = float(lr)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The last layer's outputs, computed by this worker alone (no collective needed)."""
        if len(x) == 0:
            return np.zeros((0, *self.plan.layers[-1].output_shape), np.float32)
        return np.concatenate([np.asarray(self.model(x[i:i + PREDICT_ROWS], training=False))
                               for i in range(0, len(x), PREDICT_ROWS)])

    def save(self, folder: Path) -> Path:
        """model.keras in `folder` (a non-chief's folder is scratch)."""
        from ..keras_files import save_model

        path = Path(folder) / "model.keras"
        with self.strategy.scope():
            save_model(self.model, path)
        return path

    def close(self) -> None:
        """Nothing to release."""


# ------------------------------------------------------------------ local workers


def _local_worker(run, kwargs: dict, config: dict, connection) -> None:
    """A local worker process: join the loopback cluster, `run(**kwargs)`, send the result back."""
    os.environ[TF_CONFIG] = json.dumps(config)
    try:
        results = run(**kwargs)
        for result in results:
            result.model = None  # a live model does not cross processes
        connection.send(("ok", results))
    except BaseException as error:  # the driver reports it; a worker's traceback helps no one
        message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
        connection.send(("error", message))
    finally:
        connection.close()


def run_local_workers(count: int, run, kwargs: dict) -> Any:
    """Train one model on `count` local worker processes (loopback); the chief's RunResults.

    Each process calls `run(**kwargs)` (nnspec.run) with TF_CONFIG naming its place.
    """
    if not 1 <= count <= MAX_LOCAL_WORKERS:
        raise UsageError(f"--workers must be from 1 to {MAX_LOCAL_WORKERS}, not {count}")
    context = multiprocessing.get_context("spawn")
    addresses = [f"127.0.0.1:{port}" for port in free_ports(count)]
    scratch = Path(tempfile.mkdtemp(prefix="nnspec-workers-"))
    processes, pipes = [], []
    try:
        for index in range(count):
            mine = dict(kwargs)
            if index:  # only the chief writes the run folder and prints progress
                mine.update(out=scratch / f"worker-{index}", progress="none", report=False)
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_local_worker, args=(run, mine, cluster_config(addresses, index), send))
            process.start()
            send.close()
            processes.append(process)
            pipes.append(receive)
        outcomes = []
        for process, pipe in zip(processes, pipes):
            try:
                outcomes.append(pipe.recv())
            except EOFError:
                outcomes.append(("error", "the worker process ended without a result"))
            process.join()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join()
        shutil.rmtree(scratch, ignore_errors=True)
    failed = [(i, text) for i, (kind, text) in enumerate(outcomes) if kind == "error"]
    if failed:
        index, text = failed[0]
        raise TrainingError(f"worker {index} of {count} failed: {text}")
    return outcomes[0][1]


# ------------------------------------------------------------------ what nnspec.run calls


def one_keras_model(plans: list[Plan]) -> None:
    """Several workers train one keras model: not a sweep, not tf1."""
    if len(plans) > 1:
        raise UsageError(f"several workers train one model, and this spec has {len(plans)} variants",
                         hint="train a sweep's variants in parallel with --jobs or --ray")
    if plans[0].backend != "keras":
        raise UsageError(f"several workers train with tf.distribute, on the keras backend only; "
                         f"this spec runs on {plans[0].backend}", hint="use --backend keras")


def prepare_cluster(plans: list[Plan], workers: int | None, cluster, task: int | None) -> tuple[int, int] | None:
    """This process's (index, count) in the cluster it joins; None when it is to start local workers.

    `cluster` (addresses, a list or a comma-separated string) with `task` writes TF_CONFIG;
    without either, an existing TF_CONFIG decides.
    """
    if workers is not None and cluster is not None:
        raise UsageError("give --workers (local processes) or --cluster (machines), not both")
    one_keras_model(plans)
    if cluster is not None:
        addresses = cluster.split(",") if isinstance(cluster, str) else list(cluster)
        if task is None:
            raise UsageError("--cluster needs --task, this machine's place in the list (0 is the chief)")
        os.environ[TF_CONFIG] = json.dumps(cluster_config(addresses, task))
    joined = joined_cluster()
    if joined is None and workers is None:
        raise UsageError("--task needs --cluster (or a TF_CONFIG)")
    return joined


def run_as_worker(spec, plans: list[Plan], joined: tuple[int, int], out, progress, stream, data, finish=None):
    """Train the one plan as worker `index` of the TF_CONFIG cluster; the chief (0) keeps the run folder.

    `finish(root)`, when given, runs on the chief after training (the report), before
    the workers part.
    """
    import sys

    from ..results import RunResults
    from ..rundir import default_folder, new_folder
    from .data import DataLoader
    from .progress import make_progress
    from .variants import run_plans

    index, count = joined
    strategy = make_strategy()  # before TensorFlow runs anything else
    chief = index == 0
    scratch = None if chief else Path(tempfile.mkdtemp(prefix=f"nnspec-worker-{index}-"))
    stem = Path(spec.filename).stem if getattr(spec, "filename", None) else "spec"
    root = new_folder(Path(out) if out is not None else default_folder(stem)) if chief else scratch
    reporter = make_progress(progress if chief else "none", stream or sys.stdout)
    try:
        results, errors = run_plans(plans, root, DataLoader(data), reporter, backend=DistributedKeras(strategy, index, count))
        if chief and finish is not None and results:
            finish(root, reporter)
        barrier(strategy)  # no worker leaves while another still works (it would look crashed)
    finally:
        reporter.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    if errors:
        raise errors[0]
    return RunResults(results, root if chief else None)
