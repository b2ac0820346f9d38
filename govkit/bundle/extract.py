"""Safe extraction of a bundle archive: every member is checked before anything is written.

Refused: absolute paths, ``..``, links, devices, FIFOs, members or totals over the limits, more
than one top-level folder, duplicates, and corrupt or truncated archives. On failure whatever
was written is removed.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple, Self

from govkit.bundle.archive import (
    CHUNK, DIR_MODE, FILE_MODE, GIB, GZIP_MAGIC, OPEN_FLAGS)
from govkit.bundle.errors import BundleError

# What tarfile may read to parse one member's headers (PAX/GNU records included). Real headers
# are a few KiB; the cap stops a forged header size from making tarfile buffer gigabytes.
HEADER_ALLOWANCE = 64 * 1024
# Decompressed bytes tolerated after the end-of-archive marker (tar pads to 10 KiB records).
TRAILER_ALLOWANCE = 1 << 20

_END_OF_ARCHIVE: type[Exception] = tarfile.EOFHeaderError  # type: ignore[attr-defined]
# gzip.BadGzipFile and read failures of the archive itself are OSErrors.
_READ_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError)

class _StrictTarInfo(tarfile.TarInfo):
    """Reports a corrupt or missing header instead of letting tarfile end the archive early."""

    @classmethod
    def fromtarfile(cls, tarfile_: tarfile.TarFile) -> Self:
        try:
            return super().fromtarfile(tarfile_)
        except _END_OF_ARCHIVE:
            raise
        except tarfile.HeaderError as exc:
            raise BundleError(f"corrupt or truncated tar header at offset {tarfile_.offset}: "
                              f"{exc}") from None


class _Metered:
    """The decompressed stream tarfile reads, with a cap on what it may read before we look."""

    def __init__(self, source: gzip.GzipFile) -> None:
        self._source = source
        self._allowance = HEADER_ALLOWANCE

    def allow(self, size: int) -> None:
        self._allowance = size

    def read(self, size: int = -1) -> bytes:
        want = self._allowance + 1 if size < 0 else min(size, self._allowance + 1)
        data = self._source.read(want)
        if len(data) > self._allowance:
            raise BundleError("a tar header is larger than any real archive needs "
                              f"({HEADER_ALLOWANCE} bytes); the archive is corrupt or hostile")
        self._allowance -= len(data)
        return data


class _Limits(NamedTuple):
    member_bytes: int
    total_bytes: int
    members: int


class _Extraction:
    """Bookkeeping for one extraction: what exists, what was written, and the limits."""

    def __init__(self, root: Path, limits: _Limits) -> None:
        self.root = root
        self.limits = limits
        self.top: str | None = None
        self.names: set[str] = set()
        self.kinds: dict[str, bool] = {}  # relative path -> is_dir, for everything created
        self.members = 0
        self.written = 0


def safe_extract(archive: Path, dest: Path, *, max_member_bytes: int = 4 * GIB,
                 max_total_bytes: int = 64 * GIB, max_members: int = 1_000_000) -> Path:
    """Extract a run archive into ``dest`` (empty or absent); return the run directory.

    Rejects with BundleError, naming the member: absolute paths, ``..`` components, links,
    devices, FIFOs and other special members, a member or total size over the limits, too
    many members, more than one top-level folder, duplicate names, and corrupt or truncated
    archives. On rejection whatever was extracted is removed again.
    """
    archive, dest = Path(archive), Path(dest)
    created_dest = _prepare_dest(dest)
    state = _Extraction(Path(os.path.realpath(dest)),
                        _Limits(max_member_bytes, max_total_bytes, max_members))
    try:
        _extract_all(archive, state)
    except BaseException:
        _undo(state.root, created_dest)
        raise
    assert state.top is not None
    return state.root / state.top


def _prepare_dest(dest: Path) -> bool:
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise BundleError(f"{dest}: destination must be an empty directory or not exist")
    if dest.exists():
        if any(dest.iterdir()):
            raise BundleError(f"{dest}: destination directory is not empty")
        return False
    try:
        dest.mkdir(parents=True)
    except OSError as exc:
        raise BundleError(f"{dest}: cannot create destination: {exc.strerror or exc}") from None
    return True


def _undo(root: Path, created_dest: bool) -> None:
    """Remove what an aborted extraction wrote (``dest`` was empty or absent before)."""
    if created_dest:
        shutil.rmtree(root, ignore_errors=True)
        return
    with contextlib.suppress(OSError):
        for child in root.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def _extract_all(archive: Path, state: _Extraction) -> None:
    try:
        raw = archive.open("rb")
    except OSError as exc:
        raise BundleError(f"{archive}: cannot open: {exc.strerror or exc}") from None
    with raw:
        if raw.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
            raise BundleError(f"{archive}: not a gzip-compressed tar archive")
        raw.seek(0)
        try:
            with gzip.GzipFile(filename="", mode="rb", fileobj=raw) as compressed:
                stream = _Metered(compressed)
                with tarfile.open(fileobj=stream, mode="r|",  # type: ignore[call-overload]
                                  tarinfo=_StrictTarInfo, encoding="utf-8") as tar:
                    for member in _members(tar, stream):
                        _extract_member(tar, member, stream, state)
                _check_trailer(compressed)
        except _READ_ERRORS as exc:
            raise BundleError(f"{archive}: corrupt, truncated or unreadable archive "
                              f"({exc})") from None
    if state.top is None:
        raise BundleError(f"{archive}: the archive is empty")


def _members(tar: tarfile.TarFile, stream: _Metered) -> Iterator[tarfile.TarInfo]:
    """The members one at a time, without tarfile keeping every header in memory."""
    while True:
        stream.allow(HEADER_ALLOWANCE)
        member = tar.next()
        if member is None:
            return
        tar.members.clear()  # type: ignore[attr-defined]  # stream mode keeps every header
        yield member


def _check_trailer(compressed: gzip.GzipFile) -> None:
    """Read to the end of the gzip stream so its CRC and length are checked."""
    remaining = TRAILER_ALLOWANCE
    while data := compressed.read(min(CHUNK, remaining + 1)):
        remaining -= len(data)
        if remaining < 0:
            raise BundleError("unexpected data after the end of the tar archive")


def _extract_member(tar: tarfile.TarFile, member: tarfile.TarInfo, stream: _Metered,
                    state: _Extraction) -> None:
    parts = _check_member(member, state)
    relative = "/".join(parts)
    _make_parents(parts, member.name, state)
    target = state.root.joinpath(*parts)
    if member.isdir():
        _mkdir(target, relative, member.name, state)
        return
    stream.allow(member.size + HEADER_ALLOWANCE)
    source = tar.extractfile(member)
    if source is None:
        raise BundleError(f"{member.name}: member has no data")
    with source:
        _write_file(source, target, member, state)
    state.kinds[relative] = False


def _check_member(member: tarfile.TarInfo, state: _Extraction) -> list[str]:
    """Every check that must pass before anything of ``member`` is written."""
    name = member.name
    state.members += 1
    if state.members > state.limits.members:
        raise BundleError(f"{name}: more than {state.limits.members} members in the archive")
    if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.DIRTYPE) \
            or member.sparse is not None:
        raise BundleError(f"{name}: {_member_kind(member)} members are not allowed")
    parts = _name_parts(name)
    if state.top is None:
        state.top = parts[0]
    elif parts[0] != state.top:
        raise BundleError(f"{name}: more than one top-level folder ({state.top!r} and "
                          f"{parts[0]!r})")
    if len(parts) == 1 and not member.isdir():
        raise BundleError(f"{name}: the top level of a run archive must be a folder")
    relative = "/".join(parts)
    if relative in state.names:
        raise BundleError(f"{name}: duplicate member name")
    state.names.add(relative)
    _check_size(member, state)
    try:
        tarfile.data_filter(member, str(state.root))
    except tarfile.FilterError as exc:
        raise BundleError(f"{name}: {exc}") from None
    return parts


def _name_parts(name: str) -> list[str]:
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        raise BundleError(f"{name!r}: member name is empty, absolute or has unsafe characters")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise BundleError(f"{name}: member name has a '..' component")
    if not parts:
        raise BundleError(f"{name!r}: member name has no path")
    return parts


def _check_size(member: tarfile.TarInfo, state: _Extraction) -> None:
    if member.isdir():
        return
    if member.size > state.limits.member_bytes:
        raise BundleError(f"{member.name}: {member.size} bytes is over the per-member limit of "
                          f"{state.limits.member_bytes}")
    if state.written + member.size > state.limits.total_bytes:
        raise BundleError(f"{member.name}: extracting it would exceed the total limit of "
                          f"{state.limits.total_bytes} bytes")


def _member_kind(member: tarfile.TarInfo) -> str:
    kinds = ((member.issym, "symbolic link"), (member.islnk, "hard link"),
             (member.ischr, "character device"), (member.isblk, "block device"),
             (member.isfifo, "FIFO"), (member.issparse, "sparse file"))
    return next((name for test, name in kinds if test()), f"type {member.type!r}")


def _make_parents(parts: list[str], name: str, state: _Extraction) -> None:
    for depth in range(1, len(parts)):
        relative = "/".join(parts[:depth])
        is_dir = state.kinds.get(relative)
        if is_dir is None:
            _mkdir(state.root.joinpath(*parts[:depth]), relative, name, state)
        elif not is_dir:
            raise BundleError(f"{name}: its parent {relative!r} is a file in the archive")


def _mkdir(target: Path, relative: str, name: str, state: _Extraction) -> None:
    if state.kinds.get(relative) is True:
        return
    try:
        os.mkdir(target, DIR_MODE)
    except FileExistsError:
        raise BundleError(f"{name}: collides with another member on this file system") from None
    except OSError as exc:
        raise BundleError(f"{name}: cannot create directory: {exc.strerror or exc}") from None
    state.kinds[relative] = True


def _write_file(source: IO[bytes], target: Path, member: tarfile.TarInfo,
                state: _Extraction) -> None:
    """Copy exactly ``member.size`` bytes, counting what is really written against the limits."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | OPEN_FLAGS
    try:
        fd = os.open(target, flags, FILE_MODE)
    except FileExistsError:
        raise BundleError(f"{member.name}: collides with another member on this file "
                          "system") from None
    except OSError as exc:
        raise BundleError(f"{member.name}: cannot create file: {exc.strerror or exc}") from None
    remaining = min(member.size, state.limits.member_bytes)
    with os.fdopen(fd, "wb") as out:
        while remaining > 0:
            chunk = _read_member(source, min(CHUNK, remaining), member)[:remaining]
            if state.written + len(chunk) > state.limits.total_bytes:
                raise BundleError(f"{member.name}: extraction exceeds the total limit of "
                                  f"{state.limits.total_bytes} bytes")
            try:
                out.write(chunk)
            except OSError as exc:
                raise BundleError(f"{member.name}: cannot write {target}: "
                                  f"{exc.strerror or exc}") from None
            state.written += len(chunk)
            remaining -= len(chunk)


def _read_member(source: IO[bytes], size: int, member: tarfile.TarInfo) -> bytes:
    try:
        chunk = source.read(size)
    except _READ_ERRORS as exc:
        raise BundleError(f"{member.name}: corrupt or truncated member data ({exc})") from None
    if not chunk:
        raise BundleError(f"{member.name}: archive ends inside this member")
    return chunk
