"""The course day as a student meets it: the shipped notebook run top to bottom, its pages in a real browser.

notebooks/course_day.ipynb is executed by nbclient on a real ipykernel with
NNSPEC_QUICK=1 (every run stops after 2 epochs), in a copy of the notebooks folder
beside the shipped specs. Then every teaching spec's page and the comparison page the
notebook wrote are opened in headless Chromium: each is screenshotted (kept in the
artefacts folder, ARTEFACTS below, which .gitignore covers), every image must be drawn
by the browser, and every picture must have its caption.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from test_reports import chromium, images_drawn_by_chromium, needs_chromium
from test_teaching_reports import assert_every_picture_captioned

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "course_day.ipynb"
ARTEFACTS = Path(os.environ.get("NNSPEC_ARTEFACTS", ROOT / "artefacts")) / "course_day"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
TEACHING = ("vanishing_gradients", "batchnorm", "initializers", "optimizers", "dropout")
DIGITS_ONLY = ("vanishing_gradients", "batchnorm")  # these need no downloaded data


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook after nbclient ran it in a copy of notebooks/ (with specs/ beside it)."""
    nbformat = pytest.importorskip("nbformat", reason="the notebook extra: pip install -e '.[notebook]'")
    nbclient = pytest.importorskip("nbclient", reason="the notebook extra: pip install -e '.[notebook]'")
    pytest.importorskip("ipykernel", reason="the notebook extra: pip install -e '.[notebook]'")
    pytest.importorskip("tensorflow")
    root = tmp_path_factory.mktemp("course")
    (root / "notebooks").mkdir()
    shutil.copy(NOTEBOOK, root / "notebooks" / NOTEBOOK.name)
    (root / "specs").symlink_to(ROOT / "specs")
    notebook = nbformat.read(root / "notebooks" / NOTEBOOK.name, as_version=4)
    patch = pytest.MonkeyPatch()
    patch.setenv("NNSPEC_QUICK", "1")  # the kernel inherits this process's environment
    try:
        client = nbclient.NotebookClient(notebook, timeout=1200, kernel_name="python3",
                                         resources={"metadata": {"path": str(root / "notebooks")}})
        client.execute()  # raises CellExecutionError at the first cell that fails
    finally:
        patch.undo()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, ARTEFACTS / "course_day.executed.ipynb")
    return root / "notebooks", notebook


def _outputs(notebook, source_part: str) -> list:
    cell = next(c for c in notebook.cells if c.cell_type == "code" and source_part in c.source)
    return cell.outputs


@pytest.mark.slow
def test_the_course_notebook_runs_top_to_bottom_without_an_error_cell(executed):
    _, notebook = executed
    errors = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs
              if out.output_type == "error"]
    assert not errors, errors
    # the first cells: a spec shown as HTML (no TensorFlow needed), then a sweep trained with the live bar
    assert "total parameters" in _outputs(notebook, "nnspec.parse(")[0]["data"]["text/html"]
    trained = _outputs(notebook, '%nnspec "{SPECS}/vanishing_gradients.nn"')
    kinds = [out.output_type for out in trained]
    assert kinds.count("display_data") >= 3 and kinds[-1] == "execute_result"  # check, bar, curves; results
    html = trained[-1]["data"]["text/html"]
    assert "data:image/png;base64," in html and "<figcaption>" in html and "the network is dead" in html
    assert "<progress" in trained[1]["data"]["text/html"]
    # the deliberate mistake is shown with its caret, not raised
    assert "did you mean" in _outputs(notebook, "softmaxx")[0]["data"]["text/html"]


def _page(folder: Path, name: str) -> Path:
    pages = sorted((folder / "runs" / name).glob("*/index.html"))
    if not pages:
        if name not in DIGITS_ONLY and not FASHION_DIR.is_dir() and not os.environ.get("CI"):
            pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
        raise AssertionError(f"the notebook wrote no page for {name} in {folder / 'runs'}")
    return pages[-1]


def _look_at(tmp_path: Path, page: Path, name: str) -> None:
    """A screenshot kept in the artefacts, a browser that draws every image, a caption under each."""
    from PIL import Image

    screenshot = ARTEFACTS / f"{name}.png"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    chromium(tmp_path, "--window-size=1200,3000", f"--screenshot={screenshot}", page.as_uri())
    with Image.open(screenshot) as image:
        assert image.size == (1200, 3000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 50, f"the screenshot of {page} is blank"
    figures = assert_every_picture_captioned(page)
    assert figures, f"{page} shows no picture"
    count = page.read_text(encoding="utf-8").count("<img ")
    assert images_drawn_by_chromium(tmp_path, page) == f"images {count} of {count}"


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("name", TEACHING)
def test_each_teaching_specs_page_renders_in_chromium_with_a_caption_under_every_picture(executed, tmp_path, name):
    folder, _ = executed
    page = _page(folder, name)
    _look_at(tmp_path, page, name)
    for variant in sorted(page.parent.glob("*/index.html")):
        assert_every_picture_captioned(variant)
    text = page.read_text(encoding="utf-8")
    assert "Side by side, on the same axes" in text and "gradient_maps.png" in text
    if name == "optimizers":
        assert "<th>lr</th>" in text  # each optimizer's default learning rate, in the table
    if name == "initializers":
        assert "exploding" in text  # check's warning, on the page


@pytest.mark.slow
@needs_chromium
def test_the_comparison_page_renders_in_chromium(executed, tmp_path):
    folder, _ = executed
    page = _page(folder, "compare")
    _look_at(tmp_path, page, "compare")
    assert "batchnorm=1" in page.read_text(encoding="utf-8")

