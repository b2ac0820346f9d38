"""Marketplace subscriptions and public writes, read from the policies of the demo estate on a
moto server over HTTP: the security admins' inline policy that subscribes to any product
FAILs, the portal role's policy confined to one approved product passes; the website bucket's
public upload prefix FAILs naming the action; and the two readings of a policy document on
the statements that decide them."""

from __future__ import annotations

import pytest

from govkit.results import Result, Status
from govkit.run import Run
from govkit.sources.aws.normalize.policy_analysis import (
    allows_any_marketplace_subscription, public_write_actions)


def results(run: Run, rule_id: str) -> dict[str, Result]:
    return {r.resource_name: r for r in run.evaluation.results if r.rule_id == rule_id}


def test_an_inline_policy_subscribing_to_any_product_fails(demo_run: Run) -> None:
    groups = results(demo_run, "iam-group-inline-no-wildcard-marketplace-subscribe")
    admins = groups["SecurityAdmins"]
    assert admins.status is Status.FAIL
    assert admins.message == (
        "group SecurityAdmins has inline policies that allow aws-marketplace:Subscribe on every "
        "product (no aws-marketplace:ProductId condition): MarketplaceProcurement")
    assert [r.pointer.startswith("/response/GroupDetailList/") for r in admins.records] == [True]
    assert groups["BillingAgents"].status is Status.PASS
    roles = results(demo_run, "iam-role-inline-no-wildcard-marketplace-subscribe")
    assert roles["NbhPatientPortalEc2Role"].status is Status.PASS
    policies = results(demo_run, "iam-policy-no-wildcard-marketplace-subscribe")
    # Action "*" lets its holders subscribe to anything, too
    assert policies["MeridianAgentFullAccess"].status is Status.FAIL
    assert policies["MeridianReportingReadOnly"].status is Status.PASS


def test_a_public_upload_prefix_fails_naming_the_action(demo_run: Run) -> None:
    buckets = results(demo_run, "s3-bucket-no-public-write")
    website = buckets["nbh-public-website-assets"]
    assert website.status is Status.FAIL
    assert website.message.startswith(
        "bucket nbh-public-website-assets's policy lets anyone on the internet call "
        "s3:PutObject (Principal \"*\", no condition confining who)")
    assert any("GetBucketPolicy" in r.file for r in website.records)
    assert buckets["nbh-patient-intake-docs-1"].status is Status.PASS


def _document(*statements: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize(("statement", "expected"), [
    ({"Effect": "Allow", "Action": "aws-marketplace:Subscribe", "Resource": "*"}, True),
    ({"Effect": "Allow", "Action": ["aws-marketplace:Sub*"], "Resource": "*"}, True),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, True),
    ({"Effect": "Allow", "Action": "aws-marketplace:Subscribe", "Resource": "*", "Condition": {
        "ForAllValues:StringEquals": {"aws-marketplace:ProductId": ["prod-x"]}}}, False),
    ({"Effect": "Allow", "Action": "aws-marketplace:ViewSubscriptions", "Resource": "*"}, False),
    ({"Effect": "Deny", "Action": "aws-marketplace:Subscribe", "Resource": "*"}, False),
])
def test_marketplace_subscription_reading(statement: dict[str, object], expected: bool) -> None:
    assert allows_any_marketplace_subscription(_document(statement)) is expected


def test_public_writes_are_read_from_unconfined_statements_only() -> None:
    document = _document(
        {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:Put*"],
         "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:DeleteObject",
         "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"})
    assert public_write_actions(document) == ["s3:Put*"]
    everything_but_reads = _document({"Effect": "Allow", "Principal": "*",
                                      "NotAction": ["s3:GetObject", "s3:ListBucket"],
                                      "Resource": "arn:aws:s3:::b/*"})
    assert public_write_actions(everything_but_reads) == [
        "every action but s3:GetObject, s3:ListBucket"]
    no_writes_left = _document({"Effect": "Allow", "Principal": "*", "NotAction": "s3:*",
                                "Resource": "arn:aws:s3:::b/*"})
    assert public_write_actions(no_writes_left) == []
