"""OCSF 1.8.0 Compliance Finding events (class 2003, activity Create), one JSON object a line.

Every result but NOT_APPLICABLE is one event (a SIEM needs the passes to see a finding close):

==============  ====================  =================  ====================================
govkit          compliance.status_id  status_id          why
==============  ====================  =================  ====================================
PASS            1 Pass                1 New
FAIL            3 Fail                1 New
ERROR           2 Warning             1 New              OCSF's Warning is "the compliance
                                                         check did not yield a result due to
                                                         missing information": what ERROR is
WAIVED          3 Fail                3 Suppressed       the check failed; an approved
                                                         exception accepts the risk
==============  ====================  =================  ====================================

``compliance.status_code`` keeps govkit's own status, and ``compliance.status_details`` the
result's message (with, for ERROR, the call that failed, for WAIVED the exception, and for a
FAIL whose exception has expired, that exception).
Severity: info, low, medium, high and critical are OCSF's Informational (1) to Critical (5).
``time`` is when the run was evaluated, in epoch milliseconds; ``finding_info.uid`` is the
result's id, the same for the same rule and resource in every run, and ``metadata.uid`` is
unique to the run (``<run_id>/<result id>``), with the run id as ``metadata.correlation_uid``.

A result about an AWS account the run scanned (any ``aws.*`` resource, and the account's VDI
windows and identities) carries the ``cloud`` profile: ``cloud`` names the provider, account,
partition and region, and so do its resource's details. The others (identity providers, HR,
vendors) list no profile. ``evidences`` name each record the result was judged on: the
snapshot file (relative to the run directory) and the JSON Pointer inside it. ``unmapped``
keeps what OCSF has no place for: govkit's status, the account or tenant, the region, and the
exception or failed call.

The bytes depend on the run alone: keys sorted, events in the results' stable order.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from govkit.policy.model import Severity
from govkit.report.formats import Artifact, Format, Options, tool_version
from govkit.report.source import ReportInput
from govkit.results import RecordRef, Result, Status

OCSF_VERSION = "1.8.0"
CATEGORY_UID, CATEGORY_NAME = 2, "Findings"
CLASS_UID, CLASS_NAME = 2003, "Compliance Finding"
ACTIVITY_ID, ACTIVITY_NAME = 1, "Create"
TYPE_UID = CLASS_UID * 100 + ACTIVITY_ID
MEDIA_TYPE = "application/x-ndjson"
STANDARD = "HIPAA Security Rule"
HIPAA_CATALOGUE = "hipaa-security-rule"
CLOUD_PROFILE = "cloud"

SEVERITY: Mapping[Severity, tuple[int, str]] = {
    Severity.INFO: (1, "Informational"), Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"), Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical")}

# govkit status -> (compliance.status_id, its caption, finding status_id, its caption)
STATUS: Mapping[Status, tuple[int, str, int, str]] = {
    Status.PASS: (1, "Pass", 1, "New"),
    Status.FAIL: (3, "Fail", 1, "New"),
    Status.ERROR: (2, "Warning", 1, "New"),
    Status.WAIVED: (3, "Fail", 3, "Suppressed"),
}

REGIONLESS = frozenset({"", "*", "global"})
# the partitions whose regions do not start like the commercial ones, longest prefix first
PARTITIONS = (("us-isob-", "aws-iso-b"), ("us-isof-", "aws-iso-f"), ("eu-isoe-", "aws-iso-e"),
              ("us-iso-", "aws-iso"), ("us-gov-", "aws-us-gov"), ("cn-", "aws-cn"))


def epoch_millis(text: str) -> int:
    """An ISO-8601 time (``Z`` or an offset; naive is UTC) as whole milliseconds since 1970."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    return (moment - epoch) // dt.timedelta(milliseconds=1)


def aws_accounts(manifest: Mapping[str, Any]) -> frozenset[str]:
    """The AWS accounts the run scanned (none when it did not scan AWS)."""
    source = next((s for s in manifest.get("sources") or []
                   if isinstance(s, Mapping) and s.get("type") == "aws"), None)
    if source is None:
        return frozenset()
    found = {str(a) for a in manifest.get("accounts") or []}
    found |= {str(a) for a in source.get("organization_accounts") or []}
    if source.get("caller_account"):
        found.add(str(source["caller_account"]))
    return frozenset(found)


def partition(result: Result) -> str | None:
    """The AWS partition: from the resource's ARN, else from its region."""
    if result.resource_id.startswith("arn:"):
        parts = result.resource_id.split(":", 2)
        if len(parts) == 3 and parts[1]:
            return parts[1]
    if result.region in REGIONLESS:
        return None
    return next((name for prefix, name in PARTITIONS if result.region.startswith(prefix)), "aws")


def _parameters(parameters: Any) -> list[dict[str, Any]]:
    """A rule's parameters as OCSF key/value objects (values are text)."""
    found: list[dict[str, Any]] = []
    if not isinstance(parameters, Mapping):
        return found
    for name in sorted(parameters):
        value = parameters[name]
        if isinstance(value, list | tuple):
            found.append({"name": str(name), "values": [_text(v) for v in value]})
        else:
            found.append({"name": str(name), "value": _text(value)})
    return found


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _evidence(record: RecordRef) -> dict[str, Any]:
    data: dict[str, Any] = {"pointer": record.pointer}
    if record.row is not None:
        data["row"] = record.row
    return {"name": record.attribute,
            "file": {"name": record.file.rsplit("/", 1)[-1], "path": record.file,
                     "type_id": 1},  # Regular File
            "data": data}


def _details(result: Result) -> list[str]:
    details = [result.message]
    if result.status is Status.ERROR and result.failure:
        failure = result.failure
        parts = [str(failure.get(k)) for k in ("call", "code", "message") if failure.get(k)]
        if parts:
            details.append("could not judge: " + ": ".join(parts))
    exception = result.exception
    if exception and result.status is Status.WAIVED:
        details.append(
            f"waived by exception {exception.get('source') or ''} until "
            f"{exception.get('expires') or 'no expiry'}, owner {exception.get('owner') or '?'}"
            f", ticket {exception.get('ticket') or 'none'}: {exception.get('reason') or ''}")
    elif exception:  # an exception that matched but no longer holds (it expired)
        ticket = exception.get("ticket") or "no ticket"
        details.append(
            f"exception {exception.get('source') or ''} ({ticket}) is "
            f"{exception.get('state') or 'not in force'}, expiry "
            f"{exception.get('expires') or 'none'}: not applied")
    return details


class _Events:
    """What every event of one run shares, worked out once."""

    def __init__(self, report: ReportInput) -> None:
        self.report = report
        self.rules = report.rules
        self.descriptions = report.descriptions
        self.time = epoch_millis(report.evaluated_at)
        self.run_id = report.run_id
        self.aws = aws_accounts(report.manifest)
        self.product = {"name": "govkit", "vendor_name": "govkit",
                        "version": tool_version(report)}
        catalogue = report.catalogue
        self.standards = [catalogue.title if catalogue is not None
                          and catalogue.id != HIPAA_CATALOGUE else STANDARD]
        self.parameters = {rule_id: _parameters(summary.get("parameters"))
                           for rule_id, summary in self.rules.items()}

    def is_aws(self, result: Result) -> bool:
        return result.resource_type.startswith("aws.") or result.account in self.aws

    def event(self, result: Result) -> dict[str, Any]:
        rule = self.rules.get(result.rule_id) or {}
        compliance_id, compliance, status_id, status = STATUS[result.status]
        severity_id, severity = SEVERITY[result.severity]
        cloud = self.is_aws(result)
        finding: dict[str, Any] = {"uid": result.id,
                                   "title": str(rule.get("title") or result.rule_id),
                                   "desc": result.message}
        if rule.get("area"):
            finding["types"] = [str(rule["area"])]
        checked: dict[str, Any] = {
            "standards": self.standards, "requirements": list(result.controls),
            "control": result.rule_id, "status_id": compliance_id, "status": compliance,
            "status_code": result.status.value, "status_details": _details(result)}
        if self.descriptions.get(result.rule_id):
            checked["desc"] = self.descriptions[result.rule_id]
        if self.parameters.get(result.rule_id):
            checked["control_parameters"] = self.parameters[result.rule_id]
        resource: dict[str, Any] = {"uid": result.resource_id, "type": result.resource_type}
        if result.resource_name:
            resource["name"] = result.resource_name
        unmapped: dict[str, Any] = {"status": result.status.value, "account": result.account,
                                    "region": result.region, "run_id": self.run_id}
        if result.exception is not None:
            unmapped["exception"] = dict(result.exception)
        if result.failure is not None:
            unmapped["failure"] = dict(result.failure)
        event: dict[str, Any] = {
            "activity_id": ACTIVITY_ID, "activity_name": ACTIVITY_NAME,
            "category_uid": CATEGORY_UID, "category_name": CATEGORY_NAME,
            "class_uid": CLASS_UID, "class_name": CLASS_NAME,
            "type_uid": TYPE_UID, "type_name": f"{CLASS_NAME}: {ACTIVITY_NAME}",
            "severity_id": severity_id, "severity": severity,
            "status_id": status_id, "status": status,
            "time": self.time, "message": result.message,
            "metadata": {"version": OCSF_VERSION, "product": self.product,
                         "profiles": [CLOUD_PROFILE] if cloud else [],
                         "uid": f"{self.run_id}/{result.id}",
                         "correlation_uid": self.run_id,
                         "original_time": self.report.evaluated_at},
            "finding_info": finding, "compliance": checked, "resources": [resource],
            "unmapped": unmapped,
        }
        if result.records:
            event["evidences"] = [_evidence(r) for r in result.records]
        remediation = rule.get("remediation")
        if remediation and result.status is not Status.PASS:
            event["remediation"] = {"desc": str(remediation)}
        if cloud:
            where: dict[str, Any] = {"provider": "AWS"}
            if result.account and result.account != "*":
                where["account"] = {"uid": result.account, "type_id": 10,
                                    "type": "AWS Account"}
            name = partition(result)
            if name:
                where["cloud_partition"] = resource["cloud_partition"] = name
            if result.region not in REGIONLESS:
                where["region"] = resource["region"] = result.region
            event["cloud"] = where
        return event


def events(report: ReportInput) -> Iterator[dict[str, Any]]:
    """The events of a run, in the results' stable order, made one at a time."""
    shared = _Events(report)
    chosen = sorted((r for r in report.evaluation.results
                     if r.status is not Status.NOT_APPLICABLE),
                    key=lambda r: (*r.sort_key(), r.id))
    return (shared.event(r) for r in chosen)


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def encode(found: Iterable[Mapping[str, Any]]) -> bytearray:
    """JSON lines: each event on one line, keys sorted, ASCII only, a line feed after each.
    Appended event by event, so a large run holds its output once, not three times over."""
    out = bytearray()
    for event in found:
        out += _ENCODER.encode(event).encode("ascii")
        out += b"\n"
    return out


def render(report: ReportInput, options: Options) -> list[Artifact]:
    return [Artifact(f"{report.run_id}.ocsf.jsonl", encode(events(report)), MEDIA_TYPE)]


FORMAT = Format(name="ocsf", description="OCSF 1.8.0 Compliance Finding events, one JSON "
                "object a line, for a SIEM or security lake", render=render)
