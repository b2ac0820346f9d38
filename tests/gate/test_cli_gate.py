"""`govkit gate` as a CI job runs it: exit codes, the terminal summary, and the SARIF, JUnit
and JSON files, each checked with a validator we did not write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import xmlschema

from govkit.results import validate_results
from tests.report.test_sarif import github_problems, schema_errors

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "terraform"
SCHEMAS = REPO / "tests" / "data" / "schemas"
NOW = "2026-12-01T12:00:00Z"


def govkit(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govkit", *args], cwd=cwd, check=False,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})


def test_failing_plan_exits_1_and_the_summary_names_findings_and_unknowns() -> None:
    process = govkit("gate", "examples/terraform/plan.json", "--evaluated-at", NOW)
    assert process.returncode == 1, process.stderr
    out = process.stdout
    assert "FAIL" in out and "aws_s3_bucket.billing" in out
    assert "default encryption is AES256" in out
    assert "UNKNOWN" in out and "known only after apply" in out
    assert "gate failed" in out
    assert "Traceback" not in process.stderr


def test_warn_on_unknown_and_no_fail_threshold_passes() -> None:
    process = govkit("gate", "examples/terraform/plan.json", "--unknown", "warn",
                     "--fail-on", "none", "--evaluated-at", NOW)
    assert process.returncode == 0, process.stdout + process.stderr
    assert "unknown results are reported only" in process.stdout


def test_json_is_the_results_document_with_terraform_addresses(tmp_path: Path) -> None:
    out = tmp_path / "gate.json"
    process = govkit("gate", "examples/terraform/plan.json", "--format", "json", "--output",
                     str(out), "--evaluated-at", NOW)
    assert process.returncode == 1, process.stderr
    document = json.loads(out.read_text())
    validate_results(document)
    addresses = {r["resource_id"] for r in document["results"]}
    assert "aws_s3_bucket.intake" in addresses
    billing = [r for r in document["results"] if r["resource_id"] == "aws_s3_bucket.billing"
               and r["rule_id"] == "s3-phi-bucket-kms-encryption"]
    assert billing[0]["status"] == "FAIL"
    assert billing[0]["records"][0]["file"] == "examples/terraform/plan.json"


def test_sarif_places_each_finding_at_its_resource_block(tmp_path: Path) -> None:
    out = tmp_path / "gate.sarif"
    process = govkit("gate", "examples/terraform/plan.json", "--format", "sarif", "--output",
                     str(out), "--terraform-dir", "examples/terraform", "--evaluated-at", NOW)
    assert process.returncode == 1, process.stderr
    document = json.loads(out.read_text())
    assert schema_errors(document) == []
    assert github_problems(document) == []
    lines = (EXAMPLE / "main.tf").read_text().splitlines()
    declared = next(i for i, line in enumerate(lines, 1)
                    if line.startswith('resource "aws_s3_bucket" "billing"'))
    (billing,) = [r for r in document["runs"][0]["results"]
                  if r["ruleId"] == "s3-phi-bucket-kms-encryption"
                  and r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                  == "aws_s3_bucket.billing"]
    location = billing["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "examples/terraform/main.tf"
    assert location["region"]["startLine"] == declared
    unknown = [r for r in document["runs"][0]["results"] if r["properties"].get("unknown")]
    assert unknown and all(r["level"] == "error" for r in unknown)


def test_junit_validates_and_unknowns_are_skipped_with_warn(tmp_path: Path) -> None:
    out = tmp_path / "gate.xml"
    process = govkit("gate", "examples/terraform/plan.json", "--format", "junit", "--output",
                     str(out), "--unknown", "warn", "--evaluated-at", NOW)
    assert process.returncode == 1, process.stderr
    xmlschema.XMLSchema(SCHEMAS / "junit-10.xsd").validate(str(out))
    text = out.read_text()
    assert "known only after apply" in text
    assert 'type="UnknownAfterApply"' not in text  # moved from <error> to <skipped>


def test_exception_by_terraform_address_waives(tmp_path: Path) -> None:
    exceptions = tmp_path / "exceptions.yaml"
    exceptions.write_text(
        "exceptions:\n"
        "  - rule: s3-phi-bucket-kms-encryption\n"
        "    resource: aws_s3_bucket.billing\n"
        "    owner: platform@nbh.example\n"
        "    reason: statements move to the KMS-encrypted bucket in January\n"
        "    ticket: SEC-2291\n"
        "    expires: 2027-01-31\n")
    out = tmp_path / "gate.json"
    govkit("gate", "examples/terraform/plan.json", "--exceptions", str(exceptions),
           "--format", "json", "--output", str(out), "--evaluated-at", NOW)
    (billing,) = [r for r in json.loads(out.read_text())["results"]
                  if r["resource_id"] == "aws_s3_bucket.billing"
                  and r["rule_id"] == "s3-phi-bucket-kms-encryption"]
    assert billing["status"] == "WAIVED"


@pytest.mark.parametrize(("content", "expected"), [
    ('{"format_version": "1.2", "planned_values": {', "line 1, column"),
    ('{"format_version": "3.0", "planned_values": {}}', "format_version 3.0 is not supported"),
    ('{"resources": []}', "not a Terraform plan"),
])
def test_bad_plans_exit_2_naming_the_file(tmp_path: Path, content: str, expected: str) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(content)
    process = govkit("gate", str(plan))
    assert process.returncode == 2
    assert str(plan) in process.stderr and expected in process.stderr
    assert "Traceback" not in process.stderr


def test_usage_errors_exit_2() -> None:
    assert govkit("gate", "examples/terraform/plan.json", "--unknown", "maybe").returncode == 2
    several = govkit("gate", "examples/terraform/plan.json", "examples/terraform/plan.json",
                     "--format", "json")
    assert several.returncode == 2 and "takes one plan" in several.stderr


def test_resources_of_unknown_types_are_listed_as_not_evaluated(tmp_path: Path) -> None:
    from tests.sources.terraform.planbuilder import Planned, dump, plan
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(dump(plan([Planned("aws_sqs_queue", "intake", {"name": "intake"},
                                            unknown=["arn", "id"])])))
    process = govkit("gate", str(plan_file))
    assert process.returncode == 0, process.stdout + process.stderr
    assert "not evaluated" in process.stdout and "aws_sqs_queue: aws_sqs_queue.intake" in \
        process.stdout
