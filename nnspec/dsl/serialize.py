"""A Spec as JSON and back (docs/spec.schema.json describes the form).

`spec_from_dict` is lenient where a tool building a spec by hand would be: positions
may be left out (they default to 0, "unknown"), a positional argument may be a bare
value instead of `{"value": ...}`, options may be a `{key: value}` mapping, and
`args`, `options` and `repeat` have their defaults.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Mapping

from .nodes import STATEMENT_TYPES, Arg, Comment, Option, keyword_of
from .values import value_from_json, value_to_json

FORMAT_VERSION = 0
_VALUE_FIELDS = {"value", "shape", "optimizer", "name", "repeat"}
_POSITIONS = ("line", "column", "end_line", "end_column")


def spec_to_dict(spec) -> dict:
    """A JSON-ready dict of a Spec."""
    return {
        "nnspec": FORMAT_VERSION,
        "filename": spec.filename,
        "statements": [_node_to_json(s) for s in spec.statements],
        "comments": [
            {"text": c.text, "line": c.line, "column": c.column, "own_line": c.own_line,
             "end_line": c.end_line, "end_column": c.end_column}
            for c in spec.comments
        ],
        "variant": [[name, value_to_json(value)] for name, value in spec.variant],
    }


def spec_from_dict(data: Mapping[str, Any], spec_class):
    """The `spec_class` (Spec) a dict stands for; anything else is a SpecError naming what is wrong."""
    from ..errors import SpecError

    try:
        if data.get("nnspec", FORMAT_VERSION) != FORMAT_VERSION:
            raise SpecError(f"unsupported spec format version {data.get('nnspec')!r}")
        return spec_class(
            statements=tuple(_node_from_json(s) for s in data["statements"]),
            filename=data.get("filename"),
            comments=tuple(Comment(**c) for c in data.get("comments", ())),
            variant=tuple((n, value_from_json(v)) for n, v in data.get("variant", ())),
        )
    except SpecError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SpecError(f"not a spec dict: {type(exc).__name__}: {exc}") from None


def _positions(node) -> dict:
    return {name: getattr(node, name) for name in _POSITIONS}


def _node_to_json(node) -> dict:
    out: dict[str, Any] = {"type": keyword_of(node)}
    plain_block = keyword_of(node) == "block" and not node.kind
    for f in fields(node):
        item = getattr(node, f.name)
        if f.name == "value_spans" or (plain_block and f.name in ("kind", "args", "options")):
            continue  # a block without a head has the JSON form it had before heads existed
        if f.name == "body":
            out["body"] = [_node_to_json(s) for s in item]
        elif f.name == "args":
            out["args"] = [{"value": value_to_json(a.value), **_positions(a)} for a in item]
        elif f.name == "options":
            out["options"] = [
                {"key": o.key, "value": value_to_json(o.value), **_positions(o), "value_column": o.value_column}
                for o in item
            ]
        elif f.name == "values":
            out["values"] = [value_to_json(v) for v in item]
        elif f.name in _VALUE_FIELDS:
            out[f.name] = value_to_json(item)
        else:
            out[f.name] = item
    return out


def _arg(data) -> Arg:
    if isinstance(data, Mapping) and "value" in data:
        return Arg(value_from_json(data["value"]), **{k: data[k] for k in _POSITIONS if k in data})
    return Arg(value_from_json(data))


def _options(data) -> tuple[Option, ...]:
    if isinstance(data, Mapping):
        return tuple(Option(str(key), value_from_json(value)) for key, value in data.items())
    known = (*_POSITIONS, "value_column")
    return tuple(
        Option(o["key"], value_from_json(o["value"]), **{k: o[k] for k in known if k in o}) for o in data
    )


def _node_from_json(data: Mapping[str, Any]):
    cls = STATEMENT_TYPES[data["type"]]
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        item = data[f.name]
        if f.name == "body":
            kwargs["body"] = tuple(_node_from_json(s) for s in item)
        elif f.name == "args":
            kwargs["args"] = tuple(_arg(a) for a in item)
        elif f.name == "options":
            kwargs["options"] = _options(item)
        elif f.name == "values":
            kwargs["values"] = tuple(value_from_json(v) for v in item)
        elif f.name in _VALUE_FIELDS:
            kwargs[f.name] = value_from_json(item)
        else:
            kwargs[f.name] = item
    return cls(**kwargs)
