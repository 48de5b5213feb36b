"""Each layer of a variant checked and resolved: its kind, arguments, and shapes through the graph.

A layer's input shape is the output shape of the layers it reads (the one before it,
or for branches and merges those `Layer.inputs` names: dsl/graph.py); a merge (`add`,
`concat`) gets the tuple of its inputs' shapes. A layer that fails passes its input's
shape on, so that one mistake does not hide the shape errors after it.
"""

from __future__ import annotations

from typing import Any

from ..errors import SpecError
from ..plugins import get_registries
from ..types import DatasetMeta, ResolvedLayer
from . import limits
from .ast import LayerStmt, Spec
from .diagnostics import Collector
from .options import check_options, coerce, describe


def check_layers(spec: Spec, shape: tuple | None, meta: DatasetMeta | None, out: Collector):
    """Each layer checked and resolved, its shape inferred from the outputs it reads (a graph's too)."""
    registries = get_registries()
    resolved: list[ResolvedLayer] = []
    counts: dict[str, int] = {}
    shapes: list[tuple | None] = []  # each layer's output shape; a broken layer passes its input's on
    total_params = 0
    ok = True
    read_by = None  # who reads each layer, worked out when a kind first asks (LayerKind.adapt)
    last_step = None  # the last resolved recurrent layer told to give its last step only
    for index, layer in enumerate(spec.layers):
        sources = layer.inputs if layer.inputs is not None else (index - 1,)
        ins = tuple(shape if i < 0 else shapes[i] for i in sources)
        shapes.append(ins[0])
        try:
            kind = registries.layers.get(layer.kind)
        except SpecError as error:
            hint, replacement = error.hint, error.replacement  # the did-you-mean is also the JSON's fix
            if layer.kind in ("dataset", "optimizer", "epochs", "lr", "loss", "batch"):
                hint, replacement = "statements are data, input, train, seed, backend, let, or a layer", None
            out.error(SpecError(error.message, hint=hint, replacement=replacement), layer.line, layer.column,
                      code="unknown-name")
            ok = False
            continue
        name = registries.layers.resolve(layer.kind)
        if kind.merges and layer.inputs is None:
            out.error(f"{name} joins branches: write it as a block, {name} {{ a; b }}", layer.line, layer.column,
                      hint="or residual { ... } to add a block's output to its input", code="merge-without-branches")
            ok = False
            continue
        args = _layer_args(kind, name, layer.stmt, out)
        if args is None or any(s is None for s in ins):
            ok = False
            if kind.merges:
                shapes[index] = None  # nothing to say of what follows a merge of unknown shapes
            continue
        in_shape = ins if kind.merges else ins[0]
        gives_last = False
        try:
            if kind.finalize is not None:
                args = kind.finalize(args, meta)
            if kind.adapt is not None:
                read_by = read_by if read_by is not None else reader_map(spec.layers)
                written = args.get("return_sequences")
                args = kind.adapt(args, in_shape, _readers(spec.layers, index, registries, read_by))
                gives_last = written is None and args.get("return_sequences") is False
            out_shape = tuple(kind.output_shape(in_shape, args))
            params = int(kind.param_count(in_shape, args))
            total_params += params
            limits.check_layer(total_params, out_shape, layer.line, layer.column)
        except SpecError as error:  # past a size limit: the layers after it would only repeat it
            out.error(error, layer.line, layer.column, code="too-large")
            return None
        except ValueError as exc:
            hint = ("the branches must end in one shape: a residual block's last layer gives back its input's shape"
                    if name == "add" else None)
            if hint is None and last_step is not None and "expects a sequence" in str(exc) and len(in_shape) == 1:
                hint = (f"{last_step.name} (line {last_step.line}) gives only its last step, since a layer that reads "
                        f"one vector follows it; write return_sequences=true on it to keep every step")
            out.error(str(exc), layer.line, layer.column, code="shape", hint=hint)
            ok = False
            if kind.merges:
                shapes[index] = None
            continue
        except Exception as exc:
            out.error(f"layer plugin '{name}' failed: {type(exc).__name__}: {exc}", layer.line, layer.column,
                      code="plugin-failed")
            ok = False
            continue
        counts[name] = counts.get(name, 0) + 1
        resolved.append(
            ResolvedLayer(index, name, f"{name}_{counts[name]}", args, in_shape, out_shape, params,
                          layer.line, layer.column, layer.inputs or ())
        )
        if gives_last:
            last_step = resolved[-1]
        shapes[index] = out_shape
    return tuple(resolved) if ok else None


def reader_map(layers) -> dict[int, list[int]]:
    """Layer index -> the indexes of the layers that read its output (-1: the network's input)."""
    found: dict[int, list[int]] = {}
    for j, layer in enumerate(layers):
        for i in (layer.inputs if layer.inputs is not None else (j - 1,)):
            found.setdefault(i, []).append(j)
    return found


def _readers(layers, index: int, registries, read_by: dict, depth: int = 8) -> tuple[tuple[str, ...], ...]:
    """For each layer reading layer `index`, the kind names from it onwards (up to `depth`, the first reader's way)."""

    def name(i: int) -> str:
        return registries.layers.resolve(layers[i].kind) or layers[i].kind  # an unknown kind: reported at its line

    chains = []
    for first in read_by.get(index, ()):
        chain, at = [name(first)], first
        while len(chain) < depth and read_by.get(at):
            at = read_by[at][0]
            chain.append(name(at))
        chains.append(tuple(chain))
    return tuple(chains)


def _layer_args(kind, name: str, stmt: LayerStmt, out: Collector) -> dict | None:
    """Positional arguments matched to the kind's parameters, then its options."""
    values: dict[str, Any] = {}
    ok = True
    if len(stmt.args) > len(kind.positional):
        extra = stmt.args[len(kind.positional)]
        expected = " ".join(p.name for p in kind.positional) or "no positional arguments"
        out.error(f"{name} takes {len(kind.positional)} positional argument(s) ({expected}), "
                  f"found '{describe(extra.value)}'", extra.line, extra.column,
                  hint="options are written key=value" if kind.options else None, code="too-many-arguments")
        ok = False
    for param, arg in zip(kind.positional, stmt.args):
        try:
            values[param.name] = coerce(param, arg.value, name)
        except SpecError as error:
            out.error(error, arg.line, arg.column)
            values[param.name] = None  # written, though wrongly: not also "missing"
            ok = False
    option_params = tuple(kind.options) + tuple(p for p in kind.positional if p.name not in values)
    for option in stmt.options:
        if option.key in values:
            out.error(f"{name} {option.key} is given twice (as a positional argument and as an option)",
                      option.line, option.column, code="duplicate-argument")
            ok = False
    options = check_options(option_params, tuple(o for o in stmt.options if o.key not in values), name, out,
                            stmt.line, stmt.column, extra=values)
    if options is None or not ok:
        return None
    return options
