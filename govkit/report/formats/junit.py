"""JUnit XML for CI test reports: each rule area a test suite, each result a test case.

A test case is one rule judged on one resource (classname ``<area>.<rule_id>``). A FAIL at or
above the failing severity (``--fail-on``) is a ``<failure>`` typed by its severity; a FAIL
below it is ``<skipped>``, so the CI run passes as the command's exit code would. An ERROR (a
check that could not get its data) is an ``<error>`` typed by the failed call's code, whatever
the threshold. NOT_APPLICABLE and waived findings are ``<skipped>``; PASS is an empty case.

The file follows the JUnit schema the Jenkins xUnit plugin reads (tests/data/schemas/
junit-10.xsd): there ``<testsuites>`` takes no ``skipped`` count, and each suite's
``timestamp`` is the evaluation time in UTC without a zone designator or fraction, the form
the Ant JUnit schema requires. Times are zero: a report is not a timing of the checks.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from govkit.errors import UsageError
from govkit.policy.model import Severity
from govkit.report.formats import Artifact, Format, Options
from govkit.report.source import ReportInput
from govkit.results import Result, Status

MEDIA_TYPE = "application/xml"
MESSAGE_LIMIT = 200  # the message attribute of a failure or error: its first characters
UNKNOWN_AREA = "unknown"
ZERO = "0.000"

# what XML 1.0 allows in a document: everything else is dropped from recorded text
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(report: ReportInput, options: Options) -> list[Artifact]:
    root = junit_tree(report, fail_threshold(options.fail_on))
    ET.indent(root)
    data = ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"
    return [Artifact(name=f"{report.run_id}.junit.xml", data=data, media_type=MEDIA_TYPE)]


FORMAT = Format(name="junit",
                description="JUnit XML for CI: one test suite per rule area, one test case "
                            "per rule and resource",
                render=render)


def fail_threshold(fail_on: str) -> Severity | None:
    """The lowest severity whose FAIL is a test failure (None: no FAIL is)."""
    if fail_on.strip().lower() == "none":
        return None
    try:
        return Severity.parse(fail_on.strip())
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None


def junit_tree(report: ReportInput, threshold: Severity | None) -> ET.Element:
    """The <testsuites> element for one run."""
    rules = report.rules
    by_area: dict[str, list[Result]] = defaultdict(list)
    for result in report.evaluation.results:
        by_area[_area(rules.get(result.rule_id))].append(result)

    # what every suite carries, worked out once
    timestamp = _timestamp(report.evaluated_at)
    properties = [(name, _clean(value)) for name, value in _properties(report, threshold)]
    totals: Counter[str] = Counter()
    suites = []
    for area in sorted(by_area):
        suite, counts = _suite(report, area, by_area[area], threshold, timestamp, properties)
        totals.update(counts)
        suites.append(suite)

    root = ET.Element("testsuites", {
        "name": _clean(f"govkit {report.run_id}"), "tests": str(totals["tests"]),
        "failures": str(totals["failures"]), "errors": str(totals["errors"]), "time": ZERO})
    root.extend(suites)
    return root


def _suite(report: ReportInput, area: str, results: list[Result], threshold: Severity | None,
           timestamp: str, properties: Sequence[tuple[str, str]],
           ) -> tuple[ET.Element, Counter[str]]:
    counts: Counter[str] = Counter(tests=len(results))
    cases = []
    for result in sorted(results, key=lambda r: (*r.sort_key(), r.id)):
        case, outcome = _case(result, area, report.rules.get(result.rule_id) or {}, threshold)
        counts[outcome] += 1
        cases.append(case)

    attributes = {"name": _clean(area), "tests": str(counts["tests"]),
                  "failures": str(counts["failures"]), "errors": str(counts["errors"]),
                  "skipped": str(counts["skipped"]), "time": ZERO}
    if timestamp:
        attributes["timestamp"] = timestamp
    suite = ET.Element("testsuite", attributes)
    listed = ET.SubElement(suite, "properties")
    for name, value in properties:
        ET.SubElement(listed, "property", {"name": name, "value": value})
    suite.extend(cases)
    return suite, counts


def _properties(report: ReportInput, threshold: Severity | None) -> Iterable[tuple[str, str]]:
    yield "run_id", report.run_id
    if report.period:
        yield "period", report.period
    yield "evaluated_at", report.evaluated_at
    yield "fail_on", threshold.label if threshold is not None else "none"
    yield "provenance", report.provenance.describe()


def _case(result: Result, area: str, rule: Mapping[str, Any],
          threshold: Severity | None) -> tuple[ET.Element, str]:
    """The <testcase> for one result, and what it counts as (failures, errors, skipped or
    passed)."""
    name = result.resource_name or result.resource_id
    case = ET.Element("testcase", {
        "name": _clean(f"{name} ({result.account}/{result.region})"),
        "classname": _clean(f"{area}.{result.rule_id}"), "time": "0"})
    status = result.status
    if status is Status.FAIL and threshold is not None and result.severity >= threshold:
        element = ET.SubElement(case, "failure", {
            "message": _short(result.message), "type": result.severity.label})
        element.text = _clean(_details(result, rule))
        return case, "failures"
    if status is Status.FAIL:
        below = threshold.label if threshold is not None else "none"
        element = ET.SubElement(case, "skipped", {
            "message": _clean(f"below the failing severity (fail on {below}): "
                              f"{result.message}"),
            "type": result.severity.label})
        element.text = _clean(_details(result, rule))
        return case, "skipped"
    if status is Status.ERROR:
        failure = result.failure or {}
        element = ET.SubElement(case, "error", {
            "message": _short(result.message), "type": _clean(str(failure.get("code") or
                                                                  "Unknown"))})
        element.text = _clean(_details(result, rule))
        return case, "errors"
    if status is Status.WAIVED:
        ET.SubElement(case, "skipped", {"message": _clean(_waived(result))}).text = \
            _clean(result.message)
        return case, "skipped"
    if status is Status.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", {"message": _clean(result.message)})
        return case, "skipped"
    return case, "passed"


def _details(result: Result, rule: Mapping[str, Any]) -> str:
    """The body of a failure or error: the finding, the rule, and the records that prove it."""
    lines = [result.message, ""]
    title = str(rule.get("title") or "").strip()
    lines.append(f"rule: {result.rule_id}" + (f" ({title})" if title else ""))
    lines.append(f"severity: {result.severity.label}")
    if result.controls:
        lines.append(f"controls: {', '.join(result.controls)}")
    lines.append(f"resource: {result.resource_id} ({result.resource_type})")
    lines.append(f"result id: {result.id}")
    if result.failure:
        failure = result.failure
        lines.append(f"failed call: {failure.get('call') or failure.get('operation')} "
                     f"({failure.get('code')})"
                     + (f": {failure['message']}" if failure.get("message") else ""))
    if result.records:
        lines.append("evidence:")
        for record in result.records:
            where = f"{record.file}#{record.pointer}" if record.pointer else record.file
            row = f" (line {record.row})" if record.row is not None else ""
            lines.append(f"  {record.attribute}: {where}{row}")
    elif result.evidence:
        lines.append("evidence:")
        lines.extend(f"  {file}" for file in result.evidence)
    remediation = str(rule.get("remediation") or "").strip()
    if remediation and result.status is Status.FAIL:
        lines.append(f"remediation: {remediation}")
    return "\n".join(lines)


def _waived(result: Result) -> str:
    exception = result.exception or {}
    reason = str(exception.get("reason") or "").strip() or "no reason recorded"
    about = [f"exception {exception['ticket']}" if exception.get("ticket") else "exception"]
    if exception.get("owner"):
        about.append(f"owner {exception['owner']}")
    if exception.get("expires"):
        about.append(f"until {exception['expires']}")
    return f"waived: {reason} ({', '.join(about)})"


def _area(rule: Mapping[str, Any] | None) -> str:
    area = str((rule or {}).get("area") or "").strip()
    return area or UNKNOWN_AREA


def _timestamp(evaluated_at: str) -> str:
    """ISO 8601 in UTC to the second, with no zone designator ('' when unreadable)."""
    try:
        moment = dt.datetime.fromisoformat(evaluated_at.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _short(message: str) -> str:
    text = _clean(message)
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT - 1] + "\u2026"


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)
