"""Canonical JSON (RFC 8785) for everything govkit writes as evidence.

Datetimes become ISO-8601 UTC strings, bytes become UTF-8 text (or base64 when not text), so
that the same data always gives the same bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
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


# RFC 8785 numbers are IEEE doubles: integers beyond this are not exact
LARGEST_EXACT = 2 ** 53 - 1
_ASTRAL = re.compile(r"[\U00010000-\U0010FFFF]|\\u[dD][89abAB]")


class _NotSimple(Exception):
    pass


def _no_floats(_text: str) -> Any:
    raise _NotSimple


def _exact_int(text: str) -> int:
    number = int(text)
    if not -LARGEST_EXACT <= number <= LARGEST_EXACT:
        raise _NotSimple
    return number


def loads_simple(text: str) -> tuple[Any, bool]:
    """Parse JSON text, and say whether its canonical form (RFC 8785) is what
    :func:`dumps_simple` writes: no fractional or exponent numbers (RFC 8785 formats those
    as ECMAScript does, Python's ``repr`` does not), no integer beyond 2^53, and no character
    outside the Basic Multilingual Plane (RFC 8785 sorts keys by UTF-16 code units, Python by
    code points). API answers almost always are: their canonical form then costs one C-speed
    ``json.dumps`` instead of a walk in Python. Raises ValueError for text that is not JSON."""
    if _ASTRAL.search(text) is None:
        try:
            return json.loads(text, parse_float=_no_floats, parse_int=_exact_int,
                              parse_constant=_no_floats), True
        except _NotSimple:
            pass
    return json.loads(text), False


def is_simple(value: Any) -> bool:
    """Whether plain JSON ``value`` (a small one: this walks it) is simple as
    :func:`loads_simple` means it."""
    if isinstance(value, str):
        return _ASTRAL.search(value) is None
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -LARGEST_EXACT <= value <= LARGEST_EXACT
    if isinstance(value, list):
        return all(is_simple(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_simple(k) and is_simple(v)
                   for k, v in value.items())
    return False


def dumps_simple(value: Any) -> bytes:
    """Canonical JSON (RFC 8785) of plain JSON ``value`` that :func:`loads_simple` found
    simple (the caller answers for the rest of it: strings, small integers, booleans)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def write_atomic(path: Path, data: bytes | bytearray) -> None:
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
