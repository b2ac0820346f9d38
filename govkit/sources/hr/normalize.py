"""From the rows of an HR export or vendor roster to one person record per person id.

The same interpretation runs twice: when a file is collected, so a bad file is refused before
anything is recorded, and when a snapshot is normalised, from the record alone (its rows,
column map, status words and time zone are all in it), so normalising is replayable.

**Several rows for one person id.** Identical rows (the same value in every mapped column)
are one row. Otherwise the rows are employment spells, ordered by hire date: each spell but
the last must have ended (a termination date, or a last day of work) before the next one's
hire date; the last spell is the person's current state. Anything else is a contradiction,
refused naming both rows.

**The record's Status and TerminatedAt** (the effective termination, ISO UTC with ``Z``):

- ``terminated``: TerminatedAt from the termination date; without one from the last day of
  work; a terminated row with neither is refused when the file is read.
- ``active`` or ``leave`` with a termination date: a future-dated (scheduled) termination,
  or an HRIS that has not caught up. Status stays as given and TerminatedAt is kept: the checks
  compare it with the evaluation time; nothing here reads a clock or decides "future".
- ``active`` or ``leave`` without a termination date: TerminatedAt null.
- ``rescinded`` (a termination that was reversed): TerminatedAt null.
- a rehire, when a row's hire date is after that same row's termination, or the person has
  an earlier spell: Rehired true and PreviousTerminatedAt the latest earlier termination; on a
  row whose own hire date is after its termination, a ``terminated`` status becomes
  ``active`` (other statuses stay) and TerminatedAt is null. A current spell that has itself
  ended keeps its own TerminatedAt.

A calendar date ends at the end of that day in the file's time zone (govkit.sources.hr.read).
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govkit import canonical
from govkit.errors import InputError
from govkit.inventory.accounts import emails
from govkit.inventory.model import (
    CallFailure, Coverage, Ref, Resource, ResourceBuilder, json_pointer)
from govkit.snapshot import GLOBAL_REGION, CallEntry, Snapshot
from govkit.sources.hr.read import (
    ACTIVE, CANONICAL_COLUMNS, DATE_COLUMNS, END_OF_DAY_COLUMNS, NO_DATE, REQUIRED_COLUMNS,
    RESCINDED, STATUSES, TERMINATED, RowProblem, Table, When, canonical_status, column_indexes,
    parse_when)
from govkit.sources.interface import NormalizeContext

OPERATION = "ReadExport"


@dataclass(frozen=True)
class Spec:
    """How a file's rows are read: its label, column map (canonical -> header), status words
    (case-folded word -> canonical status) and time zone. A snapshot record's params hold
    all of it."""

    source: str
    columns: Mapping[str, str]
    statuses: Mapping[str, str]
    timezone: zoneinfo.ZoneInfo | None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Spec:
        source, columns = params.get("source"), params.get("columns")
        statuses, zone = params.get("status_values"), params.get("timezone")
        if not isinstance(source, str) or not isinstance(columns, dict) or \
                not isinstance(statuses, dict) or not isinstance(zone, (str, type(None))):
            raise ValueError("the record does not say its source, columns, status words and "
                             "time zone")
        if any(c not in CANONICAL_COLUMNS or not isinstance(h, str) for c, h in columns.items()) \
                or not all(c in columns for c in REQUIRED_COLUMNS):
            raise ValueError(f"the record's column map is not one govkit reads: {columns}")
        if any(s not in STATUSES for s in statuses.values()):
            raise ValueError(f"the record's status words map to unknown statuses: {statuses}")
        try:
            tz = None if zone is None else zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{zone}'") from None
        return cls(source, dict(columns), dict(statuses), tz)

    def to_params(self) -> dict[str, Any]:
        return {"source": self.source, "columns": dict(self.columns),
                "status_values": dict(self.statuses),
                "timezone": None if self.timezone is None else self.timezone.key}


@dataclass(frozen=True)
class Row:
    """One row, checked: its mapped cells (stripped), canonical status and parsed dates."""

    index: int  # position in the table's rows
    line: int
    cells: Mapping[str, str]
    status: str
    dates: Mapping[str, When] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(self.cells.get(column, "") for column in CANONICAL_COLUMNS)

    @property
    def hired(self) -> When | None:
        return self.dates.get("hired_at")

    @property
    def rehired_here(self) -> bool:
        """The row's own hire date is after its termination: rehired since."""
        hired, ended = self.dates.get("hired_at"), self.dates.get("terminated_at")
        return hired is not None and ended is not None and hired.instant > ended.instant

    @property
    def ends(self) -> str | None:
        """The column that says when this spell ended, if it did."""
        if self.rehired_here:
            return None
        return next((c for c in ("terminated_at", "last_day") if c in self.dates), None)


@dataclass(frozen=True)
class Person:
    person_id: str
    row: Row  # the current spell
    rows: tuple[Row, ...]  # every row naming this person, by line
    status: str
    terminated: str | None  # the column of ``row`` TerminatedAt comes from
    previous: tuple[Row, str] | None  # the row and column of the latest earlier termination


def interpret(table: Table, spec: Spec) -> list[Person]:
    """The people of ``table``, first seen first; RowProblem on the first bad row."""
    positions = column_indexes(table, spec.columns)
    rows = [_row(table, i, positions, spec) for i in range(len(table.rows))]
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.cells["person_id"], []).append(row)
    return [_person(pid, group, spec) for pid, group in groups.items()]


def _row(table: Table, index: int, positions: Mapping[str, int], spec: Spec) -> Row:
    line = table.lines[index]
    cells = {column: table.rows[index][at].strip() for column, at in positions.items()}
    for column in REQUIRED_COLUMNS:
        if not cells[column]:
            raise RowProblem(line, spec.columns[column], f"the {column} column "
                             f"'{spec.columns[column]}' is empty")
    status = canonical_status(cells["status"], spec.statuses)
    if status is None:
        known = ", ".join(sorted(spec.statuses))
        raise RowProblem(line, spec.columns["status"], f"unknown status '{cells['status']}' "
                         f"in column '{spec.columns['status']}'; known words: {known}. Map it "
                         f"with status_values (e.g. \"{cells['status']}\": terminated)")
    dates: dict[str, When] = {}
    for column in CANONICAL_COLUMNS:
        if column in DATE_COLUMNS and cells.get(column, "") not in NO_DATE:
            try:
                dates[column] = parse_when(cells[column], spec.timezone,
                                           end_of_day=column in END_OF_DAY_COLUMNS)
            except ValueError as exc:
                raise RowProblem(line, spec.columns[column], f"{exc} (column "
                                 f"'{spec.columns[column]}', {column})") from None
    if status == TERMINATED and not ({"terminated_at", "last_day"} & dates.keys()):
        named = spec.columns.get("terminated_at") or spec.columns["status"]
        raise RowProblem(line, named, f"person '{cells['person_id']}' is terminated with no "
                         "termination date" + (f" (column '{named}' is empty)"
                                               if "terminated_at" in spec.columns else
                                               " (map the termination date column)"))
    return Row(index, line, cells, status, dates)


def _person(person_id: str, rows: list[Row], spec: Spec) -> Person:
    distinct: dict[tuple[str, ...], Row] = {}
    for row in rows:
        distinct.setdefault(row.key, row)  # identical rows are one
    spells = list(distinct.values())
    if len(spells) > 1:
        missing = next((row for row in spells if row.hired is None), None)
        if missing is not None:
            other = spells[0] if missing is not spells[0] else spells[1]
            raise _contradiction(person_id, other, missing, spec)
        spells.sort(key=lambda row: (_hired(row), row.line))
        for earlier, later in itertools.pairwise(spells):
            ended = earlier.ends
            if ended is None or not _hired(later) > earlier.dates[ended].instant:
                raise _contradiction(person_id, earlier, later, spec)
    current = spells[-1]
    previous: tuple[Row, str] | None = None
    if current.rehired_here:
        previous = (current, "terminated_at")
    elif len(spells) > 1:
        before = spells[-2]
        previous = (before, before.ends or "terminated_at")
    status, terminated = _effective(current)
    return Person(person_id, current, tuple(rows), status, terminated, previous)


def _hired(row: Row) -> dt.datetime:
    hired = row.hired
    assert hired is not None  # checked by the caller
    return hired.instant


def _effective(row: Row) -> tuple[str, str | None]:
    """The person's status and the column TerminatedAt comes from (None: not terminated)."""
    if row.rehired_here:
        return (ACTIVE if row.status == TERMINATED else row.status), None
    if row.status == RESCINDED:
        return RESCINDED, None
    if "terminated_at" in row.dates:
        return row.status, "terminated_at"
    if row.status == TERMINATED:
        return TERMINATED, "last_day"
    return row.status, None


def _contradiction(person_id: str, first: Row, second: Row, spec: Spec) -> RowProblem:
    a, b = sorted((first, second), key=lambda row: row.line)
    differ = [spec.columns[c] for c in CANONICAL_COLUMNS
              if c in spec.columns and a.cells.get(c) != b.cells.get(c)]
    return RowProblem(b.line, spec.columns["person_id"], f"rows {a.line} and {b.line} both "
                      f"describe person '{person_id}' and contradict each other (they differ "
                      f"in {', '.join(differ)}); a second row for one person is accepted only "
                      "when identical, or as a rehire: a hire date after the earlier row's "
                      "termination date")


@dataclass(frozen=True)
class Kind:
    """What one roster record becomes: HR people or vendor agents."""

    service: str  # the snapshot service: "hr" or "vendors"
    resource_type: str  # "hr.person" or "vendor.agent"
    id_prefix: str  # "hr" or "vendor"
    vendor_roster: bool  # the record's source is a vendor's name (Vendor, and ids by account)


HR = Kind("hr", "hr.person", "hr", vendor_roster=False)
VENDORS = Kind("vendors", "vendor.agent", "vendor", vendor_roster=True)


def normalize_rosters(snapshot: Snapshot, kind: Kind) -> Iterator[Resource | Coverage]:
    for entry in snapshot.select(kind.service, OPERATION):
        if not entry.ok:
            yield Coverage(type=kind.resource_type, account=entry.account, region=GLOBAL_REGION,
                           failure=CallFailure.from_entry(entry), source=entry.file)
            continue
        record = snapshot.load(entry)
        try:
            spec = Spec.from_params(entry.params)
            table = Table.from_response(record.response)
            people = interpret(table, spec)
        except ValueError as exc:
            raise InputError(entry.file, f"not a govkit roster record: {exc}") from None
        except RowProblem as problem:
            raise InputError(entry.file, f"the recorded rows do not read: line {problem.line} "
                             f"of {entry.params.get('file')}: {problem.message}",
                             field=problem.column) from None
        positions = column_indexes(table, spec.columns)
        for person in people:
            yield _resource(person, _Where(entry, positions), spec, kind)
        yield Coverage(type=kind.resource_type, account=entry.account, region=GLOBAL_REGION,
                       source=entry.file)


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    """HR people (``hr.person``) from every HR export in the snapshot."""
    return normalize_rosters(snapshot, HR)


@dataclass(frozen=True)
class _Where:
    entry: CallEntry
    positions: Mapping[str, int]

    _rows: dict[int, str] = field(default_factory=dict)  # each row's pointer, made once

    def cell(self, row: Row, column: str | None = None) -> Ref:
        """The cell of ``row`` in ``column``; the whole row when the file has no such column."""
        base = self._rows.get(row.index)
        if base is None:
            base = self._rows[row.index] = json_pointer("response", "rows", row.index)
        if column is None or column not in self.positions:
            return Ref(self.entry.file, base, row.line)
        return Ref.within(self.entry.file, base, f"/{self.positions[column]}", row.line)

    def param(self, name: str) -> Ref:
        return Ref(self.entry.file, json_pointer("params", name))


def _iso(when: When | None) -> str | None:
    return None if when is None else canonical.iso_utc(when.instant)


def _resource(person: Person, where: _Where, spec: Spec, kind: Kind) -> Resource:
    row, cell = person.row, where.cell
    label = where.entry.account if kind.vendor_roster else spec.source
    builder = ResourceBuilder(id=f"{kind.id_prefix}:{label}:{person.person_id}",
                              type=kind.resource_type, account=where.entry.account,
                              region=GLOBAL_REGION, name=person.person_id,
                              item=cell(row))
    builder.set("PersonId", person.person_id, cell(row, "person_id"))
    for key, column in (("Name", "name"), ("Job", "job"), ("WorkerType", "worker_type"),
                        ("Manager", "manager")):
        builder.set(key, row.cells.get(column) or None, cell(row, column))
    builder.set("Emails", emails(row.cells.get("email")), cell(row, "email"))
    if kind.vendor_roster:
        builder.set("Vendor", spec.source, where.param("source"))
    else:
        builder.set("Vendor", row.cells.get("vendor") or None, cell(row, "vendor"))
    builder.set("StatusRaw", row.cells["status"], cell(row, "status"))
    _set_status(builder, person, where)
    hired, last_day = row.dates.get("hired_at"), row.dates.get("last_day")
    builder.set("HiredAt", _iso(hired), cell(row, "hired_at"))
    builder.set("LastDayOfWork", None if last_day is None else last_day.day.isoformat(),
                cell(row, "last_day"))
    builder.set("NotifiedAt", _iso(row.dates.get("notified_at")), cell(row, "notified_at"))
    builder.set("Source", spec.source, where.param("source"))
    builder.set("Timezone", None if spec.timezone is None else spec.timezone.key,
                where.param("timezone"))
    builder.set("Rows", sorted(r.line for r in person.rows),
                sorted((cell(r) for r in person.rows), key=lambda ref: ref.row or 0))
    return builder.build()


def _set_status(builder: ResourceBuilder, person: Person, where: _Where) -> None:
    """Status, TerminatedAt, TerminationDateOnly, Rehired and PreviousTerminatedAt, each
    pointing at the cells that decided it."""
    row, cell = person.row, where.cell
    previous_refs: list[Ref] = []
    previous_at: str | None = None
    if person.previous is not None:
        earlier, column = person.previous
        previous_refs = [cell(earlier, column), cell(row, "hired_at")]
        previous_at = _iso(earlier.dates.get(column))
    decided: Sequence[Ref] = [cell(row, "status"), *previous_refs]
    builder.set("Status", person.status, decided)
    if person.terminated is None:
        ended = [cell(row, "status")] + ([cell(row, "terminated_at")]
                                         if "terminated_at" in row.dates else [])
        builder.set("TerminatedAt", None, ended)
        builder.set("TerminationDateOnly", False, ended)
    else:
        when = row.dates[person.terminated]
        source = [cell(row, person.terminated), cell(row, "status")]
        builder.set("TerminatedAt", _iso(when), source)
        builder.set("TerminationDateOnly", when.date_only, source)
    builder.set("Rehired", person.previous is not None, previous_refs or cell(row, "status"))
    builder.set("PreviousTerminatedAt", previous_at, previous_refs or cell(row, "status"))
