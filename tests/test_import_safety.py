"""`nnspec import` on configs made to break it: clear errors, no tracebacks, nothing pasted, bounded reads.

No TensorFlow: the configs are written here as Keras 3 writes them (the shapes of
`model.to_json()` and a .keras file's config.json), then mangled by hypothesis.
"""

from __future__ import annotations

import copy
import json
import tracemalloc
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nnspec.cli import app
from nnspec.dsl.ast import InputStmt, LayerStmt, TrainStmt
from nnspec.dsl.parser import parse
from nnspec.errors import NNSpecError
from nnspec.export import keras_config
from nnspec.export.importer import import_model


def initializer(name: str, **config) -> dict:
    return {"module": "keras.initializers", "class_name": name, "config": {"seed": None, **config},
            "registered_name": None}


def layer(kind: str, name: str, **config) -> dict:
    return {"module": "keras.layers", "class_name": kind,
            "config": {"name": name, "trainable": True, "dtype": "float32", **config}, "registered_name": None}


MODEL = {
    "module": "keras", "class_name": "Sequential", "registered_name": None,
    "config": {"name": "sequential", "trainable": True, "dtype": "float32", "layers": [
        {"module": "keras.layers", "class_name": "InputLayer",
         "config": {"batch_shape": [None, 28, 28, 1], "dtype": "float32", "sparse": False, "name": "input_layer"}},
        layer("Conv2D", "conv2d", filters=8, kernel_size=[3, 3], strides=[1, 1], padding="same",
              data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="relu", use_bias=True,
              kernel_initializer=initializer("HeNormal"), bias_initializer=initializer("Zeros"),
              kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
              kernel_constraint=None, bias_constraint=None),
        layer("BatchNormalization", "batch_normalization", axis=-1, momentum=0.9, epsilon=0.001, center=True,
              scale=True),
        layer("MaxPooling2D", "max_pooling2d", pool_size=[2, 2], padding="valid", strides=[2, 2],
              data_format="channels_last"),
        layer("Flatten", "flatten", data_format="channels_last"),
        layer("Dense", "dense", units=32, activation="relu", use_bias=True,
              kernel_initializer=initializer("GlorotUniform"), bias_initializer=initializer("Zeros")),
        layer("Dropout", "dropout", rate=0.30000001192092896, seed=None, noise_shape=None),
        layer("Dense", "dense_1", units=32, activation="relu", use_bias=True,
              kernel_initializer=initializer("GlorotUniform"), bias_initializer=initializer("Zeros")),
        layer("Dropout", "dropout_1", rate=0.30000001192092896, seed=None, noise_shape=None),
        layer("Activation", "activation", activation="tanh"),
        layer("Dense", "dense_2", units=10, activation="softmax", use_bias=False,
              kernel_initializer=initializer("RandomNormal", mean=0.0, stddev=1.0)),
    ], "build_input_shape": [None, 28, 28, 1]},
    "build_config": {"input_shape": [None, 28, 28, 1]},
    "compile_config": {
        "optimizer": {"module": "keras.optimizers", "class_name": "Adam", "registered_name": None,
                      "config": {"name": "adam", "learning_rate": 0.0010000000474974513, "beta_1": 0.9}},
        "loss": {"module": "keras.losses", "class_name": "CategoricalCrossentropy", "registered_name": None,
                 "config": {"name": "categorical_crossentropy", "from_logits": False}},
        "metrics": ["accuracy"], "loss_weights": None, "run_eagerly": False},
}
EXPECTED = [
    "input 28x28x1",
    "conv2d 8 3x3 relu padding=same init=he",
    "batchnorm momentum=0.9",
    "maxpool 2x2",
    "flatten",
    "{ dense 32 relu; dropout 0.3 } x2",
    "activation tanh",
    "dense 10 softmax init=normal bias=none",
    "train adam lr=0.001 loss=categorical_crossentropy metrics=accuracy",
]


def write(tmp_path, config, name="model.json") -> str:
    path = tmp_path / name
    text = json.dumps(config)
    if name.endswith(".keras"):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("metadata.json", "{}")
            archive.writestr("config.json", text)
    else:
        path.write_text(text)
    return str(path)


@pytest.mark.parametrize("name", ["model.json", "model.keras"])
def test_the_unmangled_config_imports_as_expected(tmp_path, name):
    lines = import_model(write(tmp_path, MODEL, name)).splitlines()
    assert lines[2:] == EXPECTED


INJECTION = 'data csv path="/etc/shadow"'


@pytest.mark.parametrize("where, value", [
    (("config", "layers", 5, "config", "units"), f"32\n{INJECTION}"),
    (("config", "layers", 5, "config", "units"), "32"),
    (("config", "layers", 6, "config", "rate"), f"0.3; {INJECTION}"),
    (("config", "layers", 1, "config", "kernel_size"), f"3x3\r{INJECTION}"),
    (("config", "layers", 1, "config", "padding"), f"same\n{INJECTION}"),
    (("config", "layers", 9, "config", "activation"), f"tanh\n{INJECTION}"),
    (("compile_config", "optimizer", "config", "learning_rate"), f"0.1\n{INJECTION}"),
    (("compile_config", "loss"), f"mse\n{INJECTION}"),
    (("compile_config", "metrics"), [f"accuracy\n{INJECTION}"]),
])
def test_strings_where_numbers_or_names_belong_never_reach_the_spec(tmp_path, where, value):
    config = copy.deepcopy(MODEL)
    target = config
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    try:
        text = import_model(write(tmp_path, config))
    except NNSpecError as error:
        assert "\n" not in error.message.split(":", 1)[1].replace("\\n", "")  # shown escaped, on one line
        return
    assert "shadow" not in text  # an unknown loss or metric is left out, not written
    assert not any(s.__class__.__name__ == "DataStmt" for s in parse(text).statements)


def test_a_file_name_cannot_add_a_line_to_the_spec(tmp_path):
    path = write(tmp_path, MODEL, 'model\ndata csv path="shadow.csv"\n.json')  # a name may hold a newline
    text = import_model(path)
    assert "shadow" in text.splitlines()[0] and text.splitlines()[0].startswith("# imported from model?data")
    assert parse(text).data is None


def test_a_keras_file_with_a_huge_config_is_refused_by_its_declared_size(tmp_path):
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("config.json", "w", force_zip64=True) as entry:
            for _ in range(keras_config.MAX_CONFIG_BYTES // 2**20 + 8):
                entry.write(b" " * 2**20)
    assert path.stat().st_size < 2 * 2**20  # a small file that unpacks to more than the limit
    tracemalloc.start()
    try:
        with pytest.raises(NNSpecError, match=r"its config.json has 75,497,472 bytes; nnspec reads model configs"):
            import_model(path)
        assert tracemalloc.get_traced_memory()[1] < 8 * 2**20
    finally:
        tracemalloc.stop()


def test_a_config_past_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(keras_config, "MAX_CONFIG_BYTES", 1000)
    with pytest.raises(NNSpecError, match="has 4,"):
        import_model(write(tmp_path, MODEL))
    with pytest.raises(NNSpecError, match="its config.json has 4,"):
        import_model(write(tmp_path, MODEL, "model.keras"))


# what hypothesis puts where a value was: every JSON type, and values made to confuse
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30), st.integers(-3, 70_000),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from([f"3\n{INJECTION}", "relu\rdense 3", "x" * 300, "Dense", "same", "", "-1", "1e999"]),
    st.lists(st.integers(-2, 5), max_size=4), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.just("[" * 50_000), st.just({"class_name": "Dense", "config": []}),
)


def paths_of(node, prefix=()):
    """Every path to a value in a JSON tree."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths_of(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths_of(value, prefix + (index,))


ALL_PATHS = list(paths_of(MODEL))


@st.composite
def mangled(draw):
    config = copy.deepcopy(MODEL)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent, found = None, config
        try:
            for key in path:
                parent, found = found, found[key]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed it
        action = draw(st.sampled_from(["replace", "replace", "delete", "wrap"]))
        value = draw(ODD_VALUES) if action == "replace" else [found]
        if not path:
            config = value if action != "delete" else {}
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    return config, draw(st.sampled_from(["model.json", "model.keras"]))


@settings(max_examples=600, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mangled())
def test_mangled_configs_give_a_spec_or_a_clear_error(tmp_path, case):
    config, name = case
    path = tmp_path / name
    if isinstance(config, str) and config.startswith("["):
        path.write_text(config + "]" * 50_000)
    else:
        write(tmp_path, config, name)
    try:
        text = import_model(path)
    except NNSpecError as error:
        assert error.message.startswith(str(path)), error.message
        return
    spec = parse(text)  # what was written reads back
    assert all(isinstance(s, (InputStmt, LayerStmt, TrainStmt)) or type(s).__name__ == "Block" for s in spec.statements)
    assert "shadow" not in text.split("\n", 1)[1]


def test_the_cli_reports_a_mangled_config_on_one_line(tmp_path):
    config = copy.deepcopy(MODEL)
    config["config"]["layers"][5]["config"]["units"] = f"32\n{INJECTION}"
    result = CliRunner().invoke(app, ["import", write(tmp_path, config)])
    assert result.exit_code == 1
    assert result.output.startswith(f"{tmp_path / 'model.json'}: layer 'dense' (Dense) has units='32\\n")
    assert result.exception is None or isinstance(result.exception, SystemExit)
