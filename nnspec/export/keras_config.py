"""A Keras model's config, read bounded and handed out only as values of the type asked for.

A .keras file is a zip holding config.json; a JSON file is what `model.to_json()` wrote.
Either may come from anywhere, so nothing in it is trusted: the file, and the zip's
config.json by its declared size, are refused past MAX_CONFIG_BYTES before anything is
read (and then read with that cap, in case the size lied); JSON nested deeper than
Python reads is an error. `Config` wraps one JSON object and gives a value only in
the type asked for (a whole number in a range, a finite number, a name, a flag, a list
of whole numbers, an object, a list of objects); anything else is an NNSpecError
naming the file, the layer and the key, never a traceback and never text pasted on.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import Any

from ..errors import NNSpecError, UsageError

MAX_CONFIG_BYTES = 64 * 2**20  # a Keras config is about 1 KB a layer: this is tens of thousands of layers
MAX_NAME = 200  # characters of a class, activation or layer name
_MISSING = object()


def read_config(path: Path) -> Config:
    """The model's config: config.json inside a .keras zip, or a JSON file (model.to_json())."""
    if not path.is_file():
        raise UsageError(f"no model file at '{path}'")
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                entry = archive.getinfo("config.json")
                _refuse_past_limit(path, entry.file_size, "its config.json")
                with archive.open(entry) as stream:
                    raw = stream.read(MAX_CONFIG_BYTES + 1)
        else:
            _refuse_past_limit(path, path.stat().st_size, "it")
            with path.open("rb") as stream:
                raw = stream.read(MAX_CONFIG_BYTES + 1)
        _refuse_past_limit(path, len(raw), "its config")
        data = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise NNSpecError(f"{path}: the config is nested too deeply to be a Keras model") from None
    except (KeyError, ValueError, UnicodeDecodeError, zipfile.BadZipFile, EOFError) as error:
        raise NNSpecError(f"{path}: not a .keras file or a Keras JSON config ({error})") from None
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    return Config(data, "the model", path)


def _refuse_past_limit(path: Path, size: int, what: str) -> None:
    if size > MAX_CONFIG_BYTES:
        raise NNSpecError(f"{path}: {what} has {size:,} bytes; nnspec reads model configs of at most "
                          f"{MAX_CONFIG_BYTES:,}", hint="is this a Keras model file?")


def shown(value: Any) -> str:
    """A value as an error message shows it: its repr, escapes included, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Config:
    """One JSON object of a model config; `where` names it in errors ("layer 'dense_1' (Dense)")."""

    def __init__(self, data: Any, where: str, path: Path) -> None:
        self.path = path
        self.where = where
        if not isinstance(data, dict):
            self.fail(f"is {shown(data)}, not a JSON object")
        self.data = data

    def fail(self, problem: str, hint: str | None = None):
        raise NNSpecError(f"{self.path}: {self.where} {problem}", hint=hint)

    def bad(self, key: str, value: Any, wanted: str):
        self.fail(f"has {key}={shown(value)}, not {wanted}")

    def has(self, key: str) -> bool:
        """Whether `key` is there with a value other than null."""
        return self.data.get(key) is not None

    def _get(self, key: str, default: Any) -> Any:
        value = self.data.get(key)
        if value is None:
            if default is _MISSING:
                self.fail(f"has no {key}")
            return default
        return value

    def integer(self, key: str, low: int = 1, high: int = 1_000_000, default: Any = _MISSING) -> int:
        """A whole number from `low` to `high` (a float with no fraction counts)."""
        value = self._get(key, default)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.bad(key, value, f"a whole number from {low:,} to {high:,}")
        return value

    def number(self, key: str, low: float = -math.inf, high: float = math.inf, default: Any = _MISSING) -> float:
        """A finite number from `low` to `high`."""
        value = self._get(key, default)
        try:
            number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
        except OverflowError:  # a whole number with hundreds of digits
            number = math.nan
        if not math.isfinite(number) or not low <= number <= high:
            wanted = "a number" if math.isinf(low) and math.isinf(high) else f"a number from {low:g} to {high:g}"
            self.bad(key, value, wanted)
        return number

    def name(self, key: str, default: Any = _MISSING) -> str:
        """A short string (what it may be is up to the caller, who looks it up in a table)."""
        value = self._get(key, default)
        if not isinstance(value, str) or len(value) > MAX_NAME:
            self.bad(key, value, "a name")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            self.bad(key, value, "true or false")
        return value

    def integers(self, key: str, length: int, low: int = 1, default: Any = _MISSING) -> tuple[int, ...]:
        """`length` whole numbers (a single number stands for `length` of it: `3` is 3x3)."""
        value = self._get(key, default)
        items = [value] * length if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(items, (list, tuple)) or len(items) != length or not all(
                isinstance(v, int) and not isinstance(v, bool) and low <= v <= 1_000_000 for v in items):
            self.bad(key, value, f"{length} whole numbers from {low}")
        return tuple(items)

    def value(self, key: str) -> Any:
        """The value as it is, for a caller that checks its type itself (a name or an object)."""
        return self.data.get(key)

    def object(self, key: str, where: str | None = None) -> Config:
        """The object under `key` (an empty one when it is absent)."""
        return Config(self._get(key, {}), where or f"{self.where} {key}", self.path)

    def objects(self, key: str) -> list[Config]:
        """The list of objects under `key` (empty when it is absent)."""
        value = self._get(key, [])
        if not isinstance(value, list):
            self.bad(key, value, "a list")
        return [Config(item, f"{self.where} {key}[{index}]", self.path) for index, item in enumerate(value)]
