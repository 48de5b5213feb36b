"""TensorBoard event files of a run (`nnspec run --tensorboard`), a built-in training callback.

The callback `tensorboard_events` writes into `tensorboard/` in each variant's folder,
so `tensorboard --logdir RUN_DIR` shows every variant (and every trial of a search) as
a run of its own. Each epoch it writes the epoch's losses and metrics (`val_` ones
included) and the learning rate as scalars; with diagnostics on (`--diagnostics`,
`train ... diagnostics=true`) it also probes the network (`trainer.probe`, as the
diagnostics do) and writes each layer's gradient norm as a scalar (`grad_norm/dense_1`)
and its kernel as a histogram (`weights/dense_1`).

It writes through TensorBoard's own event writer and protocol buffers, so the files
are TensorBoard's format exactly, on every backend (keras, tf1, a plugin's) and in
any TensorFlow mode; it does nothing unless the run asks for it (`Plan.tracking`).
"""

from __future__ import annotations

import time
import weakref
from pathlib import Path

import numpy as np

from ..hookspecs import hookimpl
from ..types import TrainingCallback, TrainingState

FOLDER = "tensorboard"
BINS = 30
PROBE_SAMPLES = 512  # the diagnostics' probe batch


def wanted(state: TrainingState) -> bool:
    """True when the run asked for TensorBoard files."""
    return bool((state.plan.tracking or {}).get("tensorboard"))


def on_train_begin(state: TrainingState) -> None:
    """Open the variant's event file (a resumed run adds a file beside the first)."""
    if not wanted(state):
        return
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(str(Path(state.folder) / FOLDER))
    _WRITERS[id(state)] = writer
    weakref.finalize(state, _close, id(state))  # a run that fails never reaches on_train_end


def on_epoch_end(state: TrainingState) -> None:
    """The epoch's scalars, and with diagnostics each layer's gradient norm and kernel histogram."""
    writer = _WRITERS.get(id(state))
    if writer is None:
        return
    from tensorboard.compat.proto import event_pb2, summary_pb2

    values = [summary_pb2.Summary.Value(tag=name, simple_value=float(value)) for name, value in state.logs.items()
              if isinstance(value, (int, float, np.floating))]
    if "lr" not in state.logs:  # a constant rate is still the run's learning rate
        values.append(summary_pb2.Summary.Value(tag="lr", simple_value=float(state.plan.train.lr)))
    if state.plan.train.diagnostics and hasattr(state.trainer, "probe"):
        probe = state.trainer.probe(state.probe_x, state.probe_y)
        for layer, gradient in probe.gradients.items():
            norm = float(np.sqrt(np.sum(np.square(np.asarray(gradient, dtype=np.float64)))))
            values.append(summary_pb2.Summary.Value(tag=f"grad_norm/{layer}", simple_value=norm))
        for layer, kernel in probe.kernels.items():
            values.append(summary_pb2.Summary.Value(tag=f"weights/{layer}", histo=histogram(kernel)))
    writer.add_event(event_pb2.Event(wall_time=time.time(), step=state.epoch,
                                     summary=summary_pb2.Summary(value=values)))
    writer.flush()  # readable while the run goes on


def on_train_end(state: TrainingState) -> None:
    """Close the event file."""
    _close(id(state))


def histogram(array):
    """A TensorBoard HistogramProto of an array's values."""
    from tensorboard.compat.proto import summary_pb2

    values = np.asarray(array, dtype=np.float64).reshape(-1)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return summary_pb2.HistogramProto()
    counts, edges = np.histogram(values, bins=BINS)
    return summary_pb2.HistogramProto(min=float(values.min()), max=float(values.max()), num=float(values.size),
                                      sum=float(values.sum()), sum_squares=float(np.square(values).sum()),
                                      bucket_limit=[float(e) for e in edges[1:]], bucket=[float(c) for c in counts])


_WRITERS: dict[int, object] = {}  # one per TrainingState: the callback itself holds no state


def _close(key: int) -> None:
    writer = _WRITERS.pop(key, None)
    if writer is not None:
        writer.close()


CALLBACK = TrainingCallback(
    "tensorboard_events",
    on_train_begin=on_train_begin,
    on_epoch_end=on_epoch_end,
    on_train_end=on_train_end,
    probe_size=PROBE_SAMPLES,
    doc="TensorBoard event files per variant when the run asks for them (--tensorboard)",
)


@hookimpl
def register_training_callbacks(register):
    """Register the TensorBoard writer."""
    register(CALLBACK)
