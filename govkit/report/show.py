"""One finding, followed to the raw API answers it was judged on (``govkit show RUN ID``).

Reads only the run directory: the result and its rule from ``results/results.json``, then each
record the result names, resolved to the value it points at: the JSON Pointer (RFC 6901) into
the snapshot file and, for the IAM credential report, the CSV line of the user's row. The
caller prints :func:`render_text` or :meth:`Finding.to_json`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit.errors import InputError, UsageError
from govkit.results import ID_LENGTH, result_id
from govkit.run import RESULTS, read_manifest
from govkit.snapshot import SNAPSHOT_DIR, Snapshot

MIN_PREFIX = 6
MAX_VALUE_LINES = 40
MAX_CANDIDATES = 20


@dataclass(frozen=True, kw_only=True)
class Call:
    """The API call a snapshot record holds."""

    service: str
    operation: str
    params: Mapping[str, Any]
    account: str
    region: str
    outcome: str  # "ok" or "error"
    error_code: str | None

    def describe(self) -> str:
        shown = ", ".join(f"{k}={_compact(v)}" for k, v in sorted(self.params.items()))
        args = f" ({shown})" if shown else ""
        answer = "ok" if self.outcome == "ok" else f"answered with error {self.error_code}"
        return f"{self.service}:{self.operation}{args} in {self.account}/{self.region}: {answer}"

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "operation": self.operation,
                "params": dict(self.params), "account": self.account, "region": self.region,
                "outcome": self.outcome, "error_code": self.error_code}


@dataclass(frozen=True, kw_only=True)
class CsvRow:
    """One line of CSV text: the header and the row, as written and split into cells."""

    line: int
    header: tuple[str, ...]
    cells: tuple[str, ...]
    header_text: str
    row_text: str

    def as_mapping(self) -> dict[str, str]:
        return dict(zip(self.header, self.cells, strict=False))


@dataclass(frozen=True, kw_only=True)
class ResolvedRecord:
    """A result's record with what it points at."""

    attribute: str
    file: str
    pointer: str
    row: int | None
    call: Call
    value: Any
    csv_row: CsvRow | None = None

    @property
    def location(self) -> str:
        where = f"{self.file}#{self.pointer}"
        return where if self.row is None else f"{where} (row {self.row})"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"attribute": self.attribute, "file": self.file,
                                "pointer": self.pointer, "call": self.call.to_json()}
        if self.row is not None:
            data["row"] = self.row
        if self.csv_row is not None:
            data["value"] = self.csv_row.as_mapping()
            data["csv"] = {"header": self.csv_row.header_text, "line": self.csv_row.row_text}
        else:
            data["value"] = self.value
        return data


@dataclass(frozen=True, kw_only=True)
class Finding:
    """A result of a run, its rule, and its records resolved."""

    run_dir: Path
    run_id: str
    result: Mapping[str, Any]
    rule: Mapping[str, Any]
    records: tuple[ResolvedRecord, ...]

    def to_json(self) -> dict[str, Any]:
        return {"run": str(self.run_dir), "run_id": self.run_id, "result": dict(self.result),
                "rule": dict(self.rule), "records": [r.to_json() for r in self.records]}


def load_finding(run_dir: Path, wanted: str) -> Finding:
    """The result of ``run_dir`` whose id is ``wanted`` (or starts with it: at least six
    characters, matching one result only), with every record it names resolved."""
    manifest = read_manifest(run_dir)
    document = results_document(run_dir, manifest)
    result = find_result(document["results"], wanted, run_dir)
    rules = document.get("rules")
    rule = (rules.get(result.get("rule_id")) if isinstance(rules, Mapping) else None) or {}
    records = tuple(resolve_record(run_dir, item) for item in _records_of(result, run_dir))
    return Finding(run_dir=run_dir, run_id=str(manifest["run_id"]), result=result,
                   rule=rule, records=records)


def results_document(run_dir: Path, manifest: Mapping[str, Any]) -> dict[str, Any]:
    path = run_dir / RESULTS
    if not path.is_file():
        raise InputError(str(run_dir), f"not a complete run directory: it has no {RESULTS}")
    document = Snapshot.read_json(path)
    if not isinstance(document, dict) or not isinstance(document.get("results"), list) or \
            not all(isinstance(r, dict) for r in document["results"]):
        raise InputError(str(path), "not a govkit results document", field="results")
    if document.get("run_id") != manifest.get("run_id"):
        raise InputError(str(path), f"belongs to run {document.get('run_id')!r}, not to "
                         f"{manifest.get('run_id')!r} of {run_dir / 'manifest.json'}",
                         field="run_id")
    return document


def id_of(result: Mapping[str, Any]) -> str:
    """A result's id; results written before ids existed get the id they would have."""
    given = result.get("id")
    if isinstance(given, str) and given:
        return given
    return result_id(str(result.get("rule_id")), str(result.get("resource_id")))


def find_result(results: Sequence[Mapping[str, Any]], wanted: str,
                run_dir: Path) -> Mapping[str, Any]:
    """The one result whose id is ``wanted``, or starts with it (six characters or more)."""
    key = wanted.strip().lower()
    if len(key) < MIN_PREFIX:
        raise UsageError(f"result id '{wanted}' is too short: give the {ID_LENGTH}-character "
                         f"id, or at least its first {MIN_PREFIX} characters")
    exact = [r for r in results if id_of(r) == key]
    found = exact or [r for r in results if id_of(r).startswith(key)]
    if not found:
        raise UsageError(f"run {run_dir} has no result with id '{wanted}' (ids are in "
                         f"{RESULTS} and in the worst-findings table of 'govkit report')")
    if len(found) > 1:
        shown = "\n".join(f"  {id_of(r)}  {r.get('status')}  {r.get('rule_id')} on "
                          f"{r.get('resource_name') or r.get('resource_id')}"
                          for r in found[:MAX_CANDIDATES])
        more = f"\n  ... and {len(found) - MAX_CANDIDATES} more" \
            if len(found) > MAX_CANDIDATES else ""
        raise UsageError(f"result id '{wanted}' is ambiguous in run {run_dir}: it starts "
                         f"{len(found)} ids; give more characters:\n{shown}{more}")
    return found[0]


def _records_of(result: Mapping[str, Any], run_dir: Path) -> list[Mapping[str, Any]]:
    records = result.get("records") or []
    if not isinstance(records, list) or not all(
            isinstance(r, dict) and isinstance(r.get("file"), str)
            and isinstance(r.get("pointer"), str) for r in records):
        raise InputError(str(run_dir / RESULTS), f"result {id_of(result)} has malformed "
                         "records", field="records")
    return records


def _snapshot_file(run_dir: Path, name: str) -> Path:
    """A record's file, which must lie under the run's snapshots/ folder."""
    base = (run_dir / SNAPSHOT_DIR).resolve()
    path = (run_dir / name).resolve()
    if Path(name).is_absolute() or not path.is_relative_to(base):
        raise InputError(str(run_dir / RESULTS), f"record file {name!r} is not inside "
                         f"{SNAPSHOT_DIR}/ of the run", field="records")
    return path


def resolve_record(run_dir: Path, record: Mapping[str, Any]) -> ResolvedRecord:
    """Read a record's snapshot file and find the value its pointer (and row) names."""
    name, pointer = str(record["file"]), str(record["pointer"])
    where = str(run_dir / name)
    if not _snapshot_file(run_dir, name).is_file():
        raise InputError(where, "record file is missing from the run directory")
    document = Snapshot.read_json(run_dir / name)
    if not isinstance(document, dict):
        raise InputError(where, "not a govkit snapshot record")
    value = resolve_pointer(document, pointer, where=where)
    row = record.get("row")
    csv_row = None
    if row is not None:
        if not isinstance(row, int):
            raise InputError(where, f"row {row!r} given, but a row is a line number")
        # a line of CSV text kept whole (the IAM credential report) is shown with its header;
        # a cell of an export read into rows (HR, rosters) keeps its line as where it was
        if isinstance(value, str) and "\n" in value:
            csv_row = csv_line(value, row, where=f"{where}#{pointer}")
    params = document.get("params")
    call = Call(service=str(document.get("service")), operation=str(document.get("operation")),
                params=params if isinstance(params, dict) else {},
                account=str(document.get("account")), region=str(document.get("region")),
                outcome=str(document.get("outcome")), error_code=document.get("error_code"))
    return ResolvedRecord(attribute=str(record.get("attribute", "")), file=name,
                          pointer=pointer, row=row, call=call, value=value, csv_row=csv_row)


def resolve_pointer(document: Any, pointer: str, *, where: str = "document") -> Any:
    """The value ``pointer`` (RFC 6901) names in ``document``; InputError when none."""
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        raise InputError(where, f"{pointer!r} is not a JSON Pointer")
    node = document
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and (token == "0" or
                                                             not token.startswith("0")) \
                and int(token) < len(node):
            node = node[int(token)]
        else:
            raise InputError(where, f"the pointer {pointer} names nothing in this record "
                             f"(no {token!r})")
    return node


def csv_rows(text: str) -> Iterator[tuple[int, list[str], str]]:
    """Each CSV record of ``text`` with the line it starts on and its text as written."""
    lines = io.StringIO(text).readlines()  # the lines csv counts (line_num)
    reader = csv.reader(io.StringIO(text))
    start = 1
    for cells in reader:
        yield start, cells, "".join(lines[start - 1:reader.line_num]).rstrip("\r\n")
        start = reader.line_num + 1


def csv_line(text: str, row: int, *, where: str) -> CsvRow:
    """The CSV record that starts on line ``row`` of ``text``, with the header (line 1)."""
    header: tuple[tuple[str, ...], str] | None = None
    for start, cells, written in csv_rows(text):
        if start == 1:
            header = (tuple(cells), written)
        if start == row and header is not None and row > 1:
            return CsvRow(line=row, header=header[0], cells=tuple(cells),
                          header_text=header[1], row_text=written)
    raise InputError(where, f"no CSV row starts on line {row}")


def _compact(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _parsed(value: Any) -> tuple[Any, bool]:
    """A string holding a JSON document (an S3 bucket policy) parsed, so it reads as one."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value), True
        except json.JSONDecodeError:
            pass
    return value, False


def pretty(value: Any, location: str) -> list[str]:
    value, parsed = _parsed(value)
    lines = json.dumps(value, indent=2, ensure_ascii=False).splitlines()
    if parsed:
        lines = ["(JSON text, shown parsed)", *lines]
    if len(lines) <= MAX_VALUE_LINES:
        return lines
    hidden = len(lines) - MAX_VALUE_LINES
    return [*lines[:MAX_VALUE_LINES],
            f"... {hidden} more line{'s' if hidden != 1 else ''} (the whole value is at "
            f"{location})"]


def _field(label: str, text: str) -> list[str]:
    first, *rest = (text or "-").splitlines() or ["-"]
    return [f"  {label:<12} {first}", *(f"  {'':<12} {line}" for line in rest)]


def render_text(finding: Finding) -> str:
    """The finding as a person reads it: what was judged, why, and the records behind it."""
    result, rule = finding.result, finding.rule
    name = result.get("resource_name") or result.get("resource_id")
    lines = [f"Result {id_of(result)} of run {finding.run_id}",
             *_field("rule", f"{result.get('rule_id')}: {rule.get('title', '')}".rstrip(": ")),
             *_field("status", f"{result.get('status')} ({result.get('severity')})"),
             *_field("resource", f"{name} ({result.get('resource_type')})"),
             *_field("", str(result.get("resource_id"))),
             *_field("", f"account {result.get('account')}, region {result.get('region')}"),
             *_field("controls", ", ".join(result.get("controls") or []) or "-"),
             *_field("message", str(result.get("message", "")))]
    failure = result.get("failure")
    if isinstance(failure, Mapping):
        lines += _field("failed call", f"{failure.get('call')}: {failure.get('code')}")
    exception = result.get("exception")
    if isinstance(exception, Mapping):
        lines += _field("exception", f"{exception.get('ticket')} ({exception.get('state')}), "
                                     f"owner {exception.get('owner')}, expires "
                                     f"{exception.get('expires')}: {exception.get('reason')}")
    lines += _field("remediation", str(rule.get("remediation", "")))
    lines.append("")
    if not finding.records:
        files = ", ".join(result.get("evidence") or []) or "none"
        lines.append(f"Records: none (evidence files: {files})")
        return "\n".join(lines) + "\n"
    # attributes read from the same place are shown once, together
    places: dict[str, tuple[list[str], ResolvedRecord]] = {}
    for record in finding.records:
        names, _ = places.setdefault(record.location, ([], record))
        if record.attribute not in names:
            names.append(record.attribute)
    lines.append(f"Records ({len(places)})")
    for names, record in places.values():
        lines.append(f"  {', '.join(n for n in names if n) or '-'}  {record.location}")
        lines.append(f"    call   {record.call.describe()}")
        if record.csv_row is not None:
            lines.append(f"    line 1 {record.csv_row.header_text}")
            lines.append(f"    line {record.csv_row.line} {record.csv_row.row_text}")
            continue
        value = pretty(record.value, record.location)
        lines.append(f"    value  {value[0]}")
        lines += [f"           {line}" for line in value[1:]]
    return "\n".join(lines) + "\n"
