"""The names of the files in a run folder and a sweep folder: the format's one list."""

RESULTS_FILE = "results.json"  # RunResult.to_dict(): metrics, history, task, class names...
HISTORY_FILE = "history.csv"  # epoch, then one column per loss/metric, rewritten every epoch
SPEC_FILE = "spec.nn"  # the spec as it ran, overrides written in
PREDICTIONS_FILE = "predictions.npz"  # y_true, y_pred (+ x_wrong, wrong_index for images)
SWEEP_FILE = "sweep.json"  # a sweep folder's list of variants, beside one run folder each
CHECKPOINT_FILE = "checkpoint.npz"  # trainer state and position, for `nnspec run --resume`
SEARCH_FILE = "search.json"  # a search folder's settings: trials, sampler, pruner, objective, engine
STUDY_FILE = "study.journal"  # the Optuna study of a search (JournalStorage), what --resume continues
TRACKING_FILE = "tracking.json"  # what the run records elsewhere (TensorBoard, the MLflow URI), for --resume
RUN_MARKER = ".nnspec-run"  # created exclusively: the run that creates it owns the folder
