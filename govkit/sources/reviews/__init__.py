"""Access-review exports as a source.

A review campaign (Okta Access Certifications, Entra access reviews, a spreadsheet) ends in
one line per decision: who reviewed, which account, which grant (a group, an application, a
permission set), the decision and when. The file is validated, recorded into the snapshot
as raw cells (so the evidence holds exactly what was exported) and normalised into one
``access.review`` resource per line; the join attaches each account's lines to it, and the
check kinds ask whether revocations were carried out and whether every grant was reviewed.

Decisions (case-insensitive): ``accept`` (also approve, approved, keep, certify), ``revoke``
(remove, revoked), ``reduce`` (modify, reduced), ``no response`` (none, not reviewed, blank).
Any other word is an error naming the file, line and column.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit.errors import InputError
from govkit.inventory.model import Coverage, Ref, Resource, ResourceBuilder, json_pointer
from govkit.snapshot import GLOBAL_REGION, Snapshot, SnapshotWriter
from govkit.sources.hr.read import (
    RowProblem, Table, column_indexes, decode, parse_csv, parse_when, read_bytes)
from govkit.sources.interface import CollectWindow, ConfigProblem, NormalizeContext

SCHEMA_FILE = Path(__file__).with_name("config.schema.json")
SERVICE = "reviews"
OPERATION = "ReadReviewExport"
TYPE = "access.review"
COLUMNS = ("reviewer", "account", "grant", "decision", "decided_at")
DECISIONS: Mapping[str, str] = {
    "accept": "accept", "accepted": "accept", "approve": "accept", "approved": "accept",
    "keep": "accept", "certify": "accept", "certified": "accept",
    "revoke": "revoke", "revoked": "revoke", "remove": "revoke", "removed": "revoke",
    "reduce": "reduce", "reduced": "reduce", "modify": "reduce", "modified": "reduce",
    "no response": "no response", "none": "no response", "not reviewed": "no response",
    "": "no response",
}


@dataclass(frozen=True)
class Settings:
    path: Path
    timezone: zoneinfo.ZoneInfo | None
    columns: Mapping[str, str] = field(default_factory=lambda: {c: c for c in COLUMNS})


def settings_from(section: Any, *, resolve: Callable[[str], Path], environ: Mapping[str, str],
                  default_timezone: zoneinfo.ZoneInfo | None = None) -> Settings:
    spec: dict[str, Any] = {"path": section} if isinstance(section, str) else dict(section)
    path = resolve(spec["path"])
    if not path.is_file():
        raise ConfigProblem("path" if isinstance(section, dict) else "",
                            f"no such access-review file: {path}")
    zone = default_timezone
    if spec.get("timezone"):
        try:
            zone = zoneinfo.ZoneInfo(spec["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigProblem("timezone", f"unknown time zone '{spec['timezone']}'") from None
    return Settings(path, zone, {c: (spec.get("columns") or {}).get(c, c) for c in COLUMNS})


def _validate(settings: Settings) -> Table:
    """The file's table, every row checked; InputError naming the file, line and column."""
    where = str(settings.path)
    try:
        table = parse_csv(decode(read_bytes(settings.path)))
        index = column_indexes(table, settings.columns)
        for row, line in zip(table.rows, table.lines, strict=True):
            for name in ("account", "grant", "reviewer"):
                if not row[index[name]].strip():
                    raise RowProblem(line, settings.columns[name], f"{name} is empty")
            word = row[index["decision"]].strip().lower()
            if word not in DECISIONS:
                raise RowProblem(line, settings.columns["decision"], f"unknown decision "
                                 f"'{row[index['decision']]}' (accept, revoke, reduce or "
                                 "no response)")
            stamp = row[index["decided_at"]].strip()
            if stamp:
                try:
                    parse_when(stamp, settings.timezone, end_of_day=True)
                except ValueError as exc:
                    raise RowProblem(line, settings.columns["decided_at"], str(exc)) from None
    except RowProblem as problem:
        raise problem.error(where) from None
    return table


def collect(settings: Settings, writer: SnapshotWriter, window: CollectWindow) -> dict[str, Any]:
    began, started = time.perf_counter(), dt.datetime.now(dt.timezone.utc)
    table = _validate(settings)
    raw = settings.path.read_bytes()
    writer.record(account=SERVICE, region=GLOBAL_REGION, service=SERVICE, operation=OPERATION,
                  params={"file": settings.path.name, "sha256": hashlib.sha256(raw).hexdigest(),
                          "columns": dict(settings.columns),
                          "timezone": settings.timezone.key if settings.timezone else None},
                  started_at=started, duration_ms=int((time.perf_counter() - began) * 1000),
                  response=table.to_response())
    return {"type": SERVICE, "file": settings.path.name, "decisions": len(table.rows)}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for entry in snapshot.select(SERVICE, OPERATION):
        record = snapshot.load(entry)
        try:
            table = Table.from_response(record.response)
            index = column_indexes(table, entry.params["columns"])
        except (ValueError, RowProblem, KeyError) as exc:
            raise InputError(entry.file, f"not an access-review record: {exc}") from None
        zone_name = entry.params.get("timezone")
        zone = zoneinfo.ZoneInfo(zone_name) if zone_name else None
        for position, (row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
            yield _review(entry.file, entry.params["file"], position, line, row, index, zone)
        yield Coverage(type=TYPE, account=SERVICE, region=GLOBAL_REGION, source=entry.file)


def _review(file: str, name: str, position: int, line: int, row: tuple[str, ...],
            index: Mapping[str, int], zone: zoneinfo.ZoneInfo | None) -> Resource:
    def ref(column: str) -> Ref:
        return Ref(file, json_pointer("response", "rows", position, index[column]))

    builder = ResourceBuilder(id=f"review:{name}:{line}", type=TYPE, account=SERVICE,
                              region=GLOBAL_REGION, name=f"{name} line {line}")
    builder.set("Reviewer", row[index["reviewer"]].strip(), ref("reviewer"))
    builder.set("AccountName", row[index["account"]].strip().lower(), ref("account"))
    builder.set("Grant", row[index["grant"]].strip(), ref("grant"))
    builder.set("Decision", DECISIONS[row[index["decision"]].strip().lower()], ref("decision"))
    stamp = row[index["decided_at"]].strip()
    when = parse_when(stamp, zone, end_of_day=True) if stamp else None
    builder.set("DecidedAt", when.instant.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None,
                ref("decided_at"))
    builder.set("Line", line, Ref(file, json_pointer("response", "lines", position)))
    return builder.build()
