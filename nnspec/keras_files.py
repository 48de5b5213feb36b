"""How nnspec writes a `.keras` file that a plain `keras.models.load_model(path)` reads.

Used by the keras backend's trainer (a run's model.keras), by several workers' chief
and by `nnspec export --format keras`; Keras is imported by the caller, never here.
"""

from __future__ import annotations

from pathlib import Path


def save_model(model, path: Path) -> None:
    """`model.save(path)`, loadable by a plain `keras.models.load_model(path)` (safe_mode on, no nnspec)."""
    compile_plainly(model)
    model.save(path)


def compile_plainly(model) -> None:
    """Recompile with the model's optimizer, its loss only when Keras itself has it, and no metrics.

    Whatever is compiled goes into model.keras's compile config: nnspec's metrics (and a
    plugin's loss) are Python functions there, which `load_model` refuses in safe mode
    ("Requested the deserialization of a Python lambda") and cannot find without nnspec.
    """
    loss = model.loss
    plain = isinstance(loss, str) or type(loss).__module__.split(".")[0] == "keras"
    model.compile(optimizer=model.optimizer, loss=loss if plain else None)
