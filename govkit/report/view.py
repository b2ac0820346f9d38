"""What the document formats (HTML and Markdown) show of a run, computed once from the run.

The view holds the numbers, tables and grouped findings; the templates only lay them out. It
reads the results once: every FAIL, ERROR and WAIVED result becomes a finding (worst first),
PASS and NOT_APPLICABLE results are only counted, per rule and per control. Each finding
carries the first few records it was judged on, resolved to the value they point at; each
snapshot file is read once, and the number of records resolved per finding and per report is
capped, so a run of 100,000 results renders in seconds.

Everything is sorted or kept in the results' own order: the same run gives the same view.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jinja2

from govkit.errors import InputError
from govkit.policy.crosswalks import load_crosswalks
from govkit.policy.loader import builtin_dir
from govkit.policy.model import Severity
from govkit.report.access_removal import (
    AccessRemoval, access_removal, judged_leavers, latency_rules)
from govkit.report.formats import FINDING_STATUSES
from govkit.report.glass_windows import SHORT, MatrixRow, glass_window_matrix
from govkit.report.show import Call, csv_rows as csv_records, pretty, resolve_pointer
from govkit.report.source import ReportInput
from govkit.results import LISTING, RecordRef, Result, Status
from govkit.snapshot import Snapshot
from govkit.vdi.window import CHANNELS, WINDOW

RECORDS_PER_FINDING = 3  # records resolved and shown per finding; `govkit show` has them all
MAX_RESOLVED = 20_000  # distinct records resolved in one report; beyond, shown by place only
MAX_VALUE_CHARS = 4_000  # of one record's pretty-printed value
STATUS_RANK = {Status.FAIL: 0, Status.ERROR: 1, Status.WAIVED: 2}
SEVERITIES = tuple(s.label for s in sorted(Severity, reverse=True))  # worst first
CHANNEL_LABELS = tuple(SHORT[c] for c in CHANNELS)
LATENCY_EDGES = (1, 4, 24, 72, 168, 720)  # histogram bucket edges in hours (the SLA is added)


# ---------------------------------------------------------------------------------------------
# the parts of the view


@dataclass(frozen=True)
class SourceLine:
    """One source the run read, as the manifest records it."""

    kind: str
    detail: str


@dataclass(frozen=True)
class Bar:
    """One bar of a chart, its geometry in SVG user units."""

    label: str
    value: int
    css: str  # a class for its colour (the label and value are always written too)
    x: float
    y: float
    width: float
    height: float
    text_x: float  # where the value is written
    text_y: float
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Chart:
    """A bar chart drawn as inline SVG: horizontal bars, or vertical columns (histogram)."""

    title: str
    description: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    vertical: bool = False
    marker: tuple[float, str] | None = None  # an x position and its caption (the SLA)
    baseline: float = 0.0


@dataclass(frozen=True)
class Evidence:
    """One place a finding's values were read from: where it is, and, when resolved, what
    it holds. Findings reading the same place share it."""

    file: str
    pointer: str
    row: int | None
    resolved: bool
    call: str = ""  # the API call the record holds, described
    value: str = ""  # the value pointed at, pretty-printed (capped)
    problem: str = ""  # why the value is not shown

    @property
    def location(self) -> str:
        where = f"{self.file}#{self.pointer}"
        return where if self.row is None else f"{where} (row {self.row})"


@dataclass(frozen=True)
class Finding:
    """A FAIL, ERROR or WAIVED result with what a reader needs beside it."""

    result: Result
    title: str
    area: str
    remediation: str
    vendors: tuple[str, ...]
    # the places shown: the attributes read there ("A, B"; "*" a listing) and the place's
    # position in View.evidence
    evidence: tuple[tuple[str, int], ...]
    more_records: int  # places the result was judged on that are not shown

    @property
    def first_location(self) -> str:
        """The first record's file#pointer, or the first evidence file, or ""."""
        records = self.result.records
        if records:
            first = records[0]
            where = f"{first.file}#{first.pointer}"
            return where if first.row is None else f"{where} (row {first.row})"
        return self.result.evidence[0] if self.result.evidence else ""


@dataclass(frozen=True)
class RuleRow:
    """One rule of the run and how many of its results have each status."""

    rule_id: str
    title: str
    area: str
    severity: str
    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


FRAMEWORK_LABELS = {"nist-800-53r5": "NIST 800-53r5", "soc2-tsc-2017": "SOC 2"}


@dataclass(frozen=True)
class CoverageRow:
    """One control of the catalogue: the rules that evidence it and how they came out."""

    id: str
    citation: str
    title: str
    requirement: str
    rules: tuple[str, ...]
    manual_evidence: str
    counts: Mapping[str, int]
    # framework -> its ids for this control ("NIST SP 800-53r5" -> ("AC-2", "PS-4"))
    crosswalks: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def state(self) -> str:
        """FAIL, ERROR, PASS, NO RESULTS (rules, none judged anything) or MANUAL (no rule)."""
        if not self.rules:
            return "MANUAL"
        for status in ("FAIL", "ERROR"):
            if self.counts.get(status):
                return status
        if self.counts.get("PASS") or self.counts.get("WAIVED"):
            return "PASS"
        return "NO RESULTS"


@dataclass(frozen=True)
class LeaverAccount:
    system: str
    tenant: str
    login: str
    disabled_at: str  # "" while the account is still active or not measured
    latency_hours: float | None
    last_sign_in: str
    unknown: str  # why the latency could not be measured


@dataclass(frozen=True)
class Leaver:
    """A person who left in the period, as the access-removal latency rule judged them."""

    result_id: str
    name: str
    resource_id: str
    status: str
    terminated_at: str
    terminated_by: str
    accounts: tuple[LeaverAccount, ...]
    message: str


@dataclass(frozen=True)
class View:
    run_id: str
    period: str
    started_at: str
    finished_at: str
    evaluated_at: str
    tool: str
    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    sources: tuple[SourceLine, ...]
    catalogue: str  # "" when the run kept none
    provenance: str
    signed: bool
    verified: bool | None
    checks: tuple[tuple[str, bool, str], ...]
    counts: Mapping[str, int]
    by_severity: Mapping[str, int]
    total: int
    findings: tuple[Finding, ...]
    evidence: tuple[Evidence, ...]
    rules: tuple[RuleRow, ...]
    coverage: tuple[CoverageRow, ...]
    matrix: tuple[MatrixRow, ...]
    removal: AccessRemoval | None
    leavers: tuple[Leaver, ...]
    sla_hours: float | None
    failed_calls: tuple[Mapping[str, str], ...]
    expired_exceptions: tuple[Mapping[str, str], ...]
    status_chart: Chart
    severity_chart: Chart
    latency_chart: Chart | None
    facets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.counts.get(Status.ERROR.value, 0)

    @property
    def incomplete(self) -> bool:
        return bool(self.errors or self.failed_calls)

    @property
    def finding_counts(self) -> dict[str, int]:
        return {s.value: self.counts.get(s.value, 0) for s in FINDING_STATUSES}

    def worst(self, limit: int) -> list[Finding]:
        """The worst FAIL findings (severity, then rule and resource), at most ``limit``."""
        failed = [f for f in self.findings if f.result.status is Status.FAIL]
        return failed[:limit]


# ---------------------------------------------------------------------------------------------
# building it


def build_view(report: ReportInput, *, records_per_finding: int = RECORDS_PER_FINDING,
               max_resolved: int = MAX_RESOLVED) -> View:
    """The view of ``report``; ``records_per_finding`` 0 resolves no record (Markdown)."""
    evaluation = report.evaluation
    rules = evaluation.rules
    results = evaluation.results
    counts = evaluation.counts()
    by_severity = evaluation.failures_by_severity()
    matrix = tuple(glass_window_matrix(evaluation))
    vendors_of = _VendorIndex(matrix)

    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    per_control: dict[str, Counter[str]] = defaultdict(Counter)
    chosen: list[Result] = []
    for result in results:
        per_rule[result.rule_id][result.status.value] += 1
        for control in result.controls:
            per_control[control][result.status.value] += 1
        if result.status in STATUS_RANK:
            chosen.append(result)
    chosen.sort(key=lambda r: (-r.severity, STATUS_RANK[r.status], r.sort_key()))

    resolver = _Resolver(report, max_resolved)
    findings: list[Finding] = []
    for result in chosen:
        rule = rules.get(result.rule_id) or {}
        places = _places(result.records)
        shown = places[:records_per_finding] if records_per_finding > 0 else []
        findings.append(Finding(
            result=result, title=str(rule.get("title") or result.rule_id),
            area=str(rule.get("area") or ""), remediation=str(rule.get("remediation") or ""),
            vendors=vendors_of(result),
            evidence=tuple((names, resolver.ask(record)) for names, record in shown),
            more_records=len(places) - len(shown)))
    evidence = resolver.resolve()

    leavers, sla = _leavers(report)
    manifest = report.manifest
    tool = manifest.get("tool") or {}
    catalogue = report.catalogue
    return View(
        run_id=report.run_id, period=report.period or "", evaluated_at=report.evaluated_at,
        started_at=str(manifest.get("started_at") or ""),
        finished_at=str(manifest.get("finished_at") or ""),
        tool=f"{tool.get('name', 'govkit')} {tool.get('version', '')}".strip()
        if isinstance(tool, Mapping) else "",
        accounts=tuple(str(a) for a in manifest.get("accounts") or ()),
        regions=tuple(str(r) for r in manifest.get("regions") or ()),
        sources=tuple(_source_line(s) for s in manifest.get("sources") or ()
                      if isinstance(s, Mapping)),
        catalogue=f"{catalogue.title} ({catalogue.id})" if catalogue else "",
        provenance=report.provenance.describe(), signed=report.provenance.signed,
        verified=report.provenance.verified, checks=report.provenance.checks,
        counts=counts, by_severity=by_severity, total=len(results),
        findings=tuple(findings), evidence=evidence,
        rules=tuple(RuleRow(rule_id, str(summary.get("title") or ""),
                            str(summary.get("area") or ""), str(summary.get("severity") or ""),
                            {s.value: per_rule[rule_id][s.value] for s in Status})
                    for rule_id, summary in sorted(rules.items())),
        coverage=_coverage(report, per_control),
        matrix=matrix, removal=access_removal(evaluation), leavers=leavers, sla_hours=sla,
        failed_calls=evaluation.failed_calls,
        expired_exceptions=evaluation.expired_exceptions,
        status_chart=bar_chart("Results by status", [(s.value, counts[s.value], s.value)
                                                     for s in Status]),
        severity_chart=bar_chart("Failures by severity",
                                 [(label, n, label) for label, n in by_severity.items()]),
        latency_chart=_latency_chart(leavers, sla),
        facets=_facets(findings, rules, report))


def _places(records: Sequence[RecordRef]) -> list[tuple[str, RecordRef]]:
    """Each place a result read, once, with the attributes read there ("A, B"), a resource's
    own values before listings."""
    names: dict[tuple[str, str, int | None], list[str]] = {}
    first: dict[tuple[str, str, int | None], RecordRef] = {}
    for record in sorted(records, key=lambda r: r.attribute == LISTING):  # stable
        place = (record.file, record.pointer, record.row)
        if place not in names:
            names[place], first[place] = [], record
        if record.attribute not in names[place]:
            names[place].append(record.attribute)
    return [(", ".join(names[place]), first[place]) for place in names]


class _VendorIndex:
    """Which vendors a finding concerns: a vendor record's own name; for a VDI window, the
    vendors whose agents can open it (the glass-window matrix names the window by its label,
    "AppStream stack nbh-phi-desk (111122223333/us-east-1)", which holds the window's name
    and its account)."""

    def __init__(self, matrix: Sequence[MatrixRow]) -> None:
        self.windows: dict[str, set[str]] = defaultdict(set)
        for row in matrix:
            self.windows[row.window].add(row.vendor)
        self.cache: dict[tuple[str, str], tuple[str, ...]] = {}

    def __call__(self, result: Result) -> tuple[str, ...]:
        if result.resource_type.startswith("vendor."):
            return (result.resource_name or result.resource_id,)
        if result.resource_type != WINDOW or not self.windows:
            return ()
        key = (result.resource_name, result.account)
        if key not in self.cache:
            name, account = key
            found: set[str] = set()
            for label, vendors in self.windows.items():
                if name and f" {name} (" in label and account in label:
                    found |= vendors
            self.cache[key] = tuple(sorted(found))
        return self.cache[key]


class _Resolver:
    """Resolves records to their values, reading each snapshot file once. Records are asked
    for first (each distinct place gets a position), then resolved file by file, so at most
    one snapshot document is held in memory at a time."""

    def __init__(self, report: ReportInput, limit: int) -> None:
        self.report = report
        self.limit = limit
        self.places: dict[tuple[str, str, int | None], int] = {}
        self.asked: list[RecordRef] = []

    def ask(self, record: RecordRef) -> int:
        place = (record.file, record.pointer, record.row)
        position = self.places.get(place)
        if position is None:
            position = self.places[place] = len(self.asked)
            self.asked.append(record)
        return position

    def resolve(self) -> tuple[Evidence, ...]:
        out: list[Evidence | None] = [None] * len(self.asked)
        by_file: dict[str, list[int]] = defaultdict(list)
        for position, record in enumerate(self.asked):
            if position < self.limit:
                by_file[record.file].append(position)
            else:
                out[position] = self._unresolved(record, "not resolved in this report (it "
                                                 f"resolves the first {self.limit:,} records)")
        for name in sorted(by_file):
            positions = by_file[name]
            try:
                document = Snapshot.read_json(self.report.record(name))
                if not isinstance(document, dict):
                    raise InputError(name, "not a govkit snapshot record")
            except InputError as exc:
                for position in positions:
                    out[position] = self._unresolved(self.asked[position], str(exc))
                continue
            # a file that is not a call record (the manifest) names no call
            call = _call(document).describe() if "operation" in document else ""
            csv_rows: dict[str, dict[int, str]] = {}
            for position in positions:
                out[position] = self._one(self.asked[position], document, call, csv_rows)
        return tuple(e for e in out if e is not None)

    @staticmethod
    def _unresolved(record: RecordRef, problem: str) -> Evidence:
        return Evidence(file=record.file, pointer=record.pointer, row=record.row,
                        resolved=False, problem=problem)

    def _one(self, record: RecordRef, document: Mapping[str, Any], call: str,
             csv_rows: dict[str, dict[int, str]]) -> Evidence:
        where = f"{record.file}#{record.pointer}"
        try:
            value = resolve_pointer(document, record.pointer, where=record.file)
        except InputError as exc:
            return self._unresolved(record, str(exc))
        if record.row is None:
            text = "\n".join(pretty(value, where))
        elif not isinstance(value, str) or "\n" not in value:
            # a value of an export read into rows (an HR or roster file): the pointer names
            # the value, the row the line of the file it was read from
            text = "\n".join([f"(line {record.row} of the exported file)",
                              *pretty(value, where)])
        else:
            if record.pointer not in csv_rows:  # index the CSV text once
                csv_rows[record.pointer] = {start: written for start, _, written
                                            in csv_records(value)}
            lines = csv_rows[record.pointer]
            if record.row < 2 or record.row not in lines or 1 not in lines:
                return self._unresolved(record, f"no CSV row starts on line {record.row}")
            text = f"line 1: {lines[1]}\nline {record.row}: {lines[record.row]}"
        if len(text) > MAX_VALUE_CHARS:
            text = (f"{text[:MAX_VALUE_CHARS]}\n... (cut at {MAX_VALUE_CHARS:,} characters; "
                    f"the whole value is at {where})")
        return Evidence(file=record.file, pointer=record.pointer, row=record.row,
                        resolved=True, call=call, value=text)


def _call(document: Mapping[str, Any]) -> Call:
    params = document.get("params")
    return Call(service=str(document.get("service")), operation=str(document.get("operation")),
                params=params if isinstance(params, dict) else {},
                account=str(document.get("account")), region=str(document.get("region")),
                outcome=str(document.get("outcome")), error_code=document.get("error_code"))


def _short(value: Any) -> str:
    """A manifest value in a few words: lists of files by name, long lists counted."""
    if isinstance(value, Mapping):
        value = [value]
    if isinstance(value, list):
        names: list[str] = []
        for item in value:
            if isinstance(item, Mapping):
                name = item.get("file") or item.get("site") or item.get("source") or \
                    item.get("name")
                names.append(str(name) if name else json.dumps(item, sort_keys=True))
            else:
                names.append(str(item))
        shown = ", ".join(names[:6])
        return f"{shown} and {len(names) - 6} more" if len(names) > 6 else shown
    return str(value)


def _source_line(source: Mapping[str, Any]) -> SourceLine:
    parts = [f"{key.replace('_', ' ')}: {_short(value)}" for key, value in sorted(source.items())
             if key != "type" and value not in (None, "", [], {})]
    return SourceLine(str(source.get("type", "?")), "; ".join(parts))


def control_coverage(report: ReportInput) -> tuple[CoverageRow, ...]:
    """Each control with the rules that evidence it and their results, counted afresh (for
    the formats that show coverage without the rest of the view)."""
    per_control: dict[str, Counter[str]] = defaultdict(Counter)
    for result in report.evaluation.results:
        for control in result.controls:
            per_control[control][result.status.value] += 1
    return _coverage(report, per_control)


def _coverage(report: ReportInput,
              per_control: Mapping[str, Counter[str]]) -> tuple[CoverageRow, ...]:
    """Each control of the catalogue (or, when the run kept none, each control a result
    names) with the rules that evidence it and their results."""
    rules_of: dict[str, set[str]] = defaultdict(set)
    for rule_id, summary in report.rules.items():
        for control in summary.get("controls") or ():
            rules_of[str(control)].add(rule_id)
    statuses = [s.value for s in Status]
    if report.catalogue is None:
        return tuple(CoverageRow(control, control, "", "", tuple(sorted(rules_of[control])),
                                 "", {s: per_control[control][s] for s in statuses})
                     for control in sorted(set(per_control) | set(rules_of)))
    try:  # a run's own catalogue may predate a control the crosswalks name: leave them out
        walks = load_crosswalks(report.catalogue)
    except InputError:
        walks = ()
    rows = []
    for control in report.catalogue.controls:
        # the run's rules only: a catalogue rule the run did not load evidences nothing here
        rules = sorted({r for r in control.rules if r in report.rules} | rules_of[control.id])
        crosswalks = tuple((FRAMEWORK_LABELS.get(w.framework, w.framework),
                            w.ids_for(control.id)) for w in walks if w.ids_for(control.id))
        rows.append(CoverageRow(control.id, control.citation, control.title,
                                control.requirement, tuple(rules), control.manual_evidence,
                                {s: per_control[control.id][s] for s in statuses},
                                crosswalks))
    return tuple(rows)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _leavers(report: ReportInput) -> tuple[tuple[Leaver, ...], float | None]:
    """Every person the access-removal latency rule judged, with each account's removal."""
    rules = latency_rules(report.evaluation)
    if not rules:
        return (), None
    sla_value = ((report.rules[rules[0]].get("parameters") or {}).get("sla_hours"))
    sla = float(sla_value) if isinstance(sla_value, (int, float)) else None
    leavers = []
    for result in judged_leavers(report.evaluation):
        facts = result.facts or {}
        accounts = tuple(
            LeaverAccount(system=_text(a.get("system")), tenant=_text(a.get("tenant")),
                          login=_text(a.get("login")), disabled_at=_text(a.get("disabled_at")),
                          latency_hours=float(a["latency_hours"])
                          if isinstance(a.get("latency_hours"), (int, float)) else None,
                          last_sign_in=_text(a.get("last_sign_in")),
                          unknown=_text(a.get("unknown")))
            for a in facts.get("accounts") or () if isinstance(a, Mapping))
        leavers.append(Leaver(result_id=result.id,
                              name=result.resource_name or result.resource_id,
                              resource_id=result.resource_id, status=result.status.value,
                              terminated_at=_text(facts.get("terminated_at")),
                              terminated_by=_text(facts.get("terminated_by")),
                              accounts=accounts, message=result.message))
    leavers.sort(key=lambda p: (p.terminated_at, p.name, p.resource_id))
    return tuple(leavers), sla


def _facets(findings: Iterable[Finding], rules: Mapping[str, Mapping[str, Any]],
            report: ReportInput) -> dict[str, tuple[str, ...]]:
    """The values each findings filter offers: those the findings hold, sorted."""
    areas: set[str] = set()
    accounts: set[str] = set()
    vendors: set[str] = set()
    controls: set[str] = set()
    for finding in findings:
        areas.add(finding.area)
        accounts.add(finding.result.account)
        vendors.update(finding.vendors)
        controls.update(finding.result.controls)
    order = {c.id: n for n, c in enumerate(report.catalogue.controls)} \
        if report.catalogue else {}
    return {"status": tuple(s.value for s in FINDING_STATUSES), "severity": SEVERITIES,
            "area": tuple(sorted(a for a in areas if a)), "account": tuple(sorted(accounts)),
            "vendor": tuple(sorted(vendors)),
            "control": tuple(sorted(controls, key=lambda c: (order.get(c, len(order)), c)))}


# ---------------------------------------------------------------------------------------------
# charts


def bar_chart(title: str, items: Sequence[tuple[str, int, str]], *, width: int = 460,
              row: int = 26, label_width: int = 120) -> Chart:
    """Horizontal bars, one per (label, value, css class), scaled to the largest value."""
    room = width - label_width - 60
    top = max((value for _, value, _ in items), default=0) or 1
    bars = []
    for n, (label, value, css) in enumerate(items):
        y = n * row + 4
        length = room * value / top
        bars.append(Bar(label=label, value=value, css=css, x=label_width, y=y,
                        width=round(max(length, 1.0 if value else 0.0), 1),
                        height=row - 8, text_x=round(label_width + length + 6, 1),
                        text_y=y + row / 2 + 1, label_x=label_width - 8, label_y=y + row / 2 + 1))
    description = ", ".join(f"{label}: {value}" for label, value, _ in items)
    return Chart(title=title, description=description, width=width,
                 height=len(items) * row + 8, bars=tuple(bars))


def _hours(value: float) -> str:
    if value >= 24 and value % 24 == 0:
        return f"{value / 24:g} d"
    return f"{value:g} h"


def _latency_chart(leavers: Sequence[Leaver], sla: float | None) -> Chart | None:
    """A histogram of the accounts' disable latencies, the SLA marked between columns."""
    accounts = [a for person in leavers for a in person.accounts]
    if not accounts:
        return None
    edges = sorted(set(LATENCY_EDGES) | ({sla} if sla else set()))
    labels = [f"up to {_hours(edges[0])}",
              *(f"{_hours(low)} to {_hours(high)}" for low, high in itertools.pairwise(edges)),
              f"over {_hours(edges[-1])}", "not measured"]
    counts = [0] * len(labels)
    for account in accounts:
        hours = account.latency_hours
        if hours is None:
            counts[-1] += 1
            continue
        counts[next((n for n, edge in enumerate(edges) if hours <= edge), len(edges))] += 1
    column, gap, plot, bottom = 64, 10, 150, 44
    top = max(counts) or 1
    bars = []
    for n, (label, value) in enumerate(zip(labels, counts, strict=True)):
        within = n < len(edges) and sla is not None and edges[n] <= sla
        css = "unknown" if n == len(labels) - 1 else ("within" if within or sla is None
                                                       else "late")
        height = plot * value / top
        x = 40 + n * (column + gap)
        y = 20 + plot - height
        bars.append(Bar(label=label, value=value, css=css, x=x, y=round(y, 1), width=column,
                        height=round(height, 1), text_x=x + column / 2, text_y=round(y - 5, 1),
                        label_x=x + column / 2, label_y=20 + plot + 16))
    marker = None
    if sla is not None:
        after = edges.index(sla) + 1  # the SLA is the upper edge of column `edges.index(sla)`
        marker = (40 + after * (column + gap) - gap / 2, f"SLA {sla:g} h")
    description = "Accounts by disable latency: " + ", ".join(
        f"{label}: {value}" for label, value in zip(labels, counts, strict=True))
    return Chart(title="Time from termination to account disabled", description=description,
                 width=40 + len(labels) * (column + gap) + 10, height=20 + plot + bottom,
                 bars=tuple(bars), vertical=True, marker=marker, baseline=20 + plot)


# ---------------------------------------------------------------------------------------------
# templates


@functools.lru_cache(maxsize=2)
def environment(*, html: bool) -> jinja2.Environment:
    """The templates of the built-in ``reports`` folder; HTML escaped, nothing undefined."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(builtin_dir("reports")),
                              autoescape=html, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def asset(name: str) -> str:
    """A file of the ``reports`` folder as text (CSS and JavaScript inlined into a report)."""
    return (builtin_dir("reports") / name).read_text(encoding="utf-8")


def file_stem(run_id: str) -> str:
    """The run id as a file name (run ids are already safe; anything else is replaced)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", run_id) or "run"
