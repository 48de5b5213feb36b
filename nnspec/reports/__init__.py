"""Reports: what a run learned, as tables and pictures.

    import nnspec
    r = nnspec.report("runs/fashion")          # rebuilds from the saved files
    r.misclassified.head()                      # index, label, predicted, confidence
    r.pictures["confusion"]                     # Path to confusion.png
    r.html                                      # Path to index.html

`nnspec.run` calls `write_report(run_dir)` after every run and sweep; `nnspec report
RUN_DIR` and `report()` rebuild the same files without retraining. matplotlib is
used through its Agg canvas only, and TensorFlow is never imported.
"""

from __future__ import annotations

from .build import Report, report, resolve_label, write_report

__all__ = ["Report", "report", "write_report", "resolve_label"]
