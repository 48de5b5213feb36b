"""`nnspec fmt` rewrites a user's file safely: same mode, through symlinks, whole or not at all."""

import os
import stat

import pytest
from typer.testing import CliRunner

from nnspec.cli import app
from nnspec.errors import NNSpecError
from nnspec.files import write_atomically

UNFORMATTED = "dense  3 ;dense 4\n"
FORMATTED = "dense 3\ndense 4\n"


def fmt(*paths):
    return CliRunner().invoke(app, ["fmt", *map(str, paths)])


def test_fmt_keeps_the_files_mode(tmp_path):
    path = tmp_path / "a.nn"
    path.write_text(UNFORMATTED)
    path.chmod(0o600)
    assert fmt(path).exit_code == 0
    assert path.read_text() == FORMATTED
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_fmt_writes_through_a_symlink_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.nn"
    target.write_text(UNFORMATTED)
    link = tmp_path / "link.nn"
    link.symlink_to(target)
    assert fmt(link).exit_code == 0
    assert link.is_symlink()
    assert target.read_text() == FORMATTED


def _read_only(monkeypatch, *names):
    """Files and folders named `names` refuse writes, as for a normal user (root ignores chmod)."""
    import nnspec.files

    real = nnspec.files.os.access

    def access(path, mode, *args, **kwargs):
        if os.path.basename(str(path)) in names and mode & os.W_OK:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(nnspec.files.os, "access", access)


def test_fmt_on_an_unwritable_file_is_a_clean_error_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "a.nn"
    path.write_text(UNFORMATTED)
    path.chmod(0o444)
    _read_only(monkeypatch, "a.nn")
    result = fmt(path)
    assert result.exit_code == 1
    assert "cannot write" in result.output and "Traceback" not in result.output
    assert path.read_text() == UNFORMATTED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.nn"]


def test_fmt_in_an_unwritable_folder_is_a_clean_error(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "a.nn"
    path.write_text(UNFORMATTED)
    _read_only(monkeypatch, "ro")
    result = fmt(path)
    assert result.exit_code == 1 and "cannot write" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["a.nn"]


def test_fmt_goes_on_with_the_other_files_after_one_fails(tmp_path, monkeypatch):
    bad, good = tmp_path / "bad.nn", tmp_path / "good.nn"
    bad.write_text(UNFORMATTED)
    good.write_text(UNFORMATTED)
    import nnspec.files

    real = nnspec.files.os.replace

    def refuse(src, dst):
        if str(dst).endswith("bad.nn"):
            raise PermissionError(13, "Permission denied")
        return real(src, dst)

    monkeypatch.setattr(nnspec.files.os, "replace", refuse)
    result = fmt(bad, good)
    assert result.exit_code == 1
    assert good.read_text() == FORMATTED and bad.read_text() == UNFORMATTED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.nn", "good.nn"]


def test_write_atomically_of_a_new_file_uses_the_umask_default(tmp_path):
    path = tmp_path / "new.txt"
    write_atomically(path, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_write_atomically_into_a_missing_folder_is_an_nnspec_error(tmp_path):
    with pytest.raises(NNSpecError, match="cannot write"):
        write_atomically(tmp_path / "nope" / "x.txt", "x")
