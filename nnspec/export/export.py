"""`nnspec export`: a run's model in another format, verified before it is put in place.

The exported file is written into a temporary folder beside its destination, run
back through its own runtime on the run's test samples, and compared with the run's
saved predictions (predictions.npz). Only when every prediction agrees within
`ATOL` is it moved to its destination; otherwise nothing is left behind.

The test samples are not stored in the run folder: they are reloaded through the
run's plan (its spec.nn names the dataset, its options and the seed, which decide
the split), so a run of 10000 Fashion-MNIST images costs no extra 31 MB of disk.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import NNSpecError, UsageError
from .formats import get_format, run_back
from .runfolder import SavedRun, read_run, saved_form, test_inputs

ATOL = 1e-5


@dataclass(frozen=True)
class Verification:
    """How an exported model's predictions compare with the run's saved ones."""

    samples: int
    max_abs_diff: float
    runtime: str
    atol: float = ATOL

    @property
    def ok(self) -> bool:
        return self.max_abs_diff <= self.atol

    def describe(self) -> str:
        """`45 test samples through onnxruntime: max abs difference 5.96e-08 (atol 1e-05)`."""
        return (
            f"{self.samples} test samples through {self.runtime}: "
            f"max abs difference {self.max_abs_diff:.3g} (atol {self.atol:g})"
        )


@dataclass(frozen=True)
class ExportResult:
    """Where the exported model went and how it was verified."""

    path: Path
    format: str
    verification: Verification


def export_run(run_dir: str | Path, format: str, out: str | Path | None = None, *, force: bool = False) -> ExportResult:
    """Export a run's model to `format` (keras, savedmodel, onnx, tflite), verified against its predictions.

    `out` defaults to `RUN_DIR/export/<model.keras | saved_model | model.onnx | model.tflite>`;
    an existing `out` is replaced only with `force`.
    """
    from .model import keras_model

    kind = get_format(format)
    run = read_run(run_dir)
    target = Path(out) if out is not None else run.dir / "export" / kind.filename
    if target.exists() and not force:
        raise UsageError(f"'{target}' already exists", hint="give another --out, or --force to replace it")
    x = test_inputs(run)
    model = keras_model(run)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".nnspec-export-", dir=target.parent))
    try:
        written = staging / target.name
        kind.write(model, run.plan, written)
        check = verify(run, x, kind.load(written), kind.runtime)
        if not check.ok:
            raise NNSpecError(
                f"the {format} export does not reproduce the run's predictions: {check.describe()}",
                hint="nothing was written; please report this with the run folder",
            )
        _replace(written, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(target, format, check)


def verify(run: SavedRun, x: np.ndarray, predict, runtime: str) -> Verification:
    """Compare a model's predictions on `x` with the run's predictions.npz (NaN must match NaN)."""
    expected = np.asarray(run.y_pred, dtype=np.float32)
    got = saved_form(run, run_back(predict, x))
    if got.shape != expected.shape:
        return Verification(len(x), float("inf"), runtime)
    same_nan = np.array_equal(np.isnan(got), np.isnan(expected))
    finite = ~np.isnan(expected)
    diff = float(np.max(np.abs(got[finite] - expected[finite]), initial=0.0)) if same_nan else float("inf")
    return Verification(len(x), diff, runtime)


def _replace(source: Path, target: Path) -> None:
    """Move the verified file or folder to `target`, replacing what was there only now."""
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    source.replace(target)
