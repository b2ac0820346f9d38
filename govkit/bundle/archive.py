"""Deterministic, safely extractable ``.tar.gz`` archives of run directories.

``pack`` writes the same bytes for the same run directory on any machine with the same zlib:

* members are sorted by path and live under one top-level folder named after the run
  (``<run-id>/manifest.json``, ...); only regular files and directories are stored;
* every header carries mtime 0 (1970-01-01T00:00:00Z), uid/gid 0, empty user and group names,
  mode 0o644 for files and 0o755 for directories; the tar format is POSIX.1-2001 (PAX), so
  long or non-ASCII names go into PAX records rather than vendor extensions;
* the gzip header has mtime 0 and no file name, and compression level 6 is fixed.

``safe_extract`` treats every archive as hostile: it checks each member before anything is
written, writes files itself with bounded reads, and leaves ``dest`` as it found it (empty or
absent) when it rejects an archive.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import stat
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, NamedTuple

from govkit.bundle.errors import BundleError

GZIP_MAGIC = b"\x1f\x8b"
COMPRESSLEVEL = 6
TAR_FORMAT = tarfile.PAX_FORMAT
FIXED_MTIME = 0
FILE_MODE = 0o644
DIR_MODE = 0o755
CHUNK = 1 << 20
GIB = 1 << 30
OPEN_FLAGS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(
    os, "O_BINARY", 0)



class Entry(NamedTuple):
    """One thing in a run directory: its POSIX path relative to the run, and its kind."""

    relative: str
    path: Path
    is_dir: bool


# ---------------------------------------------------------------------------------------------
# pack


def pack(run_dir: Path, out: Path) -> Path:
    """Write a deterministic ``.tar.gz`` of ``run_dir``; ``out`` is a file or a directory.

    When ``out`` is an existing directory the archive is ``out/<run_dir.name>.tar.gz``. The
    archive is written to a temporary file next to the target and renamed into place.
    """
    root = Path(os.path.abspath(run_dir))
    if not root.is_dir():
        raise BundleError(f"{run_dir}: not a run directory")
    target = _archive_path(root, Path(out))
    entries = walk(root)
    _write_atomically(target, lambda handle: _write_tar(root.name, entries, handle))
    return target


def walk(run_dir: Path) -> list[Entry]:
    """Every file and directory under ``run_dir`` (not itself), sorted by relative path.

    Raises BundleError naming the first path that is neither (symlink, FIFO, socket, device).
    """
    root = Path(run_dir)
    found: list[Entry] = []
    pending = [root]
    while pending:
        for entry in _list_folder(root, pending.pop()):
            if entry.is_dir:
                pending.append(entry.path)
            found.append(entry)
    found.sort(key=lambda entry: entry.relative)
    return found


def _list_folder(root: Path, folder: Path) -> list[Entry]:
    entries = []
    try:
        with os.scandir(folder) as listing:
            for item in listing:
                path = Path(item.path)
                mode = item.stat(follow_symlinks=False).st_mode
                if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                    raise BundleError(f"{path}: is a {_kind(mode)}; a run directory may hold "
                                      "only regular files and directories")
                entries.append(Entry(path.relative_to(root).as_posix(), path,
                                     stat.S_ISDIR(mode)))
    except OSError as exc:
        raise BundleError(f"{folder}: cannot list: {exc.strerror or exc}") from None
    return entries


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISLNK, "symbolic link"), (stat.S_ISFIFO, "FIFO"),
             (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
             (stat.S_ISBLK, "block device"))
    return next((name for test, name in kinds if test(mode)), "special file")


def _archive_path(root: Path, out: Path) -> Path:
    target = out / f"{root.name}.tar.gz" if out.is_dir() else out
    target = Path(os.path.abspath(target))
    if not target.parent.is_dir():
        raise BundleError(f"{target.parent}: output directory does not exist")
    if Path(os.path.realpath(target.parent)).is_relative_to(os.path.realpath(root)):
        raise BundleError(f"{target}: the archive must be written outside the run directory "
                          f"{root}")
    return target


def _write_atomically(target: Path, write: Callable[[IO[bytes]], None]) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, FILE_MODE)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_directory(target.parent)


def _fsync_directory(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _header(name: str, *, is_dir: bool, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if is_dir else tarfile.REGTYPE
    info.mode = DIR_MODE if is_dir else FILE_MODE
    info.size = 0 if is_dir else size
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _write_tar(run_id: str, entries: list[Entry], handle: IO[bytes]) -> None:
    with gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=FIXED_MTIME,
                       compresslevel=COMPRESSLEVEL) as compressed, \
            tarfile.open(fileobj=compressed, mode="w", format=TAR_FORMAT,
                         encoding="utf-8") as tar:
        tar.addfile(_header(run_id, is_dir=True))
        for entry in entries:
            name = f"{run_id}/{entry.relative}"
            if entry.is_dir:
                tar.addfile(_header(name, is_dir=True))
            else:
                _add_file(tar, name, entry.path)


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> None:
    """Stream one file into the archive; the size is taken from the open descriptor."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | OPEN_FLAGS)
    except OSError as exc:
        raise BundleError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as source:
        status = os.fstat(source.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise BundleError(f"{path}: is a {_kind(status.st_mode)}, not a regular file")
        try:
            tar.addfile(_header(name, is_dir=False, size=status.st_size), source)
        except OSError as exc:
            raise BundleError(f"{path}: changed or unreadable while packing ({exc})") from None


# ---------------------------------------------------------------------------------------------
# is_archive


def is_archive(path: Path) -> bool:
    """True for a regular file that starts with the gzip magic bytes."""
    try:
        if not Path(path).is_file():
            return False
        with Path(path).open("rb") as handle:
            return handle.read(len(GZIP_MAGIC)) == GZIP_MAGIC
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# safe_extract
