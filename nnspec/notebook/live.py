"""Training shown live in a notebook cell: a progress bar, the epoch's numbers and the curves so far.

`LiveProgress` is a `Progress` (nnspec/training/progress.py) that `nnspec.run(...,
progress=LiveProgress())` drives like the terminal bar. It keeps two outputs of the
cell up to date through IPython display handles: an HTML `<progress>` bar with the
variant, epoch and running loss, and a picture of every variant's loss (and first
metric) per epoch, redrawn after each epoch. Plain HTML and PNG: it needs no widget
library, and a notebook executed without a browser (nbclient) records the same outputs.
"""

from __future__ import annotations

import base64
import html
import io
import math
import time

from ..training.progress import BAR_MIN_STEPS, BAR_UPDATES, Progress

REFRESH_SECONDS = 0.3  # at most this often the bar is redrawn inside an epoch


class LiveProgress(Progress):
    """A notebook cell's live bar and curves for one `nnspec.run`."""

    def __init__(self) -> None:
        super().__init__()
        from IPython.display import HTML, display

        self._HTML = HTML
        self.curves = None
        self.histories: dict[str, dict[str, list[float]]] = {}
        self.label, self.number, self.total = "", 1, 1
        self.epoch, self.epochs, self.steps = 0, 0, 1
        self.status = "checking ..."
        self.warnings: list[str] = []
        self._drawn = 0.0
        self.bar = display(HTML(self._bar_html(self.status)), display_id=True)

    # ---- what the training loop calls
    def chunk_steps(self, steps: int) -> int:
        return max(BAR_MIN_STEPS, math.ceil(steps / BAR_UPDATES))

    def start_variant(self, label: str, number: int, total: int) -> None:
        super().start_variant(label, number, total)
        self.label, self.number, self.total = label, number, total

    def start_epoch(self, epoch: int, epochs: int, steps: int) -> None:
        self.epoch, self.epochs, self.steps = epoch, epochs, max(1, steps)
        self._show(0, f"epoch {epoch}/{epochs}", force=True)

    def update(self, steps_done: int, running_loss: float) -> None:
        self._show(steps_done, f"epoch {self.epoch}/{self.epochs}  loss {running_loss:.4f}")

    def end_epoch(self, epoch: int, epochs: int, logs: dict[str, float], seconds: float) -> None:
        history = self.histories.setdefault(self.label or "run", {})
        for name, value in logs.items():
            history.setdefault(name, []).append(float(value))
        shown = "  ".join(f"{name} {value:.4f}" for name, value in logs.items())
        self._show(self.steps, f"epoch {epoch}/{epochs}  {shown}  ({seconds:.1f} s)", force=True)
        self._draw_curves()

    def message(self, text: str) -> None:
        self.status = text
        self._show(0, text, force=True)

    def warn(self, text: str) -> None:
        self.warnings.append(text)
        self._show(0, self.status, force=True)

    def spec_warning(self, text: str, diagnostic=None) -> None:
        """The check's notes are already shown above the bar by the magic: nothing to repeat."""

    def close(self) -> None:
        self.status, self.label = "done", ""
        self._show(self.steps, f"done: {self.total} run{'s' if self.total != 1 else ''}", force=True, done=True)

    # ---- drawing
    def _bar_html(self, text: str, done_steps: int = 0, done: bool = False) -> str:
        which = f"[{self.label}] ({self.number} of {self.total}) " if self.label else ""
        value = self.steps if done else done_steps
        bar = f'<progress value="{value}" max="{self.steps}" style="width:24em"></progress>'
        notes = "".join(f'<div style="color:#a33">warning: {html.escape(w)}</div>' for w in self.warnings)
        return f'<div style="font-family:monospace">{bar} {html.escape(which + text)}</div>{notes}'

    def _show(self, steps_done: int, text: str, force: bool = False, done: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < REFRESH_SECONDS:
            return
        self._drawn = now
        self.bar.update(self._HTML(self._bar_html(text, steps_done, done)))

    def _draw_curves(self) -> None:
        from IPython.display import HTML, display

        picture = curves_png(self.histories)
        if picture is None:
            return
        tag = HTML(f'<img src="data:image/png;base64,{base64.b64encode(picture).decode("ascii")}" '
                   'alt="training curves so far">')
        if self.curves is None:
            self.curves = display(tag, display_id=True)
        else:
            self.curves.update(tag)


def curves_png(histories: dict[str, dict[str, list[float]]]) -> bytes | None:
    """Every variant's loss and first metric per epoch so far, as PNG bytes (None before the first epoch)."""
    from ..reports.curves import series_groups
    from ..reports.figures import colours, figure, wants_log

    metrics: list[str] = []
    for history in histories.values():
        metrics += [m for m in series_groups(history) if m not in metrics and m != "lr"]
    metrics = metrics[:2]
    if not metrics:
        return None
    made = figure(4.2 * len(metrics) + 1.6, 3.0)
    axes = made.subplots(1, len(metrics), squeeze=False).ravel()
    for axis, metric in zip(axes, metrics):
        values = []
        for tint, (label, history) in zip(colours(len(histories)), histories.items()):
            for part, series in series_groups(history).get(metric, {}).items():
                values += series
                axis.plot(range(1, len(series) + 1), series, color=tint, marker="o", markersize=3,
                          linestyle="-" if part == "train" else "--", label=label if part == "train" else None)
        if metric == "loss" and wants_log(values):
            axis.set_yscale("log")
        axis.set_title(metric, fontsize="medium")
        axis.set_xlabel("epoch")
        axis.xaxis.get_major_locator().set_params(integer=True)
        axis.grid(alpha=0.3)
    if len(histories) > 1:
        made.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize="small")
    buffer = io.BytesIO()
    made.savefig(buffer, format="png")
    return buffer.getvalue()
