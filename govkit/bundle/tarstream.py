"""A ``.tar.gz`` read as a stream of members, treating every byte of it as hostile.

tarfile runs in stream mode over a metered view of the decompressed bytes: parsing one header
(PAX and GNU records included) may read at most ``HEADER_ALLOWANCE`` bytes, so a forged header
size (a PAX header bomb) fails after a few KiB instead of being buffered in memory. A corrupt
header is reported instead of silently ending the archive. Every error raised while the archive
is open, by this module or by its caller, is re-raised naming the archive.
"""

from __future__ import annotations

import gzip
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Self

from govkit.bundle.archive import CHUNK, GZIP_MAGIC
from govkit.bundle.errors import BundleError, VerificationFailure

# What tarfile may read to parse one member's headers (PAX/GNU records included). Real headers
# are a few KiB; the cap stops a forged header size from making tarfile buffer gigabytes.
HEADER_ALLOWANCE = 64 * 1024
# Decompressed bytes tolerated after the end-of-archive marker (tar pads to 10 KiB records).
TRAILER_ALLOWANCE = 1 << 20

_END_OF_ARCHIVE: type[Exception] = tarfile.EOFHeaderError  # type: ignore[attr-defined]
# gzip.BadGzipFile and read failures of the archive itself are OSErrors.
READ_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError)


class _StrictTarInfo(tarfile.TarInfo):
    """Reports a corrupt or missing header instead of letting tarfile end the archive early."""

    @classmethod
    def fromtarfile(cls, tarfile_: tarfile.TarFile) -> Self:
        start = tarfile_.fileobj.tell()
        try:
            return super().fromtarfile(tarfile_)
        except _END_OF_ARCHIVE:
            raise
        except tarfile.HeaderError as exc:
            if start == 0:
                raise BundleError(f"not a tar archive inside the gzip stream ({exc})") from None
            raise BundleError(f"corrupt or truncated tar header at offset {start}: "
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


class MemberStream:
    """The members of an open archive, one at a time; each member's data can be read once."""

    def __init__(self, tar: tarfile.TarFile, metered: _Metered,
                 compressed: gzip.GzipFile) -> None:
        self._tar = tar
        self._metered = metered
        self._compressed = compressed
        self._data_read = False

    def members(self) -> Iterator[tarfile.TarInfo]:
        """Each header in turn; data a caller did not read is skipped, never buffered."""
        unread = 0
        while True:
            self._metered.allow(HEADER_ALLOWANCE + unread)
            member = self._tar.next()
            if member is None:
                return
            self._tar.members.clear()  # type: ignore[attr-defined]  # stream mode keeps them all
            self._data_read = False
            yield member
            unread = member.size if member.isreg() and not self._data_read else 0

    def data(self, member: tarfile.TarInfo) -> IO[bytes]:
        """The data of the member ``members()`` just yielded."""
        self._metered.allow(HEADER_ALLOWANCE + member.size)
        self._data_read = True
        source = self._tar.extractfile(member)
        if source is None:
            raise BundleError(f"{member.name}: member has no data")
        return source

    def finish(self) -> None:
        """Read to the end of the gzip stream so its CRC and length are checked."""
        remaining = TRAILER_ALLOWANCE
        while data := self._compressed.read(min(CHUNK, remaining + 1)):
            remaining -= len(data)
            if remaining < 0:
                raise BundleError("unexpected data after the end of the tar archive")


@contextmanager
def open_archive(archive: Path) -> Iterator[MemberStream]:
    """The archive's members; any error inside the ``with`` block comes out naming ``archive``.

    Errors keep their type (BundleError: unusable input; VerificationFailure: does not verify);
    read, decompression and tar errors become BundleError.
    """
    try:
        raw = archive.open("rb")
    except OSError as exc:
        raise BundleError(f"{archive}: cannot open: {exc.strerror or exc}") from None
    try:
        with raw:
            if raw.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
                raise BundleError("not a gzip-compressed tar archive")
            raw.seek(0)
            with gzip.GzipFile(filename="", mode="rb", fileobj=raw) as compressed:
                metered = _Metered(compressed)
                with tarfile.open(fileobj=metered, mode="r|",  # type: ignore[call-overload]
                                  tarinfo=_StrictTarInfo, encoding="utf-8") as tar:
                    yield MemberStream(tar, metered, compressed)
    except READ_ERRORS as exc:
        raise BundleError(f"{archive}: corrupt, truncated or unreadable archive "
                          f"({exc})") from None
    except VerificationFailure as exc:
        raise VerificationFailure(f"{archive}: {exc}") from None
    except BundleError as exc:
        raise BundleError(f"{archive}: {exc}") from None
