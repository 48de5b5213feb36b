"""The runner: seeds, batches, NaN, sweeps, the run folder and its files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import nnspec
from backend_data import BACKENDS, plan_of, quiet_run, tiny_data
from nnspec.errors import DataError, TrainingError
from nnspec.api import apply_overrides
from nnspec.commands.run import results_table
from nnspec.results import RunResult, RunResults
from nnspec.rundir import slug
from nnspec.training.loop import SHUFFLE_STREAM

pytest.importorskip("tensorflow")

SPECS = Path(__file__).resolve().parent.parent / "specs"
MLP = "input 4\ndense 16 relu\ndropout 0.2\ndense 3 softmax\ntrain adam lr=0.01 epochs=3 batch=8"


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_same_spec_and_seed_give_the_same_numbers(backend, tmp_path):
    data = tiny_data()
    (first,) = quiet_run(MLP, data, tmp_path, backend, name="a")
    (second,) = quiet_run(MLP, data, tmp_path, backend, name="b")
    assert first.history == second.history
    assert first.metrics == second.metrics
    (other,) = quiet_run(MLP, data, tmp_path, backend, name="c", seed=5)
    assert other.history["loss"] != first.history["loss"]


def test_progress_granularity_does_not_change_the_numbers(tmp_path, monkeypatch):
    """The bar runs few steps per compiled call, plain lines a whole epoch: same numbers."""
    import io

    monkeypatch.setattr(nnspec.training.progress, "BAR_MIN_STEPS", 1)  # 2 steps a call, against 25
    data = tiny_data(n_train=100)
    text = MLP.replace("batch=8", "batch=4")
    bar, lines = (nnspec.run(text, data=data, out=tmp_path / kind, progress=kind, stream=io.StringIO(), report=False)
                  for kind in ("bar", "lines"))
    assert bar.best.history == lines.best.history


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_nan_loss_names_the_epoch_and_batch_and_keeps_what_was_written(backend, tmp_path):
    data = tiny_data(n_train=40)
    bad_sample = 13
    data.x_train[bad_sample, 0] = np.nan
    text = "input 4\ndense 3 softmax\ntrain sgd epochs=2 batch=5\nseed 3"
    position = int(np.flatnonzero(np.random.default_rng([3, SHUFFLE_STREAM]).permutation(40) == bad_sample)[0])
    with pytest.raises(TrainingError) as caught:
        quiet_run(text, data, tmp_path, backend)
    assert caught.value.message == f"loss became NaN at epoch 1, batch {position // 5 + 1}"
    folder = tmp_path / "run"
    assert "dense 3 softmax" in (folder / "spec.nn").read_text()
    saved = json.loads((folder / "results.json").read_text())
    assert saved["error"] == caught.value.message and saved["metrics"] == {}
    outcome = caught.value.result  # the same RunResults a sweep's error carries
    assert list(outcome) == [] and [r.error for r in outcome.failures] == [caught.value.message]


def test_a_diverging_sweep_variant_fails_alone(tmp_path):
    data = tiny_data(task="regression", classes=None)
    text = "input 4\ndense 1\ntrain sgd lr=0.001|1000 loss=mse metrics=mae epochs=3 batch=8"
    with pytest.raises(TrainingError) as caught:
        quiet_run(text, data, tmp_path)
    assert "1 of 2 variants failed (lr=1000: loss became" in caught.value.message
    outcome = caught.value.result
    assert [r.label for r in outcome] == ["lr=0.001"]
    assert [r.label for r in outcome.failures] == ["lr=1000"]
    entries = json.loads((tmp_path / "run" / "sweep.json").read_text())
    assert [e["label"] for e in entries] == ["lr=0.001", "lr=1000"] and "error" in entries[1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_sweep_gives_one_result_and_folder_per_variant(backend, tmp_path):
    text = "input 4\nlet act = relu | tanh\ndense 8 $act\ndense 3 softmax init=xavier|he\ntrain adam epochs=1"
    outcome = quiet_run(text, tiny_data(), tmp_path, backend)
    assert isinstance(outcome, RunResults) and len(outcome) == 4 and outcome.sweep
    labels = sorted(r.label for r in outcome)
    assert labels == ["act=relu init=he", "act=relu init=xavier", "act=tanh init=he", "act=tanh init=xavier"]
    root = tmp_path / "run"
    entries = json.loads((root / "sweep.json").read_text())
    assert {e["label"] for e in entries} == set(labels)
    for entry in entries:
        assert set(entry) >= {"label", "variant", "dir", "metrics", "best_epoch", "train_seconds"}
        saved = json.loads((root / entry["dir"] / "results.json").read_text())
        assert saved["variant"] == entry["variant"] and saved["metrics"] == entry["metrics"]
    assert (root / "act-relu_init-he" / "spec.nn").read_text().count("dense 8 relu") == 1
    assert "let act" in (root / "spec.nn").read_text()
    accuracy = [r.metrics["accuracy"] for r in outcome]
    assert accuracy == sorted(accuracy, reverse=True)  # best first


def test_results_json_holds_the_contracted_fields(tmp_path):
    data = tiny_data(shape=(4,), image_shape=(2, 2))
    data.meta = data.meta.__class__(**{**data.meta.__dict__, "class_names": ("a", "b", "c")})
    (result,) = quiet_run(MLP.replace("epochs=3", "epochs=2 val=0.25"), data, tmp_path)
    folder = tmp_path / "run"
    saved = json.loads((folder / "results.json").read_text())
    assert saved == json.loads(json.dumps(result.to_dict()))
    assert saved["spec"] == (folder / "spec.nn").read_text()
    assert saved["variant"] == {} and saved["backend"] == "keras" and saved["seed"] == 0 and saved["epochs"] == 2
    assert set(saved["metrics"]) == {"loss", "accuracy"}
    assert set(saved["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 2 for v in saved["history"].values())
    assert saved["train_seconds"] > 0
    assert set(saved["versions"]) == {"nnspec", "tensorflow", "keras"}
    assert saved["task"] == "multiclass" and saved["class_names"] == ["a", "b", "c"]
    assert saved["image_shape"] == [2, 2] and saved["input_shape"] == [4]
    assert saved["param_count"] == plan_of(MLP).param_count and saved["test_is_train"] is False
    assert (folder / "model.keras").is_file()
    history = (folder / "history.csv").read_text().splitlines()
    assert history[0] == "epoch,loss,accuracy,val_loss,val_accuracy" and len(history) == 3
    predictions = np.load(folder / "predictions.npz")
    np.testing.assert_array_equal(predictions["y_true"], data.y_test)
    assert predictions["y_pred"].shape == (len(data.y_test), 3)
    wrong = np.flatnonzero(predictions["y_pred"].argmax(axis=1) != data.y_test)
    np.testing.assert_array_equal(predictions["wrong_index"], wrong)
    assert predictions["x_wrong"].dtype == np.float16 and len(predictions["x_wrong"]) == len(wrong)


def test_regression_and_binary_predictions_are_one_value_per_sample(tmp_path):
    (regression,) = quiet_run("input 5\ndense 1\ntrain adam loss=mse metrics=mae epochs=1",
                           tiny_data(shape=(5,), task="regression", classes=None), tmp_path, name="reg")
    assert set(regression.metrics) == {"loss", "mae"} and regression.task == "regression"
    saved = np.load(tmp_path / "reg" / "predictions.npz")
    assert saved["y_true"].shape == saved["y_pred"].shape == (24,) and saved["y_true"].dtype == np.float32
    (binary,) = quiet_run("input 4\ndense 1 sigmoid\ntrain adam epochs=1", tiny_data(task="binary", classes=None),
                       tmp_path, "tf1", name="bin")
    saved = np.load(tmp_path / "bin" / "predictions.npz")
    assert binary.task == "binary" and saved["y_pred"].shape == (24,) and saved["y_true"].dtype == np.int64
    assert (tmp_path / "bin" / "checkpoint" / "model.ckpt.index").is_file()


def test_validation_holds_out_the_last_training_samples(tmp_path):
    data = tiny_data(n_train=40)
    (result,) = quiet_run(MLP.replace("epochs=3", "epochs=1 val=10"), data, tmp_path)
    plan = plan_of(MLP)
    expected = nnspec.training.evaluation.evaluate(plan, np.eye(3, dtype=np.float32)[data.y_train[30:]],
                                      result.model.predict(data.x_train[30:], verbose=0))
    assert result.history["val_loss"][0] == pytest.approx(expected["loss"], rel=1e-5)


def test_a_run_folder_is_never_overwritten(tmp_path):
    data = tiny_data()
    (first,) = quiet_run(MLP, data, tmp_path, epochs=1)
    (second,) = quiet_run(MLP, data, tmp_path, epochs=1)
    assert first.dir == tmp_path / "run" and second.dir == tmp_path / "run-2"


def test_overrides_are_written_into_the_saved_spec(tmp_path):
    (result,) = quiet_run(MLP, tiny_data(), tmp_path, "tf1", epochs=1, batch="all", lr=0.5, seed=9)
    text = (tmp_path / "run" / "spec.nn").read_text()
    assert "backend tf1" in text and "seed 9" in text
    assert "train adam lr=0.5 epochs=1 batch=all" in text
    assert result.epochs == 1 and result.batch is None and result.seed == 9 and result.backend == "tf1"


def test_overrides_add_a_train_line_when_the_spec_has_none():
    spec = apply_overrides(nnspec.parse("input 4\ndense 3 softmax"), epochs=2)
    assert nnspec.format(spec).splitlines()[-1] == "train adam epochs=2"


def test_a_spec_without_data_is_a_data_error(tmp_path):
    with pytest.raises(DataError) as caught:
        nnspec.run("input 4\ndense 3 softmax", out=tmp_path / "run", progress="none")
    assert "no 'data' line" in caught.value.message


def test_labels_outside_the_outputs_are_a_data_error(tmp_path):
    data = tiny_data()
    data.y_train[0] = 7
    with pytest.raises(DataError) as caught:
        quiet_run(MLP, data, tmp_path)
    assert "class labels from 0 to 7" in caught.value.message


def test_the_report_hook_is_called_and_its_failure_is_only_a_warning(tmp_path, monkeypatch, capsys):
    import nnspec.reports

    calls = []

    def failing_report(folder):
        calls.append(folder)
        raise RuntimeError("no pictures today")

    monkeypatch.setattr(nnspec.reports, "write_report", failing_report)
    (result,) = nnspec.run(MLP, data=tiny_data(), out=tmp_path / "run", progress="none", epochs=1)
    assert calls == [tmp_path / "run"] and result.metrics
    assert "warning: the report could not be written: no pictures today" in capsys.readouterr().err


def test_epoch_lines_and_the_table(tmp_path):
    import io

    stream = io.StringIO()
    nnspec.run(MLP, data=tiny_data(), out=tmp_path, progress="lines", stream=stream, report=False, epochs=2)
    status, lines = stream.getvalue().splitlines()[:3], stream.getvalue().splitlines()[3:]
    assert status == ["checking the spec ...", "backend keras (the default; --backend tf1 chooses another)",
                      "loading TensorFlow ..."]  # given data: nothing to load
    assert [line.split("  ")[0] for line in lines] == ["epoch 1/2", "epoch 2/2"]
    assert "loss " in lines[0] and "accuracy " in lines[0]
    fake = RunResult("lr=0.1", "", {"lr": 0.1}, "keras", 0, 1, {"loss": 0.5, "accuracy": 0.75}, {}, 1.25,
                     {}, "", "multiclass", None, None, [4], 1, False, best_epoch=1)
    table = results_table([fake]).splitlines()
    assert table[0].split() == ["variant", "test", "loss", "test", "accuracy", "best", "epoch", "train", "s"]
    assert table[1].split() == ["lr=0.1", "0.5000", "0.7500", "1", "1.2"]


def test_slugs_name_variant_folders():
    assert slug("init=xavier") == "init-xavier"
    assert slug("init=he lr=0.001") == "init-he_lr-0.001"
    assert slug("path=a/b") == "path-a-b"


@pytest.mark.parametrize("backend", BACKENDS)
def test_iris_reaches_the_course_accuracy(backend, tmp_path):
    """specs/iris.nn: at least 0.9556 test accuracy on both backends (the course got 0.9778)."""
    (result,) = nnspec.run(SPECS / "iris.nn", backend, out=tmp_path / "iris", progress="none", report=False)
    assert result.metrics["accuracy"] >= 0.9556
    assert math.isfinite(result.metrics["loss"])


def test_the_table_shows_failed_variants_with_their_error():
    def result(label, metrics, error=None):
        return RunResult(label, "", {"lr": label}, "keras", 0, 1, metrics, {}, 0.5, {}, "", "multiclass", None,
                         None, [4], 1, False, error=error)

    failed = result("lr=10", {}, "loss became NaN at epoch 1, batch 2")
    table = results_table([result("lr=0.1", {"loss": 0.5, "accuracy": 0.75}), failed]).splitlines()
    assert table[2].split()[:3] == ["lr=10", "failed:", "loss"]
    only_failures = results_table([failed]).splitlines()
    assert only_failures[0].split()[:3] == ["variant", "test", "loss"]
    assert "failed: loss became NaN at epoch 1, batch 2" in only_failures[1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_saved_model_restores_to_the_same_predictions(backend, tmp_path):
    data = tiny_data()
    (result,) = quiet_run(MLP.replace("epochs=3", "epochs=2"), data, tmp_path, backend)
    folder = tmp_path / "run"
    if backend == "keras":
        import keras

        restored = keras.models.load_model(folder / "model.keras")
        expected = result.model.predict(data.x_test, verbose=0)
        np.testing.assert_allclose(restored.predict(data.x_test, verbose=0), expected, rtol=1e-5)
    else:
        fresh = nnspec.build(plan_of(MLP, "tf1"), "tf1")
        with fresh.graph.as_default():
            fresh.saver.restore(fresh.session, str(folder / "checkpoint" / "model.ckpt"))
        np.testing.assert_allclose(fresh.predict(data.x_test), result.model.predict(data.x_test), rtol=1e-5)


def test_a_dataset_that_cannot_load_is_reported_at_the_data_line(tmp_path):
    from conftest import registered

    from nnspec import hookimpl
    from nnspec.types import Dataset, DatasetMeta

    def unavailable(options, seed):
        raise DataError("dataset 'offline' not found here and the download failed")

    class Offline:
        @hookimpl
        def register_datasets(self, register):
            register(Dataset("offline", load=unavailable, meta=lambda o: DatasetMeta((4,), "multiclass", classes=3)))

    with registered(Offline(), "offline-dataset"):
        spec = nnspec.parse("dense 3 softmax\ndata offline\ntrain adam epochs=1\n", "offline.nn")
        with pytest.raises(DataError) as info:
            nnspec.run(spec, out=tmp_path / "run", progress="none", report=False)
    assert info.value.render().splitlines() == [
        "offline.nn:2:6: dataset 'offline' not found here and the download failed",
        "    data offline",
        "         ^",
    ]
