"""The keras and tf1 backends: every layer kind, every optimizer, dropout, logits, parameters."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import nnspec
from backend_data import BACKENDS, plan_of, quiet_run, softmax, tiny_data
from nnspec import objectives
from nnspec.errors import NNSpecError, PluginError, SpecError
from nnspec.training.evaluation import evaluate

pytest.importorskip("tensorflow")

LAYER_SPECS = {
    "mlp": ("input 6\ndense 8 relu init=he bias=normal\nbatchnorm momentum=0.9\ndropout 0.25\n"
            "activation tanh\ndense 3 softmax init=lecun_uniform",
            dict(shape=(6,))),
    "cnn": ("input 8x8x1\nconv2d 4 3x3 relu padding=same init=he_uniform\nbatchnorm\nmaxpool 2x2\n"
            "conv2d 2 2x2 stride=2 bias=ones\nflatten\ndense 3 softmax init=xavier_normal",
            dict(shape=(8, 8, 1))),
    "embedding": ("input 10\nembedding 4 vocab=50\nflatten\ndense 1 sigmoid init=truncated_normal",
                  dict(shape=(10,), task="binary", classes=None, vocab=50)),
    "regression": ("input 5\ndense 6 elu init=uniform\ndense 6 selu\ndense 6 leaky_relu\ndense 6 gelu\n"
                   "dense 6 swish\ndense 6 sigmoid init=zeros\ndense 1 linear\ntrain adam loss=mse metrics=mae,mse",
                   dict(shape=(5,), task="regression", classes=None)),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", sorted(LAYER_SPECS))
def test_every_layer_kind_trains(case, backend, tmp_path):
    text, data_args = LAYER_SPECS[case]
    text += "\ntrain adam epochs=2 batch=16" if "train" not in text else " epochs=2 batch=16"
    (result,) = quiet_run(text, tiny_data(**data_args), tmp_path, backend)
    assert len(result.history["loss"]) == 2
    assert all(np.isfinite(result.history["loss"]))
    assert set(result.metrics) == {"loss", *plan_of(text, backend).train.metrics}
    assert result.param_count == plan_of(text).param_count


@pytest.mark.parametrize("case", sorted(LAYER_SPECS))
def test_both_backends_count_the_parameters_the_checker_counts(case):
    plan = plan_of(LAYER_SPECS[case][0])
    assert nnspec.build(plan, "keras").count_params() == plan.param_count
    model = nnspec.build(plan, "tf1")
    assert model.count_params() == plan.param_count
    model.close()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("optimizer", ["sgd lr=0.1", "momentum lr=0.05 momentum=0.8 nesterov=true",
                                       "adagrad lr=0.1", "rmsprop lr=0.01 rho=0.8", "adam lr=0.02 beta1=0.8"])
def test_every_optimizer_lowers_the_loss(optimizer, backend, tmp_path):
    text = f"input 4\ndense 16 tanh\ndense 3 softmax\ntrain {optimizer} epochs=6 batch=8"
    (result,) = quiet_run(text, tiny_data(n_train=64), tmp_path, backend)
    loss = result.history["loss"]
    assert loss[-1] < loss[0] * 0.9


def test_keras_model_is_compiled_with_the_specs_optimizer_loss_and_metrics():
    text = "input 4\ndense 3\ntrain momentum lr=0.05 momentum=0.5 loss=cce metrics=accuracy"
    model = nnspec.build(plan_of(text), "keras")
    assert type(model.optimizer).__name__ == "SGD"
    assert float(model.optimizer.learning_rate) == pytest.approx(0.05)
    assert float(model.optimizer.momentum) == pytest.approx(0.5)
    assert model.loss.get_config()["from_logits"] is True
    data = tiny_data()
    model.fit(data.x_train, np.eye(3)[data.y_train], epochs=1, verbose=0)  # usable with plain fit


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_same_seed_gives_the_same_weights(backend):
    plan = plan_of("input 4\ndense 8 relu init=he bias=normal\ndense 3 softmax\nseed 7")
    x = tiny_data().x_test

    def outputs(p):
        model = nnspec.build(p, backend)
        return model.predict(x, verbose=0) if backend == "keras" else model.predict(x)

    first, second = outputs(plan), outputs(plan)
    np.testing.assert_array_equal(first, second)
    other = outputs(plan_of("input 4\ndense 8 relu init=he bias=normal\ndense 3 softmax\nseed 8"))
    assert not np.allclose(first, other)


def test_normal_initializer_has_stddev_one_on_both_backends():
    plan = plan_of("input 200\ndense 200 init=normal bias=normal")
    keras_weights = nnspec.build(plan, "keras").layers[0].kernel.numpy()
    model = nnspec.build(plan, "tf1")
    tf1_weights = model.session.run(model.variables[0])
    for weights in (keras_weights, tf1_weights):
        assert weights.std() == pytest.approx(1.0, abs=0.02)


def test_dropout_is_active_in_training_and_off_in_evaluation_keras():
    plan = plan_of("input 4\ndense 64 relu\ndropout 0.5\ndense 3 softmax")
    model = nnspec.build(plan, "keras")
    x = tiny_data().x_test
    evaluation = model(x, training=False).numpy()
    np.testing.assert_array_equal(evaluation, model(x, training=False).numpy())
    assert not np.allclose(evaluation, model(x, training=True).numpy())
    dropout = model.layers[1]
    assert type(dropout).__name__ == "Dropout" and dropout.rate == 0.5


def test_dropout_keep_probability_is_fed_in_training_and_one_in_evaluation_tf1():
    plan = plan_of("input 4\ndense 64 relu\ndropout 0.3\ndense 64 relu\ndropout 0.3\ndense 32 relu\n"
                   "dropout 0.5\ndense 3 softmax")
    model = nnspec.build(plan, "tf1")
    x = tiny_data().x_test
    # one placeholder per rate, fed 1 - rate by a training step and 1.0 by default
    assert {rate: p.op.name for rate, p in model.keep_probs.items()} == {0.3: "keep_prob", 0.5: "keep_prob_1"}
    assert sorted(model.train_feed[p] for p in model.keep_probs.values()) == pytest.approx([0.5, 0.7])
    evaluation = model.predict(x)
    np.testing.assert_array_equal(evaluation, model.predict(x))
    all_kept = {p: 1.0 for p in model.keep_probs.values()}
    np.testing.assert_allclose(evaluation, model.session.run(model.output, {model.x: x, **all_kept}))
    training = model.session.run(model.output, {model.x: x, **model.train_feed})
    assert not np.allclose(evaluation, training)
    model.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_batchnorm_updates_moving_statistics_only_in_training(backend, tmp_path):
    text = "input 4\nbatchnorm momentum=0.5\ndense 3 softmax\ntrain sgd lr=0.01 epochs=1 batch=8"
    data = tiny_data()
    data.x_train = data.x_train * 3 + 5  # statistics far from the initial mean 0, variance 1
    (result,) = quiet_run(text, data, tmp_path, backend)
    if backend == "keras":
        mean = result.model.layers[0].moving_mean.numpy()
    else:
        mean = result.model.session.run(result.model.variables[2])  # gamma, beta, moving_mean
    assert np.all(mean > 3)


def test_logits_and_softmax_outputs_give_the_same_loss():
    logits_plan = plan_of("input 4\ndense 3\ntrain adam loss=categorical_crossentropy")
    softmax_plan = plan_of("input 4\ndense 3 softmax\ntrain adam loss=categorical_crossentropy")
    assert logits_plan.train.from_logits and not softmax_plan.train.from_logits
    logits = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32) * 3
    labels = np.eye(3, dtype=np.float32)[np.arange(10) % 3]
    from_logits = evaluate(logits_plan, labels, logits)
    from_probs = evaluate(softmax_plan, labels, softmax(logits))
    assert from_logits["loss"] == pytest.approx(from_probs["loss"], rel=1e-5)
    assert from_logits["accuracy"] == from_probs["accuracy"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("last, task, classes", [("dense 3 loss=cce", "multiclass", 3),
                                                ("dense 1 loss=bce", "binary", None)])
def test_a_logits_network_trains_and_predicts_probabilities(last, task, classes, backend, tmp_path):
    layer, loss = last.split(" loss")
    text = f"input 4\ndense 16 tanh\n{layer}\ntrain adam lr=0.02 epochs=5 batch=8 loss{loss}"
    (result,) = quiet_run(text, tiny_data(task=task, classes=classes), tmp_path, backend)
    assert result.history["loss"][-1] < result.history["loss"][0]
    saved = np.load(tmp_path / "run" / "predictions.npz")
    y_pred = saved["y_pred"]
    assert y_pred.min() >= 0 and y_pred.max() <= 1
    if task == "multiclass":
        np.testing.assert_allclose(y_pred.sum(axis=1), 1, rtol=1e-5)


@pytest.mark.parametrize("loss, encoding", [("sparse_categorical_crossentropy", "index"),
                                            ("categorical_crossentropy", "onehot")])
def test_sparse_and_one_hot_labels_give_the_same_loss(loss, encoding):
    plan = plan_of(f"input 4\ndense 3 softmax\ntrain adam loss={loss}")
    assert plan.label_encoding == encoding
    probs = softmax(np.random.default_rng(1).normal(size=(8, 3)))
    index = np.arange(8) % 3
    labels = index.astype(np.int32) if encoding == "index" else np.eye(3, dtype=np.float32)[index]
    expected = -np.log(probs[np.arange(8), index]).mean()
    assert evaluate(plan, labels, probs)["loss"] == pytest.approx(expected, rel=1e-5)


def test_binary_accuracy_thresholds_logits_at_zero_and_probabilities_at_half():
    logits_plan = plan_of("input 4\ndense 1\ntrain adam loss=binary_crossentropy")
    probs_plan = plan_of("input 4\ndense 1 sigmoid\ntrain adam loss=binary_crossentropy")
    labels = np.array([[1.0], [0.0], [1.0]], np.float32)
    logits = np.array([[0.3], [-0.2], [-1.0]], np.float32)
    probs = np.array([[0.6], [0.4], [0.3]], np.float32)
    assert evaluate(logits_plan, labels, logits)["accuracy"] == pytest.approx(2 / 3)
    assert evaluate(probs_plan, labels, probs)["accuracy"] == pytest.approx(2 / 3)


def test_an_unknown_backend_is_a_spec_error_with_a_suggestion():
    with pytest.raises(NNSpecError) as caught:
        nnspec.build("input 4\ndense 3 softmax", "tf2")
    assert "backend" in caught.value.message


def test_a_plugin_name_without_an_impl_for_the_backend_is_named(tmp_path):
    from nnspec import hookimpl
    from nnspec.types import Named

    from conftest import registered

    class OnlyKeras:
        @hookimpl
        def register_activations(self, register):
            import keras
            register(Named("mish_test", impl={"keras": lambda x: x * keras.ops.tanh(keras.ops.softplus(x))}))

    with registered(OnlyKeras(), "only-keras"):
        text = "input 4\ndense 8 mish_test\ndense 3 softmax"
        nnspec.build(plan_of(text), "keras")  # keras has it
        with pytest.raises(PluginError) as caught:  # a plan made for keras, built on tf1
            nnspec.build(dataclasses.replace(plan_of(text), backend="tf1"), "tf1")
        with pytest.raises(SpecError) as checked:  # checking for tf1 finds it, at its line
            plan_of(text, "tf1")
    assert "activation 'mish_test' has no implementation for backend 'tf1'" in caught.value.message
    assert "activation 'mish_test' has no implementation for backend 'tf1'" in checked.value.message
    assert checked.value.line == 2 and "only-keras" in checked.value.message


def test_objectives_name_the_plugin_loss_missing_on_a_backend():
    plan = plan_of("input 4\ndense 3 softmax")
    fake = type("P", (), {"train": type("T", (), {"loss": "nope_loss", "metrics": ()})(), "backend": "tf1"})()
    with pytest.raises(NNSpecError):
        objectives.loss_function(fake)
    assert callable(objectives.loss_function(plan))


def test_xla_compiled_steps_train_like_plain_steps():
    from nnspec.builtins.backends.keras import KerasTrainer

    # no dropout here: XLA draws its random masks with another generator
    plan = plan_of("input 4\ndense 16 relu\ndense 16 tanh\nbatchnorm\ndense 3 softmax\ntrain adam lr=0.01")
    data = tiny_data()
    y = np.eye(3, dtype=np.float32)[data.y_train]
    plain = KerasTrainer(plan, nnspec.build(plan), jit=False)
    compiled = KerasTrainer(plan, nnspec.build(plan), jit=True)
    logs_plain = plain.train_steps(data.x_train, y, 8)
    logs_compiled = compiled.train_steps(data.x_train, y, 8)
    assert compiled.jit  # XLA compiled it: no fallback
    np.testing.assert_allclose(logs_plain["loss"], logs_compiled["loss"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(plain.predict(data.x_test), compiled.predict(data.x_test), rtol=1e-3, atol=1e-5)


def test_xla_is_chosen_for_sizeable_steps_and_long_runs(monkeypatch):
    from conftest import registered
    from nnspec import hookimpl
    from nnspec.builtins.backends.keras import default_jit
    from nnspec.types import Dataset, DatasetMeta

    class Images:
        @hookimpl
        def register_datasets(self, register):
            meta = DatasetMeta((784,), "multiclass", classes=10, train_size=60000)
            register(Dataset("images_60k", load=None, meta=lambda options: meta))

    monkeypatch.delenv("NNSPEC_KERAS_JIT", raising=False)
    with registered(Images(), "images-60k"):
        mlp = "data images_60k\ndense 512 relu\ndense 10 softmax\ntrain rmsprop epochs={} batch=128"
        assert default_jit(plan_of(mlp.format(5)))  # 2345 steps of 128 x 407,050 weights
        assert not default_jit(plan_of(mlp.format(1)))  # 469 steps: compiling would not pay
    assert not default_jit(plan_of("input 4\ndense 32 relu x3\ndense 3 softmax\ntrain adam epochs=200 batch=16"))
    deep = plan_of("input 784\ndense 256 relu x4\ndense 10 softmax\ntrain adam epochs=15 batch=100")
    assert default_jit(deep)  # the data's size is unknown: assume a long run
    monkeypatch.setenv("NNSPEC_KERAS_JIT", "0")
    assert not default_jit(deep)


def test_xla_compiled_steps_repeat_exactly_with_the_same_seed():
    from nnspec.builtins.backends.keras import KerasTrainer

    plan = plan_of("input 4\ndense 16 relu\ndropout 0.3\ndense 3 softmax\ntrain adam lr=0.01")
    data = tiny_data()
    y = np.eye(3, dtype=np.float32)[data.y_train]
    trainers = [KerasTrainer(plan, nnspec.build(plan), jit=True) for _ in range(2)]
    runs = [trainer.train_steps(data.x_train, y, 8)["loss"] for trainer in trainers]
    np.testing.assert_array_equal(*runs)


def test_a_model_xla_cannot_compile_trains_on_the_plain_graph():
    import keras
    import tensorflow as tf

    from nnspec.builtins.backends.keras import KerasTrainer

    class Opaque(keras.layers.Layer):  # a Python function inside the graph: XLA cannot compile it
        def call(self, x):
            out = tf.numpy_function(lambda a: a * 1.0, [x], tf.float32)
            out.set_shape(x.shape)
            return out

    plan = plan_of("input 4\ndense 3 softmax\ntrain sgd lr=0.1")
    model = keras.Sequential([keras.Input((4,)), Opaque(), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="categorical_crossentropy")
    trainer = KerasTrainer(plan, model, jit=True)
    data = tiny_data()
    logs = trainer.train_steps(data.x_train, np.eye(3, dtype=np.float32)[data.y_train], 8)
    assert not trainer.jit and len(logs["loss"]) == 6 and np.all(np.isfinite(logs["loss"]))


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "sparse_categorical_crossentropy"])
def test_accuracy_is_argmax_agreement_ties_going_to_the_first_class(loss):
    plan = plan_of(f"input 4\ndense 3 softmax\ntrain adam loss={loss}")
    outputs = np.array([[0.1, 0.7, 0.2], [0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0, 0, 0], [0, 0, 0], [0.2, 0.3, 0.5]],
                       np.float32)
    index = np.array([1, 0, 1, 0, 2, 0])
    labels = index.astype(np.int32) if plan.label_encoding == "index" else np.eye(3, dtype=np.float32)[index]
    expected = np.mean(outputs.argmax(axis=1) == index)
    assert expected == 0.5
    assert evaluate(plan, labels, outputs)["accuracy"] == pytest.approx(expected)


def test_the_documented_third_party_backend_example_runs(tmp_path):
    """The example in nnspec/builtins/backends/__init__.py, executed as written."""
    import textwrap
    import types

    import nnspec.builtins.backends as backends
    from conftest import registered

    doc = backends.__doc__
    start = doc.index("    from nnspec import hookimpl")
    example = textwrap.dedent(doc[start:doc.index("It then needs")])
    namespace: dict = {}
    exec(example, namespace)
    plugin = types.SimpleNamespace(register_backends=namespace["register_backends"])
    with registered(plugin, "fit-backend-example"):
        (result,) = quiet_run("input 4\ndense 8 relu\ndense 3 softmax\ntrain adam lr=0.01 epochs=2 batch=8",
                           tiny_data(), tmp_path, "keras_fit")
    assert result.backend == "keras_fit" and len(result.history["accuracy"]) == 2
    assert (tmp_path / "run" / "model.keras").is_file()


@pytest.mark.parametrize("last, loss", [("dense 1 sigmoid", "bce"), ("dense 2 softmax", "cce")])
def test_keras_steps_like_fit_when_the_output_saturates(last, loss):
    from nnspec.builtins.backends.keras import KerasTrainer

    # inputs as large as Pima's: the output saturates to exactly 0 or 1 in float32, where
    # crossentropy clipped on probabilities has no gradient; fit takes it from the logits
    plan = plan_of(f"input 2\n{last} init=normal\ntrain sgd lr=0.001 loss={loss}\nseed 3")
    x = np.array([[60.0, 40.0], [-50.0, -30.0], [80.0, -70.0]], np.float32)
    by_fit, by_nnspec = nnspec.build(plan, "keras"), nnspec.build(plan, "keras")
    start = [w.numpy() for w in by_fit.weights]
    output = by_fit.predict(x, verbose=0)
    assert np.all(np.minimum(output, 1 - output) < 1e-7)  # beyond clipping's epsilon
    if loss == "bce":
        y = np.round(1 - output)  # every sample on the wrong side
    else:
        y = np.eye(2, dtype=np.float32)[output.argmin(axis=1)]
    by_fit.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    logs = KerasTrainer(plan, by_nnspec, jit=False).train_steps(x, y, len(x))
    assert logs["loss"][0] > 20  # the true loss, not one capped by clipping at -log(1e-7)
    for fitted, ours, before in zip(by_fit.weights, by_nnspec.weights, start):
        assert not np.allclose(fitted.numpy(), before)
        np.testing.assert_allclose(ours.numpy(), fitted.numpy(), rtol=1e-5, atol=1e-6)


def test_keras_trainer_steps_exactly_as_fit_on_the_same_batches():
    from nnspec.builtins.backends.keras import KerasTrainer

    # 25 samples in batches of 10 end with a batch of 5; two chunks per epoch, as training calls
    plan = plan_of("input 4\ndense 6 relu\ndense 1 sigmoid\ntrain adam lr=0.01 loss=bce\nseed 2")
    data = tiny_data(task="binary", classes=None, n_train=25)
    x, y = data.x_train * 30, data.y_train.astype(np.float32).reshape(-1, 1)  # saturating, as Pima
    by_fit, by_nnspec = nnspec.build(plan, "keras"), nnspec.build(plan, "keras")
    by_fit.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    trainer = KerasTrainer(plan, by_nnspec, jit=False)
    for _ in range(2):
        trainer.train_steps(x[:20], y[:20], 10)
        trainer.train_steps(x[20:], y[20:], 10)
    for fitted, ours in zip(by_fit.weights, by_nnspec.weights):
        np.testing.assert_allclose(ours.numpy(), fitted.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "loss, activation, op_logits, labels",
    [
        ("binary_crossentropy", "sigmoid", [[-40.0]], [[1.0]]),
        ("categorical_crossentropy", "softmax", [[-40.0, 40.0]], [[1.0, 0.0]]),
        ("sparse_categorical_crossentropy", "softmax", [[-40.0, 40.0]], [[0]]),
    ],
)
def test_a_graph_crossentropy_of_a_saturated_output_keeps_its_gradient(loss, activation, op_logits, labels):
    """As Keras does, the tf1 graph's loss is taken from the logits behind softmax/sigmoid."""
    from types import SimpleNamespace

    import tensorflow as tf

    from nnspec import objectives

    plan = SimpleNamespace(train=SimpleNamespace(loss=loss, from_logits=False), backend="tf1",
                           label_encoding="index" if loss.startswith("sparse") else "onehot")
    graph = tf.Graph()
    with graph.as_default():
        z = tf.constant(op_logits)
        output = tf.sigmoid(z) if activation == "sigmoid" else tf.nn.softmax(z)
        value = tf.reduce_mean(objectives.loss_function(plan)(tf.constant(labels), output))
        (gradient,) = tf.compat.v1.gradients(value, [z])
        with tf.compat.v1.Session(graph=graph) as session:
            loss_value, gradient_value = session.run([value, gradient])
    assert loss_value == pytest.approx(80.0 if activation == "softmax" else 40.0, rel=1e-3)  # not capped at 16.1
    assert np.abs(gradient_value).max() > 0.5
