"""The tf1 backend: a checked Plan becomes a raw `tf.compat.v1` graph, as the course writes it.

Placeholders for inputs and labels, `get_variable` weights with the named
initializers, layers written with `tf.matmul` / `tf.nn` ops, a
`tf.compat.v1.train.*Optimizer`, a Session loop over shuffled mini-batches fed
with `feed_dict`, evaluation and predictions from the same graph, and a
`tf.compat.v1.train.Saver` checkpoint. Each model lives in its own `tf.Graph`.

Layer builders
--------------
A layer builder for the tf1 backend is a function

    build(x: tf.Tensor, layer: ResolvedLayer, ctx) -> tf.Tensor

called inside the model's graph and inside `tf.compat.v1.variable_scope(layer.name)`
(so `get_variable("kernel", ...)` becomes `dense_1/kernel`). `x` is the previous
layer's output with a leading batch axis. `ctx` gives:

- `ctx.initializer(name)`: a `tf.compat.v1` initializer for a canonical name, seeded
  from the plan seed and the layer index (a new seed each call);
- `ctx.activation(name)`: a function tensor -> tensor; None for None (no
  activation: use the tensor as it is);
- `ctx.variable(name, shape, init="xavier_uniform", trainable=True)`: shorthand for
  `get_variable` with a named, seeded initializer; `init` is an initializer *name*
  (a str such as "he_normal" or a plugin's name), not an initializer object;
- `ctx.training`: a bool placeholder, False unless the training step feeds True
  (batchnorm statistics, any train/test difference); made when first asked for;
- `ctx.keep_prob(rate)`: the keep-probability placeholder for a dropout rate. It
  defaults to 1.0 (evaluation) and the training step feeds `1 - rate`; layers with
  the same rate share one placeholder (`keep_prob`, `keep_prob_1`, ...), so the
  course's single `keep_prob` is what a spec with one rate gets;
- `ctx.seed()`: a fresh op seed (dropout masks); `ctx.variable_scope`: the scope name;
- `ctx.plan`, `ctx.layer`, `ctx.graph`.

A plugin registers one with `register(LayerBuilder("tf1", "kind", build))`:

    def build_noise(x, layer, ctx):
        import tensorflow as tf
        noise = tf.random.normal(tf.shape(x), stddev=layer.args["stddev"], seed=ctx.seed())
        return tf.where(ctx.training, x + noise, x)

Names, built-in or not, reach this backend through `Named.impl["tf1"]`
(nnspec/builtins/names.py): an activation is a function tensor -> tensor; an
initializer is `factory(seed) -> tf.compat.v1 initializer`; an optimizer is
`factory(lr, **options) -> tf.compat.v1.train.Optimizer`; a loss or metric is
`fn(y_true, output) -> tensor`. The loop over the layers and chunked prediction are
common.py's, shared with the keras backend.
TensorFlow is imported inside functions only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ...types import Plan
from ... import objectives
from . import tf1_probe
from .common import (
    BuildContext,
    build_layers,
    input_dtype,
    label_spec,
    make_optimizer,
    predict_in_chunks,
    quiet_tensorflow_logs,
)

NAME = "tf1"
CHECKPOINT_DIR = "checkpoint"


class TF1Context(BuildContext):
    """What a tf1 layer builder receives (see the module docstring)."""

    backend = NAME

    def __init__(self, plan: Plan, graph) -> None:
        import tensorflow as tf

        super().__init__(plan)
        self.graph = graph
        self._training = None
        self.keep_probs: dict[float, Any] = {}  # dropout rate -> its keep-probability placeholder

    @property
    def training(self):
        """The bool placeholder a training step feeds True; made when a layer first asks.

        A graph that never asks (no batchnorm) is fed nothing extra on each step.
        """
        import tensorflow as tf

        if self._training is None:
            with self.graph.name_scope(None):
                self._training = tf.compat.v1.placeholder_with_default(False, (), name="training")
        return self._training

    @property
    def variable_scope(self) -> str:
        return self.layer.name if self.layer is not None else ""

    def keep_prob(self, rate: float):
        """The keep-probability placeholder for dropout `rate` (1.0 unless training feeds it)."""
        import tensorflow as tf

        rate = float(rate)
        if rate not in self.keep_probs:
            name = "keep_prob" if not self.keep_probs else f"keep_prob_{len(self.keep_probs)}"
            with self.graph.name_scope(None):  # top level, whatever layer asks first
                self.keep_probs[rate] = tf.compat.v1.placeholder_with_default(1.0, (), name=name)
        return self.keep_probs[rate]

    def variable(self, name: str, shape, init: str = "xavier_uniform", trainable: bool = True):
        """`get_variable` in the layer's scope with a named, seeded initializer."""
        import tensorflow as tf

        return tf.compat.v1.get_variable(
            name, shape=[int(d) for d in shape], dtype=tf.float32,
            initializer=self.initializer(init), trainable=trainable,
        )

    def spread_initializer(self, name: str, spread: float, seed: int):
        """tf.random_normal(stddev=spread), truncated_normal, or uniform on [-spread, spread]."""
        from tensorflow.compat import v1

        if name == "uniform":
            return v1.random_uniform_initializer(-spread, spread, seed=seed)
        if name == "truncated_normal":
            return v1.truncated_normal_initializer(0.0, spread, seed=seed)
        return v1.random_normal_initializer(0.0, spread, seed=seed)

    def weights(self, name: str, shape):
        """A layer's `kernel` or `bias` variable with the initializer its options name."""
        import tensorflow as tf

        initializer = self.layer_initializer("init" if name == "kernel" else "bias")
        return tf.compat.v1.get_variable(name, shape=[int(d) for d in shape], dtype=tf.float32, initializer=initializer)


# the core layer builders live in tf1_layers.py, beside how each is written in a script


# ------------------------------------------------------------------ the model


@dataclass
class TF1Model:
    """A TF1 graph with its session: placeholders, output, loss, metrics and training op.

    `train_feed` holds what a training step feeds besides the batch (`training: True`
    when a layer uses it, each keep-probability `1 - rate`); evaluation feeds only
    `x`, so dropout is off and batchnorm uses its moving statistics. `training` is None
    when no layer asked for it.
    """

    plan: Plan
    graph: Any
    session: Any
    x: Any
    y: Any
    output: Any
    loss: Any
    metrics: dict[str, Any]
    train_op: Any
    training: Any
    keep_probs: dict[float, Any]
    saver: Any
    variables: list = field(default_factory=list)  # the network's own variables (no optimizer slots)
    probe_ops: Any = None  # training diagnostics' fetches (tf1_probe.py), when the plan asks for them
    lr: Any = None  # the learning-rate placeholder when the plan has a schedule
    lr_value: float | None = None

    @property
    def train_feed(self) -> dict:
        feed = {self.training: True} if self.training is not None else {}
        feed.update({placeholder: 1.0 - rate for rate, placeholder in self.keep_probs.items()})
        if self.lr is not None and self.lr_value is not None:
            feed[self.lr] = self.lr_value
        return feed

    def count_params(self) -> int:
        """Weights of the network, trainable or not, as Keras counts them."""
        return int(sum(math.prod(v.shape.as_list()) for v in self.variables))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The last layer's outputs with dropout off (keep_prob 1.0)."""
        return predict_in_chunks(lambda rows: self.session.run(self.output, {self.x: rows}), x, self.plan)

    def close(self) -> None:
        self.session.close()


def build(plan: Plan) -> TF1Model:
    """The plan as a TF1 graph in its own tf.Graph, variables initialized in a new Session."""
    import tensorflow as tf

    quiet_tensorflow_logs()
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(plan.seed)
        label_shape, label_dtype = label_spec(plan)
        x = v1.placeholder(input_dtype(plan), [None, *plan.input_shape], name="x")
        y = v1.placeholder(label_dtype, [None, *label_shape], name="y")
        ctx = TF1Context(plan, graph)
        layer_outputs = {}  # each layer's output tensor, for the probe

        def call(build, layer, out):
            with v1.variable_scope(layer.name):
                layer_outputs[layer.name] = build(out, layer, ctx)
            return layer_outputs[layer.name]

        out = build_layers(plan, ctx, call, x)
        variables = list(v1.global_variables())
        output = tf.identity(out, name="output")
        # the loss sees the last layer's own tensor, so it can find a softmax's logits
        loss = tf.reduce_mean(objectives.loss_function(plan, NAME)(y, out), name="loss")
        metrics = {
            name: objectives.batch_mean(fn, y, output)
            for name, fn in objectives.metric_functions(plan, NAME).items()
        }
        # a schedule feeds each epoch's rate; without one the rate stays a constant, as the course writes it
        rate = v1.placeholder_with_default(np.float32(plan.train.lr), [], name="lr") if plan.train.schedule else None
        with tf.control_dependencies(v1.get_collection(v1.GraphKeys.UPDATE_OPS)):
            # a network without weights (`input 4; activation softmax`) has nothing to train
            trainable = v1.trainable_variables()
            train_op = make_optimizer(plan, NAME, rate).minimize(loss) if trainable else tf.no_op()
        saver = v1.train.Saver(allow_empty=True)  # a network without weights saves nothing
        probes = tf1_probe.probe_ops(plan, loss, layer_outputs)  # run only when a callback probes
        session = v1.Session(graph=graph)
        session.run(v1.global_variables_initializer())
    graph.finalize()  # nothing may add ops after this: a leak would slow every step
    return TF1Model(plan, graph, session, x, y, output, loss, metrics, train_op, ctx._training,
                    dict(ctx.keep_probs), saver, variables, probes, lr=rate)


class TF1Trainer:
    """The course's Session loop: one `sess.run` per mini-batch with a feed_dict."""

    def __init__(self, plan: Plan, model: TF1Model) -> None:
        self.plan = plan
        self.model = model
        self.names = ("loss", *plan.train.metrics)
        self._fetches = [model.train_op, model.loss, *model.metrics.values()]

    def train_steps(self, x: np.ndarray, y: np.ndarray, batch: int) -> dict[str, np.ndarray]:
        """One optimizer step per slice of `batch` samples; per-step loss and metrics."""
        m = self.model
        feed = m.train_feed
        run = m.session.run
        logs = []
        for start in range(0, len(x), batch):
            feed[m.x] = x[start:start + batch]
            feed[m.y] = y[start:start + batch]
            logs.append(run(self._fetches, feed)[1:])
        values = np.asarray(logs, dtype=np.float32).reshape(len(logs), len(self.names))
        return {name: values[:, i] for i, name in enumerate(self.names)}

    def set_lr(self, lr: float) -> None:
        """The learning rate the next steps feed (a schedule's rate for this epoch)."""
        self.model.lr_value = float(lr)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.model.predict(x)

    def probe(self, x: np.ndarray, y: np.ndarray):
        """Layer outputs and kernel gradients on (x, y), nothing updated (training diagnostics)."""
        return tf1_probe.run_probe(self.model, x, y)

    def get_state(self) -> list[np.ndarray]:
        """Every global variable of the graph: weights, batchnorm statistics, optimizer slots and powers."""
        return list(self.model.session.run(self._state_variables()))

    def set_state(self, arrays: list[np.ndarray]) -> None:
        """Put back what get_state gave; `load` feeds each variable's initializer (the graph is finalized)."""
        variables = self._state_variables()
        if len(arrays) != len(variables):
            raise ValueError(f"the checkpoint holds {len(arrays)} arrays, the graph has {len(variables)} variables")
        with self.model.graph.as_default():  # load() looks the variable up in the default graph
            for variable, value in zip(variables, arrays):
                variable.load(value, self.model.session)

    def _state_variables(self) -> list:
        import tensorflow as tf

        with self.model.graph.as_default():
            return list(tf.compat.v1.global_variables())

    def save(self, folder: Path) -> Path:
        """A Saver checkpoint in `folder/checkpoint/` (model.ckpt.index, .data, checkpoint)."""
        path = Path(folder) / CHECKPOINT_DIR
        path.mkdir(parents=True, exist_ok=True)
        with self.model.graph.as_default():  # Saver.save asks the default graph whether it runs eagerly
            self.model.saver.save(self.model.session, str(path / "model.ckpt"))
        return path

    def close(self) -> None:
        self.model.close()


def train(plan: Plan, model: TF1Model) -> TF1Trainer:
    """The trainer the runner drives for a model built by `build`."""
    return TF1Trainer(plan, model)
