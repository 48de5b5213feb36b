"""A Keras functional model's layer graph as spec lines: chains, residual blocks and branches.

`nnspec import` reads a Functional model's config as a graph (each layer and the layers
its one call reads, from `inbound_nodes`) and writes it back in the language's compact
form (docs/language.md, "Graphs"): a chain of layers is a plain stack; where a tensor
feeds several layers, the branches must meet again in one Add or Concatenate, which
becomes `add { ...; ... }` or `concat { ...; ... }` (a branch of several layers in
`{ ... }`), and an Add of a tensor and one branch from it becomes `residual { ... }`.
Branches nest. A graph that cannot be written so (several inputs or outputs, a layer
called twice, branches that meet in different places) is an error saying which.
Each layer itself is read by the importer's `Reader` (its builder's `read`).
"""

from __future__ import annotations

from ..errors import NNSpecError
from .keras_config import shown

_MERGES = {"Add": "add", "Concatenate": "concat"}


def functional_lines(config: dict, path, reader) -> list[str]:
    """The spec lines (without `input`) of the Functional model `config`; `reader.layer_line` writes each layer."""
    return _Graph(config["config"], path, reader).lines()


class _Graph:
    def __init__(self, body: dict, path, reader) -> None:
        self.path, self.reader = path, reader
        self.layers: dict[str, dict] = {}
        self.sources: dict[str, list[str]] = {}
        for layer in body["layers"]:
            name = layer.get("name") or layer["config"]["name"]
            if not isinstance(name, str) or name in self.layers:
                raise self.fail(f"has a layer named {shown(name)} twice or not at all")
            nodes = layer.get("inbound_nodes") or []
            if len(nodes) > 1:
                raise self.fail(f"calls layer {shown(name)} {len(nodes)} times (a shared layer)")
            self.layers[name] = layer
            found = list(dict.fromkeys(_history(nodes[0]))) if nodes else []  # attention reads x as query and value
            self.sources[name] = found
        self.consumers: dict[str, list[str]] = {name: [] for name in self.layers}
        for name, sources in self.sources.items():
            for source in sources:
                if source not in self.consumers:
                    raise self.fail(f"layer {shown(name)} reads {shown(source)}, which is not one of its layers")
                self.consumers[source].append(name)
        (self.input,) = self._ends(body, "input_layers")
        (self.output,) = self._ends(body, "output_layers")

    def fail(self, problem: str) -> NNSpecError:
        return NNSpecError(f"{self.path}: the functional model {problem}",
                           hint="nnspec writes one input, one output, and branches that meet in one Add or Concatenate")

    def _ends(self, body: dict, key: str) -> list[str]:
        ends = body.get(key) or []
        if ends and isinstance(ends[0], str):  # a single [name, node, tensor] rather than a list of them
            ends = [ends]
        names = [end[0] for end in ends if isinstance(end, list) and end and isinstance(end[0], str)]
        if len(names) != 1 or names[0] not in self.layers:
            raise self.fail(f"has {len(names)} {key.split('_')[0]}s; nnspec writes models of one input and one output")
        return names

    def lines(self) -> list[str]:
        lines, end = self._chain(self.input)
        if end != self.output:
            raise self.fail(f"joins layer {shown(end)} with layers outside its branches")
        return lines

    def _is_merge(self, name: str) -> bool:
        return self.layers[name].get("class_name") in _MERGES and len(self.sources[name]) > 1

    def _line(self, name: str) -> str:
        return self.reader.layer_line(self.layers[name])

    def _chain(self, tensor: str) -> tuple[list[str], str]:
        """The lines after `tensor` until the output, or until a merge that takes it (a branch's end)."""
        lines: list[str] = []
        while tensor != self.output:
            after = self.consumers[tensor]
            if not after:
                raise self.fail(f"has layer {shown(tensor)}, which leads nowhere")
            if len(after) == 1 and self._is_merge(after[0]):
                return lines, tensor
            if len(after) == 1:
                tensor = after[0]
                lines.append(self._line(tensor))
                continue
            line, tensor = self._fork(tensor, after)
            lines.append(line)
        return lines, tensor

    def _fork(self, tensor: str, after: list[str]) -> tuple[str, str]:
        """The head block of the branches from `tensor`, and the merge where they meet."""
        branches: list[tuple[list[str], str]] = []
        for first in after:
            if self._is_merge(first):
                branches.append(([], tensor))  # the tensor itself goes to the merge: residual
                continue
            lines, end = self._chain(first)
            branches.append(([self._line(first), *lines], end))
        merges = {after_end for _, end in branches for after_end in self.consumers.get(end, ())
                  if self._is_merge(after_end)}
        merges |= {first for first in after if self._is_merge(first)}
        if len(merges) != 1:
            raise self.fail(f"splits after layer {shown(tensor)} into branches that do not meet in one merge")
        (merge,) = merges
        ends = [end for _, end in branches]
        if sorted(ends) != sorted(self.sources[merge]):
            raise self.fail(f"merges in {shown(merge)} what does not all branch from {shown(tensor)}")
        branches.sort(key=lambda branch: self.sources[merge].index(branch[1]))
        head = self._line(merge)  # `add`, `concat` and any option the merge's builder reads
        identity = [lines for lines, _ in branches if not lines]
        if identity and head == "add" and len(branches) == 2:
            body = next(lines for lines, _ in branches if lines)
            return "residual { " + "; ".join(body) + " }", merge
        if identity:
            raise self.fail(f"passes {shown(tensor)} itself to {shown(merge)} beside other branches; "
                            "nnspec writes that only as residual { ... } (an Add of the input and one branch)")
        written = [lines[0] if len(lines) == 1 else "{ " + "; ".join(lines) + " }" for lines, _ in branches]
        return f"{head} {{ " + "; ".join(written) + " }", merge


def _history(value) -> list[str]:
    """The names of the layers a call's arguments come from (Keras 3's keras_history, or Keras 2's lists)."""
    found: list[str] = []
    if isinstance(value, dict):
        history = (value.get("config") or {}).get("keras_history") if value.get("class_name") == "__keras_tensor__" \
            else None
        if isinstance(history, list) and history and isinstance(history[0], str):
            return [history[0]]
        for inner in value.values():
            found += _history(inner)
    elif isinstance(value, list):
        if len(value) >= 3 and isinstance(value[0], str) and isinstance(value[1], int):  # Keras 2: [name, node, index, {}]
            return [value[0]]
        for inner in value:
            found += _history(inner)
    return found
