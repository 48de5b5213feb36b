"""Meaning checks: names, arguments, shapes, parameter counts, fit with the data, the loss."""

import pytest

import nnspec
from nnspec.dsl.validate import check, check_spec, param_count
from nnspec.errors import NNSpecError, SpecErrors


def plans(text):
    return check(nnspec.parse(text, "t.nn"))


def errors_of(text):
    with pytest.raises(NNSpecError) as info:
        check(nnspec.parse(text, "t.nn"))
    return info.value.errors


def messages(text):
    return [e.message for e in errors_of(text)]


def warnings_of(text):
    return [w.message for w in check_spec(nnspec.parse(text, "t.nn")).warnings]


# ---------------------------------------------------------------- names


def test_unknown_activation_suggests_the_close_name():
    (error,) = errors_of("input 4\ndense 3 relv")
    assert error.message == "unknown activation 'relv'"
    assert error.hint == "did you mean 'relu'?"
    assert (error.line, error.column) == (2, 9)
    assert error.render().splitlines()[0] == "t.nn:2:9: unknown activation 'relv'; did you mean 'relu'?"


@pytest.mark.parametrize(
    "text, message, hint",
    [
        ("input 4\ndens 3", "unknown layer kind 'dens'", "did you mean 'dense'?"),
        ("input 4\ndense 3 init=xavierr", "unknown initializer 'xavierr'", "did you mean 'xavier'?"),
        ("input 4\ndense 3\ntrain adamm", "unknown optimizer 'adamm'", "did you mean 'adam'?"),
        ("input 4\ndense 3\ntrain adam loss=mse2", "unknown loss 'mse2'", "did you mean 'mse'?"),
        ("input 4\ndense 3\ntrain adam metrics=acuracy", "unknown metric 'acuracy'", "did you mean 'accuracy'?"),
        ("data irsi\ndense 3", "unknown dataset 'irsi'", None),
        ("input 4\ndense 3\nbackend kears", "unknown backend 'kears'", None),
        ("input 4\ndense 3 int=he", "dense has no option 'int' (its options: activation, bias, bias_limit, bias_stddev, init, init_limit, init_stddev)", "did you mean 'init'?"),
        ("input 4\ndense 3\ntrain adam epoch=3", None, "did you mean 'epochs'?"),
    ],
)
def test_unknown_names(text, message, hint):
    error = errors_of(text)[0]
    if message:
        assert error.message == message
    if hint:
        assert error.hint == hint


def test_aliases_resolve_to_canonical_names():
    (plan,) = plans("input 4\ndense 3 softmax init=glorot_uniform bias=zero\ndense 3 softmax init=he")
    assert plan.layers[0].args["init"] == "xavier_uniform"
    assert plan.layers[0].args["bias"] == "zeros"
    assert plan.layers[1].args["init"] == "he_normal"


def test_defaults_are_filled():
    (plan,) = plans("input 4\ndense 3")
    assert plan.layers[0].args == {"units": 3, "activation": None, "init": "xavier_uniform", "bias": "zeros",
                                   "init_stddev": None, "init_limit": None, "bias_stddev": None, "bias_limit": None}
    assert plan.seed == 0
    assert plan.backend == "keras"
    assert plan.train.optimizer == "adam" and plan.train.lr == 0.001 and plan.train.batch == 32


# ---------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    "layer, message",
    [
        ("dense 0", "dense units must be at least 1, found 0"),
        ("dense 2.5", "dense units expects a whole number, found a decimal number '2.5'"),
        ("dense 10000000", "dense units must be at most 1e+06, found 10000000"),
        ("dropout 1", "dropout rate must be at least 0 and below 1, found 1"),
        ("dropout -0.1", "dropout rate must be at least 0 and below 1, found -0.1"),
        ("dense 3 relu tanh", "dense takes 2 positional argument(s) (units activation), found 'tanh'"),
        ("dense relu", "dense units expects a whole number, found a name 'relu'"),
        ("dropout", "dropout needs the fraction to drop (dropout 0.3) or the keep probability (keep=0.7)"),
        ("dense 3 relu activation=tanh", "dense activation is given twice (as a positional argument and as an option)"),
        ("dense 3 init=3", "dense init expects initializer name, found 3"),
        ("flatten 3", "flatten takes 0 positional argument(s) (no positional arguments), found '3'"),
    ],
)
def test_argument_types_and_ranges(layer, message):
    assert message in messages(f"input 4\n{layer}")


def test_dense_3x3_hints_at_repeat():
    (error,) = errors_of("input 4\ndense 3x3")
    assert error.hint == "to repeat the layer, put a space before the x: '3 x3'"


def test_activation_may_be_an_option():
    (plan,) = plans("input 4\ndense 3 activation=softmax")
    assert plan.layers[0].args["activation"] == "softmax"


def test_undefined_variable():
    (error,) = errors_of("let init = xavier | he\ninput 4\ndense 3 init=$inti")
    assert error.message == "undefined variable '$inti'"
    assert error.hint == "did you mean '$init'?"
    assert (error.line, error.column) == (3, 14)


def test_variable_defined_twice_and_unused():
    assert "variable 'a' is defined twice" in messages("let a = 1 | 2\nlet a = 3 | 4\ninput 4\ndense $a")
    assert "variable 'b' is never used" in warnings_of("let b = 1 | 2\ninput 4\ndense 3")


def test_second_singleton_statement():
    assert "a second 'seed' statement" in messages("seed 1\nseed 2\ninput 4\ndense 3")


def test_no_layers_and_no_input():
    assert messages("") == ["the spec has no layers"]
    assert messages("dense 3") == ["the input shape is unknown"]  # check() gives plans, which need shapes


def test_all_errors_of_a_spec_in_one_run():
    errors = errors_of("input 4\ndense 3 relv\ndropout 2\ndense 3 init=hee\ntrain adamm")
    assert [(e.line, e.column) for e in errors] == [(2, 9), (3, 9), (4, 14), (5, 7)]
    assert isinstance(SpecErrors(errors), NNSpecError)


def test_repeated_layer_errors_are_reported_once():
    assert len(errors_of("input 4\ndense 3 relv x5")) == 1


def test_seed_range():
    assert "seed must be at least 0, found -1" in messages("seed -1\ninput 4\ndense 3")


# ---------------------------------------------------------------- shapes and parameter counts


def test_shapes_through_every_core_layer():
    (plan,) = plans(
        "input 28x28x1\nconv2d 8 3x3 relu\nbatchnorm\nmaxpool 2x2\nconv2d 4 3x3 padding=same stride=2\n"
        "activation tanh\nflatten\ndropout 0.5\ndense 10 softmax"
    )
    shapes = [(layer.kind, layer.output_shape, layer.param_count) for layer in plan.layers]
    assert shapes == [
        ("conv2d", (26, 26, 8), 3 * 3 * 1 * 8 + 8),
        ("batchnorm", (26, 26, 8), 4 * 8),
        ("maxpool", (13, 13, 8), 0),
        ("conv2d", (7, 7, 4), 3 * 3 * 8 * 4 + 4),
        ("activation", (7, 7, 4), 0),
        ("flatten", (196,), 0),
        ("dropout", (196,), 0),
        ("dense", (10,), 196 * 10 + 10),
    ]
    assert plan.layers[3].args["stride"] == (2, 2)


def test_iris_network_has_2371_parameters():
    assert param_count(nnspec.parse("input 4\ndense 32 relu init=he x3\ndense 3 softmax")) == 2371


def test_embedding_takes_vocab_from_the_data(fake_datasets):
    (plan,) = plans("data toyseq\nembedding 8\nflatten\ndense 1 sigmoid")
    assert plan.layers[0].args["vocab"] == 5000
    assert plan.layers[0].output_shape == (100, 8)
    assert plan.layers[0].param_count == 40000


def test_conv_on_a_flat_vector_is_an_error():
    (error,) = errors_of("input 784\nconv2d 8 3x3")
    assert error.message.startswith("conv2d expects an image input height x width x channels, found 784")


def test_dense_on_images_needs_flatten():
    (error,) = errors_of("input 28x28x1\ndense 10")
    assert error.message == "dense expects a flat input, found 28x28x1; add 'flatten' before it"


def test_window_larger_than_input():
    assert "does not fit the input" in messages("input 2x2x1\nconv2d 3 3x3")[0]


def test_network_must_end_flat():
    assert "the network must end in a flat output, found 26x26x8" in messages("input 28x28x1\nconv2d 8 3x3\ntrain adam loss=mse")


# ---------------------------------------------------------------- fit with the data and the loss


def test_last_layer_against_the_class_count(fake_datasets):
    (error,) = errors_of("data toy3\ndense 10 softmax")
    assert error.message == "the last layer gives 10 outputs but data toy3 has 3 classes"
    assert error.hint == "end with 'dense 3 softmax'"


def test_softmax_classifier_on_regression_data(fake_datasets):
    assert "a softmax output on a regression data set predicts only values in [0, 1]" in messages(
        "data toyreg\ndense 1 softmax")


def test_loss_follows_from_the_task(fake_datasets):
    assert plans("data toy3\ndense 3 softmax")[0].train.loss == "categorical_crossentropy"
    assert plans("data toyreg\ndense 1")[0].train.loss == "mse"
    assert plans("data toyreg\ndense 1")[0].train.metrics == ("mae",)
    assert plans("data toybin\ndense 1 sigmoid")[0].train.loss == "binary_crossentropy"


def test_label_encoding_follows_the_loss(fake_datasets):
    assert plans("data toy3\ndense 3 softmax")[0].label_encoding == "onehot"
    assert plans("data toy3\ndense 3 softmax\ntrain adam loss=sparse_categorical_crossentropy")[0].label_encoding == "index"
    assert plans("data toybin\ndense 1 sigmoid")[0].label_encoding == "column"
    assert plans("data toyreg\ndense 1")[0].label_encoding == "column"


def test_logits_when_the_last_layer_has_no_activation(fake_datasets):
    assert plans("data toy3\ndense 3")[0].train.from_logits is True
    assert plans("data toy3\ndense 3 softmax")[0].train.from_logits is False


def test_dropout_keeps_the_activation_and_batchnorm_does_not(fake_datasets):
    assert plans("data toy3\ndense 3 softmax\ndropout 0.5")[0].train.from_logits is False
    assert plans("data toy3\ndense 3 softmax\nbatchnorm")[0].train.from_logits is True


def test_loss_against_task_and_activation(fake_datasets):
    assert "categorical_crossentropy is for classification, but data toyreg is regression" in messages(
        "data toyreg\ndense 1\ntrain adam loss=categorical_crossentropy")
    assert "softmax over a single unit always gives 1" in messages("data toybin\ndense 1 softmax")
    assert "accuracy means nothing on a regression data set (toyreg)" in messages(
        "data toyreg\ndense 1\ntrain adam metrics=accuracy")


def test_relu_output_is_a_warning(fake_datasets):
    assert any("relu on the output layer" in w for w in warnings_of("data toy3\ndense 3 relu"))


def test_dataset_options_are_checked(fake_datasets):
    (plan,) = plans("data toyimg flatten=false\nconv2d 4 3x3\nflatten\ndense 10 softmax")
    assert plan.input_shape == (28, 28, 1)
    (error,) = errors_of("data toyimg flaten=false\ndense 10 softmax")
    assert error.hint == "did you mean 'flatten'?"


def test_input_must_match_the_data(fake_datasets):
    assert "input 5 does not match data toy3, which supplies 4" in messages("data toy3\ninput 5\ndense 3 softmax")


def test_a_failing_dataset_plugin_is_an_error_not_a_traceback(fake_datasets):
    assert messages("data broken\ndense 3")[0].startswith("dataset plugin 'broken' failed to describe its data")


def test_val_larger_than_train(fake_datasets):
    assert "val=100 holds out every training sample (data toy3 has 100)" in messages(
        "data toy3\ndense 3 softmax\ntrain adam val=100")


# ---------------------------------------------------------------- sweeps


def test_a_sweep_gives_one_plan_per_variant():
    result = plans("let init = xavier | he\ninput 784\ndense 256 relu init=$init x4\ndense 10 init=$init")
    assert [p.variant_label for p in result] == ["init=xavier", "init=he"]
    assert [p.layers[0].args["init"] for p in result] == ["xavier_uniform", "he_normal"]
    assert result[0].param_count == result[1].param_count == 784 * 256 + 256 + 3 * (256 * 256 + 256) + 2570


def test_an_unknown_name_without_a_close_one_is_answered_with_the_known_names():
    error = errors_of("input 4\ndense 3 zzzqqq\nbackend pytorch")
    activation, backend = error[0], error[1]
    assert activation.message == "unknown activation 'zzzqqq'"
    assert activation.hint.startswith("known activations: ") and "relu" in activation.hint
    assert backend.message == "unknown backend 'pytorch'" and backend.hint == "known backends: keras, tf1"
