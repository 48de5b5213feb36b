"""The HTML pieces every report page is made of: escaping, the document, tables, fallback captions.

No picture or run here: the pages (page.py, sweep_page.py) and the notebook's inline
report (inline.py) assemble these.
"""

from __future__ import annotations

import html

import pandas as pd

from .tables import format_number

CAPTIONS = {  # said when a picture has no caption from its numbers (a plugin's, say)
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
figcaption { color: #333; font-size: 0.95em; max-width: 60em; margin-top: 0.3em; }
details { margin: 0.8em 0; } summary { cursor: pointer; font-weight: 600; }
pre.check { background: #fffbea; border-left: 4px solid #e0b84c; white-space: pre-wrap; }
.diagnosis { background: #fde8e8; border: 1px solid #d9534f; padding: 0.6em 0.9em; border-radius: 4px; }
.warning { background: #fff4d6; border: 1px solid #e0b84c; padding: 0.6em 0.9em; border-radius: 4px; }
.note { color: #555; } .muted { color: #777; font-size: 0.9em; }
"""


def escape(value) -> str:
    return html.escape(str(value), quote=True)


def page(title: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def table(frame: pd.DataFrame, links: dict[int, str] | None = None) -> str:
    """An HTML table; numbers right-aligned; `links` maps a row to the href of its first cell."""
    head = "".join(f"<th>{escape(column)}</th>" for column in frame.columns)
    rows = []
    for position, record in enumerate(frame.itertuples(index=False)):
        cells = []
        for column, value in enumerate(record):
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            text = escape(format_number(value) if numeric or value is None else value)
            if column == 0 and links and position in links:
                text = f'<a href="{escape(links[position])}">{text}</a>'
            cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>\n<tr>{head}</tr>\n" + "\n".join(rows) + "\n</table>"
