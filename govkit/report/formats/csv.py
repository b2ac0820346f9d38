"""The auditor's files, as CSV: the findings, the population of people who left in the audit
period and, when asked, a seeded sample of it.

``findings.csv``
    Every result that is FAIL, ERROR or WAIVED, worst first (severity, then rule, account and
    resource), with its rule, controls, resource, the first record it was judged on (file and
    JSON Pointer inside the run) and the risk exception that matched it, if any: its reason,
    expiry and state (``active`` for a waived result, ``expired`` for a failure whose
    exception has lapsed).
``terminations.csv``
    The access-removal population: every person the deprovisioning-latency rule judged (each
    person who left in the period), one row per account measured (a person with no measured
    account: one row with the account columns empty). Leavers whose removal could not be
    measured (ERROR) are listed with their latency empty and the reason in
    ``unmeasured_reason``. ``signed_in_after_termination`` compares the account's last
    sign-in with the termination: yes, no, or unknown when there is no last sign-in to compare
    (the source did not record one, or could not be read). When the run judged nobody (no HR
    export or vendor roster), the file holds the header row only.
``terminations-sample.csv`` and ``sampling.txt`` (with ``--sample N --seed S``)
    N people drawn from terminations.csv without replacement, by the documented algorithm of
    :mod:`govkit.report.sampling`, their rows in population order; ``sampling.txt`` records the
    population size, N, the seed, the algorithm, the SHA-256 of terminations.csv and each
    chosen person's rank, so an auditor can draw the same sample again.

The files follow RFC 4180: comma-separated, CRLF line ends, a field quoted when it holds a
comma, a double quote or a line break, a header row first and no comments; UTF-8 without a
byte-order mark.

Formula injection: a spreadsheet opening a CSV file runs a cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return as a formula, and finding messages, resource names
and exception reasons come from the systems scanned, which anyone with an account there can
name. Every cell that starts with one of those characters is written with a leading
apostrophe (``'=cmd|...``), which spreadsheets show as text; a program reading the files
should drop a leading apostrophe before one of those characters. No cell govkit itself writes
(ids, times, numbers, statuses) starts with one.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from govkit.instants import parse_instant
from govkit.report import sampling
from govkit.report.access_removal import judged_leavers
from govkit.report.view import FRAMEWORK_LABELS, control_coverage
from govkit.report.formats import FINDING_STATUSES, Artifact, Format, Options
from govkit.report.source import ReportInput
from govkit.results import Result, Status

MEDIA_TYPE = "text/csv; charset=utf-8; header=present"
FINDINGS = "findings.csv"
TERMINATIONS = "terminations.csv"
COVERAGE = "coverage.csv"
SAMPLE = "terminations-sample.csv"
SAMPLING = "sampling.txt"

PERSON_PREFIX = "person:"

FINDING_COLUMNS = (
    "result_id", "status", "severity", "rule_id", "rule_title", "area", "controls", "account",
    "region", "resource_type", "resource_id", "resource_name", "message", "evidence_file",
    "evidence_pointer", "exception_reason", "exception_expires", "exception_state")
TERMINATION_COLUMNS = (
    "person", "person_id", "terminated_at", "terminated_by", "system", "tenant", "login",
    "disabled_at", "latency_hours", "last_sign_in", "signed_in_after_termination", "status",
    "result_id", "rule_id", "unmeasured_reason")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """The cell as written: a leading apostrophe before a character a spreadsheet would take
    as the start of a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(value: Any) -> str:
    """A fact as a cell: empty for None, numbers without a needless ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _cells(values: Iterable[Any]) -> list[str]:
    return [neutralise(_text(v)) for v in values]


def _write(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


# findings.csv


def _evidence(result: Result) -> tuple[str, str]:
    """The first record a result was judged on: its file and pointer."""
    if result.records:
        return result.records[0].file, result.records[0].pointer
    failed = (result.failure or {}).get("file")
    if failed:
        return str(failed), ""
    return (result.evidence[0], "") if result.evidence else ("", "")


def finding_rows(report: ReportInput) -> list[list[str]]:
    rules = report.rules
    chosen = [r for r in report.evaluation.results if r.status in FINDING_STATUSES]
    chosen.sort(key=lambda r: (-r.severity, r.rule_id, r.account, r.resource_id, r.region,
                               r.id))
    rows: list[list[str]] = []
    for result in chosen:
        rule = rules.get(result.rule_id) or {}
        file, pointer = _evidence(result)
        exception = result.exception or {}
        rows.append(_cells((
            result.id, result.status.value, result.severity.label, result.rule_id,
            rule.get("title"), rule.get("area"), ";".join(result.controls), result.account,
            result.region, result.resource_type, result.resource_id, result.resource_name,
            result.message, file, pointer, exception.get("reason"), exception.get("expires"),
            exception.get("state"))))
    return rows


# terminations.csv


def _signed_in_after(last_sign_in: Any, terminated_at: dt.datetime | None) -> str:
    last = parse_instant(last_sign_in)
    if last is None or terminated_at is None:
        return "unknown"
    return "yes" if last > terminated_at else "no"


def person_id(result: Result) -> str:
    """The person's id: the result's resource id without its ``person:`` prefix."""
    rid = result.resource_id
    return rid[len(PERSON_PREFIX):] if rid.startswith(PERSON_PREFIX) else rid


def leavers(report: ReportInput) -> list[Result]:
    """The latency rules' results for people (not NOT_APPLICABLE, not a rule-wide result),
    in population order: by termination time, person, rule."""
    def order(result: Result) -> tuple[str, str, str, str]:
        facts = result.facts or {}
        return (_text(facts.get("terminated_at")), person_id(result), result.rule_id,
                result.id)

    return sorted(judged_leavers(report.evaluation), key=order)


def _person_rows(result: Result) -> list[list[str]]:
    facts: Mapping[str, Any] = result.facts or {}
    left = facts.get("terminated_at")
    left_at = parse_instant(left)
    who = (result.resource_name or person_id(result), person_id(result), left,
           facts.get("terminated_by"))
    judged = (result.status.value, result.id, result.rule_id)
    accounts = [a for a in facts.get("accounts") or () if isinstance(a, Mapping)]
    if not accounts:
        reason = result.message if result.status is Status.ERROR else ""
        return [_cells((*who, "", "", "", "", "", "", "", *judged, reason))]
    return [_cells((
        *who, account.get("system"), account.get("tenant"), account.get("login"),
        account.get("disabled_at"), account.get("latency_hours"), account.get("last_sign_in"),
        _signed_in_after(account.get("last_sign_in"), left_at), *judged,
        account.get("unknown"))) for account in accounts]


def termination_people(report: ReportInput) -> list[tuple[tuple[str, str], list[list[str]]]]:
    """The population: each person (key: the person_id and terminated_at cells) with their
    rows, in the order of terminations.csv. A person two latency rules judged is one person
    with the rows of both."""
    people: dict[tuple[str, str], list[list[str]]] = {}
    for result in leavers(report):
        rows = _person_rows(result)
        people.setdefault((rows[0][1], rows[0][2]), []).extend(rows)
    return list(people.items())


# the sample


def _sampling_text(report: ReportInput, population: bytes, people: int, rows: int,
                   asked: int, seed: str,
                   chosen: list[tuple[tuple[str, str], list[list[str]]]]) -> bytes:
    drawn_rows = sum(len(r) for _, r in chosen)
    lines = [
        "Seeded sample of the terminations population",
        "",
        f"run: {report.run_id}",
        f"period: {report.period or 'not recorded'}",
        f"population: {TERMINATIONS}, {people} people in {rows} rows",
        f"population sha256: {hashlib.sha256(population).hexdigest()}",
        f"sample size asked: {asked}",
        f"sample drawn: {SAMPLE}, {len(chosen)} people in {drawn_rows} rows",
        f"seed: {seed}",
        f"algorithm: {sampling.ALGORITHM}",
        "",
        *textwrap.wrap(
            "How the sample is drawn: for each person (the rows of terminations.csv sharing a "
            "person_id and terminated_at), the rank is the SHA-256 of the UTF-8 text: the "
            "seed, a line feed, the person_id cell, a line feed, the terminated_at cell (cells "
            "as written in terminations.csv, no final line feed), in lowercase hex. The people "
            "with the smallest ranks are the sample (a tie goes to the person listed first); "
            "their rows keep the order of terminations.csv. If the size asked is at least the "
            "population, everyone is in the sample.", width=92),
        "",
        "people sampled, in population order (rank, person_id, terminated_at):",
    ]
    lines += [f"{sampling.rank(seed, (pid, left))}  {pid}  {left}" for (pid, left), _ in chosen]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _sample(report: ReportInput, size: int, seed: str, population: bytes,
            people: list[tuple[tuple[str, str], list[list[str]]]]) -> list[Artifact]:
    chosen = [people[p] for p in sampling.choose([key for key, _ in people], size, seed)]
    rows = sum(len(r) for _, r in people)
    return [
        Artifact(SAMPLE, _write(TERMINATION_COLUMNS, [row for _, r in chosen for row in r]),
                 MEDIA_TYPE),
        Artifact(SAMPLING, _sampling_text(report, population, len(people), rows, size, seed,
                                          chosen), "text/plain; charset=utf-8"),
    ]


COVERAGE_COLUMNS = ("control_id", "citation", "title", "requirement", "state", "rules",
                    *(s.value for s in Status), "nist_800_53r5", "soc2", "manual_evidence")


def coverage_rows(report: ReportInput) -> Iterator[list[str]]:
    """Each control: the rules that evidence it, their results, its crosswalk ids, and for a
    control no rule covers, the evidence to ask for (``state`` MANUAL)."""
    for row in control_coverage(report):  # its crosswalk ids, read once, by framework label
        ids = dict(row.crosswalks)
        yield [neutralise(v) for v in (
            row.id, row.citation, row.title, row.requirement, row.state, ";".join(row.rules),
            *(str(row.counts.get(s.value, 0)) for s in Status),
            ";".join(ids.get(FRAMEWORK_LABELS["nist-800-53r5"], ())),
            ";".join(ids.get(FRAMEWORK_LABELS["soc2-tsc-2017"], ())),
            " ".join(row.manual_evidence.split()))]


def render(report: ReportInput, options: Options) -> list[Artifact]:
    request: tuple[int, str] | None = None
    if options.sample is not None:  # refuse a bad request before any work
        try:
            request = sampling.check_request(options.sample, options.seed)
        except ValueError as exc:
            raise ValueError(f"cannot draw the terminations sample: {exc}") from None
    people = termination_people(report)
    population = _write(TERMINATION_COLUMNS, [row for _, rows in people for row in rows])
    artifacts = [Artifact(FINDINGS, _write(FINDING_COLUMNS, finding_rows(report)), MEDIA_TYPE),
                 Artifact(TERMINATIONS, population, MEDIA_TYPE),
                 Artifact(COVERAGE, _write(COVERAGE_COLUMNS, coverage_rows(report)),
                          MEDIA_TYPE)]
    if request is not None:
        artifacts += _sample(report, *request, population, people)
    return artifacts


FORMAT = Format(name="csv", description="the auditor's CSV files: findings, the terminations "
                "population and a seeded sample of it (--sample N --seed S)", render=render)
