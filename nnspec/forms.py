"""How nnspec's names and layers are written outside nnspec: in generated scripts and in Keras configs.

Plain Python, no TensorFlow: `Named.code` holds `Code`s and `Named.keras` holds
`KerasForm`s (nnspec/types.py); `nnspec code` and `nnspec import` read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class Code:
    """How a generated script (`nnspec code`) writes a name on one backend.

    `text` is a Python expression: a template filled with the fields its kind gives
    (`{x}`, the tensor, for a tf1 activation; `{lr}` and each option for an optimizer;
    docs/plugins.md, "Generated code", lists them), or a function taking those fields by
    keyword and returning the expression. `imports` are the import lines it needs.
    """

    text: str | Callable[..., str]
    imports: tuple[str, ...] = ()

    def render(self, **fields: Any) -> str:
        """The expression with the fields filled in."""
        return self.text(**fields) if callable(self.text) else self.text.format(**fields)


@dataclass(frozen=True)
class KerasForm:
    """How a Keras model's config writes a name, so that `nnspec import` reads it back.

    `name` is the Keras class or function name as the config holds it (`HeNormal`,
    `relu`, `Adam`, `CategoricalCrossentropy`, `accuracy`, a registered
    `package>name`); `fixed` holds settings the nnspec name stands for, which the config
    must have (nnspec's `normal` is a `RandomNormal` with stddev 1.0); `options` maps a
    Keras config key to the nnspec option it gives (`{"beta_1": "beta1"}`; an
    optimizer's `learning_rate` is always `lr`). Without its own `Code`, the keras
    script writes the name from its first form (`keras.initializers.HeNormal()`).
    """

    name: str
    fixed: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)
