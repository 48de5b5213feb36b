"""A report as one HTML fragment for a notebook's output: pictures embedded, captions under them.

A notebook cell cannot rely on paths relative to a page, so the pictures are inlined
as base64 PNGs. A run shows its diagnosis, the check's notes, its metrics and every
picture; a sweep (or a comparison) its table and the side-by-side pictures, and
where each variant's own page is.
"""

from __future__ import annotations

import base64
from pathlib import Path

from .html import CAPTIONS, escape, table
from .tables import metrics_table

STYLE = ("<style>.nnspec-report figure{margin:.8em 0}.nnspec-report img{max-width:100%}"
         ".nnspec-report figcaption{color:#333;max-width:60em}"
         ".nnspec-report pre.check{background:#fffbea;border-left:4px solid #e0b84c;padding:.5em;"
         "white-space:pre-wrap}.nnspec-report .diagnosis{background:#fde8e8;border:1px solid #d9534f;"
         "padding:.4em .8em}</style>")


def image_tag(path: Path, alt: str) -> str:
    """An <img> holding the PNG itself."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'


def pictures_html(report) -> list[str]:
    parts = []
    for name, path in report.pictures.items():
        if not Path(path).is_file():
            continue
        caption = report.captions.get(name) or CAPTIONS.get(name, name)
        parts.append(f"<figure>{image_tag(path, name)}<figcaption>{escape(caption)}</figcaption></figure>")
    for section in report.sections:
        for caption, path in section.pictures.items():
            parts.append(f"<figure>{image_tag(path, caption)}<figcaption>{escape(caption)}</figcaption></figure>")
    return parts


def _words(report) -> list[str]:
    parts = []
    if report.diagnosis:
        items = "".join(f"<li>{escape(line)}</li>" for line in report.diagnosis)
        parts.append(f'<div class="diagnosis"><strong>What went wrong</strong><ul>{items}</ul></div>')
    parts += [f'<pre class="check">{escape(note)}</pre>' for note in report.check_notes]
    parts += [f"<p><em>{escape(note)}</em></p>" for note in report.notes]
    return parts


def report_html(report) -> str:
    """The report as a notebook shows it."""
    parts = [STYLE, '<div class="nnspec-report">', *_words(report)]
    if report.kind == "run":
        if report.metrics:
            parts += ["<h4>Test metrics</h4>", table(metrics_table(report.metrics))]
        parts += pictures_html(report)
    else:
        if report.table is not None:
            parts += ["<h4>Compared</h4>", table(report.table)]
        parts += pictures_html(report)
        for label, variant in report.variants.items():  # linked, not inlined: a sweep's would weigh megabytes
            if variant.html is not None:
                parts.append(f"<p>{escape(label)}: {len(variant.pictures)} more pictures on its page, "
                             f"{escape(variant.html)}</p>")
    if report.html is not None:
        parts.append(f'<p style="color:#777">The page: {escape(report.html)}</p>')
    parts.append("</div>")
    return "\n".join(parts)
