"""The grammar: every statement form and lexical rule of LANGUAGE.md, and syntax errors."""

import json

import pytest

import nnspec
from nnspec.dsl.ast import Alt, Block, DataStmt, InputStmt, LayerStmt, LetStmt, ShapeValue, Spec, Text, TrainStmt, Var
from nnspec.errors import NNSpecError, SpecErrors, SpecSyntaxError

CANONICAL = "dense 256 relu init=he x4; dense 10 softmax"


def test_canonical_line_gives_five_layers():
    spec = nnspec.parse(CANONICAL)
    assert len(spec.layers) == 5
    assert [layer.kind for layer in spec.layers] == ["dense"] * 5
    assert spec.layers[0].args == (256, "relu")
    assert spec.layers[0].options == {"init": "he"}
    assert spec.layers[4].args == (10, "softmax")


def test_statements_end_at_newline_or_semicolon_and_blank_lines_are_ignored():
    spec = nnspec.parse("\n\ndense 1; dense 2\n\n\ndense 3\n")
    assert [layer.args[0] for layer in spec.layers] == [1, 2, 3]


def test_comments_run_to_end_of_line_and_are_kept():
    spec = nnspec.parse("# head\ndense 4 relu  # four units\n")
    assert len(spec.layers) == 1
    assert [(c.text, c.line, c.own_line) for c in spec.comments] == [("# head", 1, True), ("# four units", 2, False)]


def test_hash_inside_a_string_is_not_a_comment():
    spec = nnspec.parse('data csv path="a#b.csv"  # real\ndense 1')
    assert spec.data.options[0].value == Text("a#b.csv")
    assert [c.text for c in spec.comments] == ["# real"]


@pytest.mark.parametrize(
    "text, value",
    [("16", 16), ("0.001", 0.001), ("1e-3", 0.001), (".5", 0.5), ("-2", -2), ("2.", 2.0), ("1E+2", 100.0)],
)
def test_numbers(text, value):
    option = nnspec.parse(f"train adam lr={text}").train.options[0]
    assert option.value == value
    assert type(option.value) is type(value)


@pytest.mark.parametrize("text, dims", [("28x28", (28, 28)), ("28x28x1", (28, 28, 1)), ("3x3", (3, 3))])
def test_shapes(text, dims):
    assert nnspec.parse(f"input {text}").input.shape == ShapeValue(dims)


def test_input_with_one_number_is_a_flat_shape():
    assert nnspec.parse("input 784").input.shape == ShapeValue((784,))


def test_repeat_suffix_repeats_a_layer():
    spec = nnspec.parse("dense 8 relu x3")
    assert spec.statements[0].repeat == 3
    assert len(spec.layers) == 3


def test_names_with_x_are_not_repeats():
    spec = nnspec.parse("dense 8 relu init=xavier_normal")
    assert spec.layers[0].options == {"init": "xavier_normal"}


def test_options_in_any_order_after_positionals():
    a = nnspec.parse("dense 8 relu init=he bias=zeros").layers[0]
    b = nnspec.parse("dense 8 relu bias=zeros init=he").layers[0]
    assert a.options == b.options


def test_comma_lists_and_quoted_strings():
    train = nnspec.parse('train adam metrics=accuracy,mae').train
    assert train.options[0].value == ("accuracy", "mae")
    data = nnspec.parse('data pima path="data/pima indians.csv"').data
    assert data.options[0].value == Text("data/pima indians.csv")


def test_string_escapes():
    data = nnspec.parse(r'data csv path="a\"b\\c"').data
    assert data.options[0].value == Text('a"b\\c')


def test_booleans():
    assert nnspec.parse("data mnist flatten=false").data.options[0].value is False


def test_every_statement_form():
    spec = nnspec.parse(
        "data iris test=0.3\ninput 4\nlet init = xavier | he\nseed 7\nbackend tf1\n"
        "dense 8 relu init=$init\n{ dense 4 tanh; dropout 0.5 } x2\ntrain sgd lr=0.1\n"
    )
    kinds = [type(s) for s in spec.statements]
    assert kinds == [DataStmt, InputStmt, LetStmt, type(spec.statements[3]), type(spec.statements[4]), LayerStmt, Block, TrainStmt]
    assert spec.seed == 7
    assert spec.backend == "tf1"
    assert spec.lets[0].values == ("xavier", "he")
    assert spec.layers[0].options["init"] == Var("init")


def test_blocks_repeat_their_body_in_order():
    spec = nnspec.parse("{ dense 4 relu; dropout 0.3 } x3\ndense 2")
    assert [layer.kind for layer in spec.layers] == ["dense", "dropout"] * 3 + ["dense"]


def test_blocks_span_lines_and_nest():
    spec = nnspec.parse("{\n  dense 4\n  { dense 2; dropout 0.1 } x2\n} x2")
    assert [layer.kind for layer in spec.layers] == ["dense", "dense", "dropout", "dense", "dropout"] * 2


def test_positions_are_one_based_line_and_column():
    spec = nnspec.parse("\n  dense 3 relu init=he")
    stmt = spec.statements[0]
    assert (stmt.line, stmt.column) == (2, 3)
    assert (stmt.args[1].line, stmt.args[1].column) == (2, 11)
    assert (stmt.options[0].column, stmt.options[0].value_column) == (16, 21)


def test_inline_alternatives():
    layer = nnspec.parse("dense 16 tanh|relu").statements[0]
    assert layer.args[1].value == Alt(("tanh", "relu"))


def test_variants_are_the_cartesian_product_of_sweeps():
    spec = nnspec.parse("let init = xavier | he\ndense 16 tanh|relu init=$init\ndense 1")
    variants = list(spec.variants())
    assert len(variants) == 4
    assert [dict(v.variant) for v in variants] == [
        {"init": "xavier", "dense": "tanh"},
        {"init": "xavier", "dense": "relu"},
        {"init": "he", "dense": "tanh"},
        {"init": "he", "dense": "relu"},
    ]
    last = variants[-1]
    assert last.layers[0].args == (16, "relu")
    assert last.layers[0].options == {"init": "he"}
    assert not last.lets


def test_a_plain_spec_yields_itself_as_its_only_variant():
    spec = nnspec.parse(CANONICAL)
    assert list(spec.variants()) == [spec]


def test_to_dict_round_trips_through_json():
    text = (
        'data csv path="x.csv" target=3\nlet a = 1 | 2\ninput 28x28x1\n'
        "{ conv2d 8 3x3 relu stride=1x1; maxpool 2x2 } x2 # c\nflatten\ndense $a|3 tanh|relu\n"
        "train momentum lr=0.01 metrics=accuracy,mae momentum=0.5 batch=all\nseed 3\n"
    )
    spec = nnspec.parse(text, "x.nn")
    again = Spec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    assert again.comments == spec.comments
    assert again.layers == spec.layers


def test_from_dict_rejects_garbage_with_an_nnspec_error():
    with pytest.raises(NNSpecError):
        Spec.from_dict({"nnspec": 0, "statements": [{"type": "nope"}]})
    with pytest.raises(NNSpecError):
        Spec.from_dict({"nnspec": 99, "statements": []})


# ------------------------------------------------------------------ errors


def error_of(text):
    with pytest.raises(NNSpecError) as info:
        nnspec.parse(text, "t.nn")
    return info.value


def test_syntax_error_has_file_line_column_source_and_caret():
    error = error_of("dense 4\ndense 3 @ relu")
    assert isinstance(error, SpecSyntaxError)
    assert (error.line, error.column) == (2, 9)
    assert error.render().splitlines() == [
        "t.nn:2:9: unexpected character '@'",
        "    dense 3 @ relu",
        "            ^",
    ]


def test_all_syntax_errors_of_a_file_are_reported():
    error = error_of("dense 4 init=\ndense 2\ndense 3 @\ndata iris x=\n")
    assert isinstance(error, SpecErrors)
    assert [(e.line, e.column) for e in error.errors] == [(1, 14), (3, 9), (4, 13)]


def test_repeat_must_be_last():
    error = error_of("dense 3 x3 relu")
    assert "after the repeat 'x3'" in error.message
    assert error.hint == "the repeat must be the last token of a layer or block"


def test_positional_after_option():
    error = error_of("dense 3 init=he relu")
    assert error.message == "positional argument after options"
    assert (error.line, error.column) == (1, 17)


def test_duplicate_option():
    error = error_of("dense 3 init=he init=xavier")
    assert error.message == "duplicate option 'init'"
    assert error.column == 17


def test_upper_case_names_are_rejected_with_a_suggestion():
    error = error_of("Dense 3 RELU")
    assert isinstance(error, SpecErrors)
    assert error.errors[0].hint == "write 'dense'"
    assert error.errors[1].hint == "write 'relu'"


def test_unclosed_and_unmatched_braces():
    assert "unclosed '{'" in error_of("{ dense 3\ndense 4").message
    assert error_of("dense 3 }").message == "unmatched '}'"


def test_unterminated_string():
    assert error_of('data csv path="abc\ndense 1').message == "unterminated string"


def test_keyword_statements_need_their_value():
    assert error_of("data").message.startswith("'data' needs a dataset name")
    assert error_of("seed 1 2").message == "'seed' takes one value, found 2"
    assert error_of("input 4 x=1").message == "'input' takes no options"
    assert error_of("seed 3 x2").message == "'seed' cannot be repeated"


def test_only_layers_inside_blocks():
    assert "cannot be inside a block" in error_of("{ dense 3; seed 1 } x2").message


def test_repeat_zero_is_an_error():
    assert error_of("dense 3 x0").message == "repeat count must be at least 1, found 'x0'"


def test_huge_numbers_are_errors_not_tracebacks():
    assert error_of("dense " + "9" * 5000).message.startswith("number too large")
    assert error_of("train adam lr=1e999").message.startswith("number too large")


def test_binary_garbage_is_an_error():
    assert "NUL" in error_of("dense 3\x00\x01").message


def test_parse_takes_text_only():
    with pytest.raises(NNSpecError):
        nnspec.parse(b"dense 3")


def test_load_reports_unreadable_files(tmp_path):
    from nnspec.dsl.parser import load

    bad = tmp_path / "bad.nn"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(NNSpecError) as info:
        load(bad)
    assert "not a spec text file" in info.value.message
    assert info.value.filename == str(bad)
    with pytest.raises(NNSpecError) as info:
        load(tmp_path / "missing.nn")
    assert info.value.exit_code == 2


def test_empty_text_parses_to_an_empty_spec():
    assert nnspec.parse("").statements == ()
    assert nnspec.parse("\n# only a comment\n").layers == ()
