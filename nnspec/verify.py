"""`nnspec verify-plugin`: build what a plugin registers on every backend and compare.

For each layer kind a plugin registers (or builds), a small sample network is
checked and built on every backend that builds through the registries (keras and
tf1): the parameter count each backend's model reports must equal the kind's own
`param_count`; the tf1 model's weights are copied into the Keras model and both
must give the same outputs (atol 1e-5); the Keras model must save as `model.keras`
and load back to the same outputs in a fresh process (verify_reload.py), as a user's
process loads it after importing the plugin. For each name (activation, initializer,
optimizer, loss, metric) each such backend must have an implementation; an
activation, loss or metric must also compute the same values on keras and tf1.

`verify_plugins(names)` returns a `Verification` (rows and a printable table);
`nnspec.testing.verify_plugin` asserts on it inside a test.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from .errors import NNSpecError, UsageError
from .types import Param
from .verify_items import guarded, verify_datasets_and_commands
from .verify_reload import FreshReloads, plugin_modules

ATOL = 1e-5
SAMPLE_ROWS = 16
INPUT_SHAPES = ("8", "6x6x3", "5x4")  # flat, image, sequence: the first a kind accepts is used
NAME_KINDS = {  # provides key -> registry attribute
    "activation": "activations",
    "initializer": "initializers",
    "optimizer": "optimizers",
    "loss": "losses",
    "metric": "metrics",
}


@dataclass
class Row:
    """One check: what was checked, on which backend(s), and whether it passed."""

    plugin: str
    item: str  # "layer kind dense", "activation relu"
    check: str
    backend: str
    ok: bool
    detail: str = ""


@dataclass
class Verification:
    """Every check made, in order."""

    rows: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]

    def table(self) -> str:
        """The rows as an aligned text table, then a one-line summary."""
        header = ("plugin", "item", "check", "backend", "result")
        cells = [header] + [
            (r.plugin, r.item, r.check, r.backend, "ok" if r.ok else f"FAILED: {r.detail}") for r in self.rows
        ]
        widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1]
                 for row in cells]
        failed = len(self.failures)
        lines.append(f"{len(self.rows) - failed} of {len(self.rows)} checks passed"
                     + (f", {failed} failed" if failed else ""))
        return "\n".join(line.rstrip() for line in lines)


def verify_plugins(names: Iterable[str] = ()) -> Verification:
    """Check the named plugins (by plugin name; none: every loaded plugin)."""
    from .plugins import get_plugin_manager, get_registries
    from .registry import did_you_mean

    registries = get_registries()
    infos = get_plugin_manager().infos
    names = list(names) or [name for name, info in infos.items() if not info.error]
    for name in names:
        if name not in infos:
            raise UsageError(f"no plugin named '{name}' is loaded", hint=did_you_mean(name, infos)
                             or f"loaded plugins: {', '.join(infos)}")
    backends = sorted({backend for backend, _ in registries.layer_builders})
    result = Verification()
    reloads = FreshReloads()
    for name in names:
        provides = infos[name].provides
        kinds = list(provides.get("layer kind", []))
        kinds += [text.split(" (")[0] for text in provides.get("layer builder", [])]
        for kind in dict.fromkeys(kinds):
            _verify_layer_kind(result, name, kind, backends, reloads)
        for what, registry in NAME_KINDS.items():
            for item in provides.get(what, []):
                _verify_name(result, name, what, registry, item, backends)
        verify_datasets_and_commands(lambda item, check, ok, detail, plugin=name: result.rows.append(
            Row(plugin, item, check, "-", ok, detail)), name, provides)
    reloads.run(plugin_modules(names), _close)
    return result


# ------------------------------------------------------------------ layer kinds


def _verify_layer_kind(result: Verification, plugin: str, kind: str, backends: list[str],
                       reloads: FreshReloads) -> None:
    from .plugins import get_registries

    registries = get_registries()
    item = f"layer kind {kind}"
    missing = [b for b in backends if (b, kind) not in registries.layer_builders]
    for backend in backends:
        result.rows.append(Row(plugin, item, "builder", backend, backend not in missing, "no LayerBuilder"))
    try:
        plan = _sample_plan(registries.layers.get(kind), kind)
    except NNSpecError as error:
        result.rows.append(Row(plugin, item, "sample network", "-", False, error.message))
        return
    samples = [(plan, "")]
    try:  # the same network with each whole-number argument at the input's width: a same-width path's turn
        wide = _sample_plan(registries.layers.get(kind), kind, at_width=True)
        if wide.layers[0].args != plan.layers[0].args:
            samples.append((wide, " at width"))
    except NNSpecError:
        pass
    available = [b for b in backends if b not in missing]
    for sample, suffix in samples:
        _verify_sample(result, plugin, item, sample, suffix, available, reloads)


def _verify_sample(result: Verification, plugin: str, item: str, plan, suffix: str, backends: list[str],
                   reloads: FreshReloads) -> None:
    """Build one sample network on each backend: its parameters, outputs alike, the reload."""
    built = {}
    for backend in backends:
        model, problem = _build(plan, backend)
        if problem:
            result.rows.append(Row(plugin, item, "builds" + suffix, backend, False, problem))
            continue
        built[backend] = model
        count = _count_params(model)
        if count is not None:
            result.rows.append(Row(plugin, item, "parameters" + suffix, backend, count == plan.param_count,
                                   f"the backend counts {count:,}, the kind declares {plan.param_count:,}"))
    if "keras" in built and "tf1" in built:
        x = _sample_inputs(plan)
        result.rows.append(Row(plugin, item, "same outputs" + suffix, "keras=tf1",
                               *_compare_layer_outputs(built["keras"], built["tf1"], x)))
    if "keras" in built:
        row = Row(plugin, item, "save and reload" + suffix, "keras", False, "not loaded")
        result.rows.append(row)
        _reload_in_a_fresh_process(plan, built["keras"], row, reloads)
    for model in built.values():
        if hasattr(model, "close"):
            model.close()


def _sample_plan(kind, name: str, at_width: bool = False):
    """A checked network of one layer of `kind` (flattened), on the first input shape it takes.

    `at_width`: each whole-number positional (units, filters) equals the input's last
    dimension instead of 3, so a layer with a same-width path (a residual without its
    projection) is built along it too.
    """
    from .dsl.parser import parse
    from .dsl.validate import check

    options = " ".join(f"{p.name}={_sample_value(p)}" for p in kind.options if p.required)
    if any(p.type == "activation" and not p.required for p in kind.params()):
        options += " activation=tanh"
    if any(p.name == "vocab" for p in kind.params()):
        options += " vocab=20"  # nothing else says how many distinct tokens a sample has
    last_error = None
    for shape in INPUT_SHAPES:
        width = int(shape.split("x")[-1])
        # a positional that defaults to None stands for "say this or an option" (dropout's rate or keep=)
        args = " ".join(str(width) if at_width and param.type == "int" else _sample_value(param)
                        for param in kind.positional
                        if param.required or (param.default is None and param.type != "activation"))
        layer = f"{name} {args} {options}"
        if kind.merges:  # a merge is the head of a block of branches
            layer = f"{name} {options} {{ flatten; flatten }}"
        text = f"input {shape}\n{layer}\nflatten\ntrain sgd loss=mse\nseed 1\n"
        try:
            (plan,) = check(parse(text))
            return plan
        except NNSpecError as error:
            last_error = error
    raise NNSpecError(f"no sample input fits: {last_error.message if last_error else '?'}")


def _sample_value(param: Param) -> str:
    """A small valid value for a required parameter, written as in a spec."""
    low = param.min if param.min is not None else 0
    by_type = {
        "int": str(max(int(low), 3)),
        "int_or_all": str(max(int(low), 3)),
        "int_or_fraction": str(max(int(low), 3)),
        "float": str(max(float(low), 0.1)),
        "number": str(max(float(low), 0.5)),
        "fraction": "0.25",
        "bool": "false",
        "shape": "2x2",
        "activation": "tanh",
        "initializer": "xavier_uniform",
        "name": param.choices[0] if param.choices else "x",
        "names": param.choices[0] if param.choices else "x",
    }
    return by_type.get(param.type, "1")


def _sample_inputs(plan) -> np.ndarray:
    from .builtins.backends.common import input_dtype

    rng = np.random.default_rng(0)
    shape = (SAMPLE_ROWS, *plan.input_shape)
    if input_dtype(plan) == "int32":
        return rng.integers(0, plan.layers[0].args.get("vocab") or 2, size=shape).astype("int32")
    return rng.normal(size=shape).astype("float32")


def _build(plan, backend: str) -> tuple[Any, str]:
    import nnspec

    try:
        return nnspec.build(dataclasses.replace(plan, backend=backend), backend), ""
    except NNSpecError as error:
        return None, error.message
    except Exception as exc:  # the plugin's bug, reported as a failed row
        return None, f"{type(exc).__name__}: {exc}"


def _count_params(model) -> int | None:
    count = getattr(model, "count_params", None)
    return int(count()) if callable(count) else None


def _compare_layer_outputs(keras_model, tf1_model, x) -> tuple[bool, str]:
    """Copy tf1's weights into the Keras model by the weight-name contract, as export does; (same outputs?, why not)."""
    from .builtins.backends.weight_names import CONTRACT, tf1_names

    values = dict(zip((v.name.split(":")[0] for v in tf1_model.variables),
                      tf1_model.session.run(tf1_model.variables)))
    try:
        pairs = tf1_names(keras_model, [layer.name for layer in tf1_model.plan.layers])
    except NNSpecError as error:
        return False, f"{error.message}; {error.hint}"
    for key, weight in pairs:
        if key not in values:
            return False, (f"the tf1 model has no variable '{key}' for the Keras weight '{weight.path}' "
                           f"(tf1 has {', '.join(values) or 'none'}; {CONTRACT})")
        if tuple(values[key].shape) != tuple(weight.shape):
            return False, f"'{key}' is {tuple(values[key].shape)} on tf1, {tuple(weight.shape)} on keras"
        weight.assign(values[key])
    unused = sorted(set(values) - {key for key, _ in pairs})
    if unused:
        return False, f"tf1 variables no Keras weight is named after: {', '.join(unused)} ({CONTRACT})"
    return _close(_keras_outputs(keras_model, x), tf1_model.predict(x))


def _keras_outputs(model, x) -> np.ndarray:
    """Outputs in evaluation mode (a direct call: `predict` would trace anew for each model)."""
    return np.asarray(model(x, training=False))


def _close(a, b) -> tuple[bool, str]:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return False, f"output shapes differ: {a.shape} and {b.shape}"
    worst = float(np.max(np.abs(a - b))) if a.size else 0.0
    return (bool(np.isfinite(worst)) and worst <= ATOL), f"outputs differ by up to {worst:.3g} (atol {ATOL:g})"


def _reload_in_a_fresh_process(plan, model, row: Row, reloads: FreshReloads) -> None:
    """Save the model as a run does; the row is answered once a fresh process has loaded it (verify_reload.py)."""
    from .plugins import get_registries

    def answer(ok: bool, detail: str) -> None:
        row.ok, row.detail = ok, detail

    x = _sample_inputs(plan)
    trainer = get_registries().backends.get("keras").train(plan, model)
    try:
        reloads.add(trainer.save, x, _keras_outputs(model, x), answer)
    except Exception as exc:
        answer(False, f"saving: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}")


# ------------------------------------------------------------------ names


def _verify_name(result: Verification, plugin: str, what: str, registry: str, name: str,
                 backends: list[str]) -> None:
    from .plugins import get_registries

    named = getattr(get_registries(), registry).get(name)
    item = f"{what} {name}"
    for backend in backends:
        result.rows.append(Row(plugin, item, "implementation", backend, backend in named.impl,
                               f"no impl['{backend}']"))
    if not {"keras", "tf1"} <= set(named.impl):
        return
    compare = {"activation": _compare_activation, "loss": _compare_objective, "metric": _compare_objective}
    if what in compare:
        result.rows.append(Row(plugin, item, "same values", "keras=tf1", *guarded(compare[what], what, name)))
    else:  # initializers and optimizers are random or stateful: building with them must work
        for backend in ("keras", "tf1"):
            result.rows.append(Row(plugin, item, "builds", backend, *guarded(_builds_with, what, name, backend)))


def _name_plan(what: str, name: str):
    from .dsl.parser import parse
    from .dsl.validate import check

    text = {
        "activation": f"input 8\ndense 4 {name}\ntrain sgd loss=mse",
        "initializer": f"input 8\ndense 4 init={name}\ntrain sgd loss=mse",
        "optimizer": f"input 8\ndense 4\ntrain {name} loss=mse",
    }[what]
    (plan,) = check(parse(text + "\nseed 1\n"))
    return plan


def _compare_activation(what: str, name: str) -> tuple[bool, str]:
    plan = _name_plan(what, name)
    keras_model, problem = _build(plan, "keras")
    tf1_model, problem_tf1 = _build(plan, "tf1")
    if problem or problem_tf1:
        return False, problem or problem_tf1
    try:
        return _compare_layer_outputs(keras_model, tf1_model, _sample_inputs(plan))
    finally:
        tf1_model.close()


def _builds_with(what: str, name: str, backend: str) -> tuple[bool, str]:
    model, problem = _build(_name_plan(what, name), backend)
    if hasattr(model, "close"):
        model.close()
    return not problem, problem


def _compare_objective(what: str, name: str) -> tuple[bool, str]:
    """The loss or metric of the same outputs and labels, by keras's and by tf1's implementation."""
    import tensorflow as tf

    from . import objectives
    from .dsl.parser import parse
    from .dsl.validate import check

    task = getattr(_named(what, name), "task", None)
    last = {"multiclass": "dense 3 softmax", "binary": "dense 1 sigmoid"}.get(task, "dense 1")
    option = f"loss={name}" if what == "loss" else f"metrics={name}"
    (plan,) = check(parse(f"input 4\n{last}\ntrain sgd {option}\n"))
    rng = np.random.default_rng(0)
    units = plan.layers[-1].output_shape[0]
    logits = rng.normal(size=(SAMPLE_ROWS, units)).astype("float32")
    output = tf.nn.softmax(logits) if units > 1 else tf.sigmoid(logits)
    classes = rng.integers(0, max(units, 2), size=SAMPLE_ROWS)
    labels = {"index": classes, "column": (classes % 2).reshape(-1, 1)}.get(plan.label_encoding,
                                                                          np.eye(units)[classes % units])
    y_true = tf.constant(np.asarray(labels, dtype="int32" if plan.label_encoding == "index" else "float32"))
    values = []
    for backend in ("keras", "tf1"):
        fns = ([objectives.loss_function(plan, backend)] if what == "loss"
               else list(objectives.metric_functions(plan, backend).values()))
        values.append(float(objectives.batch_mean(fns[0], y_true, output)))
    return _close([values[0]], [values[1]])


def _named(what: str, name: str):
    from .plugins import get_registries

    return getattr(get_registries(), NAME_KINDS[what]).get(name)
