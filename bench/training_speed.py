"""Training speed: nnspec's backends against hand-written Keras and TF1, on the same arrays.

    python bench/training_speed.py                         # overhead suite, both MLPs
    python bench/training_speed.py --suite paths           # the compiled-Keras investigation
    python bench/training_speed.py --paths fit,tf1,nnspec_keras --models 512 --epochs 4 --rounds 3

Every path trains the same network (784-512-10 rmsprop batch 128, or 784-256x4-10
adam batch 100) on the same Fashion-MNIST arrays (Debian's dataset-fashion-mnist;
random arrays of that shape when it is not installed) in the same process. Paths
take turns: each round runs every path for --epochs epochs, so a burst of load
from elsewhere on the machine hits all of them. The first epoch of every round
(tracing, pipeline set-up) is left out; the table gives the median and the
fastest of the remaining epochs, and each path's median as a ratio to `fit` and
to the hand-written TF1 loop. Results are printed, not stored: docs/performance.md
quotes a run.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

FASHION = Path("/usr/share/datasets/fashion-mnist")
MODELS = {
    # name: (hidden layers, optimizer, batch)
    "512": ([512], "rmsprop", 128),
    "256x4": ([256] * 4, "adam", 100),
}
SUITES = {
    "overhead": "fit,tf1,loop,loop_jit,nnspec_keras,nnspec_tf1",
    "paths": "fit,fit_jit,fit_spe,fit_jit_spe,step,epoch_loop,loop_epoch,loop,loop_jit,nnspec_keras_nojit,"
             "nnspec_keras_jit,tf1",
    "chunks": "loop_epoch,loop,nnspec_keras_16,nnspec_keras,nnspec_keras_epoch",
}


# ------------------------------------------------------------------ data


def fashion_mnist() -> tuple[np.ndarray, np.ndarray, str]:
    """60000 training images as (n, 784) float32 in [0, 1] and one-hot labels."""
    images, labels = FASHION / "train-images-idx3-ubyte.gz", FASHION / "train-labels-idx1-ubyte.gz"
    if images.is_file() and labels.is_file():
        with gzip.open(images) as f:
            x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
        with gzip.open(labels) as f:
            y = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
        source = "Fashion-MNIST"
    else:
        rng = np.random.default_rng(0)
        x = rng.random((60000, 784), dtype=np.float32)
        y = rng.integers(0, 10, 60000)
        source = "random arrays of Fashion-MNIST's shape"
    return x, np.eye(10, dtype=np.float32)[y], source


# ------------------------------------------------------------------ hand-written Keras


def keras_model(hidden, optimizer, seed=0, **compile_options):
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((784,))] + [keras.layers.Dense(h, activation="relu") for h in hidden]
        + [keras.layers.Dense(10, activation="softmax")]
    )
    make = {"rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam}[optimizer]
    model.compile(optimizer=make(0.001), loss=keras.losses.CategoricalCrossentropy(), metrics=["accuracy"],
                  **compile_options)
    return model


class Fit:
    """`model.fit` as a course script calls it, with optional compile options."""

    def __init__(self, spec, x, y, **compile_options):
        hidden, optimizer, self.batch = spec
        self.model = keras_model(hidden, optimizer, **compile_options)
        self.x, self.y = x, y

    def run(self, epochs: int) -> list[float]:
        import keras

        times: list[float] = []

        class Timer(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.started = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                times.append(time.perf_counter() - self.started)

        self.model.fit(self.x, self.y, batch_size=self.batch, epochs=epochs, shuffle=True, verbose=0,
                       callbacks=[Timer()])
        return times


class Step:
    """A `tf.function` training step called once per batch from Python (numpy slices)."""

    def __init__(self, spec, x, y):
        import tensorflow as tf

        hidden, optimizer, self.batch = spec
        model = keras_model(hidden, optimizer)
        opt, loss_fn, variables = model.optimizer, model.loss, model.trainable_variables
        opt.build(variables)

        @tf.function
        def step(xb, yb):
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, model(xb, training=True))
            opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return loss

        self.step, self.x, self.y = step, x, y
        self.rng = np.random.default_rng(0)

    def run(self, epochs):
        times = []
        for _ in range(epochs):
            started = time.perf_counter()
            order = self.rng.permutation(len(self.x))
            for i in range(0, len(order), self.batch):
                index = order[i:i + self.batch]
                loss = self.step(self.x[index], self.y[index])
            float(loss)
            times.append(time.perf_counter() - started)
        return times


class EpochLoop:
    """The whole epoch inside one `tf.function`: a `tf.range` loop over a shuffled tensor."""

    def __init__(self, spec, x, y):
        import tensorflow as tf

        hidden, optimizer, batch = spec
        model = keras_model(hidden, optimizer)
        opt, loss_fn, variables = model.optimizer, model.loss, model.trainable_variables
        opt.build(variables)
        self.x, self.y = tf.constant(x), tf.constant(y)

        @tf.function
        def epoch(order):
            xs, ys = tf.gather(self.x, order), tf.gather(self.y, order)
            steps = (tf.shape(xs)[0] + batch - 1) // batch
            loss = tf.constant(0.0)
            for i in tf.range(steps):
                with tf.GradientTape() as tape:
                    loss = loss_fn(ys[i * batch:(i + 1) * batch], model(xs[i * batch:(i + 1) * batch], training=True))
                opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return loss

        self.epoch = epoch
        self.rng = np.random.default_rng(0)

    def run(self, epochs):
        times = []
        for _ in range(epochs):
            started = time.perf_counter()
            float(self.epoch(self.rng.permutation(len(self.x)).astype(np.int32)))
            times.append(time.perf_counter() - started)
        return times


class Loop:
    """nnspec's keras training path written by hand: compiled multi-step calls over numpy chunks.

    `steps` steps per call (None: the whole epoch); `jit` compiles each step with XLA.
    """

    def __init__(self, spec, x, y, steps=None, jit=False):
        import tensorflow as tf

        hidden, optimizer, self.batch = spec
        model = keras_model(hidden, optimizer)
        opt, loss_fn, variables = model.optimizer, model.loss, model.trainable_variables
        opt.build(variables)

        @tf.function(jit_compile=jit)
        def step(xb, yb):
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, model(xb, training=True))
            opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return loss

        signature = [tf.TensorSpec([None, 784]), tf.TensorSpec([None, 10]), tf.TensorSpec([], tf.int32)]

        @tf.function(input_signature=signature)
        def chunk(xc, yc, b):
            n = (tf.shape(xc)[0] + b - 1) // b
            losses = tf.TensorArray(tf.float32, size=n)
            for i in tf.range(n):
                losses = losses.write(i, step(xc[i * b:(i + 1) * b], yc[i * b:(i + 1) * b]))
            return losses.stack()

        self.chunk, self.x, self.y = chunk, x, y
        self.rows = (steps or 10**9) * self.batch
        self.rng = np.random.default_rng(0)

    def run(self, epochs):
        times = []
        for _ in range(epochs):
            started = time.perf_counter()
            order = self.rng.permutation(len(self.x))
            for i in range(0, len(order), self.rows):
                index = order[i:i + self.rows]
                losses = self.chunk(self.x[index], self.y[index], np.int32(self.batch))
            losses.numpy()
            times.append(time.perf_counter() - started)
        return times


# ------------------------------------------------------------------ hand-written TF1


class TF1:
    """The course's TF1 graph: placeholders, get_variable, Session.run per batch with feed_dict."""

    def __init__(self, spec, x, y):
        import tensorflow as tf

        v1 = tf.compat.v1
        hidden, optimizer, self.batch = spec
        graph = tf.Graph()
        with graph.as_default():
            v1.set_random_seed(0)
            self.X = v1.placeholder(tf.float32, [None, 784])
            self.Y = v1.placeholder(tf.float32, [None, 10])
            layer, width = self.X, 784
            for i, units in enumerate([*hidden, 10]):
                W = v1.get_variable(f"W{i}", [width, units], initializer=v1.glorot_uniform_initializer())
                b = v1.get_variable(f"b{i}", [units], initializer=v1.zeros_initializer())
                layer = tf.matmul(layer, W) + b
                if i < len(hidden):
                    layer = tf.nn.relu(layer)
                width = units
            self.cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=self.Y, logits=layer))
            make = {"rmsprop": v1.train.RMSPropOptimizer, "adam": v1.train.AdamOptimizer}[optimizer]
            self.train_op = make(0.001).minimize(self.cost)
            self.session = v1.Session(graph=graph)
            self.session.run(v1.global_variables_initializer())
        self.x, self.y = x, y
        self.rng = np.random.default_rng(0)

    def run(self, epochs):
        times = []
        for _ in range(epochs):
            started = time.perf_counter()
            order = self.rng.permutation(len(self.x))
            for i in range(0, len(order), self.batch):
                index = order[i:i + self.batch]
                self.session.run([self.cost, self.train_op], {self.X: self.x[index], self.Y: self.y[index]})
            times.append(time.perf_counter() - started)
        return times


# ------------------------------------------------------------------ nnspec


class NNSpec:
    """`nnspec.run` on the spec of the same network, with the same arrays; its own epoch timings."""

    def __init__(self, spec, x, y, backend, jit=None, chunk=None):
        import nnspec
        from nnspec.types import Data, DatasetMeta

        hidden, optimizer, batch = spec
        layers = "\n".join(f"dense {h} relu" for h in hidden)
        # the hand-written counterparts: Keras ends in softmax, the course's TF1 graph in logits
        last = "dense 10 softmax" if backend == "keras" else "dense 10"
        self.text = (f"input 784\n{layers}\n{last}\n"
                     f"train {optimizer} lr=0.001 loss=categorical_crossentropy metrics=accuracy batch={batch}")
        labels = y.argmax(axis=1)
        meta = DatasetMeta((784,), "multiclass", classes=10)
        self.data = Data(x, labels, x[:1000], labels[:1000], meta)
        self.backend = backend
        self.jit = jit
        self.chunk = chunk  # steps per compiled call (nnspec.training.loop.CHUNK_STEPS), None: nnspec's
        self.folder = Path(tempfile.mkdtemp(prefix="nnspec-bench-"))
        self.nnspec = nnspec

    def run(self, epochs):
        from nnspec.training import loop

        if self.jit is not None:
            os.environ["NNSPEC_KERAS_JIT"] = "1" if self.jit else "0"
        default_chunk = loop.CHUNK_STEPS
        loop.CHUNK_STEPS = self.chunk or default_chunk
        result = self.nnspec.run(self.text, self.backend, epochs=epochs, data=self.data, progress="none",
                                 report=False, out=self.folder / "run").best
        os.environ.pop("NNSPEC_KERAS_JIT", None)
        loop.CHUNK_STEPS = default_chunk
        return list(result.epoch_seconds)


PATHS = {
    "fit": lambda spec, x, y: Fit(spec, x, y),
    "fit_jit": lambda spec, x, y: Fit(spec, x, y, jit_compile=True),
    "fit_spe": lambda spec, x, y: Fit(spec, x, y, steps_per_execution=64),
    "fit_jit_spe": lambda spec, x, y: Fit(spec, x, y, jit_compile=True, steps_per_execution=64),
    "step": Step,
    "epoch_loop": EpochLoop,
    "loop": lambda spec, x, y: Loop(spec, x, y, steps=64),
    "loop_epoch": lambda spec, x, y: Loop(spec, x, y),
    "loop_jit": lambda spec, x, y: Loop(spec, x, y, steps=64, jit=True),
    "tf1": TF1,
    "nnspec_keras": lambda spec, x, y: NNSpec(spec, x, y, "keras"),
    "nnspec_keras_jit": lambda spec, x, y: NNSpec(spec, x, y, "keras", jit=True),
    "nnspec_keras_nojit": lambda spec, x, y: NNSpec(spec, x, y, "keras", jit=False),
    "nnspec_keras_16": lambda spec, x, y: NNSpec(spec, x, y, "keras", chunk=16),
    "nnspec_keras_epoch": lambda spec, x, y: NNSpec(spec, x, y, "keras", chunk=10**6),
    "nnspec_tf1": lambda spec, x, y: NNSpec(spec, x, y, "tf1"),
}
DESCRIPTIONS = {
    "fit": "Keras model.fit",
    "fit_jit": "model.fit, jit_compile=True",
    "fit_spe": "model.fit, steps_per_execution=64",
    "fit_jit_spe": "model.fit, jit_compile=True, steps_per_execution=64",
    "step": "tf.function step per batch from Python",
    "epoch_loop": "whole epoch in one tf.function (tf.range over a shuffled tensor)",
    "loop": "tf.range loop, 64 steps per call over numpy-gathered chunks (nnspec's path, by hand)",
    "loop_epoch": "tf.range loop over a numpy-gathered whole epoch per call",
    "loop_jit": "the same as loop, each step XLA-compiled",
    "tf1": "hand-written TF1 Session loop, feed_dict",
    "nnspec_keras": "nnspec run, keras backend (default settings)",
    "nnspec_keras_jit": "nnspec run, keras backend, XLA steps",
    "nnspec_keras_nojit": "nnspec run, keras backend, no XLA",
    "nnspec_keras_16": "nnspec run, keras backend, 16 steps per call",
    "nnspec_keras_epoch": "nnspec run, keras backend, a whole epoch per call (at most 32 MB)",
    "nnspec_tf1": "nnspec run, tf1 backend",
}


def measure(model: str, paths: list[str], x, y, epochs: int, rounds: int):
    """Steady-state epoch times per path, and each path's very first epoch (tracing, compiling)."""
    spec = MODELS[model]
    runners = {name: PATHS[name](spec, x, y) for name in paths}
    steady: dict[str, list[float]] = {name: [] for name in paths}
    first: dict[str, float] = {}
    for number in range(rounds):
        order = paths if number % 2 == 0 else paths[::-1]  # neither end of a round is always first
        for name in order:
            times = runners[name].run(epochs)
            first.setdefault(name, times[0])
            steady[name].extend(times[1:])
            print(f"  {model} round {number + 1} {name}: " + " ".join(f"{t:.2f}" for t in times),
                  file=sys.stderr, flush=True)
    return steady, first


def table(model: str, steady: dict[str, list[float]], first: dict[str, float]) -> str:
    medians = {name: statistics.median(times) for name, times in steady.items()}
    lines = [f"| {model} path | median s/epoch | fastest | vs fit | vs TF1 loop | first epoch |",
             "|---|---|---|---|---|---|"]
    for name, times in steady.items():
        vs_fit = f"{medians[name] / medians['fit']:.2f}x" if "fit" in medians else ""
        vs_tf1 = f"{medians[name] / medians['tf1']:.2f}x" if "tf1" in medians else ""
        lines.append(f"| {DESCRIPTIONS[name]} | {medians[name]:.2f} | {min(times):.2f} | {vs_fit} | {vs_tf1} "
                     f"| {first[name]:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=sorted(SUITES), default="overhead")
    parser.add_argument("--paths", help="comma list of paths (overrides --suite): " + ",".join(PATHS))
    parser.add_argument("--models", default="512,256x4", help="comma list of: " + ",".join(MODELS))
    parser.add_argument("--epochs", type=int, default=3, help="epochs per path per round (the first is left out)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    paths = (args.paths or SUITES[args.suite]).split(",")
    x, y, source = fashion_mnist()
    import tensorflow as tf

    print(f"# {len(x)} samples of {source}; TensorFlow {tf.__version__}; {os.cpu_count()} cores; "
          f"{args.rounds} rounds x {args.epochs} epochs per path")
    print(f"# python bench/training_speed.py --paths {','.join(paths)} --models {args.models} "
          f"--epochs {args.epochs} --rounds {args.rounds}")
    for model in args.models.split(","):
        steady, first = measure(model, paths, x, y, args.epochs, args.rounds)
        print()
        print(table(model, steady, first), flush=True)


if __name__ == "__main__":
    main()
