"""IMDB movie reviews: word indexes as Keras ships them, with the word index to decode them.

The files are Keras's own: `imdb.npz` (object arrays of word-index lists, indexes
counted from 0 by frequency) and `imdb_word_index.json`. They are read here the way
`keras.datasets.imdb.load_data` reads them with its defaults: shuffled with seed 113,
each review starting with 1, word indexes shifted by 3, indexes at or above `words=`
replaced by 2 (out of vocabulary). Then `encode=multihot` gives the course's
`vec_seq` 0/1 vectors of length `words`, and `encode=sequence` pads or cuts each
review to `maxlen=` as `keras.utils.pad_sequences` does (zeros in front, the end kept).
"""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ...errors import DataError
from ...types import Data, Dataset, DatasetMeta, Param
from . import locate
from .common import PATH, hold_out_first, label_text

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
START, OOV, INDEX_FROM, SHUFFLE_SEED = 1, 2, 3, 113  # keras.datasets.imdb's defaults
TRAIN_SIZE, TEST_SIZE = 25000, 25000
CLASS_NAMES = ("negative", "positive")

FILES = locate.Layout(("imdb.npz", "imdb_word_index.json"), "npz")
SOURCE = locate.Source(
    name="imdb",
    layouts=(FILES,),
    remote=locate.Remote(
        FILES,
        (KERAS_ORIGIN + "imdb.npz", KERAS_ORIGIN + "imdb_word_index.json"),
        # the hashes keras.datasets.imdb pins (SHA-256, and MD5 for the word index)
        ("69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f", "bfafd718b763782e994055a2d397834f"),
    ),
)

OPTIONS = (
    Param("words", "int", 10000, min=4, doc="keep the most frequent words; rarer ones become 2 (unknown)"),
    Param("encode", "name", "multihot", choices=("multihot", "sequence"), doc="0/1 word vectors, or padded index sequences"),
    Param("maxlen", "int", 256, min=1, doc="encode=sequence: length reviews are padded or cut to (the end is kept)"),
    Param("val", "int", 0, min=0, max=TRAIN_SIZE - 1, doc="hold out the first N training reviews (the course: 10000)"),
    PATH,
)

# Rebuilding the object arrays in imdb.npz needs exactly these globals; refusing any
# other keeps a tampered file from running code through pickle.
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
}


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing {module}.{name} in a dataset file")


def _read_member(handle) -> np.ndarray:
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        _shape, _fortran, dtype = np.lib.format.read_array_header_1_0(handle)
    else:
        _shape, _fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    if dtype.hasobject:
        return _ArraysOnly(handle).load()
    handle.seek(0)
    return np.lib.format.read_array(handle, allow_pickle=False)


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an npz file, object arrays included, without trusting its pickles."""
    try:
        with zipfile.ZipFile(path) as archive:
            return {
                name.removesuffix(".npy"): _read_member(io.BytesIO(archive.read(name)))
                for name in archive.namelist()
            }
    except (zipfile.BadZipFile, ValueError, pickle.UnpicklingError, EOFError) as exc:
        raise DataError(f"{path} is not a readable imdb.npz ({exc})") from None


@lru_cache(maxsize=2)
def read_word_index(path: Path) -> dict[str, int]:
    """Word -> frequency rank (from 1), as `keras.datasets.imdb.get_word_index` returns it."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path} is not a readable word index ({exc})") from None


def decode(sequence, word_index: Mapping[str, int]) -> str:
    """A review as text, as the course prints one: indexes shifted by 3, '?' for 0, 1, 2."""
    reverse = {index: word for word, index in word_index.items()}
    return " ".join(reverse.get(int(i) - INDEX_FROM, "?") for i in sequence)


def _flatten(reviews) -> tuple[np.ndarray, np.ndarray]:
    """(all word indexes in one int64 array, the length of each review)."""
    lengths = np.fromiter((len(r) for r in reviews), dtype=np.int64, count=len(reviews))
    flat = np.fromiter((w for r in reviews for w in r), dtype=np.int64, count=int(lengths.sum()))
    return flat, lengths


def keras_indexes(raw_train, raw_test, words: int):
    """Word indexes and lengths of train and test, as keras.datasets.imdb.load_data makes them.

    Returns ((flat, lengths, order) for train, the same for test): `flat` holds each
    review with the start mark 1, indexes shifted by 3 and rare words as 2, in the file's
    order; `order` is the shuffle Keras applies (seed 113, train first, then test).
    """
    rng = np.random.RandomState(SHUFFLE_SEED)
    parts = []
    for reviews in (raw_train, raw_test):
        order = np.arange(len(reviews))
        rng.shuffle(order)
        flat, lengths = _flatten(reviews)
        flat = flat + INDEX_FROM
        flat[flat >= words] = OOV
        # put the start mark in front of each review
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        flat = np.insert(flat, starts, START)
        parts.append((flat, lengths + 1, order))
    return parts


def _row_of_each(lengths: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(lengths)), lengths)


def multihot(flat: np.ndarray, lengths: np.ndarray, words: int) -> np.ndarray:
    """(n, words) float32 with 1 where a review uses a word: the course's `vec_seq`."""
    out = np.zeros((len(lengths), words), dtype="float32")
    out[_row_of_each(lengths), flat] = 1.0
    return out


def pad(flat: np.ndarray, lengths: np.ndarray, maxlen: int) -> np.ndarray:
    """(n, maxlen) int32: each review's last `maxlen` words, zeros in front (pad_sequences)."""
    rows = _row_of_each(lengths)
    ends = np.cumsum(lengths)
    from_end = ends[rows] - 1 - np.arange(len(flat))  # 0 for a review's last word
    keep = from_end < maxlen
    out = np.zeros((len(lengths), maxlen), dtype="int32")
    out[rows[keep], maxlen - 1 - from_end[keep]] = flat[keep]
    return out


def _reorder(flat, lengths, order):
    """Reviews in `order`, as (flat, lengths)."""
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    pieces = [flat[starts[i]:starts[i] + lengths[i]] for i in order]
    return np.concatenate(pieces) if pieces else flat[:0], lengths[order]


def meta(options: Mapping[str, Any]) -> DatasetMeta:
    """Shapes and sizes of the imdb data for these options, without reading it."""
    sequence = options["encode"] == "sequence"
    return DatasetMeta(
        input_shape=(options["maxlen"],) if sequence else (options["words"],),
        task="binary",
        train_size=TRAIN_SIZE - options["val"],
        test_size=TEST_SIZE,
        vocab=options["words"] if sequence else None,
        class_names=CLASS_NAMES,
    )


def _labels(values) -> np.ndarray:
    return np.asarray(values).astype("int64")


def load(options: Mapping[str, Any], seed: int | None = None) -> Data:
    """Reviews encoded as the options say, labels 0 (negative) / 1 (positive)."""
    found = locate.obtain(SOURCE, options.get("path"))
    arrays = read_npz(found.paths[0])
    try:
        raw = arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"]
    except KeyError as exc:
        raise DataError(f"{found.paths[0]} has no array {exc}; expected x_train, y_train, x_test, y_test") from None
    words = options["words"]
    encoded = []
    for (flat, lengths, order), labels in zip(keras_indexes(raw[0], raw[2], words), (raw[1], raw[3])):
        flat, lengths = _reorder(flat, lengths, order)
        x = pad(flat, lengths, options["maxlen"]) if options["encode"] == "sequence" else multihot(flat, lengths, words)
        encoded.append((x, _labels(labels)[order]))
    (x_train, y_train), (x_test, y_test) = encoded
    (x_train, y_train), (x_val, y_val) = hold_out_first(x_train, y_train, options["val"], "imdb")
    data_meta = replace(meta(options), train_size=len(x_train), test_size=len(x_test))
    return Data(
        x_train, y_train, x_test, y_test, data_meta, x_val=x_val, y_val=y_val,
        info={"source": found.place, "word_index": str(found.paths[1])},
    )


def reviews(options: Mapping[str, Any], n: int) -> list[tuple[int, str]]:
    """The first `n` training reviews after Keras's shuffle, as (label, decoded text)."""
    found = locate.obtain(SOURCE, options.get("path"))
    arrays = read_npz(found.paths[0])
    word_index = read_word_index(found.paths[1])
    (flat, lengths, order), _ = keras_indexes(arrays["x_train"], arrays["x_test"][:0], options["words"])
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    labels = _labels(arrays["y_train"])
    out = []
    for i in order[:n]:
        out.append((int(labels[i]), decode(flat[starts[i]:starts[i] + lengths[i]], word_index)))
    return out


def samples(options: Mapping[str, Any], n: int) -> list[str]:
    """Decoded reviews for `nnspec data imdb`."""
    return [f"label {label_text(label, CLASS_NAMES)}: {text}" for label, text in reviews(options, n)]


def availability(options: Mapping[str, Any]) -> str:
    return locate.availability(SOURCE, options.get("path"))


IMDB = Dataset(
    name="imdb",
    load=load,
    meta=meta,
    options=OPTIONS,
    doc="25000/25000 movie reviews as word indexes, positive or negative (keras.datasets.imdb)",
    availability=availability,
    samples=samples,
)
