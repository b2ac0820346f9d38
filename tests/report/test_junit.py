"""The JUnit format: valid against the JUnit schema CI servers read, its counts the run's
counts, every finding in its failure, and the same bytes every time."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
import xmlschema

from govkit.errors import UsageError
from govkit.policy.model import Severity
from govkit.report.formats import Options
from govkit.report.formats.junit import FORMAT
from govkit.report.source import ReportInput, open_run
from govkit.results import Evaluation, Result, Status, result_id

from .conftest import SCHEMAS, STORED_BUNDLE, render_one

JUNIT_SCHEMA = xmlschema.XMLSchema(SCHEMAS / "junit-10.xsd")


def render(report: ReportInput, options: Options | None = None) -> bytes:
    return bytes(render_one(FORMAT, report, options, name=f"{report.run_id}.junit.xml",
                            media_type="application/xml").data)


def validated(data: bytes, tmp_path: Path) -> ET.Element:
    """The file checked against the XSD (as a file on disk, the way CI reads it), parsed."""
    path = tmp_path / "report.junit.xml"
    path.write_bytes(data)
    JUNIT_SCHEMA.validate(str(path))
    return ET.parse(path).getroot()


def outcome(case: ET.Element) -> str:
    children = [child.tag for child in case]
    assert len(children) <= 1, children
    return children[0] if children else "passed"


def with_results(report: ReportInput, results: list[Result]) -> ReportInput:
    return dataclasses.replace(report, evaluation=Evaluation(results=tuple(results),
                                                             rules=report.rules))


@pytest.fixture(scope="module")
def demo_junit(demo_report: ReportInput, tmp_path_factory: pytest.TempPathFactory
               ) -> ET.Element:
    return validated(render(demo_report), tmp_path_factory.mktemp("junit"))


def test_the_demo_run_is_valid_junit(demo_junit: ET.Element, demo_report: ReportInput) -> None:
    assert demo_junit.tag == "testsuites"
    assert demo_junit.get("name") == f"govkit {demo_report.run_id}"
    assert demo_junit.get("time") == "0.000"


def test_the_counts_are_the_runs_counts_by_status(demo_junit: ET.Element,
                                                  demo_report: ReportInput) -> None:
    counts = demo_report.evaluation.counts()
    assert int(demo_junit.get("tests", "")) == sum(counts.values())
    assert int(demo_junit.get("failures", "")) == counts["FAIL"]
    assert int(demo_junit.get("errors", "")) == counts["ERROR"]
    suites = demo_junit.findall("testsuite")
    assert sum(int(s.get("skipped", "")) for s in suites) == \
        counts["NOT_APPLICABLE"] + counts["WAIVED"]

    seen: Counter[str] = Counter()
    for suite in suites:
        cases = suite.findall("testcase")
        found = Counter(outcome(case) for case in cases)
        assert int(suite.get("tests", "")) == len(cases)
        for counter, element in (("failures", "failure"), ("errors", "error"),
                                 ("skipped", "skipped")):
            assert int(suite.get(counter, "")) == found[element]
        seen.update(found)
    assert seen == Counter({"passed": counts["PASS"], "failure": counts["FAIL"],
                            "error": counts["ERROR"],
                            "skipped": counts["NOT_APPLICABLE"] + counts["WAIVED"]})


def test_one_suite_per_area_and_one_case_per_result(demo_junit: ET.Element,
                                                    demo_report: ReportInput) -> None:
    areas = [suite.get("name") for suite in demo_junit.findall("testsuite")]
    assert areas == sorted({demo_report.rules[r.rule_id]["area"]
                            for r in demo_report.evaluation.results})
    classes = Counter(case.get("classname") for case in demo_junit.iter("testcase"))
    expected = Counter(f"{demo_report.rules[r.rule_id]['area']}.{r.rule_id}"
                       for r in demo_report.evaluation.results)
    assert classes == expected
    for suite in demo_junit.findall("testsuite"):
        properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert properties["run_id"] == demo_report.run_id
        assert properties["period"] == demo_report.period
        assert properties["evaluated_at"] == demo_report.evaluated_at
        assert suite.get("timestamp") == demo_report.evaluated_at[:19]


def test_a_failure_holds_the_finding_and_its_evidence(demo_junit: ET.Element,
                                                      demo_report: ReportInput) -> None:
    failures = [case.find("failure") for case in demo_junit.iter("testcase")
                if case.find("failure") is not None]
    texts = [f.text or "" for f in failures if f is not None]
    for result in demo_report.evaluation.results:
        if result.status is not Status.FAIL:
            continue
        body = next(t for t in texts if t.startswith(result.message + "\n")
                    and f"result id: {result.id}" in t)
        for record in result.records:
            assert record.file in body
    for element in failures:
        assert element is not None
        assert element.get("type") in {s.label for s in Severity}
        message = element.get("message", "")
        assert 0 < len(message) <= 200
        assert (element.text or "").startswith(message.rstrip("\u2026"))


def test_a_waived_finding_is_skipped_with_its_reason(demo_junit: ET.Element,
                                                     demo_report: ReportInput) -> None:
    waived = [r for r in demo_report.evaluation.results if r.status is Status.WAIVED]
    assert waived
    messages = [s.get("message", "") for s in demo_junit.iter("skipped")]
    for result in waived:
        assert result.exception is not None
        assert f"waived: {result.exception['reason']} (exception " \
               f"{result.exception['ticket']}" in "\n".join(messages)


def test_the_same_run_gives_the_same_bytes(demo_report: ReportInput,
                                           demo_run_dir: Path) -> None:
    first = render(demo_report)
    assert first.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n")
    assert render(demo_report) == first
    with open_run(demo_run_dir) as again:
        assert render(again) == first


def test_fail_on_decides_which_failures_fail(demo_report: ReportInput, tmp_path: Path) -> None:
    fails = [r for r in demo_report.evaluation.results if r.status is Status.FAIL]
    high = validated(render(demo_report, Options(fail_on="high")), tmp_path)
    at_or_above = sum(1 for r in fails if r.severity >= Severity.HIGH)
    assert 0 < at_or_above < len(fails)
    assert int(high.get("failures", "")) == at_or_above
    below = [s for s in high.iter("skipped") if s.get("message", "").startswith(
        "below the failing severity (fail on high): ")]
    assert len(below) == len(fails) - at_or_above

    nothing = validated(render(demo_report, Options(fail_on="none")), tmp_path)
    assert int(nothing.get("failures", "")) == 0
    assert int(nothing.get("tests", "")) == len(demo_report.evaluation.results)

    with pytest.raises(UsageError, match="fail-on"):
        render(demo_report, Options(fail_on="severe"))


def test_errors_and_characters_xml_forbids(demo_report: ReportInput, tmp_path: Path) -> None:
    fail = next(r for r in demo_report.evaluation.results if r.status is Status.FAIL)
    error = dataclasses.replace(
        fail, status=Status.ERROR, message="cannot read \x00the\x1b policy \ud800: denied",
        resource_name="bucket\x07one",
        failure={"call": "s3:GetBucketPolicy", "operation": "s3:GetBucketPolicy",
                 "code": "AccessDenied", "message": "not authorized", "file": ""})
    odd_fail = dataclasses.replace(fail, resource_id=fail.resource_id + "/2",
                                   id=result_id(fail.rule_id, fail.resource_id + "/2"),
                                   message="value\x0b is <bad> & \"quoted\"\nover lines")
    root = validated(render(with_results(demo_report, [error, odd_fail])), tmp_path)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "1")
    element = root.find("testsuite/testcase/error")
    assert element is not None
    assert element.get("type") == "AccessDenied"
    assert element.get("message") == "cannot read the policy : denied"
    assert "failed call: s3:GetBucketPolicy (AccessDenied): not authorized" in (element.text or "")
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "value is <bad> & \"quoted\"\nover lines"


def test_the_stored_bundle_archive_renders(tmp_path: Path) -> None:
    with open_run(STORED_BUNDLE) as report:
        root = validated(render(report), tmp_path)
        counts = report.evaluation.counts()
    assert int(root.get("failures", "")) == counts["FAIL"]
    assert int(root.get("tests", "")) == sum(counts.values())


def test_a_large_run_keeps_every_result(demo_report: ReportInput, tmp_path: Path) -> None:
    # (render time at 100,000 results is measured by benchmarks/report_formats.py)
    base = demo_report.evaluation.results
    results = []
    for n in range(20_000):
        result = base[n % len(base)]
        resource = f"{result.resource_id}/{n}"
        results.append(dataclasses.replace(result, resource_id=resource,
                                           id=result_id(result.rule_id, resource)))
    report = with_results(demo_report, results)
    root = ET.fromstring(render(report))
    assert int(root.get("tests", "")) == 20_000
    assert int(root.get("failures", "")) == sum(1 for r in results if r.status is Status.FAIL)
