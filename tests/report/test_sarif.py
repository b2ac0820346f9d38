"""The SARIF format: valid against the OASIS schema, within what GitHub code scanning accepts,
faithful to the run's counts, and the same bytes every time."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest

from govkit.policy.model import Severity
from govkit.report.formats import Options
from govkit.report.formats.sarif import FORMAT, MAX_RESULTS
from govkit.report.source import ReportInput, open_run
from govkit.results import Evaluation, Result, Status, result_id

from .conftest import SCHEMAS, STORED_BUNDLE, render_one

SARIF_SCHEMA = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
# GitHub's security-severity bands, as its documentation gives them
BANDS = {"critical": (9.0, 10.0), "high": (7.0, 8.9), "medium": (4.0, 6.9), "low": (0.1, 3.9),
         "info": (0.1, 3.9)}
# RFC 3986 relative reference with no scheme: unreserved, sub-delims, ':', '@', '/' and
# percent escapes, first segment free of ':'
RELATIVE_URI = re.compile(r"(?![^/]*:)(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})+")


def render(report: ReportInput, options: Options | None = None) -> bytes:
    return bytes(render_one(FORMAT, report, options, name=f"{report.run_id}.sarif",
                            media_type="application/sarif+json").data)


def load(data: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(data)
    return document


def schema_errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft4Validator(
        SARIF_SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)]


def github_problems(document: dict[str, Any]) -> list[str]:
    """What GitHub code scanning asks beyond the schema (its SARIF support page and upload
    limits), checked field by field."""
    problems: list[str] = []
    runs = document["runs"]
    if not 1 <= len(runs) <= 20:
        problems.append(f"{len(runs)} runs")
    for run in runs:
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            problems.append("tool.driver.name is empty")
        rules = driver.get("rules", [])
        for rule in rules:
            where = f"rule {rule.get('id')!r}"
            if not rule.get("id"):
                problems.append(f"{where}: no id")
            for field in ("shortDescription", "fullDescription"):
                text = (rule.get(field) or {}).get("text", "")
                if not text.strip() or len(text) > 1024:
                    problems.append(f"{where}: {field}.text empty or over 1024 characters")
            if not (rule.get("help") or {}).get("text", "").strip():
                problems.append(f"{where}: help.text empty")
            properties = rule.get("properties") or {}
            tags = properties.get("tags", [])
            if len(tags) > 20 or len(set(tags)) != len(tags):
                problems.append(f"{where}: tags {tags}")
            score = properties.get("security-severity")
            if not isinstance(score, str) or not re.fullmatch(r"\d{1,2}\.\d", score) or \
                    not 0.1 <= float(score) <= 10.0:
                problems.append(f"{where}: security-severity {score!r}")
        results = run.get("results", [])
        if len(results) > 25_000:
            problems.append(f"{len(results)} results in a run")
        for number, result in enumerate(results):
            where = f"result {number}"
            if not result.get("message", {}).get("text", "").strip():
                problems.append(f"{where}: no message.text")
            index = result.get("ruleIndex")
            if not isinstance(index, int) or rules[index]["id"] != result.get("ruleId"):
                problems.append(f"{where}: ruleIndex {index} does not name {result['ruleId']}")
            locations = result.get("locations", [])
            if not 1 <= len(locations) <= 10:
                problems.append(f"{where}: {len(locations)} locations")
            for location in locations:
                uri = location.get("physicalLocation", {}).get("artifactLocation", {}).get("uri")
                if not uri or not RELATIVE_URI.fullmatch(uri):
                    problems.append(f"{where}: artifact uri {uri!r}")
            if not result.get("partialFingerprints"):
                problems.append(f"{where}: no partialFingerprints")
    return problems


@pytest.fixture(scope="module")
def demo_sarif(demo_report: ReportInput) -> dict[str, Any]:
    return load(render(demo_report))


def test_the_demo_run_is_valid_sarif_that_github_accepts(demo_sarif: dict[str, Any]) -> None:
    assert demo_sarif["version"] == "2.1.0"
    assert schema_errors(demo_sarif) == []
    assert github_problems(demo_sarif) == []


def test_the_file_is_sorted_indented_json_ending_in_a_newline(demo_report: ReportInput) -> None:
    data = render(demo_report)
    assert data.endswith(b"}\n")
    assert data == (json.dumps(json.loads(data), indent=2, sort_keys=True, ensure_ascii=False)
                    + "\n").encode("utf-8")


def test_the_same_run_gives_the_same_bytes(demo_report: ReportInput,
                                           demo_run_dir: Path) -> None:
    first = render(demo_report)
    assert render(demo_report) == first
    with open_run(demo_run_dir) as again:
        assert render(again) == first


def test_results_are_the_runs_failures_errors_and_waived_findings(
        demo_report: ReportInput, demo_sarif: dict[str, Any]) -> None:
    run = demo_sarif["runs"][0]
    results = run["results"]
    counts = demo_report.evaluation.counts()
    suppressed = [r for r in results if r.get("suppressions")]
    judged = [r for r in results if not r["message"]["text"].startswith("Could not judge")]
    assert counts["FAIL"] > 0 and counts["WAIVED"] > 0
    assert len(judged) - len(suppressed) == counts["FAIL"]
    assert len(suppressed) == counts["WAIVED"]
    assert len(results) == counts["FAIL"] + counts["ERROR"] + counts["WAIVED"]

    reported = {r.id: r for r in demo_report.evaluation.results
                if r.status in (Status.FAIL, Status.ERROR, Status.WAIVED)}
    assert {r["partialFingerprints"]["govkitResult/v1"] for r in results} == set(reported)
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rule_ids == sorted({r.rule_id for r in reported.values()})
    for result in results:
        finding = reported[result["fingerprints"]["govkitResult/v1"]]
        assert result["ruleId"] == finding.rule_id
        assert finding.message in result["message"]["text"]
        expected = {Severity.CRITICAL: "error", Severity.HIGH: "error",
                    Severity.MEDIUM: "warning", Severity.LOW: "note",
                    Severity.INFO: "note"}[finding.severity]
        assert result["level"] == expected
        logical = result["locations"][0]["logicalLocations"][0]
        assert logical["fullyQualifiedName"] == finding.resource_id
        if finding.resource_name:
            assert logical["name"] == finding.resource_name
            assert finding.resource_name in result["message"]["text"]


def test_a_waived_finding_is_suppressed_with_its_exceptions_reason(
        demo_report: ReportInput, demo_sarif: dict[str, Any]) -> None:
    waived = [r for r in demo_report.evaluation.results if r.status is Status.WAIVED]
    assert waived  # the demo has findings under an exception: else this checks nothing
    by_id = {r["partialFingerprints"]["govkitResult/v1"]: r
             for r in demo_sarif["runs"][0]["results"]}
    for finding in waived:
        assert finding.exception is not None
        suppression, = by_id[finding.id]["suppressions"]
        assert suppression == {
            "kind": "external", "status": "accepted",
            "justification": finding.exception["reason"],
            "properties": {key: finding.exception[key]
                           for key in ("ticket", "owner", "expires", "source")}}
    assert all(not r.get("suppressions") for fid, r in by_id.items()
               if fid not in {f.id for f in waived})


def test_every_location_names_a_record_of_the_run(demo_run_dir: Path,
                                                  demo_report: ReportInput,
                                                  demo_sarif: dict[str, Any]) -> None:
    run = demo_sarif["runs"][0]
    assert run["originalUriBaseIds"] == {"RUNROOT": {"description": {"text": "the run directory"}}}
    by_id = {r.id: r for r in demo_report.evaluation.results}
    for result in run["results"]:
        physical = result["locations"][0]["physicalLocation"]
        assert set(physical) == {"artifactLocation"}  # no region: records have no lines
        location = physical["artifactLocation"]
        assert location["uriBaseId"] == "RUNROOT"
        assert (demo_run_dir / unquote(location["uri"])).is_file(), location["uri"]
        finding = by_id[result["properties"]["result_id"]]
        assert unquote(location["uri"]) == finding.records[0].file
        assert result["properties"]["record_pointer"] == finding.records[0].pointer
        assert result["properties"]["account"] == finding.account
        assert result["properties"]["region"] == finding.region


def test_rules_carry_github_metadata(demo_report: ReportInput,
                                     demo_sarif: dict[str, Any]) -> None:
    for rule in demo_sarif["runs"][0]["tool"]["driver"]["rules"]:
        summary = demo_report.rules[rule["id"]]
        assert rule["shortDescription"]["text"] == summary["title"]
        assert rule["fullDescription"]["text"] == \
            (demo_report.descriptions.get(rule["id"]) or summary["title"])[:1024]
        assert rule["help"]["text"] == summary["remediation"]
        assert summary["remediation"] in rule["help"]["markdown"]
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", rule["name"])
        properties = rule["properties"]
        assert properties["precision"] == "very-high"
        assert {"hipaa", summary["area"], *summary["controls"]} <= set(properties["tags"])
        low, high = BANDS[summary["severity"]]
        assert low <= float(properties["security-severity"]) <= high
        level = {"critical": "error", "high": "error", "medium": "warning"}.get(
            summary["severity"], "note")
        assert rule["defaultConfiguration"]["level"] == level


def test_run_details(demo_report: ReportInput, demo_sarif: dict[str, Any]) -> None:
    run = demo_sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "govkit" and driver["version"]
    assert run["automationDetails"]["id"] == f"govkit/{demo_report.period}/{demo_report.run_id}"
    invocation, = run["invocations"]
    assert invocation["executionSuccessful"] is not demo_report.evaluation.incomplete
    assert invocation["endTimeUtc"] == demo_report.manifest["finished_at"]
    assert run["properties"]["run_id"] == demo_report.run_id


def test_the_stored_bundle_archive_renders() -> None:
    with open_run(STORED_BUNDLE) as report:
        data = render(report)
        document = load(data)
        assert render(report) == data
        failures = report.evaluation.counts()["FAIL"]
    assert schema_errors(document) == []
    assert github_problems(document) == []
    results = document["runs"][0]["results"]
    assert len([r for r in results if not r.get("suppressions")]) == failures


def test_the_same_finding_keeps_its_fingerprint_and_location_across_runs(
        demo_sarif: dict[str, Any]) -> None:
    with open_run(STORED_BUNDLE) as report:
        stored = load(render(report))

    def index(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
        return {r["partialFingerprints"]["govkitResult/v1"]:
                (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
                for r in document["runs"][0]["results"]}

    old, new = index(stored), index(demo_sarif)
    shared = set(old) & set(new)
    assert shared  # both are runs of the demo estate's AWS account
    assert all(old[key] == new[key] for key in shared)


def with_results(report: ReportInput, results: list[Result],
                 failed_calls: tuple[dict[str, str], ...] = ()) -> ReportInput:
    evaluation = Evaluation(results=tuple(results), rules=report.rules,
                            failed_calls=failed_calls)
    return dataclasses.replace(report, evaluation=evaluation)


def test_errors_are_reported_as_checks_that_could_not_judge(demo_report: ReportInput) -> None:
    fail = next(r for r in demo_report.evaluation.results if r.status is Status.FAIL)
    failure = {"call": "s3:GetBucketPolicy (Bucket=x) in 123456789012/us-east-1",
               "operation": "s3:GetBucketPolicy", "code": "AccessDenied",
               "message": "not authorized", "file": fail.records[0].file}
    error = dataclasses.replace(fail, status=Status.ERROR, failure=failure,
                                message="cannot read the bucket policy: AccessDenied")
    unlisted = dataclasses.replace(
        fail, status=Status.ERROR, resource_id="*", resource_name="", account="*", region="*",
        id=result_id(fail.rule_id, "*"), records=(), evidence=(),
        failure={"call": "none", "operation": "none", "code": "NotCollected", "file": ""},
        message="no aws.s3.bucket data was collected in this run")
    report = with_results(demo_report, [error, unlisted], failed_calls=(failure,))
    document = load(render(report))
    assert schema_errors(document) == []
    assert github_problems(document) == []
    run = document["runs"][0]
    by_id = {r["partialFingerprints"]["govkitResult/v1"]: r for r in run["results"]}
    for result in by_id.values():
        assert result["level"] == "warning"
        assert result["message"]["text"].startswith("Could not judge: ")
    located = by_id[error.id]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert unquote(located) == fail.records[0].file
    assert by_id[unlisted.id]["locations"][0]["physicalLocation"]["artifactLocation"] == \
        {"uri": "manifest.json", "uriBaseId": "RUNROOT"}
    invocation, = run["invocations"]
    assert invocation["executionSuccessful"] is False
    notification, = invocation["toolExecutionNotifications"]
    assert "AccessDenied" in notification["message"]["text"]


def test_odd_text_and_paths_stay_valid(demo_report: ReportInput) -> None:
    fail = next(r for r in demo_report.evaluation.results
                if r.status is Status.FAIL and r.records)
    record = fail.records[0]._replace(file="snapshots/acct one/us-east-1/s3/Get Bucket#1%.json")
    odd = dataclasses.replace(fail, resource_name="Zoë's bucket",
                              message="bucket \ud800 has \u0000 no \"policy\"",
                              records=(record,))
    document = load(render(with_results(demo_report, [odd])))
    assert schema_errors(document) == []
    assert github_problems(document) == []
    result, = document["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert unquote(uri) == record.file
    assert result["message"]["text"].startswith("Zoë's bucket: ")


def test_a_rule_with_many_controls_and_a_long_description_stays_within_limits(
        demo_report: ReportInput) -> None:
    fail = next(r for r in demo_report.evaluation.results if r.status is Status.FAIL)
    rules = {**demo_report.rules}
    rules[fail.rule_id] = {**rules[fail.rule_id], "title": "T" * 2000,
                           "controls": [f"164.{n}" for n in range(40)]}
    report = dataclasses.replace(demo_report, evaluation=Evaluation(results=(fail,),
                                                                    rules=rules))
    document = load(render(report))
    assert github_problems(document) == []
    rule, = document["runs"][0]["tool"]["driver"]["rules"]
    assert len(rule["properties"]["tags"]) == 20
    assert len(rule["shortDescription"]["text"]) <= 1024


def many_results(report: ReportInput, count: int) -> list[Result]:
    base = report.evaluation.results
    out = []
    for n in range(count):
        result = base[n % len(base)]
        resource = f"{result.resource_id}/{n}"
        out.append(dataclasses.replace(result, resource_id=resource,
                                       id=result_id(result.rule_id, resource)))
    return out


def test_a_large_run_stays_within_githubs_limit(demo_report: ReportInput) -> None:
    # (render time at 100,000 results is measured by benchmarks/report_formats.py)
    results = many_results(demo_report, 100_000)
    report = with_results(demo_report, results)
    data = render(report)
    run = load(data)["runs"][0]
    reported = [r for r in results if r.status in (Status.FAIL, Status.ERROR, Status.WAIVED)]
    assert len(reported) > MAX_RESULTS
    assert len(run["results"]) == MAX_RESULTS
    left_out = len(reported) - MAX_RESULTS
    assert run["properties"]["results_left_out"] == left_out
    notice = run["invocations"][0]["toolExecutionNotifications"][-1]["message"]["text"]
    assert f"{left_out} of {len(reported)} results were left out" in notice
    # the most severe are kept: no kept result is less severe than one left out
    kept = {r["properties"]["result_id"] for r in run["results"]}
    kept_floor = min(r.severity for r in reported if r.id in kept and
                     r.status is not Status.WAIVED)
    dropped = [r.severity for r in reported if r.id not in kept and
               r.status is not Status.WAIVED]
    assert max(dropped) <= kept_floor
    assert Counter(r["properties"]["severity"] for r in run["results"])["critical"] == \
        sum(1 for r in reported if r.severity is Severity.CRITICAL)
