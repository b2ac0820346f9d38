"""Canonical JSON (RFC 8785) for everything govkit writes as evidence.

Datetimes become ISO-8601 UTC strings, bytes become UTF-8 text (or base64 when not text), so
that the same data always gives the same bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import rfc8785


def iso_utc(value: dt.datetime) -> str:
    """ISO-8601 in UTC with a 'Z' suffix; naive datetimes are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    value = value.astimezone(dt.timezone.utc)
    text = value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def to_jsonable(value: Any) -> Any:
    """Turn an AWS response (datetimes, bytes, streams already read) into plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def dumps(value: Any) -> bytes:
    """Canonical JSON bytes of ``value`` (after :func:`to_jsonable`)."""
    return rfc8785.dumps(to_jsonable(value))


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, value: Any, *, plain: bool = False) -> None:
    """Write canonical JSON; ``plain`` skips conversion for data that is already plain JSON."""
    write_atomic(path, rfc8785.dumps(value) if plain else dumps(value))
