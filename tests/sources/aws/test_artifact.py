"""AWS Artifact customer agreements against the demo server over HTTP (REST-JSON): answers
hold to the botocore model and page; collected once per account; every scanned account gets
its BAA coverage, judged by aws-baa-active (FAIL naming the account and what was found, PASS
with an ACTIVE organisation addendum, ERROR when the call is denied).

Accounts other than the demo's are scanned through an assumed role (moto maps the role's
keys to its account); their agreements are placed for these tests only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from govkit.demo.aws_extra.artifact import (
    ORGANIZATION_ACCOUNT, business_associate_addendum, place_agreements)
from govkit.demo.clients import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
from govkit.demo.names import DEMO_ACCOUNT
from govkit.demo.run import aws_environment
from govkit.inventory.model import Coverage, Resource
from govkit.policy.evaluate import Settings, judge
from govkit.policy.loader import load_policy_set
from govkit.policy.model import Rule
from govkit.results import Result, Status
from govkit.run import Run
from govkit.snapshot import GLOBAL_REGION, Snapshot, SnapshotWriter
from govkit.sources.aws.normalize import artifact
from govkit.sources.aws.scan import AwsService, ScanRequest, plan_and_run
from govkit.sources.interface import NormalizeContext
from tests.conftest import Estate
from tests.sources.aws.test_workspaces_pools import assert_valid, demo_client, wire_answers
from tests.support.faultproxy import FaultProxy, access_denied_code, fast_retries

RULE = "aws-baa-active"
NO_BAA_ACCOUNT = "444455556666"
PAGED_ACCOUNT = "777788889999"


@pytest.fixture(scope="module")
def baa_rule() -> Rule:
    return load_policy_set().by_id()[RULE]


def normalized(path: Path, *accounts: str) -> list[Resource | Coverage]:
    return list(artifact.normalize(Snapshot.open(path),
                                   NormalizeContext(own_accounts=frozenset(accounts))))


def coverage_of(items: list[Resource | Coverage], account: str) -> Resource:
    [found] = [r for r in items if isinstance(r, Resource) and r.type == artifact.ACCOUNT_BAA
               and r.account == account]
    return found


def as_account(estate: Estate, account: str) -> Any:
    """An Artifact client signed with keys of ``account`` (a role assumed into it)."""
    sts = demo_client(estate.endpoint_url, "sts", "us-east-1")
    keys = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/GovkitAudit",
                           RoleSessionName="artifact-tests")["Credentials"]
    return boto3.client("artifact", region_name="us-east-1", endpoint_url=estate.endpoint_url,
                        aws_access_key_id=keys["AccessKeyId"],
                        aws_secret_access_key=keys["SecretAccessKey"],
                        aws_session_token=keys["SessionToken"])


def verdict(rule: Rule, resource: Resource, now: dt.datetime) -> Result:
    result = judge(rule, resource, settings=Settings(), now=now)
    assert result is not None
    return result


# -- the demo --------------------------------------------------------------------------------

def test_demo_account_fails_naming_the_terminated_addendum(demo_run: Run,
                                                           estate: Estate) -> None:
    [result] = [r for r in demo_run.evaluation.results if r.rule_id == RULE]
    ended = (estate.seeded_at - dt.timedelta(days=30)).date().isoformat()
    assert result.status is Status.FAIL and result.severity.label == "critical"
    assert result.message == (
        f"account {DEMO_ACCOUNT} has no ACTIVE AWS Business Associate Addendum: AWS Business "
        f"Associate Addendum (account-level) is terminated by the customer on {ended}")
    entries = [e for e in Snapshot.open(demo_run.path).entries if e.service == "artifact"]
    assert [(e.account, e.region, e.operation) for e in entries] == [
        (DEMO_ACCOUNT, GLOBAL_REGION, "ListCustomerAgreements")]
    items = normalized(demo_run.path, DEMO_ACCOUNT)
    [agreement] = [r for r in items if isinstance(r, Resource) and r.type == artifact.AGREEMENT]
    assert agreement.attributes["state"] == "CUSTOMER_TERMINATED"
    assert agreement.attributes["Scope"] == "account"
    assert agreement.attributes["BusinessAssociateAddendum"] is True
    assert "Tags" in agreement.failures


@pytest.fixture(scope="module")
def placed(estate: Estate) -> list[dict[str, Any]]:
    """Agreements of two accounts besides the demo's: none at all, and three (a terminated
    BAA, the organisation's ACTIVE one, an addendum that is not a BAA)."""
    agreements = [business_associate_addendum(PAGED_ACCOUNT, organization=False,
                                              start="2021-03-01T00:00:00Z",
                                              end="2023-06-30T00:00:00Z"),
                  business_associate_addendum(PAGED_ACCOUNT, organization=True,
                                              start="2023-06-30T00:00:00Z"),
                  {**business_associate_addendum(PAGED_ACCOUNT, organization=False,
                                                 start="2020-01-01T00:00:00Z"),
                   "name": "AWS Australian Notifiable Data Breach Addendum",
                   "id": "customer-agreement-0a1b2c3d4e5f6a7b"}]
    for account, listed in ((PAGED_ACCOUNT, agreements), (NO_BAA_ACCOUNT, [])):
        place_agreements(estate.endpoint_url, account, listed, access_key=DEMO_ACCESS_KEY,
                         secret_key=DEMO_SECRET_KEY)
    return agreements


def test_answers_hold_to_the_model_and_page(estate: Estate,
                                            placed: list[dict[str, Any]]) -> None:
    client = as_account(estate, PAGED_ACCOUNT)
    with wire_answers(client) as answers:
        pages = list(client.get_paginator("list_customer_agreements").paginate(
            PaginationConfig={"PageSize": 2}))
    assert [len(p["customerAgreements"]) for p in pages] == [2, 1]
    assert [a["id"] for p in pages for a in p["customerAgreements"]] == \
        [a["id"] for a in placed]
    assert_valid("artifact", answers)
    demo = demo_client(estate.endpoint_url, "artifact", "us-east-1")
    with wire_answers(demo) as answers:
        assert len(demo.list_customer_agreements()["customerAgreements"]) == 1
    assert_valid("artifact", answers)
    with pytest.raises(ClientError, match="ValidationException"):
        demo.list_customer_agreements(nextToken="not-a-token")


def test_an_organisation_addendum_passes_and_none_fails(
        estate: Estate, placed: list[dict[str, Any]], baa_rule: Rule, tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path)
    accounts = (ORGANIZATION_ACCOUNT, NO_BAA_ACCOUNT, PAGED_ACCOUNT)
    with aws_environment(estate.endpoint_url):
        plan_and_run(ScanRequest(regions=("us-east-1",), accounts=accounts,
                                 role_name="GovkitAudit", services=(AwsService.ARTIFACT,)),
                     writer)
    writer.write_index()
    items = normalized(tmp_path, *accounts)
    now = dt.datetime.now(dt.timezone.utc)
    organisation = coverage_of(items, ORGANIZATION_ACCOUNT)
    [active] = organisation.attributes["ActiveAddenda"]
    assert active["Scope"] == "organization" and active["OrganizationArn"]
    assert verdict(baa_rule, organisation, now).status is Status.PASS
    none = verdict(baa_rule, coverage_of(items, NO_BAA_ACCOUNT), now)
    assert none.status is Status.FAIL
    assert none.message == (f"account {NO_BAA_ACCOUNT} has no ACTIVE AWS Business Associate "
                            "Addendum: no Business Associate Addendum is listed by "
                            "artifact:ListCustomerAgreements")
    paged = coverage_of(items, PAGED_ACCOUNT)
    assert [a["State"] for a in paged.attributes["Addenda"]] == ["CUSTOMER_TERMINATED",
                                                                "ACTIVE"]  # not the breach one
    assert verdict(baa_rule, paged, now).status is Status.PASS
    # an ACTIVE addendum judged before its start is not in force
    before = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)
    early = verdict(baa_rule, paged, before)
    assert early.status is Status.FAIL and "it takes effect only on 2023-06-30" in early.message
    listed = [c for c in items if isinstance(c, Coverage) and c.type == artifact.AGREEMENT]
    assert sorted(c.account for c in listed) == sorted(accounts)


# -- denied ----------------------------------------------------------------------------------

@pytest.fixture
def proxy(estate: Estate) -> Iterator[FaultProxy]:
    with FaultProxy(upstream=estate.endpoint_url) as running, \
            aws_environment(running.endpoint_url), fast_retries():
        yield running


def test_denied_listing_is_error_never_pass(proxy: FaultProxy, baa_rule: Rule,
                                            tmp_path: Path) -> None:
    proxy.inject("artifact", "ListCustomerAgreements", access_denied_code("artifact"))
    writer = SnapshotWriter(tmp_path)
    plan_and_run(ScanRequest(regions=("us-east-1",), services=(AwsService.ARTIFACT,)), writer)
    writer.write_index()
    items = normalized(tmp_path, DEMO_ACCOUNT)
    coverage = coverage_of(items, DEMO_ACCOUNT)
    assert set(artifact.COVERAGE_ATTRIBUTES) <= set(coverage.failures)
    result = verdict(baa_rule, coverage, dt.datetime.now(dt.timezone.utc))
    assert result.status is Status.ERROR
    assert "artifact:ListCustomerAgreements" in result.message
    assert "AccessDeniedException" in result.message
    listing = [c for c in items if isinstance(c, Coverage) and c.type == artifact.AGREEMENT]
    assert listing and listing[0].failure is not None


def test_only_accounts_that_hold_phi_need_the_addendum(baa_rule: Rule) -> None:
    """An account that holds PHI is judged; one that holds none is not applicable; one whose
    tags could not be read is ERROR naming the call (whether it holds PHI is unknown)."""
    from govkit.inventory.model import CallFailure, Inventory, ResourceBuilder
    from govkit.policy.evaluate import evaluate_rule

    def bucket(account: str, name: str, tags: dict[str, str] | None) -> Resource:
        builder = ResourceBuilder(id=f"arn:aws:s3:::{name}", type="aws.s3.bucket",
                                  account=account, region="us-east-1", name=name)
        if tags is None:
            builder.fail("Tags", CallFailure(
                call=f"s3:GetBucketTagging (Bucket={name}) in {account}/us-east-1",
                operation="s3:GetBucketTagging", code="AccessDenied", message="",
                file=f"snapshots/{account}/tagging.json"))
        else:
            builder.set_tags(tags, f"snapshots/{account}/tagging.json")
        return builder.build()

    def baa(account: str) -> Resource:
        builder = ResourceBuilder(id=f"artifact:{account}", type=artifact.ACCOUNT_BAA,
                                  account=account, region=GLOBAL_REGION, name=account)
        builder.update({"AccountId": account, "Addenda": [], "ActiveAddenda": [],
                        "Found": "no Business Associate Addendum is listed"},
                       f"snapshots/{account}/artifact.json")
        return builder.build()

    holds, keeps_none, untold = "111111111111", "222222222222", "333333333333"
    resources = [bucket(holds, "nbh-phi-claims", {"data_classification": "phi"}),
                 bucket(holds, "nbh-untold-logs", None),
                 bucket(keeps_none, "nbh-web-assets", {"data_classification": "public"}),
                 bucket(untold, "nbh-archive", None),
                 *(baa(a) for a in (holds, keeps_none, untold))]
    coverage = [Coverage(type=artifact.ACCOUNT_BAA, account=a, region=GLOBAL_REGION,
                         source=f"snapshots/{a}/artifact.json")
                for a in (holds, keeps_none, untold)]
    results = {r.account: r for r in evaluate_rule(
        baa_rule, Inventory.of(resources, coverage), settings=Settings(),
        now=dt.datetime(2026, 11, 15, tzinfo=dt.timezone.utc))}
    assert results[holds].status is Status.FAIL
    assert f"account {holds} has no ACTIVE AWS Business Associate Addendum" in \
        results[holds].message
    assert results[keeps_none].status is Status.NOT_APPLICABLE
    assert results[untold].status is Status.ERROR
    assert f"tell whether account {untold} holds PHI" in results[untold].message
    assert "s3:GetBucketTagging (Bucket=nbh-archive)" in results[untold].message
