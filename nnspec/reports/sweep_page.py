"""index.html of a sweep and of `nnspec compare`: the comparison first, then every run.

The page opens with what went wrong (a dead variant's diagnosis), what `nnspec check`
says about the spec, the table of every option that differs with the test metrics,
and the lesson's pictures drawn for all the runs on the same axes, each captioned from
the numbers; then the spec and each variant's own section (its pictures, its folded
table of misclassified samples). Paths are relative to the page, as on a run's page.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import write_atomically
from .html import escape, page, table
from .page import PAGE_FILE, check_notes, diagnosis, figures, run_sections, training_data_warning

if TYPE_CHECKING:
    from ..rundir import SavedRun, SavedSweep
    from .report import Report


def _comparison(report: "Report", links: dict[int, str]) -> list[str]:
    body = []
    if report.runs_table is not None:  # seeds repeat: variants over their seeds, then each run
        body += ["<h2>Variants compared over their seeds</h2>", table(report.table)]
        body.append('<p class="muted">Mean and sample sd (n - 1) of each test metric over the seeds; '
                    'the same table: <a href="comparison.csv">comparison.csv</a>.</p>')
        body += ["<h2>Every run</h2>", table(report.runs_table, links)]
        body.append('<p class="muted">The same table: <a href="comparison_runs.csv">comparison_runs.csv</a>.</p>')
    else:
        body += ["<h2>Compared</h2>", table(report.table, links)]
        body.append('<p class="muted">Every option that differs between the runs (the learning rate included, '
                    'written or the optimizer\'s default), then the test metrics; the same table: '
                    '<a href="comparison.csv">comparison.csv</a>.</p>')
    body.append("<h2>Side by side, on the same axes</h2>")
    body += [f'<p class="note">{escape(note)}</p>' for note in report.notes]
    body += figures(report.pictures, report.dir, report.captions)
    return body


def sweep_page(report: "Report", sweep: "SavedSweep") -> Path:
    """Write a sweep's index.html (diagnosis, comparison, pictures, every variant) and return its path."""
    first = sweep.runs[0]
    count = len(sweep.runs) + len(sweep.failed)
    title = f"nnspec sweep: {first.results.get('dataset') or sweep.dir.name}, {count} variants"
    body = [f"<h1>{escape(title)}</h1>", f'<p class="muted">{escape(sweep.dir.resolve())}</p>']
    for entry in sweep.entries:
        variant = report.variants[entry["label"]]
        link = f"#{entry['dir']}-gradients" if "gradients" in variant.pictures else None
        body += diagnosis(variant.diagnosis, entry["label"], link)
    if any(run.test_is_train for run in sweep.runs):
        body += training_data_warning(first)
    body += check_notes(report.check_notes)
    links = {position: f"{entry['dir']}/{PAGE_FILE}" for position, entry in enumerate(sweep.entries)}
    body += _comparison(report, links)
    body += ["<h2>Spec</h2>", f"<pre>{escape(sweep.spec_text or first.spec_text)}</pre>"]
    for entry, run in zip(sweep.entries, sweep.runs):
        variant_report = report.variants[entry["label"]]
        body.append(f'<h2 id="{escape(entry["dir"])}">Variant {escape(entry["label"])}</h2>')
        body.append(f'<p><a href="{escape(entry["dir"])}/{PAGE_FILE}">This variant\'s own page</a></p>')
        body += run_sections(variant_report, run, sweep.dir, "h3")
    path = sweep.dir / PAGE_FILE
    write_atomically(path, page(title, body), sync=False)
    return path


def compare_page(report: "Report", runs: list[tuple[str, "SavedRun"]]) -> Path:
    """Write the index.html of `nnspec compare` (the runs' own pages are linked, not repeated)."""
    title = f"nnspec compare: {len(runs)} runs"
    body = [f"<h1>{escape(title)}</h1>", f'<p class="muted">{escape(report.dir.resolve())}</p>']
    for label, run in runs:
        body += diagnosis(list(run.results.get("warnings") or []), label)
    if report.test_is_train:
        body += training_data_warning(next(run for _, run in runs if run.test_is_train))
    links = {position: Path(os.path.relpath(run.dir / PAGE_FILE, report.dir)).as_posix()
             for position, (_, run) in enumerate(runs) if (run.dir / PAGE_FILE).is_file()}
    body += _comparison(report, links)
    body.append("<h2>The runs</h2>")
    for label, run in runs:
        body.append(f"<h3>{escape(label)}</h3>")
        body.append(f'<p class="muted">{escape(run.dir.resolve())}</p>')
        body.append(f"<pre>{escape(run.spec_text)}</pre>")
    path = report.dir / PAGE_FILE
    write_atomically(path, page(title, body), sync=False)
    return path
