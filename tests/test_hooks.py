"""The training and report hooks: register_training_callbacks and register_report_sections."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nnspec
from backend_data import tiny_data
from conftest import registered
from nnspec import hookimpl
from nnspec.types import ReportSection, SectionContent, TrainingCallback

pytest.importorskip("tensorflow")

MLP = "input 4\ndense 8 relu\ndense 3 softmax\ntrain adam lr=0.01 epochs=3 batch=8 val=0.25"


class Recorder:
    """A register_training_callbacks plugin: records what it sees, adds quantities, and has a broken twin."""

    def __init__(self):
        self.seen = []
        self.broken_calls = []

    @hookimpl
    def register_training_callbacks(self, register):
        def begin(state):
            self.seen.append(("begin", state.epoch, state.probe_x.copy(), state.plan.train.epochs))

        def epoch_end(state):
            weights = state.model.get_weights()
            state.logs["first_kernel_norm"] = float(np.linalg.norm(weights[0]))
            if state.epoch >= 2:
                state.logs["late"] = state.epoch
            self.seen.append(("epoch", state.epoch, state.probe_x.copy(), sorted(state.logs)))

        def end(state):
            self.seen.append(("end", state.epoch, state.probe_x.copy(), state.trainer is not None))

        def broken(state):
            self.broken_calls.append(state.epoch)
            raise ZeroDivisionError("division by zero")

        register(TrainingCallback("recorder", on_train_begin=begin, on_epoch_end=epoch_end,
                                  on_train_end=end, probe_size=5))
        register(TrainingCallback("broken", on_epoch_end=broken))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One small run with the Recorder plugin loaded: (plugin, result, what went to stderr)."""
    import contextlib

    folder = tmp_path_factory.mktemp("hooks") / "run"
    plugin = Recorder()
    errors = io.StringIO()
    with registered(plugin, "recorder-plugin"), contextlib.redirect_stderr(errors):
        (result,) = nnspec.run(MLP, data=tiny_data(), out=folder, progress="none", report=False)
    return plugin, result, errors.getvalue()


def test_training_callbacks_are_called_at_begin_each_epoch_and_end(trained):
    plugin, _, _ = trained
    kinds = [(kind, epoch) for kind, epoch, *_ in plugin.seen]
    assert kinds == [("begin", 0), ("epoch", 1), ("epoch", 2), ("epoch", 3), ("end", 3)]
    assert plugin.seen[0][3] == 3
    assert "val_loss" in plugin.seen[1][3] and plugin.seen[-1][3] is True


def test_training_callbacks_get_the_same_probe_batch_of_training_samples(trained):
    plugin, _, _ = trained
    probes = [probe for _, _, probe, _ in plugin.seen]
    assert probes[0].shape == (5, 4)
    np.testing.assert_array_equal(probes[0], tiny_data().x_train[:5])
    assert all(np.array_equal(probe, probes[0]) for probe in probes)


def test_a_quantity_a_callback_adds_is_saved_in_the_history(trained):
    _, result, _ = trained
    assert len(result.history["first_kernel_norm"]) == 3
    saved = json.loads((result.dir / "results.json").read_text())
    assert saved["history"]["first_kernel_norm"] == result.history["first_kernel_norm"]
    csv = pd.read_csv(result.dir / "history.csv")
    assert list(csv["first_kernel_norm"]) == pytest.approx(result.history["first_kernel_norm"])


def test_a_quantity_added_late_is_padded_with_nan(trained):
    _, result, _ = trained
    assert np.isnan(result.history["late"][0]) and result.history["late"][1:] == [2.0, 3.0]


def test_a_failing_training_callback_is_named_and_does_not_lose_the_run(trained):
    plugin, result, err = trained
    assert plugin.broken_calls == [1]  # skipped after it failed
    assert "training callback 'broken' (plugin recorder-plugin) failed at epoch 1 in on_epoch_end" in err
    assert "ZeroDivisionError: division by zero" in err
    assert len(result.history["loss"]) == 3 and "accuracy" in result.metrics
    assert len(plugin.seen) == 5  # the other callback of the same plugin went on


class Confusions:
    """A register_report_sections plugin: a table and a picture from the saved predictions."""

    @hookimpl
    def register_report_sections(self, register):
        def build(run):
            if run.predictions is None:
                return None
            counts = np.bincount(run.predictions.y_true, minlength=3)
            picture = run.dir / "class_counts.png"
            from matplotlib.figure import Figure  # no pyplot: no window, no global state

            figure = Figure(figsize=(3, 2))
            figure.subplots().bar(range(len(counts)), counts)
            figure.savefig(picture)
            table = pd.DataFrame({"class": range(len(counts)), "test samples": counts})
            return SectionContent("Class counts", text="Test samples per class.",
                                  pictures={"test samples per class": picture}, tables={"counts": table})

        register(ReportSection("class_counts", build=build))


class BrokenSections:
    """Two report sections that go wrong: one raises, one returns the wrong type."""

    @hookimpl
    def register_report_sections(self, register):
        register(ReportSection("broken", build=lambda run: 1 / 0))
        register(ReportSection("wrong_type", build=lambda run: "a string"))


@pytest.fixture(scope="module")
def reported(trained, tmp_path_factory):
    """The trained run's report (on a copy of its folder) with both section plugins loaded."""
    import shutil

    folder = Path(shutil.copytree(trained[1].dir, tmp_path_factory.mktemp("report") / "run"))
    with registered(Confusions(), "counts-plugin"), registered(BrokenSections(), "broken-sections"):
        return nnspec.report(folder)


def test_a_report_section_adds_its_table_and_picture_to_the_page(reported):
    (section,) = reported.sections
    assert section.title == "Class counts" and list(section.tables["counts"].columns) == ["class", "test samples"]
    page = reported.html.read_text()
    assert "<h2>Class counts</h2>" in page and 'src="class_counts.png"' in page and "test samples" in page
    assert (reported.dir / "class_counts.png").is_file()
    assert "section: Class counts" in reported.summary()


def test_a_failing_report_section_is_a_note_and_the_report_is_still_written(reported):
    notes = reported.notes
    assert "report section 'broken' (plugin broken-sections) failed: ZeroDivisionError: division by zero" in notes
    assert "report section 'wrong_type' (plugin broken-sections) returned str, not a SectionContent" in notes
    assert reported.html.is_file() and "curves" in reported.pictures and reported.sections
