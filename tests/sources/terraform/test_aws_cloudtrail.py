"""CloudTrail trails planned by Terraform, and what they record of the plan's buckets."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.sources.terraform.aws.cloudtrail import bucket_data_events, log_destination_trails
from govkit.sources.terraform.context import UNKNOWN_AFTER_APPLY, PlanContext
from govkit.sources.terraform.inventory import PlanInventory, build
from govkit.sources.terraform.plan import parse_plan, read_plan
from govkit.inventory.model import CallFailure, Resource
from tests.sources.terraform.support import judged
from govkit.results import Result, Status

PLAN = Path(__file__).resolve().parents[2] / "data" / "plans" / "cloudtrail_trails.json"
KMS, VALIDATION, LOGS = ("cloudtrail-trail-kms-encrypted", "cloudtrail-trail-log-file-validation",
                         "cloudtrail-trail-cloudwatch-logs")


@pytest.fixture(scope="module")
def planned() -> PlanInventory:
    return build(read_plan(PLAN), "plan.json")


@pytest.fixture(scope="module")
def results(planned: PlanInventory) -> dict[tuple[str, str], Result]:
    return judged(planned)


def trail(planned: PlanInventory, id_: str) -> Resource:
    return next(r for r in planned.inventory.resources if r.id == id_)


def test_trail_with_planned_key_and_log_group_passes(
        planned: PlanInventory, results: dict[tuple[str, str], Result]) -> None:
    org = trail(planned, "aws_cloudtrail.org")
    assert org.name == "org-trail"
    assert org.attributes["KmsKeyId"] == "aws_kms_key.trail.arn"
    assert org.attributes["CloudWatchLogsLogGroupArn"] == "aws_cloudwatch_log_group.trail"
    assert org.attributes["S3BucketName"] == "acme-cloudtrail-logs"
    assert org.attributes["HomeRegion"] == "us-east-1"
    assert org.attributes["IsMultiRegionTrail"] is True and org.attributes["IsLogging"] is True
    assert {"aws_kms_key.trail", "aws_cloudwatch_log_group.trail"} <= \
        planned.members["aws_cloudtrail.org"]
    for rule in (KMS, VALIDATION, LOGS):
        assert results[(rule, "aws_cloudtrail.org")].status is Status.PASS, rule


def test_trail_without_protections_fails(results: dict[tuple[str, str], Result]) -> None:
    kms = results[(KMS, "aws_cloudtrail.legacy")]
    assert kms.status is Status.FAIL
    assert "delivers to bucket acme-cloudtrail-logs are encrypted with SSE-S3" in kms.message
    validation = results[(VALIDATION, "aws_cloudtrail.legacy")]
    assert validation.status is Status.FAIL
    assert validation.message.startswith("LogFileValidationEnabled is false")
    logs = results[(LOGS, "aws_cloudtrail.legacy")]
    assert logs.status is Status.FAIL
    assert logs.message == ("trail legacy-trail (home us-east-1) has no CloudWatch Logs log "
                            "group: its events go only to S3 bucket acme-cloudtrail-logs")


def test_log_group_from_a_module_output_is_error(results: dict[tuple[str, str], Result]) -> None:
    result = results[(LOGS, "aws_cloudtrail.paused")]
    assert result.status is Status.ERROR
    assert "cloud_watch_logs_group_arn) is known only after apply (set from " \
           "module.logs.log_group_arn)" in result.message
    assert result.failure is not None and result.failure["code"] == UNKNOWN_AFTER_APPLY


def test_event_selectors_in_the_live_shape(planned: PlanInventory) -> None:
    legacy = trail(planned, "aws_cloudtrail.legacy").attributes["EventSelectors"]
    assert legacy == {"EventSelectors": [{
        "ReadWriteType": "WriteOnly", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
        "ExcludeManagementEventSources": []}], "AdvancedEventSelectors": []}
    org = trail(planned, "aws_cloudtrail.org").attributes["EventSelectors"]
    fields = org["AdvancedEventSelectors"][0]["FieldSelectors"]
    assert {"Field": "eventCategory", "Equals": ["Data"]} in fields


def test_bucket_data_events_by_reference_and_for_every_bucket() -> None:
    ctx = PlanContext(read_plan(PLAN), "plan.json")
    phi = bucket_data_events(ctx, ctx.by_address["aws_s3_bucket.phi"])
    # org-trail's advanced selector starts_with a value known only after apply that refers
    # to aws_s3_bucket.phi.arn: the plan keeps its references, not its text, so it may name
    # a prefix only; legacy-trail logs only writes: whether reads are logged is unknown
    assert isinstance(phi, CallFailure) and phi.code == "UnknownAfterApply"
    assert "known only after apply" in phi.message
    # the selector that refers to phi says nothing of assets: legacy-trail logs its writes
    assets = bucket_data_events(ctx, ctx.by_address["aws_s3_bucket.assets"])
    assert assets is not None and not isinstance(assets, CallFailure)
    logged, refs = assets
    assert logged == {"Read": [], "Write": ["legacy-trail"]}
    assert [r.pointer for r in refs] == ["/resource_changes/6/change/after/event_selector/0"]


def test_bucket_data_events_without_trails_is_none() -> None:
    plan = read_plan(PLAN)
    doc = {"format_version": "1.2", "resource_changes": [],
           "planned_values": {"root_module": {}}, "configuration": plan.configuration}
    empty = PlanContext(parse_plan(doc, "plan.json"), "plan.json")
    ctx = PlanContext(plan, "plan.json")
    assert bucket_data_events(empty, ctx.by_address["aws_s3_bucket.phi"]) is None


def test_log_destination_trails_by_reference_and_by_name() -> None:
    ctx = PlanContext(read_plan(PLAN), "plan.json")
    names, refs = log_destination_trails(ctx, ctx.by_address["aws_s3_bucket.logs"])
    assert names == ["legacy-trail", "org-trail", "paused-trail"]
    assert refs[1].pointer == "/resource_changes/5/change/after_unknown/s3_bucket_name"
    assert log_destination_trails(ctx, ctx.by_address["aws_s3_bucket.phi"]) == ([], [])
