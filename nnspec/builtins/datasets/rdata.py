"""Just enough of R's `.rda` format to read a data frame of numbers and factors.

R packages ship data sets as `.rda` files: a compressed (gzip, bzip2 or xz) R
serialisation stream in XDR (big-endian) format, version 2 or 3. Debian's
`r-cran-mlbench` package, for one, installs the Pima Indians diabetes table and the
Boston housing table that way. This reader understands the objects such tables are
made of (pair lists, symbols, character, integer, logical and double vectors, lists
and attributes) and refuses anything else with a DataError.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
from pathlib import Path

import numpy as np

from ...errors import DataError

# SEXP types and special markers of R's serialisation format (R Internals, section 1.8)
NILSXP, SYMSXP, LISTSXP, CHARSXP, LGLSXP, INTSXP, REALSXP, STRSXP, VECSXP = 0, 1, 2, 9, 10, 13, 14, 16, 19
REFSXP, NILVALUE_SXP, GLOBALENV_SXP, EMPTYENV_SXP, BASEENV_SXP = 255, 254, 253, 242, 241
_SPECIAL = {NILVALUE_SXP, GLOBALENV_SXP, EMPTYENV_SXP, BASEENV_SXP}
NA_INTEGER = -(2**31)


class RObject:
    """An R vector or list with its attributes (names, class, levels...)."""

    def __init__(self, kind: int, value, attributes: dict | None = None) -> None:
        self.kind = kind
        self.value = value
        self.attributes = attributes or {}

    def r_class(self) -> list[str]:
        cls = self.attributes.get("class")
        return list(cls.value) if isinstance(cls, RObject) else []


class _Reader:
    def __init__(self, data: bytes, where: str) -> None:
        self.data = data
        self.pos = 0
        self.where = where
        self.refs: list = []

    def fail(self, why: str) -> DataError:
        return DataError(f"{self.where}: cannot read this R data file ({why})")

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise self.fail("it ends early")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def int(self) -> int:
        return struct.unpack(">i", self.take(4))[0]

    def length(self) -> int:
        n = self.int()
        if n == -1:  # long vector: two more words
            high, low = self.int(), self.int()
            n = (high << 32) + low
        return n

    def item(self):
        flags = self.int()
        kind = flags & 0xFF
        has_attr, has_tag = bool(flags & (1 << 9)), bool(flags & (1 << 10))
        if kind in _SPECIAL:
            return None
        if kind == REFSXP:
            index = flags >> 8 or self.int()
            return self.refs[index - 1]
        if kind == SYMSXP:
            symbol = self.item()
            self.refs.append(symbol)
            return symbol
        if kind == LISTSXP:
            return self.pairlist(has_attr, has_tag)
        if kind == CHARSXP:
            n = self.int()
            return None if n == -1 else self.take(n).decode("utf-8", errors="replace")
        if kind in (LGLSXP, INTSXP):
            value = np.frombuffer(self.take(4 * self.length()), ">i4").astype("int64")
        elif kind == REALSXP:
            value = np.frombuffer(self.take(8 * self.length()), ">f8").astype("float64")
        elif kind == STRSXP:
            value = [self.item() for _ in range(self.length())]
        elif kind == VECSXP:
            value = [self.item() for _ in range(self.length())]
        else:
            raise self.fail(f"R object type {kind} is not supported")
        attributes = self.attributes() if has_attr else {}
        return RObject(kind, value, attributes)

    def attributes(self) -> dict:
        attributes = self.item()
        return dict(attributes) if attributes else {}

    def pairlist(self, has_attr: bool, has_tag: bool) -> list[tuple[str | None, object]]:
        """A pair list as [(tag, value)], read iteratively along its CDR chain."""
        out = []
        while True:
            if has_attr:
                self.item()  # attributes of a pair-list cell: not needed
            tag = self.item() if has_tag else None
            out.append((tag, self.item()))
            flags = self.int()
            kind = flags & 0xFF
            if kind != LISTSXP:
                if kind not in _SPECIAL:
                    raise self.fail(f"a pair list ends in type {kind}")
                return out
            has_attr, has_tag = bool(flags & (1 << 9)), bool(flags & (1 << 10))


def _decompress(raw: bytes) -> bytes:
    if raw[:2] == b"\x1f\x8b":
        return gzip.decompress(raw)
    if raw[:3] == b"BZh":
        return bz2.decompress(raw)
    if raw[:6] == b"\xfd7zXZ\x00":
        return lzma.decompress(raw)
    return raw


def read_rda(path: Path) -> dict[str, object]:
    """The objects saved in an `.rda` file, by name."""
    where = str(path)
    try:
        data = _decompress(Path(path).read_bytes())
    except (OSError, EOFError, lzma.LZMAError, ValueError) as exc:
        raise DataError(f"{where}: cannot read this R data file ({exc})") from None
    if not data.startswith(b"RDX2\nX\n") and not data.startswith(b"RDX3\nX\n"):
        raise DataError(f"{where}: not an R data file in XDR format")
    reader = _Reader(data, where)
    reader.pos = 7
    version = reader.int()
    reader.int(), reader.int()  # the writer's R version and the oldest reader's
    if version == 3:
        reader.take(reader.int())  # native encoding name
    elif version != 2:
        raise reader.fail(f"serialisation version {version}")
    top = reader.item()
    if not isinstance(top, list):
        raise reader.fail("no named objects at the top")
    return {name: value for name, value in top}


def data_frame(obj: object, where: str) -> dict[str, np.ndarray]:
    """A data frame's columns by name: numbers as float64, factors as their level strings."""
    if not isinstance(obj, RObject) or obj.kind != VECSXP or "data.frame" not in obj.r_class():
        raise DataError(f"{where}: the object is not a data frame")
    names = obj.attributes.get("names")
    if not isinstance(names, RObject):
        raise DataError(f"{where}: the data frame has no column names")
    columns = {}
    for name, column in zip(names.value, obj.value):
        if not isinstance(column, RObject):
            raise DataError(f"{where}: column {name} is not a vector")
        if "factor" in column.r_class():
            levels = column.attributes["levels"].value
            columns[name] = np.array([levels[i - 1] if i != NA_INTEGER else None for i in column.value], dtype=object)
        elif column.kind in (INTSXP, LGLSXP):
            values = column.value.astype("float64")
            values[column.value == NA_INTEGER] = np.nan
            columns[name] = values
        elif column.kind == REALSXP:
            columns[name] = column.value
        else:
            raise DataError(f"{where}: column {name} has an unsupported type")
    return columns
