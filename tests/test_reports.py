"""Reports built from small generated run folders in the form the runner writes them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from nnspec.errors import DataError, NNSpecError, UsageError
from nnspec.reports import report, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
IRIS = ["setosa", "versicolor", "virginica"]


# ---------------------------------------------------------------- generated run folders


def _history(epochs: int, metric: str | None, validation: bool, rng) -> dict[str, list[float]]:
    loss = list(np.linspace(1.5, 0.4, epochs) + rng.uniform(0, 0.05, epochs))
    history = {"loss": loss}
    if metric:
        history[metric] = list(np.linspace(0.4, 0.9, epochs))
    if validation:
        history["val_loss"] = [value + 0.1 for value in loss]
        if metric:
            history[f"val_{metric}"] = [value - 0.05 for value in history[metric]]
    return history


def make_run(
    folder: Path,
    task: str = "multiclass",
    *,
    samples: int = 60,
    class_names: list[str] | None = IRIS,
    image_shape: list[int] | None = None,
    epochs: int = 4,
    seed: int = 0,
    test_is_train: bool = False,
    variant: dict | None = None,
    validation: bool = True,
) -> Path:
    """A run folder exactly as the runner writes it: results.json, history.csv, spec.nn, predictions.npz."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    classes = len(class_names) if class_names else (2 if task == "binary" else 4)
    arrays: dict[str, np.ndarray] = {}
    if task == "regression":
        y_true = rng.uniform(5, 50, samples).astype(np.float32)
        arrays["y_true"] = y_true
        arrays["y_pred"] = (y_true + rng.normal(0, 3, samples)).astype(np.float32)
        metrics = {"loss": 9.1, "mae": 2.4}
        metric = "mae"
    else:
        if task == "binary":
            classes = 2
        y_true = rng.integers(0, classes, samples)
        logits = rng.normal(0, 1, (samples, classes))
        logits[np.arange(samples), y_true] += 1.5  # right about two times in three
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        arrays["y_true"] = y_true.astype(np.int64)
        arrays["y_pred"] = (probs[:, 1] if task == "binary" else probs).astype(np.float32)
        metrics = {"loss": 0.61, "accuracy": float((probs.argmax(axis=1) == y_true).mean())}
        metric = "accuracy"
        if image_shape:
            wrong = np.flatnonzero(probs.argmax(axis=1) != y_true)
            images = rng.uniform(0, 1, (samples, int(np.prod(image_shape))))
            arrays["x_wrong"] = images[wrong].astype(np.float16)
            arrays["wrong_index"] = wrong.astype(np.int64)
    history = _history(epochs, metric, validation, rng)
    spec = "data iris\ndense 8 relu\ndense 3 softmax\ntrain adam lr=0.01 epochs=4\n"
    results = {
        "spec": spec,
        "variant": variant or {},
        "backend": "keras",
        "seed": seed,
        "epochs": epochs,
        "metrics": metrics,
        "history": history,
        "train_seconds": 1.25,
        "versions": {"nnspec": "0.1.0", "tensorflow": "2.21.0", "keras": "3.15.0"},
        "dataset": "iris" if not image_shape else "fashion_mnist",
        "task": task,
        "class_names": class_names if task != "regression" else None,
        "image_shape": image_shape,
        "input_shape": image_shape or [4],
        "param_count": 67,
        "test_is_train": test_is_train,
    }
    (folder / "results.json").write_text(json.dumps(results, indent=2))
    pd.DataFrame({"epoch": range(1, epochs + 1), **history}).to_csv(folder / "history.csv", index=False)
    (folder / "spec.nn").write_text(spec)
    np.savez(folder / "predictions.npz", **arrays)
    return folder


def make_sweep(folder: Path, **run_options) -> Path:
    """A sweep folder: sweep.json and one run folder per variant."""
    folder.mkdir(parents=True)
    entries = []
    for number, lr in enumerate((0.1, 0.01, 0.001)):
        label = f"lr={lr}"
        run = make_run(folder / f"v{number}", seed=number, variant={"lr": lr}, **run_options)
        results = json.loads((run / "results.json").read_text())
        entries.append(
            {"label": label, "variant": {"lr": lr}, "dir": run.name, "metrics": results["metrics"],
             "best_epoch": 3, "train_seconds": 1.5 + number}
        )
    (folder / "sweep.json").write_text(json.dumps(entries, indent=2))
    (folder / "spec.nn").write_text("data iris\ndense 8 relu\ndense 3 softmax\ntrain adam lr=[0.1, 0.01, 0.001]\n")
    return folder


# ---------------------------------------------------------------- checks shared by the tests


def assert_png(path: Path) -> None:
    """A real PNG that PIL decodes, of a size that reads well on a screen."""
    from PIL import Image

    assert path.read_bytes()[:8] == PNG_SIGNATURE, path
    with Image.open(path) as image:
        image.load()
        width, height = image.size
    assert 300 <= width <= 2000 and 250 <= height <= 2000, (path, image.size)


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.references.append(value)


def page_references(page: Path) -> list[str]:
    parser = _References()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.references


def assert_page_complete(page: Path, pictures) -> None:
    """Every reference on the page is a relative file that exists, and every picture is on it."""
    references = page_references(page)
    for reference in references:
        assert not re.match(r"^[a-z]+:", reference), f"{reference} is not relative"
        assert (page.parent / reference).is_file(), f"{page} references missing {reference}"
    shown = {(page.parent / reference).resolve() for reference in references}
    for path in pictures:
        assert path.resolve() in shown, f"{path} is not on {page}"


# ---------------------------------------------------------------- reports built once, only read


@pytest.fixture(scope="module")
def fashion(tmp_path_factory):
    """An image run with Fashion-MNIST's class names and its report."""
    run = make_run(tmp_path_factory.mktemp("fashion") / "run", class_names=FASHION, image_shape=[8, 8], samples=80)
    return run, write_report(run)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """A sweep of three image-run variants and its report."""
    folder = make_sweep(tmp_path_factory.mktemp("sweep") / "sweep", class_names=FASHION, image_shape=[8, 8], samples=40)
    return folder, write_report(folder)


# ---------------------------------------------------------------- single runs


def test_classification_run_writes_tables_pictures_and_page(tmp_path):
    run = make_run(tmp_path / "iris")
    result = write_report(run)
    assert set(result.pictures) == {"curves", "confusion", "wrong_by_predicted", "wrong_spread", "wrong_confidence"}
    for path in result.pictures.values():
        assert path.parent == run
        assert_png(path)
    assert result.html == run / "index.html"
    assert_page_complete(result.html, result.pictures.values())
    page = result.html.read_text()
    for fact in ("data iris", "accuracy", "misclassified.csv", "keras"):
        assert fact in page


def test_misclassified_table_has_the_wrong_predictions_with_class_names(tmp_path):
    run = make_run(tmp_path / "iris")
    table = report(run).misclassified
    saved = np.load(run / "predictions.npz")
    predicted = saved["y_pred"].argmax(axis=1)
    wrong = np.flatnonzero(predicted != saved["y_true"])
    assert list(table.columns[:4]) == ["index", "label", "predicted", "confidence"]
    assert table["index"].tolist() == wrong.tolist()
    assert table["label"].tolist() == [IRIS[i] for i in saved["y_true"][wrong]]
    assert table["predicted"].tolist() == [IRIS[i] for i in predicted[wrong]]
    assert table["label_id"].tolist() == saved["y_true"][wrong].tolist()
    np.testing.assert_allclose(table["confidence"], saved["y_pred"][wrong].max(axis=1), atol=1e-4)
    assert (table["label"] != table["predicted"]).all()
    written = pd.read_csv(run / "misclassified.csv")
    assert written["index"].tolist() == wrong.tolist()


@pytest.mark.parametrize("names", [None, ["0", "1", "2", "3"]], ids=["no names", "digits as names"])
def test_misclassified_table_uses_indexes_when_classes_have_no_names(tmp_path, names):
    run = make_run(tmp_path / "run", class_names=names)
    table = report(run).misclassified
    assert list(table.columns) == ["index", "label", "predicted", "confidence"]
    assert table["label"].dtype.kind == "i"


def test_rebuilding_a_report_gives_identical_tables(tmp_path, fashion):
    import shutil

    built, first = fashion
    run = tmp_path / "copy"
    shutil.copytree(built, run)
    csv_before = (run / "misclassified.csv").read_bytes()
    for name in first.pictures:
        (run / f"{name}.png").unlink()
    (run / "misclassified.csv").unlink()
    (run / "index.html").unlink()
    again = report(run)
    assert (run / "misclassified.csv").read_bytes() == csv_before
    pd.testing.assert_frame_equal(first.misclassified, again.misclassified)
    assert set(again.pictures) == set(first.pictures)
    assert all(path.is_file() for path in again.pictures.values())


def test_binary_run_plots_the_probability_of_the_wrong_ones(tmp_path):
    run = make_run(tmp_path / "pima", "binary", class_names=["healthy", "diabetic"])
    result = report(run)
    table = result.misclassified
    y_pred = np.load(run / "predictions.npz")["y_pred"]
    assert table["predicted_id"].tolist() == (y_pred[table["index"]] >= 0.5).astype(int).tolist()
    assert (table["confidence"] >= 0.5).all()
    assert "wrong_spread" in result.pictures
    assert_png(result.pictures["confusion"])


def test_logits_are_turned_into_probabilities_for_confidence(tmp_path):
    run = make_run(tmp_path / "logits")
    saved = dict(np.load(run / "predictions.npz"))
    probs = saved["y_pred"]
    saved["y_pred"] = np.log(probs) + 3.0  # logits of the same probabilities
    np.savez(run / "predictions.npz", **saved)
    table = report(run).misclassified
    assert table["confidence"].between(0, 1).all()
    np.testing.assert_allclose(table["confidence"], probs[table["index"]].max(axis=1), atol=1e-3)


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_predictions_that_are_not_numbers_are_left_out_and_said(tmp_path, task):
    run = make_run(tmp_path / "diverged", task, class_names=None if task == "regression" else IRIS)
    saved = dict(np.load(run / "predictions.npz"))
    saved["y_pred"][:5] = np.nan
    saved["y_pred"][7] = np.inf
    np.savez(run / "predictions.npz", **saved)
    result = report(run)
    assert any(note.startswith("6 of 60 predictions are not numbers") for note in result.notes)
    assert "not numbers" in result.html.read_text()
    for path in result.pictures.values():
        assert_png(path)
    if task == "multiclass":
        assert result.misclassified["index"].min() > 4 and 7 not in set(result.misclassified["index"])
        assert result.misclassified["confidence"].notna().all()


def test_all_predictions_not_numbers_gives_a_page_without_prediction_pictures(tmp_path):
    run = make_run(tmp_path / "diverged", "binary", class_names=None)
    saved = dict(np.load(run / "predictions.npz"))
    saved["y_pred"][:] = np.nan
    np.savez(run / "predictions.npz", **saved)
    result = report(run)
    assert set(result.pictures) == {"curves"}
    assert result.html.is_file()


def test_regression_run_draws_scatter_and_residuals(tmp_path):
    run = make_run(tmp_path / "boston", "regression", class_names=None)
    result = report(run)
    assert result.misclassified is None
    assert set(result.pictures) == {"curves", "scatter", "residuals"}
    for path in result.pictures.values():
        assert_png(path)
    assert not (run / "misclassified.csv").exists()
    assert_page_complete(result.html, result.pictures.values())
    assert "mae" in result.html.read_text()


def test_image_run_draws_a_grid_of_misclassified_images(fashion):
    run, result = fashion
    assert_png(result.pictures["misclassified_images"])
    assert_page_complete(result.html, result.pictures.values())


def test_label_and_n_draw_that_many_images_of_that_label(tmp_path, monkeypatch):
    run = make_run(tmp_path / "fashion", class_names=FASHION, image_shape=[8, 8], samples=200)
    drawn = {}
    from nnspec.reports import plots

    original = plots.plot_image_grid

    def spy(images, titles, path, title):
        drawn.update(images=images, titles=titles, title=title)
        return original(images, titles, path, title)

    monkeypatch.setattr(plots, "plot_image_grid", spy)
    saved = np.load(run / "predictions.npz")
    wrong_labels = saved["y_true"][saved["wrong_index"]]
    label = int(np.bincount(wrong_labels).argmax())
    n = min(3, int((wrong_labels == label).sum()))
    result = report(run, label=str(label), n=n)
    assert len(drawn["images"]) == n
    assert all(title.startswith(f"{FASHION[label]} / ") for title in drawn["titles"])
    assert FASHION[label] in drawn["title"]
    assert f"misclassified_images_label{label}" in result.pictures
    # the class name picks the same label, in any case
    report(run, label=FASHION[label].upper(), n=n)
    assert all(title.startswith(f"{FASHION[label]} / ") for title in drawn["titles"])


def test_grid_images_come_from_the_saved_inputs(tmp_path, monkeypatch):
    run = make_run(tmp_path / "fashion", class_names=FASHION, image_shape=[8, 8, 1], samples=80)
    saved = np.load(run / "predictions.npz")
    drawn = {}
    from nnspec.reports import plots

    monkeypatch.setattr(plots, "plot_image_grid", lambda images, titles, path, title: drawn.update(images=images) or path)
    report(run, n=2)
    first_two = saved["x_wrong"][:2].astype(np.float32).reshape(2, 8, 8)
    np.testing.assert_array_equal(np.stack(drawn["images"]), first_two)


def test_unknown_label_is_a_usage_error_naming_the_classes(tmp_path):
    run = make_run(tmp_path / "fashion", class_names=FASHION, image_shape=[8, 8])
    with pytest.raises(UsageError, match="Ankle boot"):
        report(run, label="Sock")
    with pytest.raises(UsageError):
        report(run, label=10)
    with pytest.raises(UsageError):
        report(run, n=0)


def test_label_on_non_image_data_is_noted(tmp_path):
    result = report(make_run(tmp_path / "iris"), label="setosa")
    assert any("not images" in note for note in result.notes)


def test_test_is_train_is_said_on_the_page_and_in_the_titles(tmp_path):
    run = make_run(tmp_path / "pima", "binary", class_names=None, test_is_train=True)
    result = report(run)
    page = result.html.read_text()
    assert "measured on the training data" in page
    assert "Metrics on the training data" in page
    assert result.test_is_train
    assert "training data" in result.summary()


def test_page_of_a_run_with_a_test_split_has_no_warning(fashion):
    run, result = fashion
    assert "measured on the training data" not in result.html.read_text()
    assert "Metrics on the test data" in result.html.read_text()


def test_history_from_csv_when_results_has_none(tmp_path):
    run = make_run(tmp_path / "iris")
    results = json.loads((run / "results.json").read_text())
    del results["history"]
    (run / "results.json").write_text(json.dumps(results))
    assert "curves" in report(run).pictures


def test_run_without_history_or_predictions_still_gets_a_page(tmp_path):
    run = make_run(tmp_path / "iris")
    results = json.loads((run / "results.json").read_text())
    results["history"] = {}
    (run / "results.json").write_text(json.dumps(results))
    (run / "predictions.npz").unlink()
    result = report(run)
    assert result.pictures == {}
    assert len(result.notes) == 2
    assert result.html.is_file()


# ---------------------------------------------------------------- sweeps


def test_sweep_writes_comparison_overlaid_curves_and_one_page(sweep):
    sweep, result = sweep
    assert result.kind == "sweep"
    assert list(result.table["variant"]) == ["lr=0.1", "lr=0.01", "lr=0.001"]
    for column in ("lr", "loss", "accuracy", "best_epoch", "train_seconds"):
        assert column in result.table
    assert list(result.table["train_seconds"]) == [1.5, 2.5, 3.5]
    assert pd.read_csv(sweep / "comparison.csv")["variant"].tolist() == list(result.table["variant"])
    assert_png(result.pictures["sweep_curves"])
    assert set(result.variants) == set(result.table["variant"])
    everything = result.all_pictures()
    assert len(everything) == 1 + 3 * 6  # the overlaid curves; each variant: curves, 4 of predictions, images
    for path in everything.values():
        assert_png(path)
    assert_page_complete(result.html, everything.values())
    for variant in result.variants.values():
        assert_page_complete(variant.html, variant.pictures.values())
    assert result.misclassified.columns[0] == "variant"
    assert set(result.misclassified["variant"]) <= set(result.variants)


def test_sweep_with_failed_variants_reports_the_others_and_names_the_failures(tmp_path):
    sweep = make_sweep(tmp_path / "sweep")
    entries = json.loads((sweep / "sweep.json").read_text())
    # v1 diverged after writing its folder; a fourth variant failed before having one
    results = json.loads((sweep / "v1" / "results.json").read_text())
    results.update(metrics={}, error="the loss became NaN at epoch 2")
    (sweep / "v1" / "results.json").write_text(json.dumps(results))
    (sweep / "v1" / "predictions.npz").unlink()
    entries[1].update(metrics={}, error="the loss became NaN at epoch 2")
    entries.append({"label": "lr=10", "variant": {"lr": 10}, "dir": None, "metrics": {},
                    "best_epoch": None, "train_seconds": 0.0, "error": "out of memory"})
    (sweep / "sweep.json").write_text(json.dumps(entries))
    result = report(sweep)
    assert list(result.table["variant"]) == ["lr=0.1", "lr=0.01", "lr=0.001", "lr=10"]
    assert result.table["error"].tolist()[1] == "the loss became NaN at epoch 2"
    assert "variant lr=10 failed: out of memory" in result.notes
    assert "this run failed: the loss became NaN at epoch 2" in result.variants["lr=0.01"].notes
    page = result.html.read_text()
    assert "out of memory" in page and "n/a" in page
    assert_page_complete(result.html, result.all_pictures().values())


def test_metrics_saved_as_null_show_as_not_available(tmp_path):
    run = make_run(tmp_path / "iris")
    results = json.loads((run / "results.json").read_text())
    results["metrics"] = {"loss": None, "accuracy": 0.5}
    (run / "results.json").write_text(json.dumps(results))
    assert "<td>n/a</td>" in report(run).html.read_text()


def test_sweep_of_regressions(tmp_path):
    sweep = make_sweep(tmp_path / "sweep", task="regression", class_names=None)
    result = report(sweep)
    assert result.misclassified is None
    assert "mae" in result.table


# ---------------------------------------------------------------- broken folders


def test_missing_folder_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="no run folder"):
        report(tmp_path / "nowhere")


def test_folder_without_results_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="not an nnspec run folder"):
        report(tmp_path)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda run: (run / "results.json").write_text("{not json"), "not valid JSON"),
        (lambda run: (run / "results.json").write_text("[]"), "expected a JSON object"),
        (lambda run: (run / "predictions.npz").write_bytes(b"garbage"), "cannot be read"),
        (lambda run: np.savez(run / "predictions.npz", y_true=np.zeros(3)), "'y_pred' is missing"),
        (lambda run: np.savez(run / "predictions.npz", y_true=np.zeros(3, int), y_pred=np.ones((4, 3)) / 3), "do not match"),
        (lambda run: np.savez(run / "predictions.npz", y_true=np.full(3, 7), y_pred=np.ones((3, 3)) / 3), "outside"),
    ],
)
def test_garbled_run_folder_is_a_data_error(tmp_path, damage, message):
    run = make_run(tmp_path / "iris")
    damage(run)
    with pytest.raises(DataError, match=message):
        report(run)


def test_sweep_with_a_missing_variant_is_a_data_error(tmp_path):
    sweep = make_sweep(tmp_path / "sweep")
    (sweep / "v1" / "results.json").unlink()
    with pytest.raises(DataError, match="lr=0.01"):
        report(sweep)


# ---------------------------------------------------------------- command line


@pytest.fixture
def cli():
    from nnspec.cli import build_app

    return build_app()


def test_report_command_rebuilds_and_prints_where(tmp_path, cli):
    run = make_run(tmp_path / "fashion", class_names=FASHION, image_shape=[8, 8], samples=80)
    result = CliRunner().invoke(cli, ["report", str(run), "--label", "0", "--n", "2"])
    assert result.exit_code == 0, result.output
    assert "index.html" in result.output
    assert (run / "misclassified_images_label0.png").is_file() or "no misclassified image" in result.output


def test_report_command_on_a_missing_folder_is_a_message_not_a_traceback(tmp_path, cli):
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "no run folder" in result.output
    assert "Traceback" not in result.output


def test_report_command_with_a_bad_label_exits_2(tmp_path, cli):
    run = make_run(tmp_path / "iris")
    result = CliRunner().invoke(cli, ["report", str(run), "--label", "tulip"])
    assert result.exit_code == 2
    assert "setosa" in result.output


@pytest.mark.slow
def test_a_real_run_writes_its_report(tmp_path):
    import nnspec

    spec = "data iris\ndense 8 relu\ndense 3 softmax\ntrain adam lr=0.01 metrics=accuracy epochs=2 batch=16\n"
    (result,) = nnspec.run(spec, out=tmp_path / "run", progress="none")
    for name in ("curves", "confusion", "wrong_by_predicted", "wrong_spread"):
        assert_png(result.dir / f"{name}.png")
    rebuilt = report(result)
    assert rebuilt.dir == result.dir
    assert rebuilt.misclassified["label"].isin(IRIS).all()
    assert_page_complete(rebuilt.html, rebuilt.pictures.values())


def test_reports_never_import_tensorflow(tmp_path):
    run = make_run(tmp_path / "iris")
    code = (
        "import sys, nnspec; nnspec.report(sys.argv[1]); "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'tensorflow imported'"
    )
    subprocess.run([sys.executable, "-c", code, str(run)], check=True, timeout=60)


def test_nnspec_report_is_the_reports_function():
    import nnspec

    assert nnspec.report is report


# ---------------------------------------------------------------- the page in a real browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Appended to a copy of the page: once everything has loaded, the title says how many
# images the browser actually decoded.
COUNT_IMAGES = """<script>window.addEventListener("load", () => {
  const images = [...document.images];
  const drawn = images.filter((image) => image.complete && image.naturalWidth > 0).length;
  document.title = `images ${drawn} of ${images.length}`;
});</script>"""

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="headless Chromium is not installed (apt-get install -y chromium)"
)


def chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"  # a fresh profile: no state shared between runs
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments],
        capture_output=True, text=True, timeout=60,
    )


def images_drawn_by_chromium(tmp_path: Path, page: Path) -> str:
    probe = page.with_name("_probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", COUNT_IMAGES + "</body>"))
    try:
        dom = chromium(tmp_path, "--dump-dom", probe.as_uri()).stdout
    finally:
        probe.unlink()
    found = re.search(r"<title>(.*?)</title>", dom)
    return found.group(1) if found else dom[:200]


@needs_chromium
def test_run_page_renders_in_headless_chromium(tmp_path, fashion):
    from PIL import Image

    run, result = fashion
    screenshot = tmp_path / "page.png"
    chromium(tmp_path, "--window-size=1200,1600", f"--screenshot={screenshot}", result.html.as_uri())
    assert screenshot.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(screenshot) as image:
        assert image.size == (1200, 1600)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 50, "the screenshot is blank"
    count = len(result.pictures)
    assert images_drawn_by_chromium(tmp_path, result.html) == f"images {count} of {count}"


@needs_chromium
def test_sweep_page_shows_every_picture_in_headless_chromium(tmp_path, sweep):
    folder, result = sweep
    count = len(result.all_pictures())
    assert images_drawn_by_chromium(tmp_path, result.html) == f"images {count} of {count}"
