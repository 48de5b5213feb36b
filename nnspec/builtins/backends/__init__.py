"""The built-in backends, keras and tf1, and their core layer builders.

A backend only translates: training (nnspec/training/) checks the spec, loads and
encodes the data, holds out validation samples, shuffles and batches with the seed,
reports progress, finds NaNs, computes validation and test metrics from the
outputs, and writes the run folder. A backend registers

    Backend(name, build=build, train=train)

- `build(plan) -> model`: the backend's model for a checked `Plan` (what
  `nnspec.build` returns); the built-in ones build through `common.build_layers`,
  which looks up each layer kind's builder with
  `get_registries().layer_builders[(name, kind)]` and reports a failing builder at
  its layer's line;
- `train(plan, model) -> trainer`, an object following `nnspec.types.Trainer`:
  `train_steps(x, y, batch) -> {"loss": per-step array, metric: per-step array}`
  (one optimizer step per consecutive slice of `batch` rows; x and y are already
  shuffled and encoded), `predict(x) -> outputs of the last layer` (evaluation
  mode; `common.predict_in_chunks` does the chunking), `save(folder) -> path
  written`, and `close()`; optionally `set_lr(lr)`, the learning rate of the next
  steps (a spec's `schedule=` calls it once per epoch).

A small third-party backend, say one that trains a Keras model with `fit`:

    from nnspec import hookimpl
    from nnspec.types import Backend

    class FitTrainer:
        def __init__(self, plan, model):
            self.model = model
        def train_steps(self, x, y, batch):
            history = self.model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
            steps = -(-len(x) // batch)
            return {name: [values[-1]] * steps for name, values in history.history.items()}
        def predict(self, x):
            return self.model.predict(x, verbose=0)
        def save(self, folder):
            self.model.save(folder / "model.keras")
            return folder / "model.keras"
        def close(self):
            pass

    @hookimpl
    def register_backends(register):
        from nnspec.builtins.backends import keras as keras_backend
        register(Backend("keras_fit", build=keras_backend.build, train=FitTrainer))

It then needs a layer builder for each layer kind it supports (`register_layer_builders`).
Nothing here imports TensorFlow: keras.py and tf1.py import it inside functions.
"""

from __future__ import annotations

from ...hookspecs import hookimpl
from ...types import Backend
from . import keras as keras_backend
from . import keras_attention, keras_layers, keras_sequences, merge_builders, pooling_builders
from . import tf1_attention, tf1_layers, tf1_recurrent
from . import tf1 as tf1_backend

BACKENDS = (
    Backend(
        "keras",
        build=keras_backend.build,
        train=keras_backend.train,
        doc="Keras 3 model (tf.keras), trained by a compiled multi-step loop",
    ),
    Backend(
        "tf1",
        build=tf1_backend.build,
        train=tf1_backend.train,
        doc="raw tf.compat.v1 graph trained by a Session loop, as the course writes it",
    ),
)


@hookimpl
def register_backends(register):
    """Register the keras and tf1 backends."""
    for backend in BACKENDS:
        register(backend)


@hookimpl
def register_layer_builders(register):
    """Register how each backend builds every core layer kind (and writes it in a script, and reads it back)."""
    for module in (keras_layers, tf1_layers, merge_builders, pooling_builders, keras_sequences, tf1_recurrent,
                   keras_attention, tf1_attention):
        for builder in module.LAYER_BUILDERS:
            register(builder)
