"""The command line: exit codes and messages of check, show, fmt, plugins."""

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnspec.cli import app

runner = CliRunner()
SPECS = Path(__file__).parent.parent / "specs"

GOOD = "input 4\ndense 32 relu init=he x3\ndense 3 softmax\n"


def write(tmp_path, text, name="model.nn"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_help():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("check", "show", "fmt", "plugins"):
        assert command in result.output


def test_check_ok(tmp_path):
    result = invoke("check", write(tmp_path, GOOD))
    assert result.exit_code == 0, result.output
    assert "ok (4 layers, 2,371 parameters)" in result.output


def test_check_reports_every_error_with_position_and_exits_1(tmp_path):
    path = write(tmp_path, "input 4\ndense 32 relv\ndropout 3\n")
    result = invoke("check", path)
    assert result.exit_code == 1
    assert f"{path}:2:10: unknown activation 'relv'; did you mean 'relu'?" in result.output
    assert f"{path}:3:9: dropout rate must be at least 0 and below 1, found 3" in result.output
    assert "Traceback" not in result.output


def test_check_syntax_error_shows_source_line_and_caret(tmp_path):
    path = write(tmp_path, "dense 3 @\n")
    result = invoke("check", path)
    assert result.exit_code == 1
    assert result.output.splitlines()[-3:] == [f"{path}:1:9: unexpected character '@'", "    dense 3 @", "            ^"]


def test_check_several_files_reports_each(tmp_path):
    good = write(tmp_path, GOOD, "good.nn")
    bad = write(tmp_path, "dense 3 relv\n", "bad.nn")
    result = invoke("check", good, bad)
    assert result.exit_code == 1
    assert "good.nn: ok" in result.output
    assert "bad.nn:1:9" in result.output


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not a spec text file"),
        (b"", "the spec has no layers"),
        (b"dense " + b"9" * 6000, "number too large"),
        (b"input 4\ndense 99999999999999999999", "dense units must be at most"),
    ],
    ids=["binary", "empty", "huge-literal", "huge-units"],
)
def test_bad_input_exits_1_without_traceback(tmp_path, content, message):
    result = invoke("check", write(tmp_path, content))
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_missing_file_is_a_usage_error(tmp_path):
    result = invoke("check", tmp_path / "nope.nn")
    assert result.exit_code == 2
    assert "no such spec file" in result.output


def test_unknown_command_and_option_are_usage_errors():
    assert invoke("frobnicate").exit_code == 2
    assert invoke("check", "--frob").exit_code == 2


def test_show_prints_the_table_with_totals(tmp_path):
    result = invoke("show", write(tmp_path, GOOD))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["layer", "output", "shape", "params"]
    assert "dense_1  (dense 32 relu)" in result.output
    assert "total params: 2,371" in result.output


def test_show_lists_the_variants_of_a_sweep(tmp_path):
    result = invoke("show", write(tmp_path, "let init = xavier | he\ninput 4\ndense 3 softmax init=$init\n"))
    assert result.exit_code == 0, result.output
    assert "2 variants:" in result.output
    assert "1. init=xavier" in result.output and "2. init=he" in result.output


def test_fmt_check_and_rewrite(tmp_path):
    path = write(tmp_path, "dense  3 ;dense 4  # c\n")
    result = invoke("fmt", "--check", path)
    assert result.exit_code == 1
    assert "would reformat" in result.output
    assert path.read_text() == "dense  3 ;dense 4  # c\n"
    assert invoke("fmt", path).exit_code == 0
    assert path.read_text() == "dense 3\ndense 4  # c\n"
    assert invoke("fmt", "--check", path).exit_code == 0


def test_fmt_never_touches_a_file_it_cannot_parse(tmp_path):
    path = write(tmp_path, "dense 3 @\n")
    assert invoke("fmt", path).exit_code == 1
    assert path.read_text() == "dense 3 @\n"


def test_shipped_specs_are_canonically_formatted():
    assert invoke("fmt", "--check", *sorted(SPECS.glob("*.nn"))).exit_code == 0


def test_plugins_lists_the_builtins():
    result = invoke("plugins")
    assert result.exit_code == 0
    assert "layers (nnspec" in result.output
    kinds = {kind for line in result.output.splitlines() if line.strip().startswith("layer kind:")
             for kind in line.split(":", 1)[1].replace(",", " ").split()}
    assert {"activation", "add", "attention", "batchnorm", "concat", "conv2d", "dense", "dropout", "embedding",
            "flatten", "layernorm", "maxpool", "positions", "lstm", "gru", "rnn", "conv1d", "reshape",
            "avgpool", "globalmaxpool", "globalavgpool"} <= kinds


def test_python_m_nnspec_runs():
    result = subprocess.run([sys.executable, "-m", "nnspec", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "check" in result.stdout


def test_check_show_fmt_never_import_tensorflow(tmp_path):
    path = write(tmp_path, GOOD)
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom nnspec.cli import app\nimport nnspec\n"
        "nnspec.parse('dense 256 relu init=he x4; dense 10 softmax')\n"
        f"for args in (['check', {str(path)!r}], ['show', {str(path)!r}], ['fmt', '--check', {str(path)!r}],"
        " ['plugins']):\n"
        "    CliRunner().invoke(app, args)\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_version():
    import nnspec

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"nnspec {nnspec.__version__}"
