"""The run-folder format: file names, atomic writes, exclusive folder creation, and reading back.

A run folder holds

    results.json  history.csv  spec.nn  predictions.npz  model.keras | checkpoint/

and a sweep folder holds sweep.json, spec.nn and one run folder per variant; a run that
has not finished also holds checkpoint.npz (`nnspec run --resume` continues from it).
Training writes through `write`, reports read through `read`: the format lives here only.
"""

from .names import (
    CHECKPOINT_FILE,
    HISTORY_FILE,
    PREDICTIONS_FILE,
    RESULTS_FILE,
    RUN_MARKER,
    SEARCH_FILE,
    SPEC_FILE,
    STUDY_FILE,
    SWEEP_FILE,
    TRACKING_FILE,
)
from .read import (
    Predictions,
    SavedRun,
    SavedSweep,
    best_epoch,
    check_folder,
    is_sweep,
    load_run,
    load_sweep,
    read_json,
)
from .write import (
    default_folder,
    new_folder,
    save_model,
    slug,
    unique_slug,
    variant_folders,
    write_history,
    write_json,
    write_npz,
    write_predictions,
    write_results,
    write_sweep,
    write_text,
)

__all__ = [
    "CHECKPOINT_FILE", "HISTORY_FILE", "PREDICTIONS_FILE", "RESULTS_FILE", "RUN_MARKER", "SEARCH_FILE", "SPEC_FILE",
    "STUDY_FILE", "SWEEP_FILE", "TRACKING_FILE",
    "Predictions", "SavedRun", "SavedSweep", "best_epoch", "check_folder", "is_sweep",
    "load_run", "load_sweep", "read_json",
    "default_folder", "new_folder", "save_model", "slug", "unique_slug", "variant_folders", "write_history",
    "write_json",
    "write_npz", "write_predictions", "write_results", "write_sweep", "write_text",
]
