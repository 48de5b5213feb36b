"""index.html of a run: diagnosis first, the check's notes, facts, metrics, captioned pictures, the spec.

Pictures are referenced by paths relative to the page, so the page opens from its
folder with nothing else (no network, no scripts); move the folder, not the page alone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..files import write_atomically
from .html import CAPTIONS, escape, page, table
from .tables import metrics_table

if TYPE_CHECKING:
    from ..rundir import SavedRun
    from ..types import SectionContent
    from .report import Report

PAGE_FILE = "index.html"
MISCLASSIFIED_ROWS_SHOWN = 50


def figures(pictures: dict[str, Path], page_dir: Path, captions: dict[str, str] | None = None) -> list[str]:
    """Each picture in a <figure> with its caption: what to see in it, from the run's numbers."""
    parts = []
    for name, path in pictures.items():
        source = Path(os.path.relpath(path, page_dir)).as_posix()
        caption = (captions or {}).get(name) or CAPTIONS.get(name.split("/")[-1].split("_label")[0], name)
        anchor = source.removesuffix(".png").replace("/", "-")  # unique on a sweep's page too
        parts.append(
            f'<figure id="{escape(anchor)}"><img src="{escape(source)}" alt="{escape(name)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>"
        )
    return parts


def check_notes(notes: list[str], heading: str = "h2") -> list[str]:
    """What `nnspec check` says about the spec, as it prints it (source line and caret)."""
    if not notes:
        return []
    return [f"<{heading}>What nnspec check says about this spec</{heading}>",
            *(f'<pre class="check">{escape(note)}</pre>' for note in notes)]


def diagnosis(lines: list[str], label: str = "", link: str | None = None) -> list[str]:
    """A dead or failing run's diagnosis, first thing on the page."""
    if not lines:
        return []
    prefix = f"{label}: " if label else ""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return [f'<div class="diagnosis"><strong>{escape(prefix)}What went wrong</strong><ul>{items}</ul>'
            + (f'<p>See <a href="{escape(link)}">the gradients</a>.</p>' if link else "") + "</div>"]


def _facts(run: "SavedRun") -> pd.DataFrame:
    results = run.results
    versions = results.get("versions") or {}
    facts = {
        "dataset": results.get("dataset"),
        "task": run.task,
        "variant": ", ".join(f"{k}={v}" for k, v in (results.get("variant") or {}).items()) or None,
        "backend": results.get("backend"),
        "training seed (weights, shuffling)": results.get("seed"),
        "data seed (the split)": results.get("data_seed"),
        "epochs": results.get("epochs"),
        "optimizer": results.get("optimizer") or None,
        "learning rate": results.get("lr") or None,
        "batch": (results.get("batch") or "all (full batch)") if "batch" in results else None,
        "loss": results.get("loss") or None,
        "parameters": f"{results['param_count']:,}" if isinstance(results.get("param_count"), int) else None,
        "input shape": results.get("input_shape"),
        "train seconds": results.get("train_seconds"),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()) or None,
    }
    return pd.DataFrame({"": list(facts), "value": list(facts.values())}).dropna()


def training_data_warning(run: "SavedRun") -> list[str]:
    if not run.test_is_train:
        return []
    return [
        '<p class="warning"><strong>These test metrics are measured on the training data</strong>: '
        f"the dataset {escape(run.results.get('dataset') or '')} has no separate test split, so they "
        "overstate how well the network does on new samples.</p>"
    ]


def run_sections(report: "Report", run: "SavedRun", page_dir: Path, heading: str) -> list[str]:
    """Metrics, pictures and the (folded) misclassified table of one run, for its own page or a sweep's."""
    scope = "training data" if run.test_is_train else "test data"
    parts = [f'<p class="note">{escape(note)}</p>' for note in report.notes]
    parts += [f"<{heading}>Metrics on the {scope}</{heading}>", table(metrics_table(run.metrics))]
    parts += figures(report.pictures, page_dir, report.captions)
    for section in report.sections:
        parts += _plugin_section(section, page_dir, heading)
    wrong = report.misclassified
    if wrong is not None:
        total = len(run.predictions.y_true)
        csv = Path(os.path.relpath(run.dir / "misclassified.csv", page_dir)).as_posix()
        shown = f"; the first {MISCLASSIFIED_ROWS_SHOWN}" if len(wrong) > MISCLASSIFIED_ROWS_SHOWN else ""
        parts.append(f"<details><summary>Misclassified samples: {len(wrong)} of {total} of the {scope}{shown}"
                     "</summary>")
        parts.append(f'<p>All of them: <a href="{escape(csv)}">misclassified.csv</a>.</p>')
        if len(wrong):
            parts.append(table(wrong.head(MISCLASSIFIED_ROWS_SHOWN)))
        parts.append("</details>")
    return parts


def _plugin_section(section: "SectionContent", page_dir: Path, heading: str) -> list[str]:
    """A report-section plugin's heading, text, tables (captioned) and pictures."""
    parts = [f"<{heading}>{escape(section.title)}</{heading}>"]
    if section.text:
        parts.append(f"<p>{escape(section.text)}</p>")
    for caption, frame in section.tables.items():
        parts += [f"<p>{escape(caption)}</p>", table(frame)]
    for caption, path in section.pictures.items():
        source = Path(os.path.relpath(path, page_dir)).as_posix()
        parts.append(f'<figure><img src="{escape(source)}" alt="{escape(caption)}"><figcaption>{escape(caption)}</figcaption></figure>')
    return parts


def run_page(report: "Report", run: "SavedRun") -> Path:
    """Write a run's index.html and return its path."""
    variant = ", ".join(f"{k}={v}" for k, v in (run.results.get("variant") or {}).items())
    title = f"nnspec run: {run.results.get('dataset') or run.dir.name}" + (f" ({variant})" if variant else "")
    body = [f"<h1>{escape(title)}</h1>", f'<p class="muted">{escape(run.dir.resolve())}</p>']
    body += diagnosis(report.diagnosis, link="#gradients" if "gradients" in report.pictures else None)
    body += training_data_warning(run)
    body += check_notes(report.check_notes)
    body += ["<h2>Run</h2>", table(_facts(run))]
    body += run_sections(report, run, run.dir, "h2")
    body += ["<h2>Spec</h2>", f"<pre>{escape(run.spec_text)}</pre>"]
    path = run.dir / PAGE_FILE
    write_atomically(path, page(title, body), sync=False)
    return path
