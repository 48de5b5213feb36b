"""Size limits: a spec past one gives one clear error quickly, before anything is expanded."""

import time

import pytest
from typer.testing import CliRunner

import nnspec
from nnspec.cli import app
from nnspec.dsl import limits
from nnspec.dsl.validate import check, check_spec
from nnspec.errors import NNSpecError

QUICK = 5.0  # seconds: generous under load; the unlimited cases took minutes or ran out of memory


def error_of(text):
    started = time.perf_counter()
    with pytest.raises(NNSpecError) as info:
        check(nnspec.parse(text, "t.nn"))
    assert time.perf_counter() - started < QUICK
    return info.value


@pytest.mark.parametrize("repeat", ["x99999999999999999999", "x9223372036854775807", "x100000000"])
def test_a_huge_repeat_is_one_clear_error(repeat):
    error = error_of(f"input 4\ndense 3 relu {repeat}")
    assert "more than 10,000" in error.message
    assert (error.line, error.column) == (2, 14)


def test_repeats_inside_repeats_are_counted_without_unrolling():
    error = error_of("input 4\n{ { dense 3 } x100000 } x100000")
    assert "more than" in error.message
    error = error_of("input 4\n{ { dense 3 } x1000 } x1000")
    assert "unrolls to 1,000,000 layers" in error.message


def test_repeats_up_to_the_limit_are_allowed():
    (plan,) = check(nnspec.parse("input 4\n{ dense 3 } x100\ndense 2 x100"))
    assert len(plan.layers) == 200


def test_unused_let_variables_do_not_multiply_the_variants():
    text = "".join(f"let v{i} = 1 | 2\n" for i in range(20)) + "input 4\ndense 3\n"
    started = time.perf_counter()
    result = check_spec(nnspec.parse(text))
    assert time.perf_counter() - started < QUICK
    assert len(result.plans) == 1
    assert all("never used" in w.message for w in result.warnings)


def test_too_many_variants_is_one_clear_error():
    text = "".join(f"let v{i} = 1 | 2\n" for i in range(20)) + "input 4\n" + \
        "".join(f"dense $v{i}\n" for i in range(20))
    error = error_of(text)
    assert "variants" in error.message and error.line == 14  # 2**14 is the first product past 10,000


def test_a_huge_input_and_conv_is_one_clear_error():
    error = error_of("input 1000000x1000000x1000000\nconv2d 1000000 3x3\nflatten\ndense 10")
    assert "parameters" in error.message or "values per sample" in error.message
    assert error.line == 2


def test_too_many_parameters():
    error = error_of("input 1000\ndense 100000\ndense 100000")
    assert "parameters" in error.message and error.line == 3


@pytest.mark.parametrize("command", ["check", "show", "fmt"])
def test_blocks_nested_500_deep_are_a_clean_error(tmp_path, command):
    path = tmp_path / "deep.nn"
    path.write_text("input 4\n" + "{ " * 500 + "dense 3" + " }" * 500 + "\n")
    result = CliRunner().invoke(app, [command, str(path)])
    assert result.exit_code == 1
    assert "nested 17 deep" in result.output
    assert not isinstance(result.exception, RecursionError)


@pytest.mark.parametrize("command", ["check", "show", "fmt"])
def test_blocks_nested_to_the_limit_work(tmp_path, command):
    path = tmp_path / "deep.nn"
    depth = limits.MAX_DEPTH
    path.write_text("input 4\n" + "{ " * depth + "dense 3" + " }" * depth + "\n")
    assert CliRunner().invoke(app, [command, str(path)]).exit_code == 0


def test_a_braces_inside_comments_and_strings_do_not_count():
    nnspec.parse('input 4 # ' + "{" * 50 + '\ndense 3\n')


def test_an_overlong_line_is_refused():
    with pytest.raises(NNSpecError, match="at most 10,000"):
        nnspec.parse("input 4\ndense 3 " + " " * 20_000 + "\n")


def test_an_oversized_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.nn"
    path.write_text("# padding\n" * 200_000)
    with pytest.raises(NNSpecError, match="at most 1,000,000"):
        nnspec.load(path)


def test_limits_are_documented():
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "language.md").read_text()
    for value in limits.LIMITS.values():
        assert f"{value:,}" in text


LINE_ENDS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


@pytest.mark.parametrize("end", LINE_ENDS.values(), ids=LINE_ENDS.keys())
@pytest.mark.parametrize("before", ["#", '"open string', 'data csv path="a" # note'], ids=["comment", "string", "both"])
def test_a_comment_or_string_ends_at_every_kind_of_line_end(before, end):
    # a bare \r used to keep the comment (or the string) open, so the braces after it
    # were not counted and the reader recursed 400 deep
    text = before + end + "{" * 400
    with pytest.raises(NNSpecError) as info:
        check(nnspec.parse(text, "t.nn"))
    assert "nested 17 deep" in info.value.message
    assert (info.value.line, info.value.column) == (2, 17)
    assert nnspec.diagnose(text)[0].code == "limit"


@pytest.mark.parametrize("end", LINE_ENDS.values(), ids=LINE_ENDS.keys())
def test_the_nesting_limit_holds_in_the_cli_whatever_the_line_ends(tmp_path, end):
    path = tmp_path / "deep.nn"
    path.write_bytes(("# a comment" + end + "input 4" + end + "{ " * 400 + "dense 3" + " }" * 400 + end).encode())
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}:3:33: blocks are nested 17 deep" in result.output
    assert not isinstance(result.exception, RecursionError)


@pytest.mark.parametrize("end", LINE_ENDS.values(), ids=LINE_ENDS.keys())
def test_line_length_is_counted_per_line_whatever_the_line_ends(end):
    nnspec.parse(("# " + "a" * 9_000 + end) * 3 + "input 4" + end + "dense 3" + end)
    with pytest.raises(NNSpecError, match="line 2 has 10,001 characters") as info:
        nnspec.parse("input 4" + end + "#" * 10_001 + end + "dense 3")
    assert info.value.line == 2
