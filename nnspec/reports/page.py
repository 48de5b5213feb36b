"""index.html: one page per run or sweep with the spec, the tables and every picture.

Pictures are referenced by paths relative to the page, so the page opens from its
folder with nothing else (no network, no scripts); move the folder, not the page alone.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..files import write_atomically
from .tables import format_number, metrics_table

if TYPE_CHECKING:
    from ..rundir import SavedRun, SavedSweep
    from ..types import SectionContent
    from .report import Report

PAGE_FILE = "index.html"
MISCLASSIFIED_ROWS_SHOWN = 50

CAPTIONS = {
    "curves": "Training curves: every series the run recorded, per epoch.",
    "confusion": "Confusion matrix: rows are the true labels, columns the predictions.",
    "wrong_by_predicted": "Wrong predictions counted by the class they predicted.",
    "wrong_spread": "Wrong predictions: what each true label was taken for.",
    "misclassified_images": "Misclassified images, titled label / predicted (confidence).",
    "scatter": "Predicted against true values; points on the dashed line are exact.",
    "residuals": "Residuals (predicted - true) of the test samples.",
    "sweep_curves": "Every variant's curves overlaid.",
}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; border-radius: 4px; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
.warning { background: #fff4d6; border: 1px solid #e0b84c; padding: 0.6em 0.9em; border-radius: 4px; }
.note { color: #555; } .muted { color: #777; font-size: 0.9em; }
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _table(frame: pd.DataFrame, links: dict[int, str] | None = None) -> str:
    """An HTML table; numbers right-aligned; `links` maps a row to the href of its first cell."""
    head = "".join(f"<th>{_e(column)}</th>" for column in frame.columns)
    rows = []
    for position, record in enumerate(frame.itertuples(index=False)):
        cells = []
        for column, value in enumerate(record):
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            text = _e(format_number(value) if numeric or value is None else value)
            if column == 0 and links and position in links:
                text = f'<a href="{_e(links[position])}">{text}</a>'
            cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>\n<tr>{head}</tr>\n" + "\n".join(rows) + "\n</table>"


def _figures(pictures: dict[str, Path], page_dir: Path) -> list[str]:
    parts = []
    for name, path in pictures.items():
        source = Path(os.path.relpath(path, page_dir)).as_posix()
        caption = CAPTIONS.get(name.split("/")[-1].split("_label")[0], name)
        parts.append(
            f'<figure><img src="{_e(source)}" alt="{_e(name)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>"
        )
    return parts


def _facts(run: "SavedRun") -> pd.DataFrame:
    results = run.results
    versions = results.get("versions") or {}
    facts = {
        "dataset": results.get("dataset"),
        "task": run.task,
        "variant": ", ".join(f"{k}={v}" for k, v in (results.get("variant") or {}).items()) or None,
        "backend": results.get("backend"),
        "seed": results.get("seed"),
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


def _test_is_train_warning(run: "SavedRun") -> list[str]:
    if not run.test_is_train:
        return []
    return [
        '<p class="warning"><strong>These test metrics are measured on the training data</strong>: '
        f"the dataset {_e(run.results.get('dataset') or '')} has no separate test split, so they "
        "overstate how well the network does on new samples.</p>"
    ]


def _run_warnings(run: "SavedRun", label: str = "") -> list[str]:
    """The run's own warnings (a dead network), first thing on the page."""
    prefix = f"{label}: " if label else ""
    return [f'<p class="warning"><strong>{_e(prefix)}Warning</strong>: {_e(text)}</p>'
            for text in run.results.get("warnings") or []]


def _run_sections(report: "Report", run: "SavedRun", page_dir: Path, heading: str) -> list[str]:
    """Metrics, pictures and the misclassified table of one run, for its own page or a sweep's."""
    scope = "training data" if run.test_is_train else "test data"
    parts = [f'<p class="note">{_e(note)}</p>' for note in report.notes]
    parts += [f"<{heading}>Metrics on the {scope}</{heading}>", _table(metrics_table(run.metrics))]
    parts += _figures(report.pictures, page_dir)
    table = report.misclassified
    if table is not None:
        total = len(run.predictions.y_true)
        csv = Path(os.path.relpath(run.dir / "misclassified.csv", page_dir)).as_posix()
        parts.append(f"<{heading}>Misclassified samples</{heading}>")
        parts.append(
            f"<p>{len(table)} of {total} samples of the {scope} are misclassified. "
            f'All of them: <a href="{_e(csv)}">misclassified.csv</a>.'
            + (f" The first {MISCLASSIFIED_ROWS_SHOWN}:" if len(table) > MISCLASSIFIED_ROWS_SHOWN else "")
            + "</p>"
        )
        if len(table):
            parts.append(_table(table.head(MISCLASSIFIED_ROWS_SHOWN)))
    for section in report.sections:
        parts += _plugin_section(section, page_dir, heading)
    return parts


def _plugin_section(section: "SectionContent", page_dir: Path, heading: str) -> list[str]:
    """A report-section plugin's heading, text, tables (captioned) and pictures."""
    parts = [f"<{heading}>{_e(section.title)}</{heading}>"]
    if section.text:
        parts.append(f"<p>{_e(section.text)}</p>")
    for caption, frame in section.tables.items():
        parts += [f"<p>{_e(caption)}</p>", _table(frame)]
    for caption, path in section.pictures.items():
        source = Path(os.path.relpath(path, page_dir)).as_posix()
        parts.append(f'<figure><img src="{_e(source)}" alt="{_e(caption)}"><figcaption>{_e(caption)}</figcaption></figure>')
    return parts


def run_page(report: "Report", run: "SavedRun") -> Path:
    """Write a run's index.html and return its path."""
    variant = ", ".join(f"{k}={v}" for k, v in (run.results.get("variant") or {}).items())
    title = f"nnspec run: {run.results.get('dataset') or run.dir.name}" + (f" ({variant})" if variant else "")
    body = [f"<h1>{_e(title)}</h1>", f'<p class="muted">{_e(run.dir.resolve())}</p>']
    body += _run_warnings(run)
    body += _test_is_train_warning(run)
    body += ["<h2>Run</h2>", _table(_facts(run))]
    body += _run_sections(report, run, run.dir, "h2")
    body += ["<h2>Spec</h2>", f"<pre>{_e(run.spec_text)}</pre>"]
    path = run.dir / PAGE_FILE
    write_atomically(path, _page(title, body), sync=False)
    return path


def sweep_page(report: "Report", sweep: "SavedSweep") -> Path:
    """Write a sweep's index.html (comparison, overlaid curves, every variant) and return its path."""
    first = sweep.runs[0]
    count = len(sweep.runs) + len(sweep.failed)
    title = f"nnspec sweep: {first.results.get('dataset') or sweep.dir.name}, {count} variants"
    body = [f"<h1>{_e(title)}</h1>", f'<p class="muted">{_e(sweep.dir.resolve())}</p>']
    for entry, run in zip(sweep.entries, sweep.runs):
        body += _run_warnings(run, entry["label"])
    if any(run.test_is_train for run in sweep.runs):
        body += _test_is_train_warning(first)
    body += [f'<p class="note">{_e(note)}</p>' for note in report.notes]
    links = {position: f"{entry['dir']}/{PAGE_FILE}" for position, entry in enumerate(sweep.entries)}
    if report.runs_table is not None:  # seeds repeat: variants over their seeds, then each run
        body += ["<h2>Variants compared over their seeds</h2>", _table(report.table)]
        body.append('<p class="muted">Mean and sample sd (n - 1) of each test metric over the seeds; '
                    'the same table: <a href="comparison.csv">comparison.csv</a>.</p>')
        body += ["<h2>Every run</h2>", _table(report.runs_table, links)]
        body.append('<p class="muted">The same table: <a href="comparison_runs.csv">comparison_runs.csv</a>.</p>')
    else:
        body += ["<h2>Variants compared</h2>", _table(report.table, links)]
        body.append('<p class="muted">The same table: <a href="comparison.csv">comparison.csv</a>.</p>')
    body += _figures(report.pictures, sweep.dir)
    spec = sweep.spec_text or first.spec_text
    body += ["<h2>Spec</h2>", f"<pre>{_e(spec)}</pre>"]
    for entry, run in zip(sweep.entries, sweep.runs):
        variant_report = report.variants[entry["label"]]
        body.append(f'<h2 id="{_e(entry["dir"])}">Variant {_e(entry["label"])}</h2>')
        body.append(f'<p><a href="{_e(entry["dir"])}/{PAGE_FILE}">This variant\'s own page</a></p>')
        body += _run_sections(variant_report, run, sweep.dir, "h3")
    path = sweep.dir / PAGE_FILE
    write_atomically(path, _page(title, body), sync=False)
    return path
