"""Systems Manager's view of the demo's EC2 instances, on the demo server over HTTP (moto
with the SSM emulator for the managed-instance list and compliance): the fax gateway, not
managed, FAILs; the batch host, managed but missing two patches, FAILs naming them; the EHR
interface engine passes both; a denied SSM listing is an ERROR naming the call for every
instance, never "not managed" or "no patch data"; and the emulator pages, summarises
compliance items as AWS does and answers within the botocore model."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from govkit.demo.aws_extra.ssm import register_instances
from govkit.results import Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
from tests.conftest import Estate
from tests.sources.aws.denied import proxy, results_when_denied
from tests.sources.aws.test_workspaces_pools import assert_valid, demo_client, wire_answers
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
MANAGED, PATCHED = "ec2-instance-managed-by-ssm", "ssm-managed-instance-patch-compliant"
EMULATED_ACCOUNT = "111122223333"  # an account of its own, so the demo's stays as seeded


def in_account(estate: Estate, account: str) -> tuple[Any, Any]:
    """An SSM client signed with keys of ``account`` (a role assumed into it), and the keys."""
    sts = demo_client(estate.endpoint_url, "sts", "us-east-1")
    keys = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/GovkitAudit",
                           RoleSessionName="ssm-tests")["Credentials"]
    return boto3.client("ssm", region_name="us-east-1", endpoint_url=estate.endpoint_url,
                        aws_access_key_id=keys["AccessKeyId"],
                        aws_secret_access_key=keys["SecretAccessKey"],
                        aws_session_token=keys["SessionToken"]), keys


def test_the_emulator_pages_summarises_and_holds_to_the_model(estate: Estate) -> None:
    ssm, keys = in_account(estate, EMULATED_ACCOUNT)
    ids = [f"i-0{n:016x}" for n in range(7)]
    register_instances(estate.endpoint_url,
                       [{"InstanceId": i, "PingStatus": "Online", "ResourceType": "EC2Instance"}
                        for i in ids],
                       access_key=keys["AccessKeyId"], secret_key=keys["SecretAccessKey"],
                       region="us-east-1")
    ran = {"ExecutionTime": dt.datetime(2026, 11, 30, tzinfo=dt.UTC)}
    ssm.put_compliance_items(ResourceId=ids[0], ResourceType="ManagedInstance",
                             ComplianceType="Patch", ExecutionSummary=ran, Items=[
                                 {"Id": "KB1", "Severity": "LOW", "Status": "NON_COMPLIANT"},
                                 {"Id": "KB2", "Severity": "HIGH", "Status": "NON_COMPLIANT"},
                                 {"Id": "KB3", "Severity": "CRITICAL", "Status": "COMPLIANT"}])
    ssm.put_compliance_items(ResourceId=ids[1], ResourceType="ManagedInstance",
                             ComplianceType="Association", ExecutionSummary=ran, Items=[
                                 {"Id": "a-1", "Severity": "HIGH", "Status": "NON_COMPLIANT"}])
    with wire_answers(ssm) as answers:
        pages = list(ssm.get_paginator("describe_instance_information").paginate(
            PaginationConfig={"PageSize": 5}))
        [summary] = ssm.list_resource_compliance_summaries(Filters=[
            {"Key": "ComplianceType", "Values": ["Patch"], "Type": "EQUAL"}])[
                "ResourceComplianceSummaryItems"]
    assert [len(p["InstanceInformationList"]) for p in pages] == [5, 2]
    assert [i["InstanceId"] for p in pages for i in p["InstanceInformationList"]] == ids
    assert (summary["ResourceId"], summary["Status"], summary["OverallSeverity"]) == \
        (ids[0], "NON_COMPLIANT", "HIGH")
    assert summary["NonCompliantSummary"]["NonCompliantCount"] == 2
    assert summary["CompliantSummary"]["SeveritySummary"]["CriticalCount"] == 1
    assert_valid("ssm", answers)
    with pytest.raises(ClientError, match="InvalidNextToken"):
        ssm.describe_instance_information(NextToken="not-a-token")
    with pytest.raises(ClientError, match="InvalidFilter"):
        ssm.describe_instance_information(Filters=[{"Key": "PingStatus",
                                                    "Values": ["Online"]}])


def test_planted_instances(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type == "aws.ec2.instance"}
    for name in ("nbh-ehr-interface-1", "nbh-ehr-interface-2"):
        assert results[(MANAGED, name)].status is Status.PASS
        assert results[(PATCHED, name)].status is Status.PASS
    fax = results[(MANAGED, "nbh-fax-gateway-1")]
    assert fax.status is Status.FAIL
    assert fax.message.startswith("instance nbh-fax-gateway-1 (i-")
    assert ") is running but is not a Systems Manager managed instance (managed: false)" in \
        fax.message
    assert [r.pointer for r in fax.records if "DescribeInstanceInformation" in r.file] == \
        ["/response/InstanceInformationList"]
    # not managed, so Patch Manager cannot judge it
    assert (PATCHED, "nbh-fax-gateway-1") not in results
    batch = results[(PATCHED, "nbh-claims-batch-2")]
    assert batch.status is Status.FAIL
    assert ") is NON_COMPLIANT with its patch baseline: 2 patch(es) missing, the most severe " \
        "CRITICAL" in batch.message
    assert results[(MANAGED, "nbh-claims-batch-2")].status is Status.PASS
    [record] = {r for r in batch.records if "ListResourceComplianceSummaries" in r.file}
    assert record.pointer.startswith("/response/ResourceComplianceSummaryItems/")


@pytest.mark.parametrize(("operation", "rule_id"), [("DescribeInstanceInformation", MANAGED),
                                                    ("ListResourceComplianceSummaries",
                                                     PATCHED)])
def test_a_denied_ssm_listing_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path,
                                                    operation: str, rule_id: str) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.SSM, operation, rule_id,
                                        joined=(AwsService.EC2,))
    # the patch rule's scope (managed) is known, so only managed instances reach the ERROR
    assert len(results) == (4 if rule_id == MANAGED else 3)
    assert all(r.status is Status.ERROR for r in results)
    assert all(f"ssm:{operation}" in r.message and code in r.message for r in results)
