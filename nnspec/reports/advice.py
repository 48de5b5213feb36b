"""What a report says before its pictures: the diagnosis of a dead run, and `nnspec check`'s notes.

A dead network (one class, or one value, for every test sample) is said first, with
the numbers that explain it when the run recorded diagnostics; the spec's warnings
and notes (vanishing-gradients, exploding-init, relu-xavier...) are the ones `nnspec
check` prints, with the source line and caret, so the page and the terminal agree.
"""

from __future__ import annotations

from ..rundir import SavedRun
from . import diagnostic_plots as numbers
from .figures import number as n

DEAD = "the network is dead"


def is_dead(run: SavedRun) -> bool:
    """Whether training named the network dead (results.json's warnings)."""
    return any(DEAD in text for text in run.results.get("warnings") or [])


def diagnosis(run: SavedRun) -> list[str]:
    """The run's warnings, a dead network's with what its diagnostics show."""
    found = list(run.results.get("warnings") or [])
    diagnostics = run.results.get("diagnostics")
    if not is_dead(run) or not numbers.rows_of(diagnostics):
        return found
    epochs = numbers.epochs_of(diagnostics)
    ratio = numbers.first_to_last(diagnostics, epochs[-1])
    layers = numbers.hidden(diagnostics)
    if ratio is not None:
        found.append(f"The diagnostics agree: after epoch {epochs[-1]} the first hidden layer ({layers[0]}) gets "
                     f"{n(ratio)} times the gradient of the last hidden layer ({layers[-1]})"
                     + (", so the first layers cannot learn (vanishing gradients)." if ratio < 1e-2 else "."))
    for column, what in (("saturated", "saturated"), ("dead", "dead")):
        last = numbers.at_epoch(diagnostics, column, epochs[-1])
        worst = max(last, key=last.get) if last else None
        if worst and last[worst] >= 0.5:
            found.append(f"{last[worst]:.0%} of {worst}'s outputs are {what} after epoch {epochs[-1]}.")
    return found


def check_notes(spec_text: str, spec_file: str | None = None) -> list[str]:
    """`nnspec check`'s warnings and notes for a spec as saved in a run folder, rendered with carets."""
    from ..dsl.analyse import analyse

    if not spec_text:
        return []
    try:
        analysis = analyse(spec_text, spec_file)
    except Exception:  # the page is still written without them
        return []
    return [d.render("spec.nn", spec_text) for d in analysis.diagnostics if d.severity != "error"]
