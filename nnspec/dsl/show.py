"""The network as a table (layer, output shape, parameters), computed in pure Python."""

from __future__ import annotations

from ..types import Plan
from .ast import shape_text
from .options import describe
from .ranges import has_ranges, search_axes


def _summary(layer) -> str:
    """`dense 32 relu`: the layer's positional arguments as the spec would write them."""
    parts = [layer.kind]
    for key in ("units", "filters", "kernel", "pool", "rate", "dim", "shape", "activation"):
        value = layer.args.get(key)
        if value is None:
            continue
        parts.append(shape_text(value) if isinstance(value, tuple) else describe(value))
    if layer.args.get("bidirectional") is True:
        parts.append("bidirectional")
    return " ".join(parts)


def _sources(plan: Plan, layer) -> str:
    """What a layer of a graph reads, where that is not the layer above it: `input, dense_2`."""
    if not layer.inputs:
        return ""
    return ", ".join("input" if i < 0 else plan.layers[i].name for i in layer.inputs)


def render_plan(plan: Plan) -> str:
    """One variant as a table with totals (and, for a graph, what each branch and merge reads)."""
    graph = plan.is_graph
    rows = [("input", shape_text(plan.input_shape), "", "")]
    for layer in plan.layers:
        rows.append((f"{layer.name}  ({_summary(layer)})", shape_text(layer.output_shape), f"{layer.param_count:,}",
                     _sources(plan, layer) if graph else ""))
    headers = ("layer", "output shape", "params", "reads" if graph else "")
    widths = [max(len(r[i]) for r in rows + [headers]) for i in range(4)]
    rule = "-" * (sum(widths[:3]) + 4 + (widths[3] + 2 if graph else 0))

    def line(row):
        return (f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}"
                + (f"  {row[3]}" if graph else "")).rstrip()

    out = [line(headers), rule, *(line(r) for r in rows), rule]
    out.append(f"total params: {plan.param_count:,}")
    data = f"data {plan.dataset}" if plan.dataset else "no data"
    task = f", {plan.meta.task}" if plan.meta.task else ""
    batch = "all" if plan.train.batch is None else plan.train.batch
    out.append(
        f"{data}{task}; train {plan.train.optimizer} lr={plan.train.lr:g} loss={plan.train.loss}"
        f" epochs={plan.train.epochs} batch={batch}; backend {plan.backend}; {seeds_text(plan)}"
    )
    return "\n".join(out)


def seeds_text(plan: Plan) -> str:
    """Which seed does what: the training seed (weights, dropout, shuffling) and the data's (its split)."""
    training = f"training seed {plan.seed} (weights, shuffling)"
    data_seed = plan.data_seed
    if data_seed is None:
        return training
    where = "seed= on the data line" if plan.dataset_options.get("seed") is not None else "the spec's seed"
    return f"{training}; data seed {data_seed} ({where})"


def render_plans(plans: list[Plan], spec=None) -> str:
    """A single plan's table, or for a sweep the variant list and a table per variant.

    With the `spec`, a search space (ranges) is named first, and its variants are the
    networks at the ends of each range.
    """
    if len(plans) == 1 and not plans[0].variant:
        return render_plan(plans[0])
    out = [f"{len(plans)} variants:"]
    if spec is not None and has_ranges(spec):
        axes = ", ".join(axis.describe() for axis in search_axes(spec))
        out = [f"search space: {axes} (nnspec run --trials N samples it)",
               f"{len(plans)} variants at the ends of each range:"]
    width = max(len(p.variant_label) for p in plans)
    for i, plan in enumerate(plans, start=1):
        out.append(f"  {i}. {plan.variant_label:<{width}}  {plan.param_count:,} params")
    for plan in plans:
        out.append("")
        out.append(f"variant {plan.variant_label}")
        out.append(render_plan(plan))
    return "\n".join(out)


def render_layers(spec) -> str:
    """The layers as written, for a spec whose shapes are unknown (no `input`, no `data`)."""
    from .format import format_value

    rows = []
    counts: dict[str, int] = {}
    for layer in spec.layers:
        counts[layer.kind] = counts.get(layer.kind, 0) + 1
        written = [format_value(v) for v in layer.args]
        written += [f"{key}={format_value(value)}" for key, value in layer.options.items()]
        rows.append((f"{layer.kind}_{counts[layer.kind]}", " ".join([layer.kind, *written])))
    width = max([len("layer"), *(len(name) for name, _ in rows)])
    out = [f"{'layer':<{width}}  as written", "-" * (width + 12)]
    out += [f"{name:<{width}}  {text}" for name, text in rows]
    out.append("shapes and parameters: unknown until the spec has 'input SHAPE' or 'data NAME'")
    return "\n".join(out)
