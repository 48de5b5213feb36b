"""The export formats: how each is written from a Keras model, and how each is run back.

| format | written by | run back by |
| --- | --- | --- |
| keras | `model.save` (a .keras file) | `keras.models.load_model` with its defaults, in a fresh process |
| savedmodel | `model.export(format="tf_saved_model")` (a folder) | `tf.saved_model.load(...).serve` |
| onnx | `tf2onnx.convert.from_function` on a `tf.function` signature | onnxruntime |
| tflite | `TFLiteConverter.from_saved_model`, recurrent layers unrolled | `tf.lite.Interpreter` |

With TF 2.21 and Keras 3, tf2onnx's `from_keras` does not apply (it expects tf.keras 2
models); tracing the model's call in a `tf.function` and converting that function does.
TFLite's `from_concrete_functions` produced NaN outputs here for Keras 3 models, where
converting the exported SavedModel gives the Keras model's outputs.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import NNSpecError

PREDICT_ROWS = 4096  # samples per call when running an exported model back
ONNX_OPSET = 13
EXPORT_EXTRA = "pip install 'nnspec[export]'"


@dataclass(frozen=True)
class Format:
    """One export format: the default file name, a writer and a runner."""

    name: str
    filename: str
    write: Callable  # (model, plan, path) -> None
    load: Callable  # (path) -> predict(x) -> outputs
    runtime: str


def _write_keras(model, plan, path: Path) -> None:
    from ..keras_files import save_model

    save_model(model, path)


# What a user does with a .keras file: a plain load (safe_mode on, compiled), in a Python
# that has not imported nnspec. The only imports first are the modules that hold the
# model's own Keras classes (nnspec's PositionEmbedding, a plugin's layer), as a user's
# `import` of that plugin does (docs/plugins.md, Keras objects): nothing else nnspec
# registers can make the load succeed.
FRESH_KERAS_LOAD = """
import importlib
import json
import sys
import zipfile
import numpy as np
import keras
modules = set()
def walk(node):
    if isinstance(node, dict):
        module = node.get("module")
        if isinstance(module, str) and module.split(".")[0] not in ("keras", "builtins", "numpy"):
            modules.add(module)
        for value in node.values():
            walk(value)
    elif isinstance(node, list):
        for value in node:
            walk(value)
with zipfile.ZipFile(sys.argv[1]) as archive:
    walk(json.loads(archive.read("config.json")))
for module in sorted(modules):
    importlib.import_module(module)
model = keras.models.load_model(sys.argv[1])
x = np.load(sys.argv[2])
parts = [np.asarray(model(x[i:i + {rows}], training=False)) for i in range(0, len(x), {rows})]
np.save(sys.argv[3], np.concatenate(parts) if parts else np.zeros((0,), np.float32))
"""

def _load_keras(path: Path):
    def predict(x):
        return load_in_fresh_process(path, x)

    predict.whole = True  # one process for all the samples: run_back does not chunk them
    return predict


def load_in_fresh_process(path: Path, x: np.ndarray) -> np.ndarray:
    """`keras.models.load_model(path)` with its defaults in a new Python process; its outputs for `x`."""
    import subprocess
    import sys

    with tempfile.TemporaryDirectory(prefix="nnspec-load-") as tmp:
        inputs, outputs = Path(tmp) / "x.npy", Path(tmp) / "y.npy"
        np.save(inputs, x)
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        done = subprocess.run([sys.executable, "-c", FRESH_KERAS_LOAD.format(rows=PREDICT_ROWS),
                               str(Path(path).resolve()), str(inputs), str(outputs)],
                              cwd=tmp, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
            raise NNSpecError(
                f"keras.models.load_model cannot load the exported {Path(path).name}: "
                + (lines[-1] if lines else f"exit code {done.returncode}"),
                hint="nothing was written; please report this with the run folder",
            )
        return np.load(outputs)


def _write_savedmodel(model, plan, path: Path) -> None:
    model.export(str(path), format="tf_saved_model", verbose=False)


def _load_savedmodel(path: Path):
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))  # kept referenced: its functions use its variables
    return lambda x: loaded.serve(x).numpy()


def _write_onnx(model, plan, path: Path) -> None:
    tf2onnx = _optional("tf2onnx")
    from .model import serving_function

    serve, spec = serving_function(model, plan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf2onnx.convert.from_function(serve, input_signature=[spec], opset=ONNX_OPSET, output_path=str(path))


def _load_onnx(path: Path):
    ort = _optional("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: x})[0]


def _write_tflite(model, plan, path: Path) -> None:
    import tensorflow as tf

    with tempfile.TemporaryDirectory(prefix="nnspec-tflite-") as folder:
        _write_savedmodel(_unrolled(model), plan, Path(folder) / "saved_model")
        converter = tf.lite.TFLiteConverter.from_saved_model(str(Path(folder) / "saved_model"))
        content = converter.convert()
    path.write_bytes(content)


def _unrolled(model):
    """The model with its recurrent layers unrolled over their fixed steps, the same weights.

    TFLite's built-in ops have no loop over a tensor list, which a recurrent layer's
    `while` loop needs; unrolled, an lstm is the same matrix products step by step.
    """

    def unroll(config):
        if isinstance(config, dict):
            return {key: True if key == "unroll" else unroll(value) for key, value in config.items()}
        return [unroll(value) for value in config] if isinstance(config, list) else config

    config = model.get_config()
    unrolled = unroll(config)
    if unrolled == config:  # no recurrent layer, or all unrolled already
        return model
    clone = type(model).from_config(unrolled)  # the architecture only: nothing compiled comes along
    clone.set_weights(model.get_weights())
    return clone


def _load_tflite(path: Path):
    import tensorflow as tf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter announces its move to ai_edge_litert
        interpreter = tf.lite.Interpreter(model_path=str(path))
    source = interpreter.get_input_details()[0]["index"]
    target = interpreter.get_output_details()[0]["index"]

    def predict(x):
        interpreter.resize_tensor_input(source, x.shape)
        with _quiet_stderr():  # TFLite's C++ side announces its CPU delegate on stderr
            interpreter.allocate_tensors()
        interpreter.set_tensor(source, x)
        interpreter.invoke()
        return interpreter.get_tensor(target).copy()

    return predict


FORMATS = {
    f.name: f
    for f in (
        Format("keras", "model.keras", _write_keras, _load_keras, "keras.models.load_model (fresh process)"),
        Format("savedmodel", "saved_model", _write_savedmodel, _load_savedmodel, "tf.saved_model.load"),
        Format("onnx", "model.onnx", _write_onnx, _load_onnx, "onnxruntime"),
        Format("tflite", "model.tflite", _write_tflite, _load_tflite, "tf.lite.Interpreter"),
    )
}


def get_format(name: str) -> Format:
    """The format of that name, or a usage error listing them."""
    from ..errors import UsageError

    if name not in FORMATS:
        raise UsageError(f"unknown export format '{name}'", hint="use one of: " + ", ".join(FORMATS))
    return FORMATS[name]


def run_back(predict: Callable, x: np.ndarray) -> np.ndarray:
    """An exported model's outputs for `x`, a few thousand rows per call (all at once to a `whole` predict)."""
    if getattr(predict, "whole", False):
        return np.asarray(predict(x))
    parts = [np.asarray(predict(x[i:i + PREDICT_ROWS])) for i in range(0, len(x), PREDICT_ROWS)]
    return np.concatenate(parts) if parts else np.zeros((0,), np.float32)


@contextlib.contextmanager
def _quiet_stderr():
    """Point file descriptor 2 at /dev/null for a block: C++ code writes there directly."""
    try:
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    except OSError:
        yield
        return
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _optional(module: str):
    """Import a converter from the `export` extra, or say how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise NNSpecError(
            f"exporting to this format needs {module}, which is not installed", hint=EXPORT_EXTRA
        ) from None
