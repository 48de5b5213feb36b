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

import textwrap
from pathlib import Path

from ..errors import NNSpecError, UsageError
from ..types import Plan
from .code_keras import write_keras
from .code_tf1 import write_tf1
from .script import Script, py


def generate_code(spec_path: str | Path, backend: str = "keras", variant: str | None = None) -> str:
    """The standalone script for the spec in `spec_path` on `backend` (keras or tf1).

    A sweep's script holds one function per variant and trains them in turn (`python
    script.py 2` trains the second only); `variant` (a number from 1 or a label) writes
    the script of that one variant alone.
    """
    from ..dsl.parser import load
    from ..dsl.validate import check

    if backend not in ("keras", "tf1"):
        raise UsageError(f"no code generator for backend '{backend}'", hint="use --backend keras or tf1")
    spec = load(spec_path)
    plans = check(spec)
    kind = "Keras" if backend == "keras" else "TF1 graph"
    if variant is None and len(plans) > 1:
        return _sweep_script(spec, plans, backend, f"{Path(spec_path).name} as a {kind} script")
    script = Script(f"{Path(spec_path).name} as a {kind} script (written by nnspec code).")
    _write(spec, choose_variant(plans, variant), backend, script)
    return script.render()


def _write(spec, plan: Plan, backend: str, script: Script) -> None:
    _check_written_options(plan)
    try:
        (write_keras if backend == "keras" else write_tf1)(plan, script)
    except NNSpecError as error:  # a layer or a name without code: at the line that uses it
        raise error.located(spec.filename, spec.source) from None


def _sweep_script(spec, plans: list[Plan], backend: str, title: str) -> str:
    """One function per variant, each the whole script of that variant, and a main that trains them in turn."""
    script = Script(f"{title}, one function per variant of its sweep (written by nnspec code).\n\n"
                    f"python {Path(spec.filename or 'spec').stem}.py trains the {len(plans)} variants one after "
                    "another; a number (from 1)\ntrains that one only; --build-only builds each network and "
                    "prints its parameters.\n")
    functions, table = [], []
    for number, plan in enumerate(plans, 1):
        body = Script(script.title, imports=script.imports, in_function=True)  # the imports are shared
        _write(spec, plan, backend, body)
        label = plan.variant_label
        doc = f'"""{label}"""' if '"' not in label and "\\" not in label else py(label)
        functions.append(f"def variant_{number}():\n    {doc}\n" + textwrap.indent(body.body(), "    "))
        table.append(f"    ({py(plan.variant_label)}, variant_{number}),")
    script.need("import sys")
    main = ["VARIANTS = [", *table, "]", "", 'if __name__ == "__main__":',
            "    chosen = [int(arg) for arg in sys.argv[1:] if arg.isdigit()] or range(1, len(VARIANTS) + 1)",
            "    for number in chosen:",
            "        if not 1 <= number <= len(VARIANTS):",
            '            sys.exit(f"no variant {number}: the sweep has variants 1 to {len(VARIANTS)}")',
            "        label, train = VARIANTS[number - 1]",
            '        print(f"variant {number} of {len(VARIANTS)}: {label}")',
            "        train()"]
    return script.head() + "\n\n\n" + "\n\n\n".join(functions) + "\n\n\n" + "\n".join(main) + "\n"


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
    raise UsageError(f"the spec is a sweep of {len(plans)} variants: say which with a number or a label",
                     hint="its variants: " + "; ".join(f"{i} ({label})" for i, label in enumerate(labels, 1)))
