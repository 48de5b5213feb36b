"""`nnspec code`: the standalone Python script a spec stands for, on Keras or on a raw TF1 graph.

The script is written for a reader: the course's style, every layer spelled out,
no nnspec types. It builds the network before it loads the data, so
`python script.py --build-only` prints the parameter count without any data (the
tests run every shipped spec that way).

Data: Iris and digits are loaded from scikit-learn directly and split with
`train_test_split` as the spec's `data` line splits them, so those scripts need
nothing but scikit-learn and TensorFlow. Every other dataset is loaded through its
nnspec dataset plugin (`get_registries().datasets.get(name).load(options, seed)`):
that loader finds the offline copies (Debian's Fashion-MNIST, R's Pima) and
preprocesses exactly as the run does (scaling, hold-outs, multi-hot words), which a
copy of its code in every script would only drift from. nnspec is used for the data
only; the network, training and evaluation are plain TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import NNSpecError, UsageError
from ..types import Plan
from .code_keras import write_keras
from .code_tf1 import write_tf1
from .script import Script


def generate_code(spec_path: str | Path, backend: str = "keras", variant: str | None = None) -> str:
    """The standalone script for one variant of the spec in `spec_path` on `backend` (keras or tf1)."""
    from ..dsl.parser import load
    from ..dsl.validate import check

    if backend not in ("keras", "tf1"):
        raise UsageError(f"no code generator for backend '{backend}'", hint="use --backend keras or tf1")
    spec = load(spec_path)
    plan = choose_variant(check(spec), variant)
    _check_written_options(plan)
    kind = "Keras" if backend == "keras" else "TF1 graph"
    title = f"{Path(spec_path).name} as a {kind} script (written by nnspec code)."
    script = Script(title)
    try:
        (write_keras if backend == "keras" else write_tf1)(plan, script)
    except NNSpecError as error:  # a layer or a name without code: at the line that uses it
        raise error.located(spec.filename, spec.source) from None
    return script.render()


SPREADS = ("init_stddev", "init_limit", "bias_stddev", "bias_limit")


def _check_written_options(plan: Plan) -> None:
    """The initializers' spreads have no code generator yet: say so at the layer, not a KeyError."""
    for layer in plan.layers:
        given = [key for key in SPREADS if layer.args.get(key) is not None]
        if given:
            raise NNSpecError(
                f"{layer.kind} uses {', '.join(given)}, which nnspec code does not write yet",
                line=layer.line or None, column=layer.column or None,
                hint="train it with nnspec run, or leave those options out for the script",
            ).located(plan.spec.filename, plan.spec.source)


def choose_variant(plans: list[Plan], wanted: str | None) -> Plan:
    """The one plan of a single-variant spec, or the sweep variant `wanted` names (label or number)."""
    if wanted is None and len(plans) == 1:
        return plans[0]
    labels = [plan.variant_label for plan in plans]
    if wanted is not None:
        if wanted.isdigit() and 1 <= int(wanted) <= len(plans):
            return plans[int(wanted) - 1]
        for plan in plans:
            if plan.variant_label == wanted or plan.variant_label.replace(" ", ",") == wanted:
                return plan
        raise UsageError(f"the spec has no variant '{wanted}'", hint="its variants: " + "; ".join(labels))
    numbered = "; ".join(f"{i} ({label})" for i, label in enumerate(labels, 1))
    raise UsageError(
        f"the spec is a sweep of {len(plans)} variants; a script is written for one",
        hint=f"add --variant with a number or a label: {numbered}",
    )
