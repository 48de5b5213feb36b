"""A spec's check as HTML, for notebooks: `CheckResult._repr_html_`, and what shows a parsed Spec.

The diagnostics are shown as `nnspec check` prints them (the source line and a caret),
coloured by severity; each variant's network as the table `nnspec show` prints (layer,
output shape, parameters). Pure Python: nothing here imports TensorFlow, nor the
checker (validate.py imports this module; a Spec is checked for display by
nnspec/notebook/display.py, which IPython calls for it).
"""

from __future__ import annotations

import html
from typing import Iterable

from .ast import shape_text
from .show import _summary

COLOURS = {"error": "#d9534f", "warning": "#e0b84c", "info": "#5b9bd5"}
STYLE = ("<style>.nnspec-spec table{border-collapse:collapse;font-size:.92em;margin:.4em 0}"
         ".nnspec-spec th,.nnspec-spec td{border:1px solid #ccc;padding:.15em .6em;text-align:left}"
         ".nnspec-spec td.num{text-align:right;font-variant-numeric:tabular-nums}"
         ".nnspec-spec pre.diagnostic{padding:.4em .6em;white-space:pre-wrap;margin:.3em 0}</style>")


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def diagnostics_html(diagnostics: Iterable, filename: str | None, source: str | None) -> list[str]:
    """Each diagnostic as `check` renders it, in a box coloured by its severity."""
    parts = []
    for diagnostic in diagnostics:
        colour = COLOURS.get(diagnostic.severity, "#999")
        parts.append(f'<pre class="diagnostic" style="border-left:4px solid {colour};background:#fafafa">'
                     f"{_e(diagnostic.render(filename or 'spec', source))}</pre>")
    return parts


def plan_html(plan) -> str:
    """One variant's layers, output shapes and parameters, with the training line under it."""
    rows = [f"<tr><td>input</td><td>{_e(shape_text(plan.input_shape))}</td><td></td></tr>"]
    for layer in plan.layers:
        rows.append(f"<tr><td>{_e(layer.name)} <code>{_e(_summary(layer))}</code></td>"
                    f"<td>{_e(shape_text(layer.output_shape))}</td>"
                    f'<td class="num">{layer.param_count:,}</td></tr>')
    rows.append(f'<tr><th colspan="2">total parameters</th><th class="num">{plan.param_count:,}</th></tr>')
    batch = "all" if plan.train.batch is None else plan.train.batch
    data = f"data {plan.dataset}" if plan.dataset else "no data"
    line = (f"{data}; train {plan.train.optimizer} lr={plan.train.lr:g} loss={plan.train.loss} "
            f"epochs={plan.train.epochs} batch={batch}; backend {plan.backend}; seed {plan.seed}")
    return ("<table><tr><th>layer</th><th>output shape</th><th>parameters</th></tr>" + "".join(rows)
            + f"</table><p><code>{_e(line)}</code></p>")


def plans_html(plans) -> list[str]:
    """Every variant's table (a sweep lists its variants first)."""
    if len(plans) == 1 and not plans[0].variant:
        return [plan_html(plans[0])]
    parts = [f"<p>{len(plans)} variants: " + ", ".join(f"<code>{_e(p.variant_label)}</code> ({p.param_count:,} "
                                                        "parameters)" for p in plans) + "</p>"]
    for plan in plans:
        parts += [f"<details><summary>variant <code>{_e(plan.variant_label)}</code></summary>", plan_html(plan),
                  "</details>"]
    return parts


def layers_html(spec) -> str:
    """The layers as written, for a spec without `input` or `data` (shapes unknown)."""
    from .show import render_layers

    return f"<pre>{_e(render_layers(spec))}</pre>"


def check_html(plans, diagnostics, filename: str | None, source: str | None, spec=None) -> str:
    """Diagnostics first, then the network of every variant (or the layers as written)."""
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = sum(d.severity == "warning" for d in diagnostics)
    verdict = (f"{errors} error{'s' if errors != 1 else ''}" if errors
               else "ok" + (f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""))
    parts = [STYLE, '<div class="nnspec-spec">', f"<p><strong>nnspec check</strong>: {_e(verdict)}</p>"]
    parts += diagnostics_html(diagnostics, filename, source)
    if plans:
        parts += plans_html(plans)
    elif spec is not None and not errors:
        parts.append(layers_html(spec))
    parts.append("</div>")
    return "\n".join(parts)
