"""Small files in the real formats of the datasets, and an offline, isolated data setup."""

from __future__ import annotations

import gzip
import json
import lzma
import struct
from pathlib import Path

import numpy as np

from nnspec.builtins.datasets import locate
from nnspec.dsl.options import complete_options

IDX_NAMES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


class NoNetwork(OSError):
    pass


def isolate(monkeypatch, tmp_path: Path) -> Path:
    """Point every data place at empty folders under tmp_path and forbid downloads."""
    monkeypatch.delenv("NNSPEC_DATA", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(locate, "DEBIAN_DATASETS", tmp_path / "debian")

    def no_network(url, target, file_hash):
        raise NoNetwork(f"no network in tests ({url})")

    monkeypatch.setattr(locate, "download_file", no_network)
    return tmp_path


def options(dataset, **given) -> dict:
    """The dataset's options completed exactly as a spec's `data` statement would be."""
    return complete_options(dataset.options, given, f"data {dataset.name}")


def write_idx(path: Path, array: np.ndarray) -> Path:
    """An idx file (gzipped when the name ends in .gz), as MNIST and Fashion-MNIST ship."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + array.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return path


def image_arrays(n_train=12, n_test=5, seed=0):
    rng = np.random.default_rng(seed)
    x_train = rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8)
    x_train[0, 0, 0], x_train[0, 0, 1] = 255, 0  # the extremes of the scale
    y_train = (np.arange(n_train) % 10).astype(np.uint8)
    y_test = (np.arange(n_test) % 10).astype(np.uint8)
    return x_train, y_train, x_test, y_test


def write_idx_set(folder: Path, arrays) -> Path:
    for name, array in zip(IDX_NAMES, arrays):
        write_idx(folder / name, array)
    return folder


def write_mnist_npz(path: Path, arrays) -> Path:
    x_train, y_train, x_test, y_test = arrays
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


WORD_INDEX = {"the": 1, "film": 2, "was": 3, "great": 4, "bad": 5, "plot": 6, "rare": 7}


def imdb_reviews(seed=0):
    """Reviews as Keras stores them: word ranks from 1, lists of different lengths."""
    rng = np.random.default_rng(seed)
    train = [list(rng.integers(1, 8, size=rng.integers(1, 9))) for _ in range(10)]
    test = [list(rng.integers(1, 8, size=rng.integers(1, 9))) for _ in range(6)]
    train = [[int(w) for w in r] for r in train]
    test = [[int(w) for w in r] for r in test]
    return train, np.arange(10) % 2, test, np.arange(6) % 2


def _objects(lists) -> np.ndarray:
    out = np.empty(len(lists), dtype=object)
    for i, item in enumerate(lists):
        out[i] = item
    return out


def write_imdb(folder: Path, reviews=None) -> Path:
    """imdb.npz (object arrays of int lists) and imdb_word_index.json, as Keras ships them."""
    train, y_train, test, y_test = reviews or imdb_reviews()
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "imdb.npz", x_train=_objects(train), y_train=y_train, x_test=_objects(test), y_test=y_test)
    (folder / "imdb_word_index.json").write_text(json.dumps(WORD_INDEX))
    return folder


# ---------------------------------------------------------------- R's .rda format

def _xdr_int(value: int) -> bytes:
    return struct.pack(">i", value)


def _charsxp(text: str) -> bytes:
    raw = text.encode()
    return _xdr_int(9 | (1 << 12)) + _xdr_int(len(raw)) + raw  # CHARSXP, ASCII flag


def _symbol(text: str) -> bytes:
    return _xdr_int(1) + _charsxp(text)


def _strsxp(values, attributes: bytes = b"") -> bytes:
    flags = 16 | ((1 << 9) if attributes else 0)
    return _xdr_int(flags) + _xdr_int(len(values)) + b"".join(_charsxp(v) for v in values) + attributes


def _pairlist(items) -> bytes:
    out = b""
    for tag, value in items:
        out += _xdr_int(2 | (1 << 10)) + _symbol(tag) + value
    return out + _xdr_int(254)


def write_rda(path: Path, name: str, columns: dict, compress=lzma.compress) -> Path:
    """An R data file with one data frame: numpy arrays become double columns, lists of str factors."""
    body = b""
    for values in columns.values():
        if isinstance(values, list):  # a factor
            levels = sorted(set(values))
            codes = [levels.index(v) + 1 for v in values]
            attrs = _pairlist([("levels", _strsxp(levels)), ("class", _strsxp(["factor"]))])
            body += _xdr_int(13 | (1 << 9) | (1 << 8)) + _xdr_int(len(codes)) + struct.pack(f">{len(codes)}i", *codes) + attrs
        else:
            values = np.asarray(values, dtype=">f8")
            body += _xdr_int(14) + _xdr_int(len(values)) + values.tobytes()
    rows = len(next(iter(columns.values())))
    row_names = _xdr_int(13) + _xdr_int(2) + struct.pack(">ii", -(2**31), -rows)
    frame_attrs = _pairlist([
        ("names", _strsxp(list(columns))),
        ("class", _strsxp(["data.frame"])),
        ("row.names", row_names),
    ])
    frame = _xdr_int(19 | (1 << 9) | (1 << 8)) + _xdr_int(len(columns)) + body + frame_attrs
    stream = b"RDX2\nX\n" + _xdr_int(2) + _xdr_int(0x040002) + _xdr_int(0x020300) + _pairlist([(name, frame)])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(compress(stream))
    return path
