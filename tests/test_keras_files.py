"""Every .keras file nnspec writes loads with a plain `keras.models.load_model(path)`.

A user's load: the defaults (safe_mode on, the compile config read back), in a Python
that never imported nnspec, so nothing nnspec registers can help it along.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from export_runs import runs  # noqa: F401  (the shared fixture)

pytest.importorskip("tensorflow")

PLAIN_LOAD = (
    "import sys, numpy as np, keras\n"
    "model = keras.models.load_model(sys.argv[1])\n"
    "print(np.asarray(model(np.zeros((2, 4), np.float32))).shape)\n"
)


def plain_load(path, cwd) -> str:
    done = subprocess.run([sys.executable, "-c", PLAIN_LOAD, str(path)], cwd=cwd,
                          capture_output=True, text=True, env={"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1]
    return done.stdout.strip()


def test_a_keras_run_folders_model_loads_with_plain_load_model(runs, tmp_path):
    assert plain_load(runs["keras"] / "model.keras", tmp_path) == "(2, 3)"


@pytest.mark.parametrize("backend", ["keras", "tf1"])
def test_a_keras_export_of_either_backend_loads_with_plain_load_model(runs, backend, tmp_path):
    from nnspec.export.export import export_run

    out = tmp_path / f"{backend}.keras"
    export_run(runs[backend], "keras", out)
    assert plain_load(out, tmp_path) == "(2, 3)"


def test_the_export_check_loads_the_file_as_a_user_would(runs, tmp_path, monkeypatch):
    """A .keras file that only loads with safe_mode off is refused, and nothing is left behind."""
    import keras

    from nnspec.errors import NNSpecError
    from nnspec.export import formats
    from nnspec.export.export import export_run

    def with_a_lambda(model, plan, path):
        wrapped = keras.Sequential([model, keras.layers.Lambda(lambda t: t * 1.0)])
        wrapped.save(path)

    monkeypatch.setattr(formats, "FORMATS", {**formats.FORMATS, "keras": formats.Format(
        "keras", "model.keras", with_a_lambda, formats._load_keras, "keras.models.load_model (fresh process)")})
    out = tmp_path / "lambda.keras"
    with pytest.raises(NNSpecError, match="cannot load the exported lambda.keras: .*lambda"):
        export_run(runs["keras"], "keras", out)
    assert not out.exists() and not list(tmp_path.glob(".nnspec-export*"))
    assert np.load(runs["keras"] / "predictions.npz")["y_pred"].shape[0] == 45
