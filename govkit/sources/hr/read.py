"""Reading HR exports and vendor rosters: bytes to a table of raw cells; dates; status words.

Shared by the HR source and the vendor-roster source. Everything here is pure except
:func:`read_bytes`; problems inside a file are :class:`RowProblem` (line and column), which the
caller turns into an error naming the file.

**Text.** Files are UTF-8; a byte-order mark is fine. Anything else (an export saved as
Windows-1252 or UTF-16) is refused with the line where decoding fails and the advice to
re-export as UTF-8. CSV lines are physical lines of the file (1 is the header when the file
starts with it); a quoted cell may span lines, and a row's number is the line it starts on.
Lines whose cells are all blank are skipped. Every row must have as many cells as the header.

**Dates** (:func:`parse_when`) are read in one of these forms, nothing else:

- ``YYYY-MM-DD``: a calendar date in the file's time zone;
- an ISO 8601 date-time, ``YYYY-MM-DDTHH:MM[:SS[.fff]]`` (``T`` or a blank between date and
  time) with ``Z`` or an offset (``2026-02-28T17:00:00-06:00``; YAML's blank before the
  offset is fine): that instant; without an offset, a wall-clock time in the file's time zone
  (PEP 495 ``fold=0`` for a time that occurs twice);
- ``MM/DD/YYYY`` (also ``M/D/YYYY``, optionally followed by ``HH:MM[:SS]`` in 24-hour time),
  the US export form: month first, always. Day-first dates are not accepted, since 03/04/2026
  would be read either way; a first number over 12 is refused with that explanation.

An empty cell, or BambooHR's ``0000-00-00`` (its API's word for a date never set), is no date.

A calendar date stands for a whole day in the file's time zone: a termination, last-day or
notification date takes effect at the END of that day (its last second, 23:59:59 local,
DST-correct: the later one when 23:59:59 happens twice, the last second before the change when
a clock change skips it; a day the zone skipped entirely is an error); a hire date at its
start. A date or wall-clock time with no time zone set anywhere is an error, never UTC.

**YAML rosters** (a list of mappings) are read as tables too: each value as written (no YAML
typing: ``00123`` stays text), each row's line the line its entry starts on.

**Status words** match case-insensitively, surrounding blanks ignored. Built in, for every
file: ``active``, ``employed`` -> active; ``terminated``, ``separated``, ``resigned``,
``retired`` -> terminated; ``leave``, ``on leave``, ``leave of absence``, ``loa`` -> leave;
``rescinded``, ``termination rescinded``, ``rescinded termination`` -> rescinded. A preset
adds its HRIS's words (govkit.sources.hr.presets) and ``status_values`` in the configuration
adds or overrides words; any other word is an error naming file, row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from govkit.errors import InputError
from govkit.policy.yamlfile import YamlDocument, parse_yaml

CANONICAL_COLUMNS = ("person_id", "status", "email", "name", "hired_at", "terminated_at",
                     "last_day", "notified_at", "job", "worker_type", "manager", "vendor")
"""Every column a file can map, in the order records list them."""
REQUIRED_COLUMNS = ("person_id", "status")
DATE_COLUMNS = frozenset({"hired_at", "terminated_at", "last_day", "notified_at"})
END_OF_DAY_COLUMNS = frozenset({"terminated_at", "last_day", "notified_at"})
NO_DATE = frozenset({"", "0000-00-00"})

ACTIVE, TERMINATED, LEAVE, RESCINDED = "active", "terminated", "leave", "rescinded"
STATUSES = (ACTIVE, TERMINATED, LEAVE, RESCINDED)

BUILTIN_STATUS_WORDS: Mapping[str, str] = {
    "active": ACTIVE, "employed": ACTIVE,
    "terminated": TERMINATED, "separated": TERMINATED, "resigned": TERMINATED,
    "retired": TERMINATED,
    "leave": LEAVE, "on leave": LEAVE, "leave of absence": LEAVE, "loa": LEAVE,
    "rescinded": RESCINDED, "termination rescinded": RESCINDED,
    "rescinded termination": RESCINDED,
}

MAX_BYTES = 64 * 1024 * 1024
UTC = dt.timezone.utc


class RowProblem(Exception):
    """What is wrong at a line of a file (None: the file as a whole), in which column."""

    def __init__(self, line: int | None, column: str | None, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message

    def error(self, path: str) -> InputError:
        return InputError(path, self.message, line=self.line, field=self.column)


@dataclass(frozen=True)
class Table:
    """A file as read: the header, each row's raw cells, and the line each row starts on."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    header_line: int = 1

    def to_response(self) -> dict[str, Any]:
        return {"header": list(self.header), "rows": [list(row) for row in self.rows],
                "lines": list(self.lines), "header_line": self.header_line}

    @classmethod
    def from_response(cls, response: Mapping[str, Any]) -> Table:
        """The table a snapshot record holds; ValueError when it is not one."""
        header, rows = response.get("header"), response.get("rows")
        lines, header_line = response.get("lines"), response.get("header_line", 1)
        if not (isinstance(header, list) and _strings(header) and isinstance(rows, list)
                and isinstance(lines, list) and len(lines) == len(rows)
                and isinstance(header_line, int)):
            raise ValueError("the record does not hold a header, rows and their lines")
        for row, line in zip(rows, lines, strict=True):
            if not (isinstance(row, list) and _strings(row) and len(row) == len(header)
                    and isinstance(line, int)):
                raise ValueError(f"the row of line {line} is not {len(header)} cells of text")
        return cls(tuple(header), tuple(tuple(row) for row in rows), tuple(lines),
                   header_line)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise InputError(str(path), f"file is larger than {MAX_BYTES // 2**20} MiB, the limit "
                         "for an HR export or roster")
    return raw


def decode(raw: bytes) -> str:
    """UTF-8 text, without a byte-order mark; RowProblem at the line where decoding fails."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RowProblem(1, None, "the file is UTF-16 text; re-export it as UTF-8 (in Excel: "
                         "Save As, 'CSV UTF-8')")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise RowProblem(line, None, f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} "
                         "cannot be decoded; it may have been saved as Windows-1252): re-export "
                         "it as UTF-8 (in Excel: Save As, 'CSV UTF-8')") from None


def parse_csv(text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: tuple[str, ...] | None = None
    header_line = 1
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header, header_line = tuple(cell.strip() for cell in cells), line
            elif len(cells) != len(header):
                raise RowProblem(line, None, f"the row has {len(cells)} cells and the header "
                                 f"{len(header)}")
            else:
                rows.append(tuple(cells))
                lines.append(line)
    except csv.Error as exc:
        raise RowProblem(reader.line_num, None, f"not a well-formed CSV file: {exc}") from None
    if header is None:
        raise RowProblem(None, None, "the file is empty: expected a header line, then one "
                         "line per person")
    return Table(header, tuple(rows), tuple(lines), header_line)


def table_from_yaml(text: str, source: str, columns: Sequence[str]) -> Table:
    """A YAML roster (a list of mappings) as a table: the mapped keys first, then any other
    key in the order first seen; a key a person lacks is an empty cell. The text is checked
    with govkit's YAML limits (size, nesting, aliases) and line numbers, then every value is
    kept as written (``00123`` stays ``00123``, a date stays its text): YAML's own typing is
    not applied to what the roster says. A row's line is the line its entry starts on."""
    doc = parse_yaml(text, source)
    data = yaml.load(text, Loader=_RawLoader)  # BaseLoader: no constructors beyond text
    if not isinstance(data, list):
        raise RowProblem(doc.line_of(()) or 1, None, "a YAML roster is a list of people, one "
                         "mapping each (- agent_id: ...)")
    header = list(dict.fromkeys(columns))
    for position, item in enumerate(data):
        if not isinstance(item, dict):
            raise RowProblem(doc.line_of((position,)), None, "each entry of a roster is a "
                             "mapping of column to value")
        header += [key for key in item if key not in header]
    rows = tuple(tuple(_cell(doc, position, key, item.get(key)) for key in header)
                 for position, item in enumerate(data))
    lines = tuple(doc.line_of((position,)) or 1 for position in range(len(data)))
    return Table(tuple(header), rows, lines, doc.line_of(()) or 1)


# every scalar as the text written (PyYAML's BaseLoader); libyaml's parser when available
_RawLoader: type[yaml.BaseLoader] = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


_YAML_NULLS = frozenset({"~", "null", "Null", "NULL"})


def _cell(doc: YamlDocument, position: int, key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "" if value in _YAML_NULLS else value
    raise RowProblem(doc.line_of((position, key)), key, "a roster value is text, a number or "
                     "a date, not a list or mapping")


def column_indexes(table: Table, columns: Mapping[str, str]) -> dict[str, int]:
    """Canonical column -> its position in the header; RowProblem naming a mapped column the
    header lacks (listing the header) or has twice."""
    found: dict[str, int] = {}
    for canonical, name in columns.items():
        positions = [i for i, cell in enumerate(table.header) if cell == name]
        if not positions:
            shown = ", ".join(table.header) or "(nothing)"
            raise RowProblem(table.header_line, name, f"column '{name}' (mapped to {canonical}) "
                             f"is not in the header; the header has: {shown}")
        if len(positions) > 1:
            raise RowProblem(table.header_line, name, f"column '{name}' (mapped to {canonical}) "
                             "appears more than once in the header")
        found[canonical] = positions[0]
    return found


@dataclass(frozen=True)
class When:
    """A parsed date or date-time: the instant it stands for (UTC), whether it was a calendar
    date only, and its calendar day in the file's time zone (or its own offset)."""

    instant: dt.datetime
    date_only: bool
    day: dt.date


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?) ?"
                           r"(Z|z|[+-]\d{2}(?::?\d{2})?)?")  # YAML allows a blank before Z
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
FORMS = "YYYY-MM-DD, an ISO 8601 date-time (2026-02-28T17:00:00-06:00) or MM/DD/YYYY"


def parse_when(text: str, tz: zoneinfo.ZoneInfo | None, *, end_of_day: bool) -> When:
    """``text`` (stripped, not empty) as a :class:`When`; ValueError says why it is not one.
    A calendar date is the end of that day in ``tz`` when ``end_of_day``, else its start."""
    value = text.strip()
    if _ISO_DATE.fullmatch(value):
        return _day(_checked(lambda: dt.date.fromisoformat(value), value), tz, end_of_day)
    iso = _ISO_DATETIME.fullmatch(value)
    if iso is not None:
        joined = (iso[1] + (iso[2] or "")).replace(",", ".")
        return _moment(_checked(lambda: dt.datetime.fromisoformat(joined), value), tz, value)
    match = _US.fullmatch(value)
    if match is None:
        raise ValueError(f"'{value}' is not a date: write {FORMS}")
    month, day, year = int(match[1]), int(match[2]), int(match[3])
    if month > 12:
        raise ValueError(f"'{value}' is not a month/day/year date ({month} is not a month); "
                         "day/month/year is not accepted, since 03/04/2026 could be read "
                         "either way: re-export the dates as YYYY-MM-DD")
    if match[4] is None:
        return _day(_checked(lambda: dt.date(year, month, day), value), tz, end_of_day)
    moment = _checked(lambda: dt.datetime(year, month, day, int(match[4]), int(match[5]),
                                          int(match[6] or 0)), value)
    return _moment(moment, tz, value)


def _checked(build: Any, value: str) -> Any:
    try:
        return build()
    except ValueError as exc:
        raise ValueError(f"'{value}' is not a valid date: {exc}") from None


def _no_zone(value: str) -> ValueError:
    return ValueError(f"'{value}' has no time zone and none is set for this file: set "
                      "`timezone` for it or at the top of the configuration (an IANA name "
                      "such as America/Chicago)")


def _day(day: dt.date, tz: zoneinfo.ZoneInfo | None, end: bool) -> When:
    if tz is None:
        raise _no_zone(day.isoformat())
    return When(end_of_day(day, tz) if end else start_of_day(day, tz), True, day)


def _moment(moment: dt.datetime, tz: zoneinfo.ZoneInfo | None, value: str) -> When:
    if moment.tzinfo is None:
        if tz is None:
            raise _no_zone(value)
        moment = moment.replace(tzinfo=tz)
    local = moment.astimezone(tz) if tz is not None else moment
    return When(moment.astimezone(UTC), False, local.date())


def end_of_day(day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The last second of ``day`` in ``tz``, in UTC. ``fold=1`` picks the later of a
    23:59:59 that occurs twice, and for one skipped by a clock change the offset after it,
    which is the last second before the change; ValueError for a day ``tz`` never had."""
    local = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz).replace(fold=1)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).date() != day:
        raise ValueError(f"{day.isoformat()} never happened in {tz.key} (a clock change "
                         "skipped that day)")
    return instant


def start_of_day(day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The first instant of ``day`` in ``tz``, in UTC (``fold=0``: a midnight skipped by a
    clock change maps to the change itself)."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz).astimezone(UTC)


def status_table(*layers: Mapping[str, str]) -> dict[str, str]:
    """The built-in status words with ``layers`` (a preset's, the configuration's) on top,
    keyed by the case-folded word."""
    table = dict(BUILTIN_STATUS_WORDS)
    for layer in layers:
        table.update({word.strip().casefold(): status for word, status in layer.items()})
    return table


def canonical_status(word: str, table: Mapping[str, str]) -> str | None:
    return table.get(word.strip().casefold())
