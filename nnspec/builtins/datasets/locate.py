"""Where a dataset's files come from: local copies first, then the real download.

The search order, the same for every dataset:

1. an explicit `path=` (a file or a folder), which must exist;
2. `$NNSPEC_DATA/<name>/`;
3. the Keras cache, `$KERAS_HOME/datasets/` or `~/.keras/datasets/`, where the
   `keras.datasets` loaders keep what they downloaded;
4. `/usr/share/datasets/<name with - for _>/`, where Debian's dataset packages put
   their files (`apt-get install dataset-fashion-mnist`);
5. copies shipped by other installed packages, when a dataset names some;
6. the download through `keras.utils.get_file` into the Keras cache: the file is
   written to a temporary folder beside its final place and renamed only once it is
   complete and its SHA-256 matches.

When all of them fail, one `DataError` names the dataset, every place tried and how to
provide the data. Tests replace `download_file` so that nothing touches the network.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ...errors import DataError

DEBIAN_DATASETS = Path("/usr/share/datasets")
ENV_VAR = "NNSPEC_DATA"


@dataclass(frozen=True)
class Layout:
    """A set of files that together hold a dataset, in one format (`npz`, `idx`, `csv`...)."""

    files: tuple[str, ...]
    format: str


@dataclass(frozen=True)
class Remote:
    """Where the real files are downloaded from, with their pinned hashes (None: unpinned)."""

    layout: Layout
    origins: tuple[str, ...]
    hashes: tuple[str | None, ...]


@dataclass(frozen=True)
class Source:
    """Everything needed to find one dataset's files.

    `layouts` are the formats the loader reads, in order of preference; `keras_subdir`
    is the folder under the Keras cache where `keras.datasets` keeps them;
    `packaged` lists (description, folder) pairs of copies other packages ship;
    `how_to_provide` is added to the not-found message.
    """

    name: str
    layouts: tuple[Layout, ...]
    remote: Remote | None = None
    keras_subdir: str = ""
    packaged: tuple[tuple[str, Path], ...] = ()
    how_to_provide: str = ""


@dataclass(frozen=True)
class Found:
    """The files of a dataset found (or downloaded) at one place."""

    place: str
    paths: tuple[Path, ...]
    layout: Layout
    downloaded: bool = False

    @property
    def path(self) -> Path:
        return self.paths[0]


@dataclass
class _Search:
    """The places tried so far, for the not-found message."""

    tried: list[str] = field(default_factory=list)


def keras_cache() -> Path:
    """The folder where `keras.datasets` caches downloads."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def debian_folder(name: str) -> Path:
    """`/usr/share/datasets/fashion-mnist` for `fashion_mnist`."""
    return DEBIAN_DATASETS / name.replace("_", "-")


def _match_folder(folder: Path, source: Source) -> tuple[Layout, tuple[Path, ...]] | None:
    for layout in source.layouts:
        paths = tuple(folder / name for name in layout.files)
        if all(p.is_file() for p in paths):
            return layout, paths
    return None


def _layout_for_file(path: Path, source: Source) -> Layout | None:
    """The single-file layout a file given by `path=` is read with (by its suffix)."""
    single = [layout for layout in source.layouts if len(layout.files) == 1]
    for layout in single:
        if path.name == layout.files[0] or path.suffix == Path(layout.files[0]).suffix:
            return layout
    return single[0] if single else None


def _wanted(source: Source) -> str:
    return " or ".join("+".join(layout.files) for layout in source.layouts)


def _explicit(path: str | os.PathLike, source: Source) -> Found:
    """The files at an explicit `path=`; raises DataError when they are not there."""
    given = Path(path).expanduser()
    if given.is_file():
        layout = _layout_for_file(given, source)
        if layout is None:
            raise DataError(
                f"dataset '{source.name}': path=\"{path}\" is a file, but {source.name} needs the files"
                f" {_wanted(source)}",
                hint="give the folder that holds them",
            )
        return Found(str(given), (given,), layout)
    if given.is_dir():
        match = _match_folder(given, source)
        if match:
            return Found(str(given), match[1], match[0])
        raise DataError(
            f"dataset '{source.name}': the folder path=\"{path}\" does not hold {_wanted(source)}"
        )
    raise DataError(f"dataset '{source.name}': path=\"{path}\" does not exist")


def local_places(source: Source) -> list[tuple[str, Path]]:
    """The folders searched before a download, in order, as (label, folder)."""
    places: list[tuple[str, Path]] = []
    root = os.environ.get(ENV_VAR)
    if root:
        for folder_name in dict.fromkeys((source.name, source.name.replace("_", "-"))):
            places.append((f"${ENV_VAR}/{folder_name}", Path(root).expanduser() / folder_name))
    cache = keras_cache() / source.keras_subdir if source.keras_subdir else keras_cache()
    places.append(("the Keras cache", cache))
    places.append(("Debian's dataset folder", debian_folder(source.name)))
    places.extend(source.packaged)
    return places


def find(source: Source, path: str | None = None) -> Found | None:
    """The dataset's files from `path=` or a local place, without downloading; None if absent."""
    if path:
        return _explicit(path, source)
    for _label, folder in local_places(source):
        match = _match_folder(folder, source)
        if match:
            return Found(str(folder), match[1], match[0])
    return None


def availability(source: Source, path: str | None = None) -> str:
    """'found: <place>', or 'will download' / 'not available offline', cheaply."""
    try:
        found = find(source, path)
    except DataError as error:
        return f"missing: {error.message}"
    if found is not None:
        return f"found: {found.place}"
    return "will download" if source.remote else "not found (give path=)"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_file(url: str, target: Path, file_hash: str | None) -> None:
    """Download `url` to `target` with Keras's downloader; `target` appears only when complete.

    Keras writes into a temporary folder beside `target` and checks the hash there
    (SHA-256, or MD5 where Keras itself pins only that); the file is then renamed into
    place, so a failed download never leaves a partial file that the next run would
    take for the data.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # TensorFlow's start-up notes are noise here
    from keras.utils import get_file  # imported here: TensorFlow loads only to download

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".nnspec-download-", dir=target.parent) as tmp:
        got = get_file(fname=target.name, origin=url, cache_dir=tmp, cache_subdir=".", file_hash=file_hash)
        if file_hash is not None and len(file_hash) == 64 and sha256_of(Path(got)) != file_hash:
            raise DataError(f"the download of {url} does not have the expected SHA-256 {file_hash}")
        os.replace(got, target)


def _download(source: Source, downloader: Callable[[str, Path, str | None], None]) -> Found:
    remote = source.remote
    assert remote is not None
    folder = keras_cache() / source.keras_subdir if source.keras_subdir else keras_cache()
    paths = []
    for name, url, digest in zip(remote.layout.files, remote.origins, remote.hashes):
        target = folder / name
        if not target.is_file():
            downloader(url, target, digest)
        paths.append(target)
    return Found(f"downloaded to {folder}", tuple(paths), remote.layout, downloaded=True)


def obtain(source: Source, path: str | None = None, downloader: Callable | None = None) -> Found:
    """The dataset's files: found locally, else downloaded; raises one DataError if neither."""
    found = find(source, path)
    if found is not None:
        return found
    tried = [f"{label} ({folder})" for label, folder in local_places(source)]
    if not os.environ.get(ENV_VAR):
        tried.insert(0, f"${ENV_VAR} (not set)")
    failure = "it has no download address"
    if source.remote is not None:
        try:
            return _download(source, downloader or download_file)
        except Exception as exc:  # any failure of the download: offline, HTTP error, bad hash
            failure = f"the download failed ({_short(exc)})"
    files = " + ".join(source.layouts[0].files)
    how = ['give path="..." in the data statement', f"or put {files} in ${ENV_VAR}/{source.name}/"]
    if source.how_to_provide:
        how.append(f"or {source.how_to_provide}")
    raise DataError(
        f"dataset '{source.name}' not found here and {failure}; looked in: {'; '.join(tried)}",
        hint=", ".join(how),
    )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
