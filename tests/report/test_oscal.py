"""The OSCAL format: valid against NIST's OSCAL 1.2.1 assessment-results schema, loadable by
compliance-trestle, faithful to the run (every FAIL observed with its snapshot files, every
control a token that maps back to its citation) and the same bytes every time."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest
import regex
from jsonschema.exceptions import ValidationError

from govkit.report.formats.oscal import (
    FORMAT, NAMESPACE, _uuid, control_id_of, control_token)
from govkit.report.source import ReportInput, open_run
from govkit.results import Evaluation, RecordRef, Result, Status

from .conftest import SCHEMAS, STORED_BUNDLE, render_one

OSCAL_SCHEMA = json.loads((SCHEMAS / "oscal_assessment-results_schema.json")
                          .read_text(encoding="utf-8"))
TOKEN = regex.compile(r"^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$")  # the schema's TokenDatatype
# RFC 3986 relative reference with no scheme: unreserved, sub-delims, ':', '@', '/', '?',
# '#' once, and percent escapes; first segment free of ':'
RELATIVE_URI = regex.compile(r"(?![^/#]*:)(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*"
                             r"(?:#(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?")


def _regex_pattern(validator: Any, pattern: str, instance: Any,
                   schema: Any) -> Iterator[ValidationError]:
    """JSON Schema ``pattern`` with the ``regex`` package: the schema's ``\\p{L}`` and
    ``\\p{N}`` classes are not Python ``re`` syntax."""
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


OscalValidator = jsonschema.validators.extend(jsonschema.Draft7Validator,
                                              {"pattern": _regex_pattern})


def render(report: ReportInput) -> bytes:
    return bytes(render_one(FORMAT, report, name=f"{report.run_id}.oscal-ar.json",
                            media_type="application/json").data)


def load(data: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(data)
    return document


def schema_errors(document: dict[str, Any]) -> list[str]:
    validator = OscalValidator(OSCAL_SCHEMA,
                               format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)]


def trestle_loads(data: bytes, folder: Path) -> Any:
    from trestle.oscal.assessment_results import AssessmentResults
    path = folder / "assessment-results.json"
    path.write_bytes(data)
    return AssessmentResults.oscal_read(path)


def walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """(key, value) for every member of every object, depth first."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield name, item
            yield from walk(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, key)


def props(item: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for prop in item.get("props") or []:
        found[prop["name"]].append(prop["value"])
    return found


@pytest.fixture(scope="module")
def data(demo_report: ReportInput) -> bytes:
    return render(demo_report)


@pytest.fixture(scope="module")
def document(data: bytes) -> dict[str, Any]:
    return load(data)


@pytest.fixture(scope="module")
def assessment(document: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = document["assessment-results"]["results"][0]
    return result


@pytest.fixture(scope="module")
def observations(assessment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The observations by the id of the result each records."""
    found = {}
    for observation in assessment["observations"]:
        (result_id,) = props(observation)["result-id"]
        found[result_id] = observation
    return found


# --- the file -------------------------------------------------------------------------------

def test_the_demo_run_is_valid_oscal_assessment_results(document: dict[str, Any]) -> None:
    assert schema_errors(document) == []


def test_compliance_trestle_loads_it(data: bytes, document: dict[str, Any],
                                     tmp_path: Path) -> None:
    loaded = trestle_loads(data, tmp_path)
    assert loaded.uuid == document["assessment-results"]["uuid"]
    (result,) = loaded.results
    assert len(result.observations) == len(document["assessment-results"]["results"][0]
                                           ["observations"])


def test_sorted_keys_two_space_indent_and_a_trailing_newline(data: bytes) -> None:
    assert data.endswith(b"}\n") and not data.endswith(b"\n\n")
    assert data == (json.dumps(json.loads(data), indent=2, sort_keys=True) + "\n").encode()


def test_the_same_run_gives_the_same_bytes_wherever_it_is(
        demo_report: ReportInput, demo_run_dir: Path, data: bytes, tmp_path: Path) -> None:
    assert render(demo_report) == data
    copy = shutil.copytree(demo_run_dir, tmp_path / "elsewhere" / demo_run_dir.name)
    with open_run(copy) as moved:
        assert render(moved) == data


def test_metadata_names_the_run_its_time_and_its_provenance(
        document: dict[str, Any], demo_report: ReportInput) -> None:
    metadata = document["assessment-results"]["metadata"]
    assert metadata["oscal-version"] == "1.2.1"
    assert metadata["title"] == f"govkit assessment results {demo_report.run_id}"
    assert metadata["version"] == demo_report.run_id
    assert metadata["published"] == metadata["last-modified"] == demo_report.evaluated_at
    found = props(metadata)
    assert found["period"] == [demo_report.period]
    assert found["provenance"] == [demo_report.provenance.describe()]
    assert found["provenance"][0].startswith("signed by public key ")
    assert all(p["ns"] == "https://govkit.dev/ns/oscal" for p in metadata["props"])


def test_every_uuid_is_version_5_and_every_definition_unique(document: dict[str, Any]) -> None:
    defined: list[str] = []
    referenced: list[str] = []
    for key, value in walk(document):
        if key == "uuid":
            defined.append(value)
        elif key.endswith("-uuid"):
            referenced.append(value)
    assert len(defined) > 1000
    for value in defined + referenced:
        assert uuid.UUID(value).version == 5, value
        assert str(uuid.UUID(value)) == value
    assert len(defined) == len(set(defined))
    assert set(referenced) <= set(defined)  # every subject and related observation resolves
    assert _uuid("run", "observation", "0123456789ab") == \
        str(uuid.uuid5(NAMESPACE, "run\nobservation\n0123456789ab"))


def test_every_local_href_names_a_back_matter_resource(document: dict[str, Any]) -> None:
    resources = {r["uuid"] for r in document["assessment-results"]["back-matter"]["resources"]}
    hrefs = [value for key, value in walk(document) if key == "href"]
    assert hrefs
    for href in hrefs:
        assert RELATIVE_URI.fullmatch(href), href
        if href.startswith("#"):
            assert href[1:] in resources, href


def test_the_assessment_plan_import_is_the_runs_manifest(
        document: dict[str, Any], demo_report: ReportInput) -> None:
    results = document["assessment-results"]
    href = results["import-ap"]["href"]
    assert href.startswith("#")
    (manifest,) = [r for r in results["back-matter"]["resources"] if r["uuid"] == href[1:]]
    assert manifest["title"] == f"govkit run {demo_report.run_id} manifest"
    (link,) = manifest["rlinks"]
    assert link["href"] == "manifest.json"
    digest = hashlib.sha256((demo_report.run_dir / "manifest.json").read_bytes()).hexdigest()
    assert link["hashes"] == [{"algorithm": "SHA-256", "value": digest}]
    assert "assessment plan" in results["import-ap"]["remarks"]


def test_the_result_spans_the_collection(
        assessment: dict[str, Any], demo_report: ReportInput) -> None:
    assert assessment["start"] == demo_report.manifest["started_at"]
    assert assessment["end"] == demo_report.manifest["finished_at"]
    counts = props(assessment)
    for status, count in demo_report.evaluation.counts().items():
        assert counts[f"{status.lower().replace('_', '-')}-count"] == [str(count)]


# --- observations ---------------------------------------------------------------------------

def test_every_judged_result_is_one_observation(
        observations: dict[str, dict[str, Any]], demo_report: ReportInput) -> None:
    judged = {r.id: r for r in demo_report.evaluation.results
              if r.status is not Status.NOT_APPLICABLE}
    assert set(observations) == set(judged)
    for result_id, observation in observations.items():
        result = judged[result_id]
        found = props(observation)
        assert found["rule"] == [result.rule_id]
        assert found["status"] == [result.status.value]
        assert observation["methods"] == ["TEST"]
        assert observation["collected"] == demo_report.evaluated_at
        assert ("finding" in observation["types"]) == (result.status is not Status.PASS)


def test_every_fail_is_observed_with_its_snapshot_files(
        observations: dict[str, dict[str, Any]], demo_report: ReportInput,
        document: dict[str, Any]) -> None:
    resources = {r["rlinks"][0]["href"]: r["rlinks"][0]
                 for r in document["assessment-results"]["back-matter"]["resources"]}
    failed = [r for r in demo_report.evaluation.results if r.status is Status.FAIL]
    assert failed
    for result in failed:
        observation = observations[result.id]
        assert observation["types"] == ["finding"]
        assert props(observation)["severity"] == [result.severity.label]
        cited = {}
        for evidence in observation["relevant-evidence"]:
            path, _, fragment = evidence["href"].partition("#")
            cited[unquote(path)] = unquote(fragment)
            assert evidence["description"]
        assert result.records, result
        for record in result.records:
            assert record.file in cited, (result.id, record.file)
            first = next(r.pointer for r in result.records if r.file == record.file)
            assert cited[record.file] == first
            path = demo_report.run_dir / record.file
            assert path.is_file()
            link = resources[record.file]  # the back matter has it, with its digest
            assert link["hashes"][0]["value"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_subjects_are_the_judged_resources(
        assessment: dict[str, Any], observations: dict[str, dict[str, Any]],
        demo_report: ReportInput) -> None:
    items = {i["uuid"]: i for i in assessment["local-definitions"]["inventory-items"]}
    for result in demo_report.evaluation.results:
        if result.status is Status.NOT_APPLICABLE:
            continue
        (subject,) = observations[result.id]["subjects"]
        assert subject["type"] == "inventory-item"
        assert props(items[subject["subject-uuid"]])["asset-id"] == [result.resource_id]


def test_a_waived_result_names_its_exception(
        observations: dict[str, dict[str, Any]], demo_report: ReportInput) -> None:
    waived = [r for r in demo_report.evaluation.results if r.status is Status.WAIVED]
    assert waived
    for result in waived:
        observation = observations[result.id]
        assert observation["types"] == ["finding", "mitigation"]
        assert result.exception is not None
        assert str(result.exception["ticket"]) in observation["remarks"]


# --- controls and findings ------------------------------------------------------------------

def test_control_ids_are_tokens_that_map_back_to_their_controls(
        document: dict[str, Any], demo_report: ReportInput) -> None:
    catalogue = demo_report.catalogue
    assert catalogue is not None
    controls = {c.id: c for c in catalogue.controls}
    assessment = document["assessment-results"]["results"][0]
    (selection,) = assessment["reviewed-controls"]["control-selections"]
    listed = [c["control-id"] for c in selection["include-controls"]]
    assert [control_id_of(t) for t in listed] == [c.id for c in catalogue.controls]
    used = [v for k, v in walk(document) if k in ("control-id", "target-id")]
    assert len(used) > len(listed)
    for token in used:
        assert TOKEN.match(token), token
        assert control_id_of(token) in controls, token
    for finding in assessment["findings"]:
        target = finding["target"]
        control = controls[control_id_of(target["target-id"])]
        assert target["type"] == "objective-id"
        assert props(target)["citation"] == [control.citation]
        assert props(target)["control-id"] == [control.id]
    assert control_token("164.312(a)(2)(iv)") == "hipaa-164.312-a-2-iv"


@pytest.mark.parametrize("control_id", [
    "164.312(a)(2)(iv)", "164.308(a)(1)(ii)(A)", "164.316(b)(1)", "164.530", "AC-2", "A.5.1",
    "ac-2_smt.a", "hipaa-164", "govkit-x", "CC6.1 (a)", "5", "", "Überwachung", "a_b_",
    "PCI 8.3.1", "x_41_y"])
def test_control_tokens_are_tokens_and_reversible(control_id: str) -> None:
    token = control_token(control_id)
    assert TOKEN.match(token), token
    assert control_id_of(token) == control_id


def test_findings_judge_each_control_from_its_rules_results(
        assessment: dict[str, Any], demo_report: ReportInput) -> None:
    by_control: dict[str, Counter[Status]] = defaultdict(Counter)
    for result in demo_report.evaluation.results:
        if result.status is not Status.NOT_APPLICABLE:
            for control_id in result.controls:
                by_control[control_id][result.status] += 1
    findings = {control_id_of(f["target"]["target-id"]): f for f in assessment["findings"]}
    assert set(findings) == set(by_control)
    observed = {o["uuid"] for o in assessment["observations"]}
    states: Counter[str] = Counter()
    for control_id, finding in findings.items():
        counts = by_control[control_id]
        status = finding["target"]["status"]
        states[status["state"]] += 1
        if counts[Status.FAIL]:
            assert (status["state"], status["reason"]) == ("not-satisfied", "fail")
        elif counts[Status.ERROR] or counts[Status.WAIVED]:
            assert (status["state"], status["reason"]) == ("not-satisfied", "other")
        else:
            assert (status["state"], status["reason"]) == ("satisfied", "pass")
        related = [r["observation-uuid"] for r in finding["related-observations"]]
        assert related and set(related) <= observed
    assert states["satisfied"] and states["not-satisfied"]


def test_controls_no_rule_judged_are_named_with_the_evidence_to_request(
        assessment: dict[str, Any], demo_report: ReportInput) -> None:
    catalogue = demo_report.catalogue
    assert catalogue is not None
    judged = {c for r in demo_report.evaluation.results
              if r.status is not Status.NOT_APPLICABLE for c in r.controls}
    targets = {f["target"]["target-id"] for f in assessment["findings"]}
    missing = [c for c in catalogue.controls if c.id not in judged]
    assert missing
    for control in missing:
        token = control_token(control.id)
        assert token not in targets
        (line,) = [x for x in assessment["remarks"].splitlines() if x.startswith(f"- {token} ")]
        assert control.citation in line
        if control.manual_evidence:
            assert " ".join(control.manual_evidence.split())[:60] in line


# --- other runs -----------------------------------------------------------------------------

def test_the_stored_bundle_archive_renders_valid_oscal(tmp_path: Path) -> None:
    with open_run(STORED_BUNDLE) as report:
        data = render(report)
        assert render(report) == data
        run_id = report.run_id
    document = load(data)
    assert schema_errors(document) == []
    trestle_loads(data, tmp_path)
    assert document["assessment-results"]["metadata"]["version"] == run_id


def _judged(report: ReportInput, result_id: str, status: Status, control: str,
            **changes: Any) -> Result:
    """A PASS result of the demo run, made into another of the given status and control."""
    base = next(r for r in report.evaluation.results if r.status is Status.PASS)
    return dataclasses.replace(base, id=result_id, status=status, controls=(control,),
                               **changes)


def test_error_and_waived_results_leave_their_control_not_satisfied(
        demo_report: ReportInput, tmp_path: Path) -> None:
    """An unknown is not a pass, and neither is an accepted exception."""
    failure = {"call": "s3:GetBucketEncryption", "operation": "GetBucketEncryption",
               "code": "AccessDenied", "message": "no <permission> for *this*"}
    exception = {"rule": "r", "resource": "x", "owner": "ciso@example.org",
                 "reason": "migration", "ticket": "SEC-1", "expires": "2099-01-01"}
    results = (
        _judged(demo_report, "00000000000a", Status.PASS, "164.312(b)"),
        _judged(demo_report, "00000000000b", Status.ERROR, "164.312(c)(1)", failure=failure,
                records=(), resource_id="arn:aws:s3:::error-bucket"),
        _judged(demo_report, "00000000000c", Status.WAIVED, "164.312(d)", exception=exception,
                resource_id="arn:aws:s3:::waived-bucket"),
    )
    failed_calls = ({**failure, "file": "snapshots/x.json"},)
    report = dataclasses.replace(demo_report, evaluation=Evaluation(
        results=results, rules=demo_report.evaluation.rules, failed_calls=failed_calls))
    data = render(report)
    document = load(data)
    assert schema_errors(document) == []
    trestle_loads(data, tmp_path)
    assessment = document["assessment-results"]["results"][0]
    states = {control_id_of(f["target"]["target-id"]): f["target"]["status"]
              for f in assessment["findings"]}
    assert states["164.312(b)"]["state"] == "satisfied"
    assert (states["164.312(c)(1)"]["state"], states["164.312(c)(1)"]["reason"]) == \
        ("not-satisfied", "other")
    assert "unknown is not a pass" in states["164.312(c)(1)"]["remarks"]
    assert states["164.312(d)"]["state"] == "not-satisfied"
    error = next(o for o in assessment["observations"] if props(o)["status"] == ["ERROR"])
    assert error["types"] == ["finding"]
    assert r"no \<permission\> for \*this\*" in error["remarks"]  # Markdown, read as text
    assert error["relevant-evidence"]  # no record: the files it was judged on
    assert props(assessment)["evidence-complete"] == ["false"]
    assert "1 recorded call(s) failed" in assessment["remarks"]


def test_a_run_without_a_catalogue_reviews_the_controls_its_rules_name(
        demo_report: ReportInput) -> None:
    report = dataclasses.replace(demo_report, catalogue=None)
    document = load(render(report))
    assert schema_errors(document) == []
    assessment = document["assessment-results"]["results"][0]
    (selection,) = assessment["reviewed-controls"]["control-selections"]
    listed = {control_id_of(c["control-id"]) for c in selection["include-controls"]}
    assert listed == {c for r in demo_report.evaluation.results for c in r.controls} | {
        str(c) for rule in demo_report.rules.values() for c in rule.get("controls") or ()}


def test_odd_record_paths_are_quoted_and_a_missing_file_is_said_to_be_missing(
        demo_report: ReportInput) -> None:
    record = RecordRef("Name", "snapshots/a b/arn:aws:x#1.json", "/response/a b/~1c")
    base = next(r for r in demo_report.evaluation.results if r.status is Status.FAIL)
    result = dataclasses.replace(base, records=(record,), evidence=(record.file,))
    report = dataclasses.replace(demo_report, evaluation=Evaluation(
        results=(result,), rules=demo_report.evaluation.rules))
    document = load(render(report))
    assert schema_errors(document) == []
    (observation,) = document["assessment-results"]["results"][0]["observations"]
    (evidence,) = observation["relevant-evidence"]
    assert evidence["href"] == "snapshots/a%20b/arn%3Aaws%3Ax%231.json#/response/a%20b/~1c"
    assert RELATIVE_URI.fullmatch(evidence["href"])
    resource = document["assessment-results"]["back-matter"]["resources"][-1]
    assert resource["remarks"] == "This file is missing from the run directory."
