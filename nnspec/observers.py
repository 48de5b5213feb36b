"""What the plugins that watch a run register and receive: training callbacks, report sections.

Plain data like the rest of nnspec/types.py, which re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping


@dataclass
class TrainingState:
    """What a training callback receives: the run so far, and the epoch's logs it may add to.

    `probe_x`/`probe_y` are the first `TrainingCallback.probe_size` training samples
    (after validation is held out; labels encoded as the loss needs them), the same
    batch at every call. `logs` is the epoch's losses and metrics by name (`val_`
    ones included): numbers added to it are saved in the history (history.csv,
    results.json) and shown on the epoch line. `results` takes what does not fit a
    number per epoch: each key a callback sets (its own, e.g. `diagnostics`) is saved
    at the top level of results.json, unless RunResult already has a field of that
    name. `epoch` is 0 in `on_train_begin`. Setting `stop_training` in `on_epoch_end`
    ends training after that epoch (a search's pruning, early stopping); the run is
    then evaluated and saved as after its last epoch.
    """

    plan: Any  # nnspec.types.Plan, the checked variant
    model: Any  # what the backend's build returned (keras.Model, TF1Model...)
    trainer: Any  # what the backend's train returned: train_steps, predict, save
    probe_x: Any  # numpy array
    probe_y: Any  # numpy array
    folder: Any  # pathlib.Path of the run folder, for files of the callback's own
    epochs: int
    epoch: int = 0
    logs: dict[str, float] = field(default_factory=dict)
    history: Mapping[str, list[float]] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)  # JSON values saved in results.json by key
    stop_training: bool = False


@dataclass(frozen=True)
class TrainingCallback:
    """Code run while a variant trains: each function takes a TrainingState and returns nothing.

    A callback that raises is named in a warning and skipped for the rest of that
    run; the run itself goes on.
    """

    name: str
    on_train_begin: Callable[[TrainingState], None] | None = None
    on_epoch_end: Callable[[TrainingState], None] | None = None
    on_train_end: Callable[[TrainingState], None] | None = None
    probe_size: int = 32
    doc: str = ""


@dataclass
class SectionContent:
    """What a report section adds to a run's page: a heading, text, pictures and tables.

    `pictures` maps a caption to a PNG the section wrote (into the run folder);
    `tables` maps a caption to a pandas DataFrame.
    """

    title: str
    text: str = ""
    pictures: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportSection:
    """A part of every run's report: `build(run)` -> SectionContent, or None for nothing.

    `run` is a `nnspec.rundir.SavedRun` (results, history, predictions, `dir`). A
    section that raises is named in the report's notes; the rest of the report is
    still written.
    """

    name: str
    build: Callable[[Any], SectionContent | None]
    doc: str = ""
