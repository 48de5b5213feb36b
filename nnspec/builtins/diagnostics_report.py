"""The report section of the training diagnostics: the table of each layer after the last epoch.

A built-in `ReportSection`, registered like a plugin's. When results.json holds
`diagnostics` (nnspec/builtins/layer_diagnostics.py) it adds to the run's page the
last epoch's row of every layer and says how the numbers were measured. The pictures
drawn from the same numbers (gradients.png, layer_stats.png, activations.png,
weights.png) are the report's own (nnspec/reports/layer_plots.py), because a sweep's
variants draw them on shared axes.
"""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl
from ..types import ReportSection, SectionContent

SHOWN_COLUMNS = ("layer", "activation", "grad_norm", "weight_norm", "update_ratio", "mean", "std",
                 "saturated", "dead")


def last_epoch_table(diagnostics: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the last recorded epoch, the columns the page shows."""
    rows = diagnostics.get("rows") or []
    if not rows:
        return []
    last = max(row["epoch"] for row in rows)
    return [{column: row.get(column) for column in SHOWN_COLUMNS} for row in rows if row["epoch"] == last]


def build_section(run) -> SectionContent | None:
    """The diagnostics section of a run's page, or None when the run recorded none."""
    diagnostics = run.results.get("diagnostics")
    if not diagnostics or not diagnostics.get("rows"):
        return None
    last = max(row["epoch"] for row in diagnostics["rows"])
    text = (f"Measured on a fixed batch of {diagnostics.get('probe_samples')} training samples before training "
            "(epoch 0) and after every epoch, in evaluation mode (dropout off, batchnorm on its moving "
            "statistics); every row is in diagnostics.csv.")
    return SectionContent("Training diagnostics", text,
                          tables={f"Each layer after epoch {last}": last_epoch_table(diagnostics)})


SECTION = ReportSection("layer_diagnostics", build=build_section,
                        doc="the table of each layer's gradient, weights and outputs of a run with diagnostics=true")


@hookimpl
def register_report_sections(register):
    """Register the training diagnostics' report section."""
    register(SECTION)
