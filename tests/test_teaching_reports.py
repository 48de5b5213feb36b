"""Pictures that teach: captions from the run's numbers, axes that compare, the comparison page, notebooks' HTML."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import nnspec
from nnspec.reports import captions, curves as curves_module
from nnspec.reports import report, write_report
from nnspec.reports.compare import compare, layers_text
from test_reports import FASHION, make_run, make_sweep

SPECS = Path(__file__).resolve().parent.parent / "specs"


# ---------------------------------------------------------------- run folders with diagnostics


def diagnostics(activation: str, epochs: int = 3, layers: int = 4, scale: float = 1.0) -> dict:
    """Rows as the diagnostics callback writes them: sigmoid gradients shrink 4x a layer, relu ones do not."""
    rows = []
    for epoch in range(epochs + 1):
        for index in range(1, layers + 1):
            last = index == layers
            shrink = 0.25 ** (layers - index) if activation == "sigmoid" else 1.0
            rows.append({
                "epoch": epoch, "layer": f"dense_{index}", "kind": "dense",
                "activation": "softmax" if last else activation,
                "grad_norm": 0.5 * shrink * (1 + 0.1 * epoch), "weight_norm": 3.0 + 0.2 * epoch,
                "update_ratio": None if epoch == 0 else 0.01 * index * scale, "mean": 0.5 * scale ** index,
                "std": 0.1 * scale ** index, "saturated": 0.6 if activation == "sigmoid" else None,
                "dead": 0.1 if activation == "relu" else None,
            })
    edges = list(np.linspace(0, 1, 5))
    histogram = {f"dense_{i}": {"epoch": 0, "edges": edges, "counts": [1, 5, 5, 1]} for i in range(1, layers + 1)}
    later = {name: {**value, "epoch": epochs} for name, value in histogram.items()}
    return {"probe_samples": 512, "rows": rows, "histograms": {"first": histogram, "last": later},
            "weight_histograms": {"first": histogram, "last": later}}


def with_diagnostics(folder: Path, activation: str, **options) -> Path:
    path = folder / "results.json"
    results = json.loads(path.read_text())
    results["diagnostics"] = diagnostics(activation, **options)
    results["initial"] = {"loss": 2.4, "accuracy": 0.3, "val_loss": 2.5, "val_accuracy": 0.28}
    path.write_text(json.dumps(results))
    return folder


class Figures(HTMLParser):
    """The page's <figure>s: each one's image source and caption text."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[dict] = []
        self.images_outside: list[str] = []
        self._in_figure = self._in_caption = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self._in_figure = True
            self.figures.append({"src": None, "caption": ""})
        elif tag == "img":
            if self._in_figure:
                self.figures[-1]["src"] = attrs.get("src")
            else:
                self.images_outside.append(attrs.get("src"))
        elif tag == "figcaption":
            self._in_caption = True

    def handle_endtag(self, tag):
        if tag == "figure":
            self._in_figure = False
        elif tag == "figcaption":
            self._in_caption = False

    def handle_data(self, data):
        if self._in_caption:
            self.figures[-1]["caption"] += data


def figures_of(page: Path) -> Figures:
    parser = Figures()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def assert_every_picture_captioned(page: Path) -> list[dict]:
    """Every image on the page sits in a <figure> whose <figcaption> says something with a number in it."""
    found = figures_of(page)
    assert not found.images_outside, f"images without a figure on {page}: {found.images_outside}"
    for figure in found.figures:
        assert figure["src"] and (page.parent / figure["src"]).is_file(), (page, figure)
        assert len(figure["caption"].strip()) > 20, (page, figure)
    return found.figures


# ---------------------------------------------------------------- captions from the numbers


def test_every_picture_of_a_run_and_a_sweep_has_a_caption_from_its_numbers(tmp_path):
    run = with_diagnostics(make_run(tmp_path / "run", class_names=FASHION, image_shape=[8, 8], samples=80),
                           "sigmoid")
    result = write_report(run)
    assert {"gradients", "layer_stats", "activations", "weights", "wrong_confidence"} <= set(result.pictures)
    assert set(result.captions) == set(result.pictures)
    figures = assert_every_picture_captioned(result.html)
    assert len(figures) == len(result.pictures)
    # the gradient caption is this run's ratio: dense_1 gets 0.25**2 of dense_3's gradient
    assert "0.0625 times the gradient of the last hidden layer" in result.captions["gradients"]
    right = int((result.metrics["accuracy"]) * 80 + 0.5)
    assert f"{right} of 80 samples" in result.captions["confusion"]
    sweep = make_sweep(tmp_path / "sweep")
    for number, activation in enumerate(("sigmoid", "relu", "relu")):
        with_diagnostics(sweep / f"v{number}", activation)
    swept = write_report(sweep)
    assert {"sweep_curves", "gradient_maps", "layer_profiles", "update_ratios"} <= set(swept.pictures)
    assert_every_picture_captioned(swept.html)
    for variant in swept.variants.values():
        assert_every_picture_captioned(variant.html)


def test_the_curves_caption_says_when_the_validation_loss_turns_up():
    history = {"loss": [1.0, 0.6, 0.4, 0.3, 0.2, 0.1], "val_loss": [1.0, 0.7, 0.5, 0.55, 0.6, 0.7]}
    text = captions.curves(history, {"loss": 2.3}, None, False)
    assert "from 2.3 before training to 0.1 after epoch 6" in text
    assert "lowest at epoch 3 (0.5)" in text and "overfitting" in text
    close = captions.curves({"loss": [1, 0.5, 0.4], "val_loss": [1, 0.52, 0.41]}, None, None, False)
    assert "no overfitting" in close


# ---------------------------------------------------------------- axes that tell the truth


@pytest.fixture
def drawn(monkeypatch):
    """The figures the curve functions save, kept for inspection."""
    kept = []
    monkeypatch.setattr(curves_module, "save", lambda figure, path: kept.append(figure) or path)
    return kept


def test_curves_start_at_epoch_zero_with_a_chance_line_and_a_log_loss(drawn, tmp_path):
    history = {"loss": [15800.0, 5200.0, 0.4], "accuracy": [0.7, 0.78, 0.8]}
    curves_module.plot_curves(history, tmp_path / "c.png", "t", initial={"loss": 15.0, "accuracy": 0.1},
                              chance=0.1)
    loss, accuracy = drawn[0].axes[:2]
    assert loss.get_yscale() == "log" and accuracy.get_yscale() == "linear"
    assert list(loss.lines[0].get_xdata()) == [0, 1, 2, 3]
    assert any(line.get_label().startswith("chance") for line in accuracy.lines)
    assert accuracy.get_ylim()[1] >= 1.0 and accuracy.get_ylim()[0] <= 0.1


def test_a_dead_run_marks_no_best_epoch_and_its_page_puts_the_diagnosis_first(tmp_path, drawn):
    run = make_run(tmp_path / "dead", samples=60)
    results = json.loads((run / "results.json").read_text())
    results["history"]["loss"] = [2.3026] * 4
    results["history"]["val_loss"] = [2.3027] * 4
    results["warnings"] = ["the network is dead: it predicts class 0 for every one of the 60 test samples"]
    (run / "results.json").write_text(json.dumps(results))
    (run / "history.csv").unlink()
    result = write_report(run)
    loss = drawn[0].axes[0]
    assert not any("best epoch" in line.get_label() for line in loss.lines)
    page = result.html.read_text()
    assert page.index("What went wrong") < page.index("curves.png") < page.index("<details><summary>Misclassified")
    assert "there is no best epoch to mark" in result.captions["curves"]


def test_a_sweep_without_validation_does_not_speak_of_dashed_validation_lines(drawn, tmp_path):
    histories = {"a": {"loss": [1.0, 0.5]}, "b": {"loss": [1.2, 0.7]}}
    curves_module.plot_sweep_curves(histories, tmp_path / "s.png", "two runs")
    assert "dashed" not in drawn[0]._suptitle.get_text()
    curves_module.plot_sweep_curves({"a": {"loss": [1.0], "val_loss": [1.1]}}, tmp_path / "v.png", "one")
    assert "dashed: validation" in drawn[1]._suptitle.get_text()


def test_a_sweeps_variants_draw_their_gradients_on_one_shared_range(tmp_path):
    sweep = make_sweep(tmp_path / "sweep")
    for number, activation in enumerate(("sigmoid", "relu", "relu")):
        with_diagnostics(sweep / f"v{number}", activation)
    from nnspec.reports.build import shared_limits
    from nnspec.rundir import load_sweep

    limits = shared_limits(load_sweep(sweep).runs)
    low, high = limits["grad_norm"]
    assert low == pytest.approx(0.5 * 0.25 ** 3) and high == pytest.approx(0.5 * 1.3)


def test_an_activations_picture_shows_at_most_twelve_layers_spread_over_the_network():
    from nnspec.reports.layer_plots import chosen_layers

    names = [f"layer_{i}" for i in range(31)]
    picked = chosen_layers(names)
    assert len(picked) == 12 and picked[0] == "layer_0" and picked[-1] == "layer_30"


def test_batchnorm_runs_say_why_their_epoch_zero_equals_the_plain_networks():
    rows = diagnostics("sigmoid")
    text = captions.gradients(rows, "batchnorm=1", batchnorm=True)
    assert "moving statistics" in text and "epoch-0 point" in text


# ---------------------------------------------------------------- comparing runs


def test_the_comparison_table_has_every_option_that_differs_learning_rate_included(tmp_path):
    first = make_run(tmp_path / "a" / "run")
    second = make_run(tmp_path / "b" / "run", seed=1)
    spec = "data iris\ndense 8 relu\ndense 3 softmax\ntrain sgd lr=0.1 epochs=4\n"
    results = json.loads((second / "results.json").read_text())
    results["spec"] = spec
    (second / "results.json").write_text(json.dumps(results))
    result = compare([first, second], tmp_path / "cmp")
    table = result.table
    assert {"optimizer", "lr"} <= set(table.columns)
    assert list(table["optimizer"]) == ["adam", "sgd"] and list(table["lr"]) == [0.01, 0.1]
    assert "dataset" not in table.columns  # the same for both: not a difference
    assert pd.read_csv(tmp_path / "cmp" / "comparison.csv")["run"].tolist() == list(table["run"])
    assert_every_picture_captioned(result.html)


def test_nnspec_compare_takes_sweeps_and_runs_and_refuses_a_single_run(tmp_path):
    sweep = make_sweep(tmp_path / "sweep")
    run = make_run(tmp_path / "other" / "run")
    from nnspec.cli import app

    done = CliRunner().invoke(app, ["compare", str(sweep), str(run), "--out", str(tmp_path / "cmp")])
    assert done.exit_code == 0, done.output
    assert "page:" in done.output and (tmp_path / "cmp" / "index.html").is_file()
    table = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    assert len(table) == 4
    alone = CliRunner().invoke(app, ["compare", str(run), "--out", str(tmp_path / "one")])
    assert alone.exit_code == 2 and "at least two runs" in alone.output
    missing = CliRunner().invoke(app, ["compare", str(run), str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "no run folder" in missing.output


def test_the_layers_of_a_plan_read_as_the_spec_would_write_them():
    plan = nnspec.check("input 64\ndense 64 sigmoid x10\ndense 10 softmax init=he")[0]
    assert layers_text(plan) == "dense 64 sigmoid x10, dense 10 softmax init=he_normal"


# ---------------------------------------------------------------- check's words at run time and on the page


def test_relu_with_xavier_gets_a_note_pointing_at_he():
    found = nnspec.diagnose("input 10\ndense 8 relu x3\ndense 2 softmax\n")
    notes = [d for d in found if d.code == "relu-xavier"]
    assert len(notes) == 1 and notes[0].severity == "info" and "init=he" in notes[0].hint
    assert not [d for d in nnspec.diagnose("input 10\ndense 8 relu init=he x3\ndense 2 softmax\n")
                if d.code == "relu-xavier"]


def test_vanishing_gradients_counts_activation_layers_as_well():
    text = "input 10\n{ dense 8; activation sigmoid } x6\ndense 2 softmax\n"
    assert "vanishing-gradients" in {d.code for d in nnspec.diagnose(text)}


def test_the_page_shows_what_nnspec_check_says_with_its_caret(tmp_path):
    run = make_run(tmp_path / "run")
    results = json.loads((run / "results.json").read_text())
    results["spec"] = "data iris\ndense 8 sigmoid x6\ndense 3 softmax\ntrain adam epochs=4\n"
    (run / "results.json").write_text(json.dumps(results))
    result = write_report(run)
    assert any("vanishing gradients" in note and "^" in note for note in result.check_notes)
    assert "What nnspec check says about this spec" in result.html.read_text()


# ---------------------------------------------------------------- notebooks' HTML, without TensorFlow


def test_a_spec_and_its_check_show_as_html_without_tensorflow():
    pytest.importorskip("IPython")
    code = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()  # a running IPython, as in a notebook\n"
        "import nnspec\n"
        "spec = nnspec.parse(open(sys.argv[1]).read(), 'initializers.nn')\n"
        "page = shell.display_formatter.format(spec)[0]['text/html']  # what the notebook shows\n"
        "assert 'exploding' in page and 'total parameters' in page and '400,906' in page, page[:500]\n"
        "assert '^' in page and 'info' in page\n"
        "bad = shell.display_formatter.format(nnspec.parse('input 4\\ndense 3 relux\\n'))[0]['text/html']\n"
        "assert 'did you mean' in bad and '1 error' in bad\n"
        "checked = nnspec.check(spec)._repr_html_()\n"
        "assert '3 variants' in checked and 'exploding' in checked\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n"
    )
    subprocess.run([sys.executable, "-c", code, str(SPECS / "initializers.nn")], check=True, timeout=120)


def test_a_report_and_run_results_show_inline_with_their_pictures(tmp_path):
    from nnspec.results import RunResult, RunResults

    run = with_diagnostics(make_run(tmp_path / "run"), "relu")
    shown = report(run)._repr_html_()
    assert shown.count("<img src=\"data:image/png;base64,") == len(report(run).pictures)
    assert shown.count("<figcaption>") >= len(report(run).pictures)
    result = RunResult("", "", {}, "keras", 0, 4, {"loss": 0.5, "accuracy": 0.9}, {}, 1.0, {}, "iris",
                       "multiclass", None, None, [4], 67, False)
    results = RunResults([result], run)
    results.report = report(run)
    html = results._repr_html_()
    assert "0.9000" in html and "data:image/png;base64," in html


def test_the_magic_checks_a_cell_and_stops_at_its_errors_without_a_traceback(monkeypatch):
    pytest.importorskip("IPython")
    from nnspec.notebook import magic

    shown: list[str] = []
    monkeypatch.setattr(magic, "_display_html", shown.append)
    assert magic.run_cell("--check", "input 4\ndense 3 softmax\n") is None
    assert "total parameters" in shown[-1] and "ok" in shown[-1]
    assert magic.run_cell("", "input 4\ndense 3 softmaxx\n") is None  # an error: nothing trains
    assert "did you mean" in shown[-1] and "^" in shown[-1]
    assert magic.run_cell("--nope", "input 4\ndense 3 softmax\n") is None
    assert "unrecognized arguments" in shown[-1]
    assert magic.run_cell("", None) is None and "needs a spec file" in shown[-1]


def test_load_ext_registers_the_line_and_cell_magic():
    registered = []

    class Shell:
        user_ns: dict = {}

        def register_magic_function(self, function, kind, name):
            registered.append((kind, name, function))

    nnspec.load_ipython_extension(Shell())
    assert [(kind, name) for kind, name, _ in registered] == [("line_cell", "nnspec")]
    assert "%%nnspec" in registered[0][2].__doc__


# ---------------------------------------------------------------- training's side


def test_a_run_records_its_epoch_zero_point_and_quick_mode_caps_the_epochs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("tensorflow")
    from backend_data import tiny_data

    monkeypatch.setenv("NNSPEC_QUICK", "1")
    text = "input 4\ndense 8 relu x3\ndense 3 softmax\ntrain adam epochs=6 batch=16 val=0.2 diagnostics=true"
    outcome = nnspec.run(text, data=tiny_data(), out=tmp_path / "run", progress="lines")
    best = outcome.best
    assert best.epochs == 2 and len(best.history["loss"]) == 2
    initial = best.extras["initial"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(initial)
    assert math.isclose(initial["loss"], math.log(3), rel_tol=0.5)
    assert set(best.diagnostics["weight_histograms"]) == {"first", "last"}
    assert best.diagnostics["histograms"]["first"]["dense_1"]["epoch"] == 0
    printed = capsys.readouterr()
    assert "NNSPEC_QUICK=1: every run stops after 2 epochs" in printed.out
    assert "relu-xavier" not in printed.err and "init=xavier" in printed.err  # the check's note, at run time
    assert outcome.report is not None and "curves" in outcome.report.pictures
