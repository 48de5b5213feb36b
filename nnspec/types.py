"""What plugins register, and the data that flows between nnspec's stages.

Everything here is plain Python: no TensorFlow, so the parser side stays light.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol

from .forms import Code, KerasForm
from .observers import ReportSection, SectionContent, TrainingCallback, TrainingState  # noqa: F401 (re-exported)

REQUIRED: Any = object()
"""Marks a `Param` that has no default and must be written."""

Shape = tuple  # per-sample shape without the batch axis, e.g. (784,) or (28, 28, 1)


@dataclass(frozen=True)
class Param:
    """One positional argument or option of a layer, dataset, optimizer or `train`.

    `type` is one of: int, float, fraction ([0, 1)), number, bool, name, str (a
    quoted path or any text), shape, names (a comma list), int_or_all, int_or_fraction,
    or a registry kind (activation, initializer, optimizer, loss, metric, metrics,
    dataset, backend) whose value must be a registered name.
    """

    name: str
    type: str
    default: Any = REQUIRED
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    doc: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class LayerKind:
    """A layer kind the language knows: its arguments and its shape arithmetic.

    `output_shape(input_shape, args)` returns the per-sample output shape or raises
    `ValueError` with a message for the user; `param_count(input_shape, args)` returns
    the number of trainable and non-trainable weights, as Keras counts them. `args`
    holds every positional argument and option by name, defaults filled in.
    `finalize(args, meta)`, when given, returns the args completed from the dataset's
    metadata or normalised (embedding takes `vocab` from the data; kernels become pairs).
    `keeps_activation` says that the layer leaves the previous activation's meaning
    intact (a softmax before dropout still gives probabilities), which decides whether
    the network ends in logits. `merges` marks a kind that joins branches (`add`,
    `concat`, a block head's end): its functions get the tuple of its inputs' shapes.
    `adapt(args, input_shape, readers)`, when given, completes the args from the input's
    shape and from what reads the output (a pool's window by the input's rank, a
    recurrent layer's `return_sequences` from the layer after it): `readers` holds, for
    each layer reading this one, the kind names from it onwards (`("dropout", "dense")`).
    """

    name: str
    positional: tuple[Param, ...] = ()
    options: tuple[Param, ...] = ()
    output_shape: Callable[[Shape, Mapping[str, Any]], Shape] = lambda shape, args: shape
    param_count: Callable[[Shape, Mapping[str, Any]], int] = lambda shape, args: 0
    doc: str = ""
    aliases: tuple[str, ...] = ()
    finalize: Callable[[dict, "DatasetMeta | None"], dict] | None = None
    keeps_activation: bool = False  # dropout, flatten: the output is still what came in
    merges: bool = False  # add, concat: output_shape and param_count take a tuple of input shapes
    adapt: Callable[[dict, Shape, tuple], dict] | None = None  # args completed from input shape and readers

    def params(self) -> tuple[Param, ...]:
        return self.positional + self.options


@dataclass(frozen=True)
class Named:
    """A named thing (activation, initializer, optimizer, loss, metric).

    `options`: extra `key=value` options with their defaults (an optimizer's `lr`
    gives its default learning rate). `impl` maps a backend name to what that backend
    needs to use it (docs/plugins.md), or to a `"module:attribute"` string imported
    when first needed (a plugin's Keras objects may live in a module that imports
    Keras at its top). `code` maps a backend to how `nnspec code` writes the name (a
    `Code` or a template); `keras` lists the `KerasForm`s (or plain Keras names)
    `nnspec import` reads back as this name.
    """

    name: str
    doc: str = ""
    aliases: tuple[str, ...] = ()
    options: tuple[Param, ...] = ()
    impl: Mapping[str, Any] = field(default_factory=dict)
    code: Mapping[str, str | Code] = field(default_factory=dict)
    keras: tuple[KerasForm | str, ...] = ()


@dataclass(frozen=True)
class Loss(Named):
    """A loss: a `Named` plus what the checker and the runner need to know about it.

    `task` is the task the loss implies when the data does not say (multiclass,
    binary, regression; None: any). `labels` is the label encoding it wants: `onehot`,
    `index` (class indexes) or `column` ((n, 1) floats); None takes it from the
    output's width (one unit: column, more: onehot). `logits` names the output
    activation the loss can take the logits of (`softmax` or `sigmoid`): a network
    ending without an activation then trains from logits, and the runner turns its
    outputs into probabilities with that function. `probability`, when given,
    replaces that: `fn(outputs: numpy array, from_logits: bool) -> probabilities`.
    A plain `Named` registered as a loss works too: all of these are then None.
    """

    task: str | None = None
    labels: str | None = None
    logits: str | None = None
    probability: Callable[[Any, bool], Any] | None = None


TASKS = ("multiclass", "binary", "regression")


@dataclass(frozen=True)
class DatasetMeta:
    """What a dataset supplies, known without loading it.

    `task` is multiclass, binary or regression; `classes` the number of classes
    (multiclass) or None; `vocab` the number of distinct tokens for sequence data.
    `feature_ranges` gives each input feature's (min, max) as the network will see it,
    for tables (`nnspec check` warns when they are on very different scales).
    Unknown values are None and are then not checked.
    """

    input_shape: Shape | None
    task: str | None
    classes: int | None = None
    train_size: int | None = None
    test_size: int | None = None
    vocab: int | None = None
    class_names: tuple[str, ...] | None = None
    test_is_train: bool = False
    feature_ranges: tuple[tuple[float, float], ...] | None = None  # (min, max) of each input feature


@dataclass
class Data:
    """Arrays a dataset loader returns.

    x arrays are float32 (or int32 word indexes) with shape (n, *input_shape).
    y arrays are integer class indexes of shape (n,) for multiclass and binary
    tasks, and float32 of shape (n,) for regression: nnspec encodes them (one-hot,
    (n, 1)) as the loss needs. `x_val`/`y_val` are set when the dataset's own
    options hold samples out (imdb `val=10000`). `test_is_train` says that the
    "test" arrays are the training data (a dataset with no test split).
    """

    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any
    meta: DatasetMeta
    x_val: Any = None
    y_val: Any = None
    test_is_train: bool = False
    info: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Dataset:
    """A dataset plugin: its options, its metadata and its loader.

    `meta(options)` and `availability(options)` must be cheap and never import
    TensorFlow; `load(options, seed)` returns `Data` or raises `DataError`.
    `options` passed to each are complete: defaults filled in, types checked.
    `samples(options, n)` optionally returns printable samples (imdb decodes text).
    `prepare(options, x, seed)` optionally turns raw samples (a float64 array, one row
    per sample, as `nnspec predict` reads them from a CSV or .npy file) into what the
    network takes, as `load(options, seed)` prepares its own (scaling, encoding).
    """

    name: str
    load: Callable[[Mapping[str, Any], int], Data]
    meta: Callable[[Mapping[str, Any]], DatasetMeta]
    options: tuple[Param, ...] = ()
    doc: str = ""
    aliases: tuple[str, ...] = ()
    availability: Callable[[Mapping[str, Any]], str] = lambda options: "will download"
    samples: Callable[[Mapping[str, Any], int], list[str]] | None = None
    prepare: Callable[[Mapping[str, Any], Any, int], Any] | None = None  # raw samples -> the network's inputs


class Trainer(Protocol):
    """What a backend's `train(plan, model)` returns; the runner drives it and does the rest."""

    def train_steps(self, x: Any, y: Any, batch: int) -> Mapping[str, Any]:
        """One optimizer step per consecutive slice of `batch` rows of the shuffled,
        encoded `x`, `y`; per-step values: {"loss": array, metric name: array}."""

    def predict(self, x: Any) -> Any:
        """The last layer's outputs for `x` in evaluation mode (dropout off)."""

    def save(self, folder: Any) -> Any:
        """Write the trained model into `folder`; return the path written."""

    def close(self) -> None:
        """Release what the model holds (a session); the trainer is not used again."""


@dataclass(frozen=True)
class Backend:
    """A backend plugin: turns a checked `Plan` into a model and trains it.

    `build(plan)` returns the backend's model object (what `nnspec.build` gives);
    `train(plan, model)` returns a `Trainer`. Builders for layer kinds are looked up
    in the layer-builder registry, keyed by (backend name, layer kind);
    nnspec/builtins/backends/common.py has the loop both built-in backends use.
    """

    name: str
    build: Callable[..., Any]
    train: Callable[..., Any]
    doc: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class LayerBuilder:
    """How one backend builds one layer kind, writes it in a script, and reads it back.

    `build` makes the layer (its signature is the backend's, docs/plugins.md). `code`,
    when given, writes it in the script `nnspec code` generates: keras `code(layer,
    script) -> expression`, tf1 `code(x, layer, graph) -> the output's name`. A keras
    builder may also say which Keras layer classes `nnspec import` reads as this kind
    (`reads`) and how: `read(config, reader) -> args` (the kind's arguments by name;
    None when the config is not this kind's). Each callable may be given as a
    `"module:function"` string, imported when first used.
    """

    backend: str
    kind: str
    build: Callable[..., Any] | str
    code: Callable[..., str] | str | None = None
    reads: tuple[str, ...] = ()
    read: Callable[[Mapping[str, Any], Any], Mapping[str, Any] | None] | str | None = None


@dataclass
class Probe:
    """What a trainer's `probe(x, y)` returns: one forward and backward pass, no update.

    `outputs` maps a layer name (`dense_1`) to its output on the batch in evaluation
    mode; `kernels` and `gradients` map the name of each layer with a kernel (dense,
    conv2d) to the kernel and the loss's gradient with respect to it. Arrays are NumPy.
    """

    outputs: dict
    kernels: dict
    gradients: dict
    loss: float = float("nan")


@dataclass(frozen=True)
class ResolvedLayer:
    """One layer after checking: every argument by name, shapes and weights known.

    `args` holds the kind's positional arguments and options by name with defaults
    filled (dense: units, activation, init, bias). Initializer and activation names
    are canonical (`he` -> `he_normal`, `glorot_uniform` -> `xavier_uniform`).
    `inputs`: the layers it reads where not the one before it (a branch, a merge, whose
    `input_shape` is then a tuple of shapes); `sources` gives them in either case.
    """

    index: int
    kind: str
    name: str
    args: Mapping[str, Any]
    input_shape: Shape
    output_shape: Shape
    param_count: int
    line: int = 0
    column: int = 0
    inputs: tuple[int, ...] = ()  # indexes of the layers it reads (-1: the network input); (): the one before

    @property
    def sources(self) -> tuple[int, ...]:
        """The indexes of the layers it reads; -1 is the network's input."""
        return self.inputs or (self.index - 1,)


@dataclass(frozen=True)
class TrainConfig:
    """The `train` statement, checked, with defaults filled and the loss decided.

    `batch` is None for full-batch training (`batch=all`). `val` is a fraction of the
    training set or a count of samples held out of it (None: no validation split).
    `from_logits` is true when the last layer has no activation. `options` holds
    optimizer options (`momentum=`, ...). `diagnostics` asks for per-layer training
    diagnostics (`train ... diagnostics=true`). `schedule` is the learning-rate schedule
    (`{"kind": "step", "decay": 0.5, "every": 10}`; None: constant), see nnspec/schedules.py.
    """

    optimizer: str
    lr: float
    loss: str
    metrics: tuple[str, ...]
    epochs: int
    batch: int | None
    val: float | int | None = None
    from_logits: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: bool = False  # record per-layer gradients and activations each epoch
    schedule: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Plan:
    """A checked, expanded single-variant spec: everything a backend needs to translate.

    `label_encoding` says how integer labels become targets: `onehot` (categorical
    losses), `index` (sparse), `column` ((n, 1) float: binary and regression).
    `tracking` says what the run records besides its folder (`{"tensorboard": True}`),
    for the training callbacks that record it.
    """

    spec: Any  # nnspec.dsl.ast.Spec, one variant
    dataset: str
    dataset_options: Mapping[str, Any]
    meta: DatasetMeta
    input_shape: Shape
    layers: tuple[ResolvedLayer, ...]
    train: TrainConfig
    seed: int
    backend: str
    label_encoding: str
    variant: tuple[tuple[str, Any], ...] = ()
    tracking: Mapping[str, Any] = field(default_factory=dict)

    @property
    def variant_label(self) -> str:
        return " ".join(f"{name}={value}" for name, value in self.variant) or "default"

    @property
    def param_count(self) -> int:
        return sum(layer.param_count for layer in self.layers)

    @property
    def is_graph(self) -> bool:
        """True when some layer does not simply read the one before it (branches, merges)."""
        return any(layer.inputs for layer in self.layers)

    @property
    def data_seed(self) -> int | None:
        """The seed the dataset draws its split (or generated samples) with: its own `seed=`, else the spec's.

        None when the dataset takes no seed (a fixed split such as Fashion-MNIST's).
        `seed` itself seeds the initial weights, dropout and the shuffling of batches.
        """
        if "seed" not in self.dataset_options:
            return None
        own = self.dataset_options["seed"]
        return self.seed if own is None else own

    @property
    def input_dtype(self) -> str:
        """int32 when the network starts with an embedding (word indexes), else float32."""
        return "int32" if self.layers and self.layers[0].kind == "embedding" else "float32"
