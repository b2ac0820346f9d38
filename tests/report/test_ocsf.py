"""The OCSF report: every event of the demo run is a Compliance Finding the official OCSF 1.8.0
schema accepts (with the cloud profile where it names one), each result maps to the status
and severity OCSF defines, and the bytes depend on the run alone, fast at 100,000 results."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from govkit.policy.model import Severity
from govkit.report.formats import Artifact, Options
from govkit.report.formats.ocsf import FORMAT, TYPE_UID, epoch_millis
from govkit.report.source import Provenance, ReportInput, open_run
from govkit.results import Evaluation, RecordRef, Result, Status
from tests.report.conftest import SCHEMAS

SCHEMA_FILES = {(): "ocsf-1.8.0-compliance_finding.schema.json",
                ("cloud",): "ocsf-1.8.0-compliance_finding+cloud.schema.json"}
EVALUATED_AT = "2026-12-02T16:15:09.587633Z"
AWS_ACCOUNT = "123456789012"


@cache
def validator(profiles: tuple[str, ...]) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / SCHEMA_FILES[profiles]).read_bytes())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate(event: Mapping[str, Any]) -> None:
    """As the schemas' README says: against the schema of the profiles the event lists."""
    validator(tuple(event["metadata"]["profiles"])).validate(event)
    assert event["type_uid"] == event["class_uid"] * 100 + event["activity_id"]


def lines(artifact: Artifact) -> list[dict[str, Any]]:
    text = artifact.data.decode("utf-8")
    assert text.endswith("\n") and "\r" not in text
    found = [json.loads(line) for line in text.split("\n")[:-1]]
    assert all(isinstance(e, dict) for e in found)
    return found


def render(report: ReportInput) -> Artifact:
    [artifact] = FORMAT.render(report, Options())
    return artifact


def synthetic(results: Iterable[Result], rules: Mapping[str, Mapping[str, Any]],
              manifest: Mapping[str, Any] | None = None) -> ReportInput:
    """A run as reports read it, made in memory (no rule files: no descriptions)."""
    if manifest is None:
        manifest = {"run_id": "20261202T161505Z-synthetic", "accounts": [AWS_ACCOUNT],
                    "sources": [{"type": "aws", "caller_account": AWS_ACCOUNT}],
                    "tool": {"name": "govkit", "version": "0.1.0"}}
    return ReportInput(source=Path("synthetic"), run_dir=Path("/nonexistent/synthetic-run"),
                       manifest=manifest, document={"evaluated_at": EVALUATED_AT},
                       evaluation=Evaluation(results=tuple(results), rules=dict(rules)),
                       catalogue=None, provenance=Provenance(False, None, None))


def rule(title: str = "A rule", **more: Any) -> dict[str, Any]:
    return {"title": title, "area": "encryption", "severity": "high",
            "resource_type": "aws.s3.bucket", "controls": ["164.312(a)(2)(iv)"],
            "remediation": "Turn it on.", "parameters": {}, **more}


def result(rule_id: str, status: Status, resource_id: str, **more: Any) -> Result:
    fields: dict[str, Any] = {
        "rule_id": rule_id, "status": status, "severity": Severity.HIGH,
        "resource_id": resource_id, "resource_type": "aws.s3.bucket", "account": AWS_ACCOUNT,
        "region": "us-east-1", "controls": ("164.312(a)(2)(iv)",), "message": "a message",
        "records": (RecordRef("Encryption", "snapshots/a/b/s3/GetBucketEncryption.json",
                              "/response/ServerSideEncryptionConfiguration"),)}
    fields.update(more)
    return Result(**fields)


@pytest.fixture(scope="module")
def demo_events(demo_report: ReportInput) -> list[dict[str, Any]]:
    return lines(render(demo_report))


def test_every_event_of_the_demo_is_a_valid_compliance_finding(
        demo_report: ReportInput, demo_events: list[dict[str, Any]]) -> None:
    artifact = render(demo_report)
    assert artifact.name == f"{demo_report.run_id}.ocsf.jsonl"
    assert artifact.media_type == "application/x-ndjson"
    for event in demo_events:
        validate(event)
        assert (event["class_uid"], event["category_uid"], event["activity_id"],
                event["type_uid"]) == (2003, 2, 1, 200301) == (2003, 2, 1, TYPE_UID)
        assert event["metadata"]["version"] == "1.8.0"
        assert event["metadata"]["product"]["name"] == "govkit"
    profiles = Counter(tuple(e["metadata"]["profiles"]) for e in demo_events)
    assert profiles[("cloud",)] and profiles[()], profiles  # both schemas were exercised


def test_one_event_per_result_but_the_not_applicable(
        demo_report: ReportInput, demo_events: list[dict[str, Any]]) -> None:
    results = {r.id: r for r in demo_report.evaluation.results}
    judged = {i for i, r in results.items() if r.status is not Status.NOT_APPLICABLE}
    uids = [e["finding_info"]["uid"] for e in demo_events]
    assert len(uids) == len(set(uids)) == len(judged) and set(uids) == judged
    assert len(judged) < len(results)  # the demo has NOT_APPLICABLE results, left out
    assert len({e["metadata"]["uid"] for e in demo_events}) == len(demo_events)


def test_each_event_says_what_its_result_says(
        demo_report: ReportInput, demo_events: list[dict[str, Any]]) -> None:
    results = {r.id: r for r in demo_report.evaluation.results}
    severity = {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
    compliance = {"PASS": 1, "FAIL": 3, "ERROR": 2, "WAIVED": 3}
    millis = epoch_millis(demo_report.evaluated_at)
    for event in demo_events:
        found = results[event["finding_info"]["uid"]]
        summary = demo_report.rules[found.rule_id]
        assert event["severity_id"] == severity[found.severity.label]
        assert event["time"] == millis
        assert event["message"] == event["finding_info"]["desc"] == found.message
        assert event["finding_info"]["title"] == summary["title"]
        assert event["finding_info"]["types"] == [summary["area"]]
        checked = event["compliance"]
        assert checked["standards"] == ["HIPAA Security Rule"]
        assert checked["requirements"] == list(found.controls)
        assert checked["control"] == found.rule_id
        assert checked["status_id"] == compliance[found.status.value]
        assert checked["status_code"] == found.status.value
        assert checked["status_details"][0] == found.message
        assert event["status_id"] == (3 if found.status is Status.WAIVED else 1)
        [resource] = event["resources"]
        assert resource["uid"] == found.resource_id
        assert resource["type"] == found.resource_type
        assert resource.get("name", "") == found.resource_name
        assert [e["file"]["path"] for e in event.get("evidences", [])] == \
            [r.file for r in found.records]
        cloud = event["metadata"]["profiles"] == ["cloud"]
        assert cloud == ("cloud" in event)
        if cloud:
            assert event["cloud"]["provider"] == "AWS"
            assert event["cloud"]["account"]["uid"] == found.account == AWS_ACCOUNT
        else:
            assert not found.resource_type.startswith("aws.")


def test_the_clouds_are_the_scanned_aws_accounts_and_nothing_else(
        demo_events: list[dict[str, Any]]) -> None:
    by_type: dict[str, set[bool]] = {}
    for event in demo_events:
        kind = event["resources"][0]["type"]
        by_type.setdefault(kind, set()).add("cloud" in event)
    assert all(by_type[t] == {True} for t in by_type if t.startswith("aws."))
    for kind in ("okta.user", "entra.user", "person", "vendor.record"):
        assert by_type[kind] == {False}, kind
    windows = [e for e in demo_events if e["resources"][0]["type"] == "vdi.window"]
    assert {e["unmapped"]["account"] for e in windows if "cloud" in e} == {AWS_ACCOUNT}
    assert AWS_ACCOUNT not in {e["unmapped"]["account"] for e in windows if "cloud" not in e}
    regional = [e for e in demo_events if e["unmapped"]["region"] == "us-west-2"
                and "cloud" in e]
    assert regional and all(e["cloud"]["region"] == e["resources"][0]["region"] == "us-west-2"
                            and e["cloud"]["cloud_partition"] == "aws" for e in regional)
    assert all("region" not in e["cloud"] for e in demo_events
               if "cloud" in e and e["unmapped"]["region"] in ("global", "*"))


def test_a_waived_result_fails_its_check_and_is_suppressed_with_its_exception(
        demo_events: list[dict[str, Any]]) -> None:
    [waived] = [e for e in demo_events if e["compliance"]["status_code"] == "WAIVED"]
    assert (waived["compliance"]["status_id"], waived["compliance"]["status"]) == (3, "Fail")
    assert (waived["status_id"], waived["status"]) == (3, "Suppressed")
    assert waived["unmapped"]["exception"]["ticket"] == "CLOUD-318"
    assert "CLOUD-318" in waived["compliance"]["status_details"][1]
    assert waived["remediation"]["desc"]
    # the demo's public website bucket had an exception that lapsed: it fails, new, and says so
    lapsed = [e for e in demo_events if e["compliance"]["status_code"] == "FAIL"
              and "exception" in e["unmapped"]]
    assert lapsed and all(e["status_id"] == 1 and e["unmapped"]["exception"]["state"] ==
                          "expired" and "expired" in e["compliance"]["status_details"][1]
                          for e in lapsed)


def test_an_error_is_a_warning_naming_the_call_that_failed() -> None:
    failure = {"call": "s3:GetBucketEncryption", "operation": "GetBucketEncryption",
               "code": "AccessDenied", "message": "not authorised",
               "file": "snapshots/123456789012/us-east-1/s3/GetBucketEncryption.json"}
    report = synthetic([result("r", Status.ERROR, "arn:aws:s3:::b", failure=failure,
                               records=(), message="cannot read the encryption of b")],
                       {"r": rule()})
    [event] = lines(render(report))
    validate(event)
    checked = event["compliance"]
    assert (checked["status_id"], checked["status"], checked["status_code"]) == \
        (2, "Warning", "ERROR")
    assert "AccessDenied" in checked["status_details"][1]
    assert event["unmapped"]["failure"] == failure
    assert "evidences" not in event


def test_partitions_regions_and_runs_without_aws() -> None:
    results = [
        result("r", Status.FAIL, "arn:aws-us-gov:s3:::gov-bucket", region="us-gov-west-1"),
        result("r", Status.FAIL, "arn:aws-cn:iam::123456789012:user/li", region="global",
               resource_type="aws.iam.user"),
        result("r", Status.PASS, "no-arn-here", region="cn-north-1"),
        result("r", Status.PASS, "okta:tenant:user/1", resource_type="okta.user",
               account="northbridge.okta.com", region="global", records=()),
        result("r", Status.NOT_APPLICABLE, "*"),
    ]
    events = {e["resources"][0]["uid"]: e for e in lines(render(synthetic(
        results, {"r": rule(parameters={"sla_hours": 24, "systems": ["okta", "entra"]})})))}
    for event in events.values():
        validate(event)
    assert set(events) == {"arn:aws-us-gov:s3:::gov-bucket", "arn:aws-cn:iam::123456789012:user/li",
                           "no-arn-here", "okta:tenant:user/1"}
    gov = events["arn:aws-us-gov:s3:::gov-bucket"]["cloud"]
    assert (gov["cloud_partition"], gov["region"]) == ("aws-us-gov", "us-gov-west-1")
    china = events["arn:aws-cn:iam::123456789012:user/li"]["cloud"]
    assert china["cloud_partition"] == "aws-cn" and "region" not in china
    assert events["no-arn-here"]["cloud"]["cloud_partition"] == "aws-cn"
    assert events["okta:tenant:user/1"]["metadata"]["profiles"] == []
    assert events["no-arn-here"]["compliance"]["control_parameters"] == [
        {"name": "sla_hours", "value": "24"}, {"name": "systems", "values": ["okta", "entra"]}]
    # a run that scanned no AWS: the identity-provider results carry no cloud
    no_aws = {"run_id": "r", "accounts": [], "sources": [{"type": "okta"}]}
    [event] = lines(render(synthetic(results[3:4], {"r": rule()}, no_aws)))
    validate(event)
    assert "cloud" not in event


def test_time_is_the_evaluation_in_epoch_milliseconds() -> None:
    moment = dt.datetime(2026, 12, 2, 16, 15, 9, 587633, tzinfo=dt.timezone.utc)
    assert epoch_millis(EVALUATED_AT) == int(moment.timestamp()) * 1000 + 587
    assert epoch_millis("1970-01-01T00:00:00Z") == 0
    assert epoch_millis("2026-12-02T17:15:09.5+01:00") == epoch_millis("2026-12-02T16:15:09.5Z")


def test_the_bytes_depend_on_the_run_alone(demo_run_dir: Path, demo_report: ReportInput) -> None:
    first = render(demo_report).data
    with open_run(demo_run_dir) as again:
        assert render(again).data == first
    shuffled = list(demo_report.evaluation.results)
    random.Random(7).shuffle(shuffled)
    reordered = ReportInput(
        source=demo_report.source, run_dir=demo_report.run_dir,
        manifest=demo_report.manifest, document=demo_report.document,
        evaluation=Evaluation(results=tuple(shuffled), rules=demo_report.rules),
        catalogue=demo_report.catalogue, provenance=demo_report.provenance)
    assert render(reordered).data == first
    assert first.isascii()


def test_a_large_run_gives_one_valid_event_per_judged_result() -> None:
    # (render time at 100,000 results is measured by benchmarks/report_formats.py)
    statuses = [Status.PASS, Status.FAIL, Status.ERROR, Status.WAIVED, Status.NOT_APPLICABLE]
    rules = {f"rule-{i}": rule(f"Rule {i}") for i in range(40)}
    results = [result(f"rule-{i % 40}", statuses[i % 5], f"arn:aws:s3:::bucket-{i}",
                      severity=Severity(i % 5), resource_name=f"bucket-{i}",
                      exception={"reason": "accepted", "expires": "2099-01-01"}
                      if statuses[i % 5] is Status.WAIVED else None)
               for i in range(20_000)]
    artifact = render(synthetic(results, rules))
    assert artifact.data.count(b"\n") == 16_000
    for line in bytes(artifact.data).split(b"\n")[:-1:997]:
        validate(json.loads(line))
