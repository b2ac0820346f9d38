"""Reading a Citrix export file: bytes to checked JSON, or an InputError naming the file, the
line and the key at fault.

- The file is UTF-8, with or without a byte-order mark (Windows PowerShell 5.1's
  ``Set-Content -Encoding utf8`` writes one). UTF-16, which Windows PowerShell 5.1 writes with
  ``>`` or ``Out-File``, is refused with how to write UTF-8 instead.
- It is JSON: a key twice in one object, ``NaN``/``Infinity``, or an integer JSON numbers
  cannot hold exactly (beyond 2**53 - 1) are refused.
- It must then read as an export (govkit.sources.citrix.model): the schema first, then the
  typed reading; the error names the JSON path (``PolicySets.0.Policies.2.Priority``) and,
  where it can be found, its line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit.canonical import LARGEST_EXACT
from govkit.errors import InputError
from govkit.policy.yamlfile import parse_yaml
from govkit.sources.citrix.model import Export, ExportProblem, Where, parse_export

MAX_BYTES = 64 * 1024 * 1024
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class ReadExport:
    """One export file, read and checked: its digest, JSON and typed reading."""

    path: Path
    sha256: str
    data: Any
    export: Export


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def read_export(path: Path) -> ReadExport:
    """Read and check ``path``; InputError naming the file, line and key at fault."""
    raw = _read_bytes(path)
    text = _decode(raw, path)
    data = _parse_json(text, path)
    try:
        export = parse_export(data)
    except ExportProblem as problem:
        raise InputError(str(path), problem.message, line=_line_of(text, problem.where),
                         field=problem.key or None) from None
    return ReadExport(path, hashlib.sha256(raw).hexdigest(), data, export)


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise _too_big(path)
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(str(path), f"cannot read the Citrix export: {exc.strerror or exc}") \
            from None
    if len(raw) > MAX_BYTES:
        raise _too_big(path)
    return raw


def _too_big(path: Path) -> InputError:
    return InputError(str(path), f"the Citrix export is larger than {MAX_BYTES // 2**20} MiB")


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith(_UTF16_BOMS) or (b"\x00" in raw[:64] and not raw.startswith(b"\xef")):
        raise InputError(str(path), "the Citrix export is UTF-16 text (what Windows "
                         "PowerShell 5.1 writes with > or Out-File); write it as UTF-8: "
                         "... | Set-Content -Encoding utf8 FILE, or run the export script "
                         "in PowerShell 7", line=1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "the Citrix export is not UTF-8 text",
                         line=raw.count(b"\n", 0, exc.start) + 1) from None


def _parse_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_constant,
                          parse_int=_integer)
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not JSON: {exc.msg}", line=exc.lineno) from None
    except _Duplicate as exc:
        raise InputError(str(path), f"key '{exc.key}' appears twice in one object") from None
    except ValueError as exc:
        raise InputError(str(path), f"not JSON govkit can keep exactly: {exc}") from None


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Duplicate(key)
        result[key] = value
    return result


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _integer(text: str) -> int:
    value = int(text)
    if abs(value) > LARGEST_EXACT:
        raise ValueError(f"the integer {text} is too large to keep exactly")
    return value


def _line_of(text: str, where: Where) -> int | None:
    """The line of the value at ``where`` (JSON is read as YAML only to find it), or None
    when it cannot be found."""
    try:
        return parse_yaml(text, "export").line_of(where)
    except InputError:
        return None
