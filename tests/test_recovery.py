"""Statement-level recovery, name errors, and positions that point at the cause."""

import pytest

import nnspec
from nnspec.dsl import ast
from nnspec.dsl.format import format_spec
from nnspec.errors import SpecError, SpecErrors, SpecSyntaxError


def codes(text):
    return [(d.code, d.line, d.column) for d in nnspec.diagnose(text) if d.severity == "error"]


def test_a_syntax_error_does_not_hide_the_errors_of_other_statements():
    text = "input 4\ndense 8 relv\ndense 3 @ relu\ndense 4 init=hee\ntrain adamm\n"
    assert codes(text) == [
        ("unknown-name", 2, 9),
        ("unexpected-character", 3, 9),
        ("unknown-name", 4, 14),
        ("unknown-name", 5, 7),
    ]


def test_a_file_with_five_mistakes_reports_five():
    text = ("data iris tset=0.3\ninput 4\ndense 32 relv init=he x3\n{ dense 8 relu; dropout 0.5 x2 relu } x2\n"
            "dense 3 softmax\ntrain adam lr=0.1 epochs=0 metrics=acuracy\n")
    assert codes(text) == [
        ("unknown-option", 1, 11),
        ("unknown-name", 3, 10),
        ("repeat-not-last", 4, 32),
        ("bad-value", 6, 26),
        ("unknown-name", 6, 36),
    ]


def test_capitals_are_a_name_error_with_the_lower_case_fix():
    found = nnspec.diagnose("input 4\nDense 3 Softmax\n")
    assert [(d.code, d.column, d.fix.replacement) for d in found] == [("name-case", 1, "dense"), ("name-case", 9, "softmax")]
    with pytest.raises(SpecErrors) as info:
        nnspec.parse("input 4\nDense 3 Softmax\n")
    assert not any(isinstance(e, SpecSyntaxError) for e in info.value.errors)


def test_a_capitalised_unknown_name_gets_one_error_whose_fix_mends_both():
    found = nnspec.diagnose("input 4\ndense 32 Relv init=hee x3\n")
    assert [(d.code, d.column, d.fix.replacement) for d in found] == [("unknown-name", 10, "relu"), ("unknown-name", 20, "he")]


def test_parse_still_raises_every_syntax_error():
    with pytest.raises(SpecErrors) as info:
        nnspec.parse("dense 3 @\ndense 4 ^\n")
    assert [(e.line, e.column, e.code) for e in info.value.errors] == [(1, 9, "unexpected-character"), (2, 9, "unexpected-character")]
    assert all(isinstance(e, SpecSyntaxError) for e in info.value.errors)


def test_a_broken_let_does_not_also_report_its_variable_undefined():
    assert codes("input 4\nlet a = 1 |\ndense $a\n") == [("expected-value", 2, 12)]


def test_a_broken_data_line_does_not_also_report_an_unknown_input():
    assert codes("data iris @\ndense 3 softmax\n") == [("unexpected-character", 1, 11)]


def test_an_error_in_a_swept_value_points_at_the_let_value():
    found = nnspec.diagnose("input 4\nlet opt = adam | adamm\ndense 3 softmax\ntrain $opt\n")
    error = found[0]
    assert (error.code, error.line, error.column, error.end_line, error.end_column) == ("unknown-name", 2, 18, 2, 23)
    assert error.fix.replacement == "adam"


def test_an_error_in_an_inline_alternative_points_at_that_alternative():
    (error,) = nnspec.diagnose("input 4\ndense 3 tanh|relux\n")
    assert (error.line, error.column, error.end_column) == (2, 14, 19)


def test_every_node_has_an_end_position():
    text = ('data csv path="a b.csv" target=2\ninput 28x28x1\nlet a = 1 | 2\nseed 3; backend tf1\n'
            "{ conv2d 8 3x3 relu|tanh\n  maxpool 2x2 } x2  # c\nflatten\ndense $a init=he x3\ntrain adam metrics=accuracy,mae\n")
    spec = nnspec.parse(text)
    lines = text.split("\n")

    def written(node):
        assert (node.end_line, node.end_column) > (node.line, node.column), node
        if node.line == node.end_line:
            return lines[node.line - 1][node.column - 1:node.end_column - 1]
        return None

    assert [written(s) for s in spec.statements] == [
        'data csv path="a b.csv" target=2', "input 28x28x1", "let a = 1 | 2", "seed 3", "backend tf1", None,
        "flatten", "dense $a init=he x3", "train adam metrics=accuracy,mae",
    ]
    block = spec.statements[5]
    assert (block.end_line, block.end_column) == (6, 19)
    assert [written(a) for a in block.body[0].args] == ["8", "3x3", "relu|tanh"]
    assert [written(o) for o in spec.statements[0].options] == ['path="a b.csv"', "target=2"]
    assert written(spec.comments[0]) == "# c"


def test_a_repeat_count_with_a_fraction_is_an_error_not_a_rewrite():
    (error,) = nnspec.diagnose("input 4\ndense 16 relu x1.5\n")
    assert (error.code, error.column, error.end_column) == ("bad-repeat", 15, 19)
    with pytest.raises(SpecSyntaxError):
        nnspec.parse("dense 16 relu x1.5")


def test_a_line_separator_inside_a_comment_keeps_the_comment_whole():
    text = "data iris # one\u2028still one\ndense 3 softmax # two\n"
    assert format_spec(nnspec.parse(text)) == "data iris  # one\u2028still one\ndense 3 softmax  # two\n"


def test_an_error_shows_the_source_line_the_parser_counted():
    with pytest.raises(SpecError) as info:
        nnspec.check(nnspec.parse("input 4  # a\u2028b\x0cc\ndense 3 relv\n"))
    assert info.value.render().splitlines()[1] == "    dense 3 relv"


def test_a_lone_carriage_return_ends_a_line():
    spec = nnspec.parse("input 4\rdense 3 softmax\r\n")
    assert [s.line for s in spec.statements] == [1, 2]


def test_nodes_built_in_code_format_and_check_without_positions():
    spec = ast.Spec((ast.InputStmt(ast.ShapeValue((4,))), ast.LayerStmt("dense", (ast.Arg(3), ast.Arg("softmax")))))
    assert format_spec(spec) == "input 4\ndense 3 softmax\n"
    assert nnspec.check(spec)[0].param_count == 15


def test_from_dict_accepts_dicts_without_positions_bare_values_and_option_maps():
    spec = nnspec.Spec.from_dict({"statements": [
        {"type": "input", "shape": {"shape": [4]}},
        {"type": "layer", "kind": "dense", "args": [8, "relu"], "options": {"init": "he"}, "repeat": 2},
        {"type": "layer", "kind": "dense", "args": [{"value": 3}, {"value": "softmax"}]},
        {"type": "train", "optimizer": "adam", "options": [{"key": "metrics", "value": ["accuracy", "mae"]}]},
    ]})
    assert format_spec(spec) == "input 4\ndense 8 relu init=he x2\ndense 3 softmax\ntrain adam metrics=accuracy,mae\n"


def test_an_inline_alternative_named_like_an_unused_variable_still_sweeps():
    spec = nnspec.parse("let b = 1 | 2\ninput 4\ndense 3 b=5|6\n")
    assert [v.variant for v in spec.variants()] == [(("b2", 5),), (("b2", 6),)]


def test_an_unclosed_block_is_one_error_at_its_brace_and_the_rest_is_checked():
    text = "input 4\ndense 8 relv\n{ dense 8 relu\n  dropout 0.2\n"
    assert codes(text) == [("unknown-name", 2, 9), ("unclosed-brace", 3, 1)]


def test_a_stray_parenthesis_is_one_error_and_the_rest_is_checked():
    text = "input 4\ndense 8 relu)\ndense 3 softmx\n"
    assert codes(text) == [("unexpected-character", 2, 13), ("unknown-name", 3, 9)]


def test_binary_garbage_on_a_line_is_one_error_and_the_rest_is_checked():
    text = "input 4\n\x01\x7f\x02\xfe garbage \x03\ndense 3 softmx\n"
    assert codes(text) == [("unexpected-character", 2, 1), ("unknown-name", 3, 9)]


def test_a_missing_value_before_a_brace_keeps_the_block():
    spec = nnspec.diagnose("input 4\n{ dense 8 init= }\ndense 3 softmax\n")
    assert [(d.code, d.line, d.column) for d in spec] == [("expected-value", 2, 17)]


def test_a_broken_statement_keeps_what_came_before_the_error_and_nothing_half_built():
    from nnspec.dsl.parser import parse_recovering

    result = parse_recovering("dense 8 relu init=he bias= @\nlet a = 1 |\ndense 3 x2 softmax\n")
    first, last = result.spec.statements
    assert (first.kind, [a.value for a in first.args], [o.key for o in first.options]) == ("dense", [8, "relu"], ["init"])
    assert (last.kind, last.repeat, [a.value for a in last.args]) == ("dense", 1, [3])  # the repeat an error followed
    assert [head for head, _ in result.broken] == ["dense", "let a", "dense"]


def test_errors_in_every_line_of_a_long_file_are_each_reported_once():
    lines = [f"dense {i + 1} relu @" for i in range(200)]
    found = nnspec.diagnose("input 4\n" + "\n".join(lines) + "\ndense 3 softmax\n")
    assert [(d.code, d.line) for d in found] == [("unexpected-character", i + 2) for i in range(200)]


def test_the_parser_is_lark_built_once_and_no_lark_type_leaves_it():
    import lark

    from nnspec.dsl.parser import lark_parser

    assert lark_parser() is lark_parser()
    assert isinstance(lark_parser(), lark.Lark)
    for text in ("dense 3 @", "{ dense 3", "let", "dense 3 }", 'data csv path="a'):
        with pytest.raises(SpecSyntaxError) as info:
            nnspec.parse(text)
        assert not isinstance(info.value, lark.exceptions.LarkError)


def test_parsing_loads_lark_and_not_tensorflow():
    import subprocess
    import sys

    code = ("import sys, nnspec\nnnspec.parse('dense 256 relu init=he x4; dense 10 softmax')\n"
            "print('lark' in sys.modules, 'tensorflow' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["True", "False"], result.stderr


def test_a_nul_byte_after_a_lone_carriage_return_is_placed_on_its_own_line():
    assert codes("input 4\r\x00\n") == [("not-text", 2, 1)]


def test_a_carriage_return_in_quoted_text_formats_as_an_escape_and_reads_back():
    spec = ast.Spec((ast.DataStmt("csv", (ast.Option("path", ast.Text("a\rb")),)),))
    text = format_spec(spec)
    assert text == 'data csv path="a\\rb"\n'
    assert nnspec.parse(text).data.options[0].value == ast.Text("a\rb")
