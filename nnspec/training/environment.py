"""TensorFlow set-up: a quiet import, seeds for every random source, and the versions a run records."""

from __future__ import annotations

import sys


def import_tensorflow_quietly() -> None:
    """Import TensorFlow with its start-up banner (oneDNN, CPU features) kept off the terminal.

    The banner is written by C++ code straight to file descriptor 2 before TensorFlow's
    log settings apply, so descriptor 2 points at /dev/null for the import alone.
    Python errors from the import still propagate.
    """
    import os

    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        import tensorflow  # noqa: F401
        return
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy, TensorFlow and Keras: the same seed gives the same numbers."""
    import keras

    keras.utils.set_random_seed(int(seed))


def versions() -> dict[str, str]:
    """Versions of nnspec, TensorFlow and Keras."""
    import keras
    import tensorflow as tf

    from ..version import __version__

    return {"nnspec": __version__, "tensorflow": tf.__version__, "keras": keras.__version__}
