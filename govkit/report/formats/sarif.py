"""SARIF 2.1.0 for GitHub code scanning: one run whose results are the run's findings.

Every FAIL is a result, its level taken from the rule's severity; every ERROR (a check that
could not get its data) is a warning whose message starts "Could not judge"; a finding waived
by an active exception is a result carrying an external, accepted suppression. PASS and
NOT_APPLICABLE are not results.

Findings are not lines of code: each result's location is the snapshot record that proves it,
relative to the run directory (``uriBaseId`` RUNROOT, which the file leaves unresolved so it
stays portable), with no region, and a logical location naming the resource. GitHub tracks an
alert by its ``partialFingerprints``: the result's id, which is the same for the same rule and
resource in every run.

GitHub rejects a run with more than 25,000 results or a rule with more than 20 tags; past
those limits the most severe results are kept and the file says how many were left out (the
run's results.json keeps them all).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from govkit.policy.loader import Control
from govkit.policy.model import Severity
from govkit.report.formats import FINDING_STATUSES, Artifact, Format, Options, tool_version
from govkit.report.source import ReportInput
from govkit.results import Result, Status

MEDIA_TYPE = "application/sarif+json"
SCHEMA_URI = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
              "sarif-schema-2.1.0.json")
ROOT = "RUNROOT"  # the run directory: every artifact location is relative to it
FINGERPRINT = "govkitResult/v1"
NO_RECORD = "manifest.json"  # the location of a result that names no record

MAX_RESULTS = 25_000  # GitHub rejects a run with more results
MAX_TAGS = 20  # ... or a rule with more tags
MAX_TEXT = 1024  # GitHub's limit on a rule's short and full descriptions


LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
         Severity.LOW: "note", Severity.INFO: "note"}
# An ERROR stays kind "fail": SARIF requires level "none" for any other kind, and GitHub
# would then show a check that could not get its data as no problem at all.
ERROR_LEVEL = "warning"
# GitHub's bands: 9.0 and over critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                     Severity.LOW: "3.0", Severity.INFO: "0.1"}

_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                     r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?")
_WORD = re.compile(r"[A-Za-z0-9]+")
_URI_SAFE = "/@!$&'()*+,;="  # RFC 3986 path characters kept as they are (not ':')


def render(report: ReportInput, options: Options) -> list[Artifact]:
    document = sarif_document(report)
    try:
        text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in some recorded text: escape everything
        data = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("ascii")
    return [Artifact(name=f"{report.run_id}.sarif", data=data, media_type=MEDIA_TYPE)]


FORMAT = Format(name="sarif",
                description="SARIF 2.1.0 for GitHub code scanning: failures, errors and "
                            "waived findings, located at their snapshot records",
                render=render)


def sarif_document(report: ReportInput) -> dict[str, Any]:
    """The SARIF log for one run, as a JSON-ready dict."""
    evaluation = report.evaluation
    reported = sorted((r for r in evaluation.results if r.status in FINDING_STATUSES),
                      key=lambda r: (*r.sort_key(), r.id))
    kept = _within_limit(reported)
    left_out = len(reported) - len(kept)

    rule_ids = sorted({r.rule_id for r in reported})
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    severities = {r.rule_id: r.severity for r in reported}
    controls = {c.id: c for c in report.catalogue.controls} if report.catalogue else {}
    rules = [_rule(rule_id, report.rules.get(rule_id) or {}, severities[rule_id],
                   report.descriptions.get(rule_id, ""), controls)
             for rule_id in rule_ids]

    run: dict[str, Any] = {
        "tool": {"driver": _driver(report, rules)},
        "automationDetails": {"id": _automation_id(report)},
        "originalUriBaseIds": {ROOT: {"description": {"text": "the run directory"}}},
        "invocations": [_invocation(report, left_out, len(reported))],
        "results": [_result(r, index[r.rule_id]) for r in kept],
        "properties": _run_properties(report, left_out),
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _within_limit(results: Sequence[Result]) -> list[Result]:
    """All results when GitHub would take them; else the most severe (failures and errors
    before waived findings), kept in their stable order."""
    if len(results) <= MAX_RESULTS:
        return list(results)
    order = sorted(range(len(results)),
                   key=lambda i: (results[i].status is Status.WAIVED, -results[i].severity, i))
    return [results[i] for i in sorted(order[:MAX_RESULTS])]


def _driver(report: ReportInput, rules: list[dict[str, Any]]) -> dict[str, Any]:
    version = tool_version(report)
    driver: dict[str, Any] = {"name": "govkit", "version": version, "rules": rules}
    if _SEMVER.fullmatch(version):
        driver["semanticVersion"] = version
    return driver


def _automation_id(report: ReportInput) -> str:
    """GitHub's category is the id up to its last slash: one per audit period, so a new run of
    the period replaces the last one's alerts; the run id is this upload's own part."""
    period = report.period
    return f"govkit/{period}/{report.run_id}" if period else f"govkit/{report.run_id}"


def _invocation(report: ReportInput, left_out: int, reported: int) -> dict[str, Any]:
    evaluation = report.evaluation
    invocation: dict[str, Any] = {"executionSuccessful": not evaluation.incomplete}
    for key, field in (("startTimeUtc", "started_at"), ("endTimeUtc", "finished_at")):
        value = report.manifest.get(field)
        if isinstance(value, str) and value:
            invocation[key] = value
    notifications = [_failed_call(call) for call in evaluation.failed_calls]
    if left_out:
        notifications.append({
            "level": "warning",
            "message": {"text": f"{left_out} of {reported} results were left out: GitHub code "
                                f"scanning accepts at most {MAX_RESULTS} per run. The least "
                                "severe were left out; the run's results/results.json has "
                                "them all."}})
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _failed_call(call: Mapping[str, str]) -> dict[str, Any]:
    detail = f": {call['message']}" if call.get("message") else ""
    notification: dict[str, Any] = {
        "level": "error",
        "message": {"text": f"{call.get('call') or call.get('operation')} failed "
                            f"({call.get('code')}){detail}"}}
    if call.get("file"):
        notification["locations"] = [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(str(call["file"])), "uriBaseId": ROOT}}}]
    return notification


def _run_properties(report: ReportInput, left_out: int) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "run_id": report.run_id,
        "evaluated_at": report.evaluated_at,
        "provenance": report.provenance.describe(),
        "by_status": report.evaluation.counts(),
    }
    if report.period:
        properties["period"] = report.period
    if left_out:
        properties["results_left_out"] = left_out
    return properties


def _rule(rule_id: str, summary: Mapping[str, Any], seen: Severity, description: str,
          catalogue: Mapping[str, Control]) -> dict[str, Any]:
    severity = _severity(summary.get("severity"), seen)
    title = str(summary.get("title") or "").strip() or rule_id
    area = str(summary.get("area") or "").strip()
    remediation = str(summary.get("remediation") or "").strip()
    controls = [str(c) for c in summary.get("controls") or ()]
    tags = _unique(["security", "hipaa", *([area] if area else []), *controls])[:MAX_TAGS]
    return {
        "id": rule_id,
        "name": _pascal(rule_id),
        "shortDescription": {"text": _limit(title)},
        "fullDescription": {"text": _limit(description.strip() or title)},
        "help": {"text": remediation or _limit(description.strip() or title),
                 "markdown": _help_markdown(remediation, description, severity, summary,
                                            controls, catalogue)},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {"tags": tags, "security-severity": SECURITY_SEVERITY[severity],
                       "precision": "very-high", "severity": severity.label},
    }


def _help_markdown(remediation: str, description: str, severity: Severity,
                   summary: Mapping[str, Any], controls: Sequence[str],
                   catalogue: Mapping[str, Control]) -> str:
    parts = []
    if remediation:
        parts.append(f"**Remediation.** {remediation}")
    if description.strip():
        parts.append(description.strip())
    facts = [f"- Severity: {severity.label}"]
    if summary.get("area"):
        facts.append(f"- Area: {summary['area']}")
    if summary.get("resource_type"):
        facts.append(f"- Resource type: `{summary['resource_type']}`")
    for control_id in controls:
        control = catalogue.get(control_id)
        named = f"{control.citation}: {control.title}" if control else control_id
        facts.append(f"- HIPAA control: {named}")
    parts.append("\n".join(facts))
    return "\n\n".join(parts)


def _result(result: Result, rule_index: int) -> dict[str, Any]:
    level = ERROR_LEVEL if result.status is Status.ERROR else LEVEL[result.severity]
    first = result.records[0] if result.records else None
    file = first.file if first else str((result.failure or {}).get("file") or "") or NO_RECORD
    name = _resource(result)
    properties: dict[str, Any] = {
        "result_id": result.id, "status": result.status.value,
        "severity": result.severity.label, "account": result.account,
        "region": result.region, "resource_type": result.resource_type,
        "record_pointer": first.pointer if first else "",
    }
    if first is not None and first.row is not None:
        properties["record_row"] = first.row
    out: dict[str, Any] = {
        "ruleId": result.rule_id,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": level,
        "message": {"text": _message(result)},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": _uri(file), "uriBaseId": ROOT}},
            "logicalLocations": [{"fullyQualifiedName": result.resource_id,
                                  "name": name or result.resource_id, "kind": "resource"}],
        }],
        "partialFingerprints": {FINGERPRINT: result.id},
        "fingerprints": {FINGERPRINT: result.id},
        "properties": properties,
    }
    if result.status is Status.WAIVED:
        out["suppressions"] = [_suppression(result.exception or {})]
    return out


def _resource(result: Result) -> str:
    """What a reader calls the resource: its name, else its id ('' for a rule-wide result)."""
    if result.resource_name:
        return result.resource_name
    return "" if result.resource_id in ("", "*") else result.resource_id


def _message(result: Result) -> str:
    text = result.message.strip() or result.rule_id
    name = _resource(result)
    if name and name not in text:
        text = f"{name}: {text}"
    if result.status is Status.ERROR:
        text = f"Could not judge: {text}"
    return text


def _suppression(exception: Mapping[str, Any]) -> dict[str, Any]:
    reason = str(exception.get("reason") or "").strip()
    ticket = str(exception.get("ticket") or "").strip()
    suppression: dict[str, Any] = {
        "kind": "external", "status": "accepted",
        "justification": reason or f"waived by exception {ticket or '(no ticket)'}",
    }
    properties = {key: str(exception[key]) for key in ("ticket", "owner", "expires", "source")
                  if exception.get(key)}
    if properties:
        suppression["properties"] = properties
    return suppression


def _severity(label: Any, seen: Severity) -> Severity:
    try:
        return Severity.parse(str(label)) if label else seen
    except ValueError:
        return seen


def _pascal(rule_id: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in _WORD.findall(rule_id)) or rule_id


def _limit(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1].rstrip() + "\u2026"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _uri(path: str) -> str:
    """A path relative to the run directory as a relative URI reference."""
    return quote(path.replace("\\", "/").lstrip("/"), safe=_URI_SAFE)
