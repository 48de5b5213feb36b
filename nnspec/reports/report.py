"""What a report wrote: its page, pictures and tables (the Report the builder fills and the page shows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..types import SectionContent

MISCLASSIFIED_FILE = "misclassified.csv"


@dataclass
class Report:
    """What a report wrote: its page, its pictures and its tables.

    `misclassified` is the table of wrong test predictions (index, label, predicted,
    confidence), None for regression; for a sweep it stacks every variant's rows
    with a `variant` column first. `pictures` maps a picture's name to its PNG;
    a sweep's own pictures are here and each variant's are in `variants[label]`.
    `table` is a sweep's comparison of its variants (seeds repeated: by variant, with
    mean, sd and n per metric, and one row per run in `runs_table`). `captions` says
    what each picture shows, written from the run's numbers; `diagnosis` what went
    wrong (a dead network); `check_notes` what `nnspec check` says about the spec.
    """

    dir: Path
    kind: str  # "run", "sweep" or "compare"
    html: Path | None = None
    pictures: dict[str, Path] = field(default_factory=dict)
    misclassified: pd.DataFrame | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    test_is_train: bool = False
    table: pd.DataFrame | None = None
    runs_table: pd.DataFrame | None = None  # one row per run when seeds repeat (table is then by variant)
    variants: dict[str, "Report"] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sections: list[SectionContent] = field(default_factory=list)  # what report-section plugins added
    captions: dict[str, str] = field(default_factory=dict)  # picture name -> what it shows, from the numbers
    diagnosis: list[str] = field(default_factory=list)  # what went wrong (a dead network), said first
    check_notes: list[str] = field(default_factory=list)  # `nnspec check`'s warnings and notes, with carets

    def _repr_html_(self) -> str:
        """The report inline in a notebook: metrics, diagnosis, every picture with its caption."""
        from .inline import report_html

        return report_html(self)

    def all_pictures(self) -> dict[str, Path]:
        """This report's pictures and, for a sweep, every variant's as 'label/name'."""
        found = dict(self.pictures)
        for label, variant in self.variants.items():
            found.update({f"{label}/{name}": path for name, path in variant.pictures.items()})
        return found

    def summary(self) -> str:
        """A few lines for the command line: what was written where."""
        lines = [f"page: {self.html}"]
        lines += [f"{name}: {path}" for name, path in self.pictures.items()]
        if self.variants:
            count = sum(len(variant.pictures) for variant in self.variants.values())
            lines.append(f"{len(self.variants)} variants, {count} pictures in their folders")
        if self.misclassified is not None:
            total = "" if self.kind == "sweep" else f" ({self.dir / MISCLASSIFIED_FILE})"
            lines.append(f"{len(self.misclassified)} misclassified samples{total}")
        if self.test_is_train:
            lines.append("note: the test metrics are measured on the training data (no test split)")
        lines += [f"section: {section.title}" for section in self.sections]
        lines += [f"diagnosis: {text}" for text in self.diagnosis]
        lines += [f"note: {note}" for note in self.notes]
        # a note every variant shares is said once
        by_note: dict[str, list[str]] = {}
        for label, variant in self.variants.items():
            for note in variant.notes:
                by_note.setdefault(note, []).append(label)
        for note, labels in by_note.items():
            where = "" if len(labels) == len(self.variants) else f"{', '.join(labels)}: "
            lines.append(f"note: {where}{note}")
        return "\n".join(lines)
