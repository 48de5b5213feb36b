"""Writing a user's files safely: whole or not at all, same mode, through symlinks.

    write_atomically(path, text)    # a temporary file beside the target, then one rename
    check_new_output(path, force=False, inputs=(spec,))  # never over an input; not over a file unasked
    with held_alone(folder, "resumed"): ...              # one process at a time writes a run folder

A crash or a full disk leaves either the old file or the new one, never half of one,
and never a stray temporary file. A symlink stays a symlink: its target is rewritten.
A file that cannot be written is an NNSpecError naming it, not a traceback.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import NNSpecError, UsageError

TEMP_PREFIX = ".nnspec-tmp-"
LOCK_FILE = ".nnspec-lock"  # held while a process resumes a run folder (held_alone)


def write_atomically(path: str | Path, data: str | bytes, *, mode: int | None = None, sync: bool = True) -> Path:
    """Replace `path`'s content with `data` (str as UTF-8) in one rename; returns the file written.

    The new file keeps the old one's permission bits (or `mode`, or the umask's default
    for a new file); when `path` is a symlink, the file it points to is replaced.
    `sync` flushes the data to disk before the rename (a power cut then leaves the old
    or the new file); files rewritten every epoch skip it, as a killed process
    loses nothing the kernel already holds.
    """
    target = Path(os.path.realpath(path))
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if mode is None:
        mode = _existing_mode(target)
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise _cannot_write(path, error) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            if sync:
                stream.flush()
                os.fsync(stream.fileno())
        os.chmod(tmp, mode if mode is not None else default_mode())
        os.replace(tmp, target)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise _cannot_write(path, error) from None
    except BaseException:  # Ctrl-C between write and rename: no stray temporary file
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_figure(figure, path: str | Path) -> Path:
    """Save a matplotlib figure as PNG, drawn in memory and renamed into place: never half a picture."""
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return write_atomically(path, buffer.getvalue(), sync=False)


def check_writable(path: str | Path) -> None:
    """Raise the error write_atomically would, before any work is done (file and folder)."""
    target = Path(os.path.realpath(path))
    if target.exists() and not os.access(target, os.W_OK):
        raise _cannot_write(path, PermissionError(13, "Permission denied"))
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise _cannot_write(path, PermissionError(13, f"the folder {target.parent} is not writable"))


def check_new_output(path: str | Path, *, force: bool = False, inputs=()) -> None:
    """Refuse to write `path` over one of `inputs` (a file, or a file inside a folder), ever,
    or over any existing file without `force`."""
    target = Path(os.path.realpath(path))
    for source in inputs:
        source = Path(os.path.realpath(source))
        if target == source or source.is_dir() and source in target.parents:
            raise UsageError(f"'{path}' is {'inside ' if target != source else ''}the input {source}, "
                             "which nnspec never writes over", hint="give another --out")
    if target.exists() and not force:
        raise UsageError(f"'{path}' already exists", hint="give another --out, or --force to replace it")


def _existing_mode(target: Path) -> int | None:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return None


def default_mode() -> int:
    """The permission bits a new file gets under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _cannot_write(path: str | Path, error: OSError) -> NNSpecError:
    reason = error.strerror or str(error)
    return NNSpecError(f"cannot write {path}: {reason}", filename=None)


@contextmanager
def held_alone(folder: Path, doing: str):
    """Hold `folder`'s lock while `doing` (another process holding it: UsageError); the lock file goes after.

    The lock is the operating system's (flock), so a process that is killed lets it go.
    Where flock does not exist (Windows) nothing is locked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    path = Path(folder) / LOCK_FILE
    handle = open(path, "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise UsageError(f"'{folder}' is being {doing} by another process",
                         hint="wait for it to finish, or stop it first") from None
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()

