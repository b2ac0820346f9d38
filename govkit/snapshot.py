"""The snapshot: every API call a scan made, as it happened, in canonical JSON on disk.

Each call (each page of a paginated call) is one file under ``snapshots/``:
``snapshots/<account>/<region>/<service>/<Operation>.[<hint>.]<params-digest>[.<n>].json``.
File names are derived from the call itself, so the same estate scanned twice gives the same
names. When the scan ends, ``snapshots/index.json`` lists every call with its outcome, without
the responses. ``page`` in a record's parameters is govkit's page counter, not an API parameter.

Records are written as they arrive and never held in memory, so memory does not grow with the
size of the estate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit import canonical
from govkit.errors import InputError

SNAPSHOT_DIR = "snapshots"
INDEX_FILE = f"{SNAPSHOT_DIR}/index.json"
GLOBAL_REGION = "global"


@dataclass(frozen=True, kw_only=True)
class CallEntry:
    """One line of the call index: which call, with what, and how it ended."""

    file: str
    account: str
    region: str
    service: str
    operation: str
    params: Mapping[str, Any]
    outcome: str  # "ok" or "error"
    error_code: str | None = None
    duration_ms: int = 0
    # the record this one was derived from instead of being called (an AWS Config item read
    # in place of the service's own API); None: a call govkit made
    derived_from: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def describe(self) -> str:
        """How a report names this call: ``s3:GetBucketEncryption (Bucket=x) in 1111/us-east-1``."""
        shown = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items())
                          if not isinstance(v, (dict, list)) and k not in _TOKEN_KEYS)
        args = f" ({shown})" if shown else ""
        via = " (from AWS Config)" if self.derived_from is not None else ""
        return f"{self.service}:{self.operation}{args} in {self.account}/{self.region}{via}"

    def to_json(self) -> dict[str, Any]:
        document = {
            "file": self.file, "account": self.account, "region": self.region,
            "service": self.service, "operation": self.operation, "params": dict(self.params),
            "outcome": self.outcome, "error_code": self.error_code,
            "duration_ms": self.duration_ms,
        }
        if self.derived_from is not None:
            document["derived_from"] = self.derived_from
        return document


_TOKEN_KEYS = {"NextToken", "Marker", "nextToken", "ContinuationToken", "ExclusiveStartTableName",
               "PaginationToken", "StartingToken"}


@dataclass(frozen=True, kw_only=True)
class CallRecord:
    """A call with its raw response (or error), as read back from disk."""

    entry: CallEntry
    response: Mapping[str, Any] = field(default_factory=dict)
    error_message: str | None = None


def _digest(params: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical.dumps(params)).hexdigest()[:12]


def _label(params: Mapping[str, Any]) -> str:
    """A readable hint of what the call was about (a bucket, a key, a page number)."""
    for key, value in params.items():
        if key in _TOKEN_KEYS or not isinstance(value, (str, int)) or isinstance(value, bool):
            continue
        text = re.sub(r"[^A-Za-z0-9._-]+", "_", str(value).rsplit("/", 1)[-1]).strip("_.")
        if text:
            return text[:48] + "."
    return ""


@dataclass(frozen=True, kw_only=True)
class Derivation:
    """Where a derived record's answer was read: a record (``file``), the item in it
    (``pointer``, a JSON Pointer into that record) and when its source captured it."""

    file: str
    pointer: str
    captured_at: str
    source: str = "aws-config"

    def to_json(self) -> dict[str, str]:
        return {"source": self.source, "file": self.file, "pointer": self.pointer,
                "captured_at": self.captured_at}


class SnapshotWriter:
    """Writes call records as they happen; thread-safe."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._lock = threading.Lock()
        self._entries: list[CallEntry] = []
        self._names: dict[str, int] = {}
        self._folders: set[Path] = set()
        self._calls = 0

    def _relative_name(self, account: str, region: str, service: str, operation: str,
                       params: Mapping[str, Any]) -> str:
        stem = (f"{SNAPSHOT_DIR}/{account}/{region}/{service}/{operation}."
                f"{_label(params)}{_digest(params)}")
        with self._lock:
            seen = self._names.get(stem, 0)
            self._names[stem] = seen + 1
        return f"{stem}.json" if seen == 0 else f"{stem}.{seen + 1}.json"

    def record(self, *, account: str, region: str, service: str, operation: str,
               params: Mapping[str, Any], started_at: dt.datetime, duration_ms: int,
               response: Mapping[str, Any] | None = None, error_code: str | None = None,
               error_message: str | None = None, request_id: str | None = None,
               retry_attempts: int = 0, simple: bool = False,
               derived: Derivation | None = None) -> CallEntry:
        """``simple``: ``response`` is plain JSON that canonical.loads_simple parsed and
        found simple, so its canonical form is written without a walk in Python.
        ``derived``: the answer was not called for but read from another record (see
        :class:`Derivation`); it is not counted as an API call."""
        params = canonical.to_jsonable(params)
        name = self._relative_name(account, region, service, operation, params)
        entry = CallEntry(file=name, account=account, region=region, service=service,
                          operation=operation, params=params,
                          outcome="ok" if error_code is None else "error",
                          error_code=error_code, duration_ms=duration_ms,
                          derived_from=None if derived is None else derived.file)
        document: dict[str, Any] = {
            **entry.to_json(),
            "started_at": canonical.iso_utc(started_at),
            "request_id": request_id,
            "retry_attempts": retry_attempts,
        }
        if derived is not None:
            document["derived_from"] = derived.to_json()
        if error_code is None:
            document["response"] = response or {}
        else:
            document["error_message"] = error_message
        # the rest of the record is govkit's own names, ISO times and counts: the caller's
        # parameters are all that may not be simple
        if simple and error_code is None and canonical.is_simple(params) and \
                canonical.is_simple([account, region, service, operation, request_id]):
            data = canonical.dumps_simple(document)
        else:
            data = canonical.dumps(document)
        self._write(self.run_dir / name, data)
        with self._lock:
            self._entries.append(entry)
            if derived is None:
                self._calls += 1
        return entry

    def _write(self, path: Path, data: bytes) -> None:
        """One new file. The run directory is hidden until the scan completes (govkit.run
        renames it into place), so a record needs no write-and-rename of its own; its folder
        is made once, and a name is never written twice ("x" mode)."""
        folder = path.parent
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            with self._lock:
                self._folders.add(folder)
        with path.open("xb") as handle:
            handle.write(data)

    @property
    def call_count(self) -> int:
        """API calls made (derived records are not calls)."""
        with self._lock:
            return self._calls

    def write_index(self) -> list[CallEntry]:
        with self._lock:
            entries = sorted(self._entries, key=lambda e: e.file)
        canonical.write_json(self.run_dir / INDEX_FILE,
                             {"calls": [e.to_json() for e in entries]})
        return entries


class Snapshot:
    """Read side: the call index and lazy access to each record."""

    def __init__(self, run_dir: Path, entries: list[CallEntry]) -> None:
        self.run_dir = run_dir
        self.entries = entries

    @staticmethod
    def read_json(path: Path) -> Any:
        return _read_json(path)

    @classmethod
    def open(cls, run_dir: Path) -> Snapshot:
        path = run_dir / INDEX_FILE
        data = _read_json(path)
        try:
            entries = [CallEntry(**row) for row in data["calls"]]
        except (KeyError, TypeError) as exc:
            raise InputError(str(path), f"not a govkit call index: {exc}") from None
        return cls(run_dir, entries)

    def select(self, service: str, operation: str | None = None,
               account: str | None = None) -> Iterator[CallEntry]:
        for entry in self.entries:
            if entry.service != service:
                continue
            if operation is not None and entry.operation != operation:
                continue
            if account is not None and entry.account != account:
                continue
            yield entry

    def load(self, entry: CallEntry) -> CallRecord:
        data = _read_json(self.run_dir / entry.file)
        return CallRecord(entry=entry, response=data.get("response") or {},
                          error_message=data.get("error_message"))


def _read_json(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise InputError(str(path), "file is missing from the run directory") from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"invalid JSON: {exc.msg}", line=exc.lineno) from None
