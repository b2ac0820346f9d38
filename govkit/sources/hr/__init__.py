"""The HR roster source: CSV exports of the HRIS (Workday, BambooHR, Rippling, or any CSV with
a column map), read, checked and recorded whole into the snapshot, then normalised into one
``hr.person`` per person id per file.

Configuration (the ``hr`` section, a list; config.schema.json beside this file)::

    hr:
      - path: exports/workday.csv
        timezone: America/Chicago      # else the top-level timezone
        preset: workday                # workday | bamboohr | rippling (govkit.sources.hr.presets)
        columns: {job: Job_Profile}    # canonical column -> header; overrides the preset
        status_values: {"Garden Leave": leave}

Without a preset, ``columns`` maps at least ``person_id``, ``status`` and one of
``terminated_at``/``hired_at``. Optional columns: email, name, hired_at, terminated_at,
last_day, notified_at, job, worker_type, manager, vendor. A preset's exports carry calendar
dates, so with a preset a time zone (the file's or the top-level one) is required up front;
without one, the first date with no time zone stops reading, naming its row and column.

Collection reads and checks every file of the section before it records any: one bad file
(not UTF-8, a mapped column missing, a date that does not parse, an unknown status word, a
terminated person with no termination date, two rows that contradict each other) is an
InputError naming the file, line and column, and nothing is written. Each file then becomes
one record (``hr``/``global``/``hr``/``ReadExport``) holding its raw cells, the line of each
row, and in its parameters the file name (never its folder), sha256, time zone, the column
map and the full table of status words used, so normalising needs only the record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema

from govkit.inventory.model import Coverage, Resource
from govkit.snapshot import GLOBAL_REGION, Snapshot, SnapshotWriter
from govkit.sources.hr.normalize import HR, OPERATION, Kind, Spec, interpret
from govkit.sources.hr.normalize import normalize as _normalize
from govkit.sources.hr.presets import PRESET_REQUIRED, PRESETS
from govkit.sources.hr.read import (
    RowProblem, Table, decode, parse_csv, read_bytes, status_table, table_from_yaml)
from govkit.sources.interface import CollectWindow, ConfigProblem, NormalizeContext

SCHEMA_FILE = Path(__file__).with_name("config.schema.json")
ACCOUNT = "hr"


@dataclass(frozen=True, kw_only=True)
class RosterFile:
    """One HR export or vendor roster to read, as configured."""

    path: Path
    source: str  # the label records and ids carry: the file name, or the vendor's name
    account: str  # "hr", or the vendor's slug
    timezone: zoneinfo.ZoneInfo | None
    columns: Mapping[str, str]  # canonical column -> the file's header (or YAML key)
    optional: frozenset[str] = frozenset()  # preset columns used only when the file has them
    statuses: Mapping[str, str] = field(default_factory=dict)  # case-folded word -> status
    preset: str | None = None
    format: str = "csv"  # or "yaml" (vendor rosters)


def settings_from(section: Sequence[Mapping[str, Any]], *, resolve: Callable[[str], Path],
                  environ: Mapping[str, str] | None = None,
                  default_timezone: zoneinfo.ZoneInfo | None = None) -> tuple[RosterFile, ...]:
    """The HR files the ``hr`` section lists; ConfigProblem (key like ``0.path``) for a file
    that does not exist, an unknown preset or time zone, a column map without person_id or
    status, a preset used with no time zone anywhere, or two files of the same name."""
    check_section(section, SCHEMA_FILE)
    files = tuple(_hr_file(entry, position, resolve, default_timezone)
                  for position, entry in enumerate(section))
    refuse_repeats([f.source for f in files], "path", "two HR files are both named {}: "
                   "records and person ids are labelled by file name, so rename one")
    return files


def _hr_file(entry: Mapping[str, Any], position: int, resolve: Callable[[str], Path],
             default_timezone: zoneinfo.ZoneInfo | None) -> RosterFile:
    path = existing_file(entry, position, resolve)
    tz = timezone_of(entry, position, default_timezone)
    given: Mapping[str, str] = entry.get("columns") or {}
    name = entry.get("preset")
    if name is None:
        check_columns(given, position)
        return RosterFile(path=path, source=path.name, account=ACCOUNT, timezone=tz,
                          columns=MappingProxyType(dict(given)),
                          statuses=MappingProxyType(status_table(
                              entry.get("status_values") or {})))
    preset = PRESETS.get(name)
    if preset is None:
        raise ConfigProblem(f"{position}.preset", f"unknown preset '{name}' (one of "
                            f"{', '.join(sorted(PRESETS))})")
    columns = {**preset.columns, **given}
    check_columns(columns, position)
    if tz is None:
        raise ConfigProblem(f"{position}.timezone", f"{preset.name} exports give dates "
                            "without a time of day: set `timezone` for this file or at the "
                            "top of the configuration (an IANA name such as America/Chicago)")
    return RosterFile(
        path=path, source=path.name, account=ACCOUNT, timezone=tz, preset=name,
        columns=MappingProxyType(columns),
        optional=frozenset(preset.columns) - PRESET_REQUIRED - set(given),
        statuses=MappingProxyType(status_table(preset.statuses,
                                               entry.get("status_values") or {})))


def check_section(section: Any, schema_file: Path) -> None:
    """The section against its schema: ConfigProblem at the first (deepest) violation."""
    schema = _load_schema(schema_file)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(section))
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors) or errors[0]
    where = [str(p) for p in error.absolute_path]
    message = str(error.message)
    if error.validator in ("anyOf", "oneOf") and error.context:
        message = str(max(error.context, key=lambda e: len(e.absolute_path)).message)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        extra = sorted(k for k in error.instance if k not in (error.schema or {}).get(
            "properties", {}))
        if extra:
            where.append(extra[0])
            message = f"unknown key '{extra[0]}'"
    raise ConfigProblem(".".join(where), message)


def _load_schema(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return loaded


def existing_file(entry: Mapping[str, Any], position: int,
                  resolve: Callable[[str], Path]) -> Path:
    path = resolve(str(entry["path"]))
    if not path.is_file():
        raise ConfigProblem(f"{position}.path", f"no such file: {path}")
    return path


def timezone_of(entry: Mapping[str, Any], position: int,
                default: zoneinfo.ZoneInfo | None) -> zoneinfo.ZoneInfo | None:
    name = entry.get("timezone")
    if name is None:
        return default
    try:
        return zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigProblem(f"{position}.timezone", f"unknown time zone '{name}' (an IANA "
                            "name such as America/Chicago)") from None


def check_columns(columns: Mapping[str, str], position: int) -> None:
    for needed in ("person_id", "status"):
        if not columns.get(needed):
            raise ConfigProblem(f"{position}.columns", f"the column map has no {needed}: "
                                f"name the column that holds it ({needed}: COLUMN)")
    if not (columns.get("terminated_at") or columns.get("hired_at")):
        raise ConfigProblem(f"{position}.columns", "the column map has neither terminated_at "
                            "nor hired_at: name the termination date column")


def refuse_repeats(labels: Iterable[str], key: str, message: str) -> None:
    seen: set[str] = set()
    for position, label in enumerate(labels):
        if label in seen:
            raise ConfigProblem(f"{position}.{key}", message.format(label))
        seen.add(label)


@dataclass(frozen=True)
class _Read:
    file: RosterFile
    sha256: str
    table: Table
    spec: Spec
    started_at: dt.datetime
    duration_ms: int


def read_roster(file: RosterFile) -> _Read:
    """Read and check one file (nothing recorded); InputError naming file, line, column."""
    started_at, clock = dt.datetime.now(dt.timezone.utc), time.monotonic()
    raw = read_bytes(file.path)
    try:
        text = decode(raw)
        if file.format == "yaml":
            table = table_from_yaml(text, str(file.path), list(file.columns.values()))
        else:
            table = parse_csv(text)
        columns = {canonical: name for canonical, name in file.columns.items()
                   if canonical not in file.optional or name in table.header}
        spec = Spec(file.source, columns, dict(file.statuses), file.timezone)
        interpret(table, spec)
    except RowProblem as problem:
        raise problem.error(str(file.path)) from None
    return _Read(file, hashlib.sha256(raw).hexdigest(), table, spec, started_at,
                 int((time.monotonic() - clock) * 1000))


def collect_rosters(files: Sequence[RosterFile], writer: SnapshotWriter,
                    kind: Kind) -> dict[str, Any]:
    """Read and check every file, then record each; the manifest's entry for the source."""
    checked = [read_roster(file) for file in files]
    listed = []
    for read in checked:
        entry = writer.record(
            account=read.file.account, region=GLOBAL_REGION, service=kind.service,
            operation=OPERATION, started_at=read.started_at, duration_ms=read.duration_ms,
            params={"file": read.file.path.name, "sha256": read.sha256,
                    **read.spec.to_params(), "format": read.file.format,
                    "preset": read.file.preset},
            response=read.table.to_response())
        listed.append({"file": read.file.path.name, "source": read.file.source,
                       "sha256": read.sha256, "rows": len(read.table.rows),
                       "record": entry.file})
    return {"type": kind.service, "files": listed,
            "records": sum(len(read.table.rows) for read in checked)}


def collect(settings: Sequence[RosterFile], writer: SnapshotWriter,
            window: CollectWindow | None = None) -> dict[str, Any]:
    """Record every HR file (all checked first); ``{"type": "hr", "files": [...],
    "records": rows}``. Files have no time window: ``window`` is not used."""
    return collect_rosters(settings, writer, HR)


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    """``hr.person`` resources and coverage from the snapshot's HR records (pure)."""
    return _normalize(snapshot, ctx)


__all__ = ["SCHEMA_FILE", "RosterFile", "collect", "normalize", "settings_from"]
