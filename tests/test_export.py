"""`nnspec export`: every format from runs of both backends, verified against the saved predictions."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nnspec
from nnspec.cli import app
from nnspec.errors import NNSpecError, UsageError

from export_runs import runs  # noqa: F401  (the shared fixture)

pytest.importorskip("tensorflow")

# dropout, batchnorm, conv2d and maxpool: every weight kind a tf1 checkpoint maps into Keras
DIGIT_IMAGES = (
    "data digits flatten=false\nconv2d 4 3x3 relu padding=same\nbatchnorm\nmaxpool 2x2\n"
    "flatten\ndropout 0.2\ndense 10\ntrain adam lr=0.01 epochs=1 batch=64\n"
)


def _optional_converter(module: str) -> None:
    """Skip when a converter of the `export` extra cannot be imported here."""
    pytest.importorskip(module, reason=f"{module} is not installable here (pip install 'nnspec[export]')")


@pytest.mark.parametrize("backend", ["keras", "tf1"])
@pytest.mark.parametrize("format", ["keras", "savedmodel", "onnx", "tflite"])
def test_every_format_exports_and_reproduces_the_run_predictions(runs, backend, format, tmp_path):
    from nnspec.export.export import export_run

    if format == "onnx":
        _optional_converter("tf2onnx")
        _optional_converter("onnxruntime")
    out = tmp_path / f"model.{format}"
    result = export_run(runs[backend], format, out)
    assert out.exists() and result.path == out
    check = result.verification
    assert check.samples == 45 and check.ok and check.max_abs_diff <= 1e-5
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".nnspec-export")]


def test_a_tf1_checkpoint_of_conv_batchnorm_and_dropout_carries_over(tmp_path):
    from nnspec.export.export import export_run

    run = nnspec.run(DIGIT_IMAGES, "tf1", out=tmp_path / "run", progress="none", report=False)
    result = export_run(run.dir, "keras", tmp_path / "digits.keras")
    assert result.verification.samples == 450 and result.verification.ok


def test_export_command_prints_the_check_and_writes_into_the_run_folder(runs):
    result = CliRunner().invoke(app, ["export", str(runs["tf1"]), "--format", "keras"])
    assert result.exit_code == 0, result.output
    runtime = "keras.models.load_model (fresh process)"
    assert f"verified: 45 test samples through {runtime}: max abs difference" in result.output
    assert (runs["tf1"] / "export" / "model.keras").is_file()


def test_an_existing_export_is_not_replaced_without_force(runs, tmp_path):
    from nnspec.export.export import export_run

    out = tmp_path / "model.keras"
    out.write_text("mine")
    with pytest.raises(UsageError, match="already exists"):
        export_run(runs["keras"], "keras", out)
    assert out.read_text() == "mine"
    export_run(runs["keras"], "keras", out, force=True)
    assert out.stat().st_size > 4


def test_an_export_that_disagrees_with_the_predictions_leaves_nothing(runs, tmp_path):
    from nnspec.export import export as export_module

    saved = runs["keras"] / "predictions.npz"
    original = saved.read_bytes()
    arrays = dict(np.load(saved))
    arrays["y_pred"] = arrays["y_pred"] + 0.01
    np.savez(saved, **arrays)
    try:
        with pytest.raises(NNSpecError, match="does not reproduce the run's predictions") as caught:
            export_module.export_run(runs["keras"], "keras", tmp_path / "model.keras")
        assert "max abs difference 0.01" in caught.value.message
        assert list(tmp_path.iterdir()) == []
    finally:
        saved.write_bytes(original)


def test_a_missing_converter_names_the_export_extra(runs, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # what `import tf2onnx` meets when it is not installed
    result = CliRunner().invoke(app, ["export", str(runs["keras"]), "--format", "onnx", "--out",
                                      str(tmp_path / "m.onnx")])
    assert result.exit_code == 1
    assert "needs tf2onnx, which is not installed; pip install 'nnspec[export]'" in result.output
    assert not (tmp_path / "m.onnx").exists()


def test_a_sweep_folder_asks_for_one_variant(tmp_path):
    (tmp_path / "sweep.json").write_text("[]")
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "results.json").write_text("{}")
    result = CliRunner().invoke(app, ["export", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a sweep folder; give one variant's folder" in result.output
    assert str(tmp_path / "v1") in result.output


def test_an_unknown_format_lists_the_formats(runs):
    result = CliRunner().invoke(app, ["export", str(runs["keras"]), "--format", "pickle"])
    assert result.exit_code == 2
    assert "unknown export format 'pickle'; use one of: keras, savedmodel, onnx, tflite" in result.output


def test_a_folder_that_is_not_a_run_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["export", str(tmp_path)])
    assert result.exit_code == 1 and "is not an nnspec run folder" in result.output
    assert not Path(tmp_path / "export").exists()
