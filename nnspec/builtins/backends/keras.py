"""The keras backend: a checked Plan becomes a compiled Keras 3 model, trained by a compiled loop.

Layer builders
--------------
A layer builder for the keras backend is a function

    build(layer: ResolvedLayer, ctx) -> a keras layer, a list of them,
                                        or a function of the incoming tensor

that returns new, unbuilt Keras layers for one `ResolvedLayer` (`layer.args` holds
every argument by name, defaults filled; `layer.name` is unique in the model, e.g.
`dense_2`; `layer.input_shape`/`layer.output_shape` are per-sample shapes). When
every builder returns layers the model is a `keras.Sequential`; a builder may
instead return `lambda x: ...` (Keras' functional API: a residual layer is
`lambda x: keras.layers.Add()([x, dense(x)])`), and the model is then a functional
`keras.Model`, saved and reloaded as `model.keras` all the same. `ctx` gives:

- `ctx.initializer(name)`: a Keras initializer for an initializer name, seeded from
  the plan seed and the layer index (each call draws a new seed, so a kernel and a
  bias are independent; the same spec and seed give the same weights);
- `ctx.activation(name)`: the Keras activation function for a name; None for None
  (no activation: pass it on as Keras' `activation=None`);
- `ctx.seed()`: a fresh integer seed for the layer's own randomness (dropout);
- `ctx.plan`, `ctx.layer`: the whole Plan and the layer being built.

A plugin registers one with `register(LayerBuilder("keras", "kind", build))` from
its `register_layer_builders` hook; for example a `gaussian_noise` layer:

    def build_noise(layer, ctx):
        import keras
        return keras.layers.GaussianNoise(layer.args["stddev"], seed=ctx.seed(), name=layer.name)

A custom `keras.layers.Layer` class needs `get_config()` (returning its constructor
arguments) and `@keras.saving.register_keras_serializable()` for `model.keras` to
load again; layers Keras already has, and functions of the tensor built from them,
need neither.

Names (activations, initializers, optimizers, losses, metrics), built-in or not,
reach this backend through `Named.impl["keras"]` (nnspec/builtins/names.py): an
activation is a callable or a Keras activation name; an initializer is
`factory(seed) -> keras initializer`; an optimizer is `factory(lr, **options) ->
keras optimizer`; a loss or metric is `fn(y_true, output) -> tensor` (per sample or
averaged), or for a loss the name of a `keras.losses` class (nnspec/objectives.py).

Training
--------
`nnspec.build(plan, "keras")` returns the model compiled with the spec's optimizer,
loss and metrics, ready for `fit` (a trainer recompiles it without the metrics,
which nnspec computes itself, so that `model.keras` loads without nnspec). `nnspec run` trains it with `KerasTrainer`: one
`tf.function` call runs up to 64 optimizer steps in a `tf.range` loop over
consecutive slices of a shuffled chunk of the training set, each step XLA-compiled
when steps are sizeable and many (`default_jit`). On the course's MLPs this trains
2-2.4x faster than `fit` and 15-25% faster than a hand-written TF1 Session loop
(docs/performance.md). TensorFlow and Keras are imported inside functions only, so
importing this module stays cheap.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ... import objectives
from ...keras_files import compile_plainly, save_model
from ...types import Plan
from .common import (
    BuildContext,
    build_layers,
    input_dtype,
    label_spec,
    make_optimizer,
    predict_in_chunks,
    quiet_tensorflow_logs,
)

NAME = "keras"


class KerasContext(BuildContext):
    """What a keras layer builder receives (see the module docstring)."""

    backend = NAME

    def spread_initializer(self, name: str, spread: float, seed: int):
        """normal/truncated_normal with stddev `spread`, uniform on [-spread, spread]."""
        from keras import initializers as init

        if name == "uniform":
            return init.RandomUniform(minval=-spread, maxval=spread, seed=seed)
        if name == "truncated_normal":
            return init.TruncatedNormal(mean=0.0, stddev=spread, seed=seed)
        return init.RandomNormal(mean=0.0, stddev=spread, seed=seed)

    def activation(self, name: str | None):
        """The Keras activation function for a name (None: None)."""
        import keras

        found = super().activation(name)
        return keras.activations.get(found) if isinstance(found, str) else found


# the core layer builders live in keras_layers.py, beside how each is written and read back


# ------------------------------------------------------------------ the model


def build(plan: Plan):
    """A compiled Keras model for the plan (seeded initializers, the spec's names).

    A keras.Sequential model when every builder returns layers; a functional
    keras.Model for a graph, or when a builder returns a function of the incoming tensor.
    """
    import keras

    ctx = KerasContext(plan)
    inputs = keras.Input(shape=tuple(plan.input_shape), dtype=input_dtype(plan), name="input")
    made: list = []

    def call(build, layer, x):  # a graph's layers are called on what they read as they are made
        items = _as_list(build(layer, ctx))
        made.extend(items)
        return _apply(items, x) if plan.is_graph else None

    output = build_layers(plan, ctx, call, inputs)
    if not plan.is_graph and all(isinstance(item, keras.layers.Layer) for item in made):
        model = keras.Sequential([inputs, *made], name=_model_name(plan))
    else:  # a functional model: branches and merges, or a builder that returned a function
        model = keras.Model(inputs, output if plan.is_graph else _apply(made, inputs), name=_model_name(plan))
    metrics = [keras.metrics.MeanMetricWrapper(fn, name=name)
               for name, fn in objectives.metric_functions(plan, NAME).items()]
    model.compile(optimizer=make_optimizer(plan, NAME), loss=objectives.loss_function(plan, NAME), metrics=metrics)
    return model


def _as_list(made) -> list:
    return list(made) if isinstance(made, (list, tuple)) else [made]


def _apply(made: list, x):
    """`x` through each Keras layer (or function of a tensor) a builder returned, in order."""
    for item in made:
        x = item(x)
    return x


def _model_name(plan: Plan) -> str:
    filename = getattr(plan.spec, "filename", None)
    stem = Path(filename).stem if filename else "nnspec"
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in stem) or "nnspec"


# ------------------------------------------------------------------ training


class KerasTrainer:
    """Trains a built model: compiled multi-step training, compiled prediction, saving.

    `train_steps(x, y, batch)` runs one optimizer step per consecutive slice of `batch`
    samples inside one `tf.function` (a `tf.range` loop), and returns per-step loss and
    training metrics so the runner can report progress and find a NaN's batch. Each
    step may be compiled with XLA (`jit`; by default when `default_jit` expects it to pay);
    a model XLA cannot compile falls back to the plain graph on the first call.
    """

    def __init__(self, plan: Plan, model, jit: bool | None = None) -> None:
        import tensorflow as tf

        quiet_tensorflow_logs()
        self.plan = plan
        self.model = model
        self.names = ("loss", *plan.train.metrics)
        self.jit = default_jit(plan) if jit is None else jit
        # nnspec computes the metrics itself; compiled, nnspec's metric functions would be
        # written into model.keras, which Keras could then not load without nnspec
        compile_plainly(model)
        model.optimizer.build(model.trainable_variables)
        self._run_steps = self._compile(self.jit)
        self._checked = False
        self._probe = None
        x_spec = tf.TensorSpec([None, *plan.input_shape], input_dtype(plan))

        @tf.function(input_signature=[x_spec])
        def forward(x):
            return model(x, training=False)

        self._forward = forward

    def _compile(self, jit: bool):
        """The multi-step training function; `jit` compiles each step with XLA."""
        import tensorflow as tf

        plan, model = self.plan, self.model
        optimizer = model.optimizer
        variables = model.trainable_variables
        # Keras' own loss, as `fit` computes it: on a sigmoid or softmax output it takes the
        # logits, where a loss clipped on probabilities has no gradient once an output
        # saturates (Pima's unscaled inputs saturate half the samples at the start)
        loss_fn = objectives.loss_function(plan, NAME)
        metric_fns = list(objectives.metric_functions(plan, NAME).values())
        label_shape, label_dtype = label_spec(plan)
        x_spec = tf.TensorSpec([None, *plan.input_shape], input_dtype(plan))
        y_spec = tf.TensorSpec([None, *label_shape], label_dtype)

        @tf.function(jit_compile=jit)
        def step(x, y):
            with tf.GradientTape() as tape:
                output = model(x, training=True)
                loss = objectives.batch_mean(loss_fn, y, output)
                total = loss + tf.add_n(model.losses) if model.losses else loss
            gradients = tape.gradient(total, variables)
            optimizer.apply_gradients(zip(gradients, variables))
            return tf.stack([loss] + [objectives.batch_mean(fn, y, output) for fn in metric_fns])

        @tf.function(input_signature=[x_spec, y_spec, tf.TensorSpec([], tf.int32)])
        def run_steps(x, y, batch):
            steps = (tf.shape(x)[0] + batch - 1) // batch
            logs = tf.TensorArray(tf.float32, size=steps, element_shape=[len(self.names)])
            for i in tf.range(steps):
                start = i * batch
                logs = logs.write(i, step(x[start:start + batch], y[start:start + batch]))
            return logs.stack()

        return run_steps

    def train_steps(self, x: np.ndarray, y: np.ndarray, batch: int) -> dict[str, np.ndarray]:
        """One optimizer step per slice of `batch` samples; per-step loss and metrics."""
        if not self._checked:
            logs = self._first_call(x, y, batch)
        else:
            logs = self._run_steps(x, y, np.int32(batch)).numpy()
        return {name: logs[:, i] for i, name in enumerate(self.names)}

    def _first_call(self, x, y, batch):
        """Run the first chunk; when XLA cannot compile the step, use the plain graph instead.

        A failed compilation raises before any variable changes, so retrying is safe.
        """
        import tensorflow as tf

        try:
            logs = self._run_steps(x, y, np.int32(batch)).numpy()
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError, tf.errors.InternalError):
            if not self.jit:
                raise
            self.jit = False
            self._run_steps = self._compile(False)
            logs = self._run_steps(x, y, np.int32(batch)).numpy()
        self._checked = True
        return logs

    def set_lr(self, lr: float) -> None:
        """The learning rate of the next steps (a schedule's rate for this epoch)."""
        self.model.optimizer.learning_rate = float(lr)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The last layer's outputs in evaluation mode (dropout off, moving statistics)."""
        return predict_in_chunks(self._forward, x, self.plan)

    def get_state(self) -> list[np.ndarray]:
        """Every model variable (weights, batchnorm statistics, dropout seed state), then the optimizer's."""
        return [np.asarray(v.numpy()) for v in self._state_variables()]

    def set_state(self, arrays: list[np.ndarray]) -> None:
        """Put back what get_state gave, in the same order (a checkpoint of the same plan)."""
        variables = self._state_variables()
        if len(arrays) != len(variables):
            raise ValueError(f"the checkpoint holds {len(arrays)} arrays, the model has {len(variables)} variables")
        for variable, value in zip(variables, arrays):
            variable.assign(value)

    def _state_variables(self) -> list:
        return [*self.model.variables, *self.model.optimizer.variables]

    def probe(self, x: np.ndarray, y: np.ndarray):
        """Layer outputs and kernel gradients on (x, y), nothing updated (training diagnostics)."""
        if self._probe is None:
            from .keras_probe import make_probe

            self._probe = make_probe(self.plan, self.model, objectives.loss_function(self.plan, NAME))
        return self._probe(x, y)

    def save(self, folder: Path) -> Path:
        """Save the model as `model.keras` in `folder`."""
        path = Path(folder) / "model.keras"
        save_model(self.model, path)
        return path

    def close(self) -> None:
        """Nothing to release: the model lives as long as the caller keeps it."""


# When XLA-compiled steps pay (bench/training_speed.py, docs/performance.md): fusing the
# optimizer's and the loss's many small ops saves time on every sizeable step, but
# compiling costs from half a second to seconds, and on tiny steps (Iris) XLA's launch
# costs more than it saves.
JIT_MIN_STEP_WORK = 10_000_000  # batch size x parameters
JIT_MIN_STEPS = 2000  # epochs x steps per epoch, when the data's size is known


def default_jit(plan: Plan) -> bool:
    """Whether to XLA-compile training steps: NNSPEC_KERAS_JIT=1/0 decides, else the rule above."""
    import os

    forced = os.environ.get("NNSPEC_KERAS_JIT", "").strip().lower()
    if forced:
        return forced not in ("0", "false", "no", "off")
    batch = plan.train.batch or plan.meta.train_size or 0
    if batch * plan.param_count < JIT_MIN_STEP_WORK:
        return False
    if plan.meta.train_size:
        steps = plan.train.epochs * -(-plan.meta.train_size // batch)
        return steps >= JIT_MIN_STEPS
    return True


def train(plan: Plan, model) -> KerasTrainer:
    """The trainer the runner drives for a model built by `build`."""
    return KerasTrainer(plan, model)
