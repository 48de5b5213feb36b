"""What a new user meets first: the design card's example, binary files, typos."""

from typer.testing import CliRunner

from nnspec.cli import app

CARD = "dense 256 relu init=he x4; dense 10 softmax\n"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_the_design_cards_example_passes_check_with_a_note(tmp_path):
    path = tmp_path / "card.nn"
    path.write_text(CARD)
    result = invoke("check", path)
    assert result.exit_code == 0
    assert "ok (5 layers, shapes not inferred)" in result.output
    assert "info: shapes and parameters are not inferred without 'input' or 'data'" in result.output


def test_show_prints_the_layers_of_a_spec_without_shapes(tmp_path):
    path = tmp_path / "card.nn"
    path.write_text(CARD)
    result = invoke("show", path)
    assert result.exit_code == 0
    assert "dense_4  dense 256 relu init=he" in result.output
    assert "dense_5  dense 10 softmax" in result.output


def test_a_binary_files_error_carries_line_and_column(tmp_path):
    path = tmp_path / "bin.nn"
    path.write_bytes(b"input 4\ndense 3\n\x89PNG\r\n")
    result = invoke("check", path)
    assert result.exit_code == 1
    assert f"{path}:3:1: this is not a spec text file (invalid UTF-8 at byte 16)" in result.output


def test_nul_bytes_are_reported_at_their_line_and_column(tmp_path):
    path = tmp_path / "nul.nn"
    path.write_bytes(b"input 4\ndense 3\x00\n")
    assert f"{path}:2:8: this is not a spec text file" in invoke("check", path).output


def test_a_misspelled_loss_with_a_suffix_gets_a_suggestion(tmp_path):
    path = tmp_path / "typo.nn"
    path.write_text("input 4\ndense 3 softmax\ntrain adam loss=mse_typo\n")
    result = invoke("check", path)
    assert "unknown loss 'mse_typo'; did you mean 'mse'?" in result.output
