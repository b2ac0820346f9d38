"""Safe extraction of a bundle archive: every member is checked before anything is written.

Refused: absolute paths, ``..``, links, devices, FIFOs, members or totals over the limits, more
than one top-level folder, duplicates, and corrupt or truncated archives. On failure whatever
was written is removed. Every error names the archive.

Verifying an archive reads it twice. ``read_member`` finds the signature bundle and returns its
bytes without writing anything. ``safe_extract`` with ``signed`` (what the verified statement
names) then writes only those files, hashing each as it is written, and stops with a
VerificationFailure at the first member the statement does not name or whose bytes hash
differently.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

from govkit.bundle.archive import CHUNK, DIR_MODE, FILE_MODE, GIB, OPEN_FLAGS
from govkit.bundle.errors import BundleError, VerificationFailure
from govkit.bundle.tarstream import READ_ERRORS, MemberStream, open_archive


class Limits(NamedTuple):
    """Bounds on what one archive may make us read or write."""

    member_bytes: int = 4 * GIB
    total_bytes: int = 64 * GIB
    members: int = 1_000_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, kw_only=True)
class SignedContents:
    """What a verified statement lets an archive hold: one run folder and these files."""

    top: str  # the run folder every member is under
    digests: Mapping[str, str]  # path relative to the run folder -> sha256 (hex)

    def folders(self) -> frozenset[str]:
        """The folders that hold a signed file (relative to the run folder)."""
        return frozenset("/".join(parts[:depth]) for parts in
                         (name.split("/") for name in self.digests)
                         for depth in range(1, len(parts)))


class ArchiveHead(NamedTuple):
    top: str  # the run folder every member is under
    data: bytes | None  # the member sought, None when the archive does not hold it
    top_level: frozenset[str]  # what the run folder holds directly (all of it when data is None)


class _Extraction:
    """Bookkeeping for one pass over an archive: what exists, what was read, and the limits."""

    def __init__(self, root: Path, limits: Limits, signed: SignedContents | None = None) -> None:
        self.root = root
        self.limits = limits
        self.signed = signed
        self.folders = signed.folders() if signed else frozenset()
        self.top: str | None = signed.top if signed else None
        self.names: set[str] = set()
        self.kinds: dict[str, bool] = {}  # relative path -> is_dir, for everything created
        self.members = 0
        self.data_bytes = 0  # member data written (or read past, looking for one member)


def safe_extract(archive: Path, dest: Path, *,
                 max_member_bytes: int = DEFAULT_LIMITS.member_bytes,
                 max_total_bytes: int = DEFAULT_LIMITS.total_bytes,
                 max_members: int = DEFAULT_LIMITS.members,
                 signed: SignedContents | None = None) -> Path:
    """Extract a run archive into ``dest`` (empty or absent); return the run directory.

    Rejects with BundleError, naming the archive and member: absolute paths, ``..``
    components, links, devices, FIFOs and other special members, a member or total size over
    the limits, too many members, more than one top-level folder, duplicate names, and corrupt
    or truncated archives. With ``signed``, a member the statement does not name or whose bytes
    hash differently stops extraction with VerificationFailure before more is written. On
    rejection whatever was extracted is removed again.
    """
    archive, dest = Path(archive), Path(dest)
    created_dest = _prepare_dest(dest)
    state = _Extraction(Path(os.path.realpath(dest)),
                        Limits(max_member_bytes, max_total_bytes, max_members), signed)
    try:
        with open_archive(archive) as stream:
            for member in stream.members():
                _extract_member(stream, member, state)
            stream.finish()
        if state.top is None or not state.names:
            raise BundleError(f"{archive}: the archive is empty")
    except BaseException:
        _undo(state.root, created_dest)
        raise
    return state.root / state.top


def read_member(archive: Path, relative: str, *, max_bytes: int,
                limits: Limits = DEFAULT_LIMITS) -> ArchiveHead:
    """The bytes of ``<run folder>/<relative>`` (at most ``max_bytes``), writing nothing.

    Members before it get the same checks as in ``safe_extract`` and their data is read past,
    counting against the limits; the archive is read no further than the member sought.
    """
    archive = Path(archive)
    # Names are refused before data_filter sees them if absolute or with "..", so its own
    # outside-the-destination check needs no real destination here.
    state = _Extraction(Path(os.path.realpath(tempfile.gettempdir())), limits)
    found: bytes | None = None
    top_level: set[str] = set()
    with open_archive(archive) as stream:
        for member in stream.members():
            parts = _check_member(member, state)
            top_level.update(parts[1:2])
            if member.isreg() and "/".join(parts[1:]) == relative:
                found = _read_small(stream, member, max_bytes)
                break
            state.data_bytes += member.size if member.isreg() else 0
        else:
            stream.finish()
    if state.top is None:
        raise BundleError(f"{archive}: the archive is empty")
    return ArchiveHead(state.top, found, frozenset(top_level))


def _read_small(stream: MemberStream, member: tarfile.TarInfo, max_bytes: int) -> bytes:
    if member.size > max_bytes:
        raise BundleError(f"{member.name}: {member.size} bytes is over the limit of {max_bytes} "
                          "for this member")
    chunks = []
    remaining = member.size
    with stream.data(member) as source:
        while remaining > 0:
            chunk = _read_member(source, min(CHUNK, remaining), member)[:remaining]
            chunks.append(chunk)
            remaining -= len(chunk)
    return b"".join(chunks)


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


def _extract_member(stream: MemberStream, member: tarfile.TarInfo,
                    state: _Extraction) -> None:
    parts = _check_member(member, state)
    relative = "/".join(parts)
    _make_parents(parts, member.name, state)
    target = state.root.joinpath(*parts)
    if member.isdir():
        _mkdir(target, relative, member.name, state)
        return
    with stream.data(member) as source:
        digest = _write_file(source, target, member, state)
    state.kinds[relative] = False
    if state.signed is not None and digest != state.signed.digests["/".join(parts[1:])]:
        raise VerificationFailure(f"{member.name}: sha256 differs from the signed digest; "
                                  "extraction stopped")


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
    _check_signed(member, "/".join(parts[1:]), state)
    _check_size(member, state)
    try:
        tarfile.data_filter(member, str(state.root))
    except tarfile.FilterError as exc:
        raise BundleError(f"{name}: {exc}") from None
    return parts


def _check_signed(member: tarfile.TarInfo, in_run: str, state: _Extraction) -> None:
    """With a verified statement, only what it names (and the folders holding it) may exist."""
    if state.signed is None:
        return
    if member.isdir():
        if in_run and in_run not in state.folders:
            raise VerificationFailure(f"{member.name}: a folder holding no signed file; "
                                      "extraction stopped")
    elif in_run not in state.signed.digests:
        raise VerificationFailure(f"{member.name}: not signed (the statement does not name "
                                  "it); extraction stopped")


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
    if state.data_bytes + member.size > state.limits.total_bytes:
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
                state: _Extraction) -> str | None:
    """Copy exactly ``member.size`` bytes, counting what is really written against the limits.

    Returns the sha256 of what was written when extracting against a signed statement.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | OPEN_FLAGS
    try:
        fd = os.open(target, flags, FILE_MODE)
    except FileExistsError:
        raise BundleError(f"{member.name}: collides with another member on this file "
                          "system") from None
    except OSError as exc:
        raise BundleError(f"{member.name}: cannot create file: {exc.strerror or exc}") from None
    digest = hashlib.sha256() if state.signed is not None else None
    remaining = min(member.size, state.limits.member_bytes)
    with os.fdopen(fd, "wb") as out:
        while remaining > 0:
            chunk = _read_member(source, min(CHUNK, remaining), member)[:remaining]
            if state.data_bytes + len(chunk) > state.limits.total_bytes:
                raise BundleError(f"{member.name}: extraction exceeds the total limit of "
                                  f"{state.limits.total_bytes} bytes")
            try:
                out.write(chunk)
            except OSError as exc:
                raise BundleError(f"{member.name}: cannot write {target}: "
                                  f"{exc.strerror or exc}") from None
            if digest is not None:
                digest.update(chunk)
            state.data_bytes += len(chunk)
            remaining -= len(chunk)
    return None if digest is None else digest.hexdigest()


def _read_member(source: IO[bytes], size: int, member: tarfile.TarInfo) -> bytes:
    try:
        chunk = source.read(size)
    except READ_ERRORS as exc:
        raise BundleError(f"{member.name}: corrupt or truncated member data ({exc})") from None
    if not chunk:
        raise BundleError(f"{member.name}: archive ends inside this member")
    return chunk
