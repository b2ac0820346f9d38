"""IAM Identity Center against the seeded moto server over HTTP: collected once, in its region
of the caller's account; every user carries the account vocabulary; a denied call is an ERROR
naming it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govkit.demo.names import DEMO_ACCOUNT
from govkit.demo.run import aws_environment
from govkit.errors import UsageError
from govkit.inventory.accounts import ACCOUNT_FIELDS
from govkit.inventory.model import Coverage, Resource
from govkit.report.show import resolve_pointer
from govkit.results import Status
from govkit.run import Run, RunOptions, scan
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws.normalize import identitycenter
from govkit.sources.aws.scan import AwsService, ScanRequest, check_request, plan_and_run
from govkit.sources.interface import NormalizeContext
from tests.conftest import Estate, demo_request
from tests.sources.aws.sweep import aws_calls, not_allowed_by_read_only_policy
from tests.support.faultproxy import FaultProxy, access_denied_code, fast_retries

REPO = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
TYPE = "aws.identitystore.user"
RULE_ID = "test-identitycenter-no-admin-permission-set"
RULE = f"""id: {RULE_ID}
title: Enabled Identity Center users hold no AdministratorAccess permission set
resource: {TYPE}
severity: high
assert:
  any:
    - {{key: Active, op: eq, value: false}}
    - not: {{key: PermissionSets, op: contains, value: AdministratorAccess}}
remediation: Remove the assignment.
controls: ["164.308(a)(4)(i)"]
tests:
  pass:
    - name: scheduling agent
      resource: {{Name: a, Active: true, PermissionSets: [PatientSchedulingDesk]}}
  fail:
    - name: administrator
      resource: {{Name: b, Active: true, PermissionSets: [AdministratorAccess]}}
"""
OPERATIONS = [("sso-admin", "ListInstances"), ("sso-admin", "ListPermissionSets"),
              ("sso-admin", "DescribePermissionSet"),
              ("sso-admin", "ListAccountsForProvisionedPermissionSet"),
              ("sso-admin", "ListAccountAssignments"), ("identitystore", "ListUsers"),
              ("identitystore", "ListGroups"), ("identitystore", "ListGroupMemberships")]


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rules")
    (folder / "access").mkdir()
    (folder / "access" / f"{RULE_ID}.yaml").write_text(RULE)
    return folder


def identity_center_scan(out: Path, rules: Path, **overrides: Any) -> Run:
    request = demo_request(services=(AwsService.IDENTITY_CENTER,),
                           identity_center_region=REGION, **overrides)
    return scan(request, RunOptions(out=out, policy_dirs=(rules,)))


@pytest.fixture(scope="module")
def ic_run(estate: Estate, rules: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    with aws_environment(estate.endpoint_url):
        return identity_center_scan(tmp_path_factory.mktemp("ic"), rules)


@pytest.fixture(scope="module")
def users(ic_run: Run) -> dict[str, Resource]:
    found = [item for item in identitycenter.normalize(
        Snapshot.open(ic_run.path), NormalizeContext(own_accounts=frozenset({DEMO_ACCOUNT})))
        if isinstance(item, Resource)]
    return {r.name.split("@")[0]: r for r in found}


def test_collected_once_in_its_region_of_the_caller_account(ic_run: Run) -> None:
    entries = [e for e in aws_calls(ic_run.path) if e.service != "ec2"]
    assert {(e.account, e.region) for e in entries} == {(DEMO_ACCOUNT, REGION)}
    assert sorted({(e.service, e.operation) for e in entries}) == sorted(OPERATIONS)
    assert all(e.ok for e in entries)
    [users] = [e for e in entries if e.operation == "ListUsers"]
    assert users.params["Extensions"] == ["aws:identitystore:enterprise"]
    # one permission-set route: the accounts each is provisioned to, then their assignments
    assignments = [e for e in entries if e.operation == "ListAccountAssignments"]
    assert sorted(e.params["AccountId"] for e in assignments) == [DEMO_ACCOUNT, DEMO_ACCOUNT]
    assert ic_run.manifest["sources"][0]["services"] == ["identitycenter"]
    assert ic_run.manifest["sources"][0]["identity_center_region"] == REGION


def test_not_collected_without_its_region(aws_env: Estate, tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path)
    request = demo_request(services=(AwsService.IDENTITY_CENTER,), identity_center_region=None)
    scope = plan_and_run(request, writer)
    assert scope.services == () and scope.identity_center_region is None
    # the region check only (and the HIPAA eligible list every AWS scan records)
    assert {e.service for e in writer.write_index()} == {"ec2", "hipaa-eligible"}


def test_without_its_region_its_rules_are_not_evaluated_rather_than_error(
        aws_env: Estate, rules: Path, tmp_path: Path) -> None:
    request = demo_request(services=(AwsService.IDENTITY_CENTER,), identity_center_region=None)
    run = scan(request, RunOptions(out=tmp_path, policy_dirs=(rules,)))
    assert "identity_center_region" not in run.manifest["sources"][0]
    [result] = [r for r in run.evaluation.results if r.rule_id == RULE_ID]
    assert result.status is Status.NOT_APPLICABLE
    assert "no Identity Center region is configured" in result.message


def test_a_bad_region_is_refused_before_anything_runs() -> None:
    with pytest.raises(UsageError, match="not an AWS region name: moon-1"):
        check_request(ScanRequest(identity_center_region="moon-1"))


def test_every_call_is_allowed_by_the_documented_read_only_policy(ic_run: Run) -> None:
    assert not not_allowed_by_read_only_policy(ic_run.path)


def test_every_user_sets_the_account_vocabulary_with_sources(ic_run: Run,
                                                             users: dict[str, Resource]
                                                             ) -> None:
    assert sorted(users) == ["daniel.reyes", "grace.lim", "maria.santos", "priya.shah"]
    for user in users.values():
        assert set(ACCOUNT_FIELDS) <= {*user.attributes, *user.failures}, user.name
        assert set(user.attributes) - {"Id", "Name", "Account", "Region"} <= set(user.sources)
        for name, refs in user.sources.items():
            for where in refs:
                document = json.loads((ic_run.path / where.file).read_bytes())
                resolve_pointer(document, where.pointer, where=f"{user.name} {name}")
        assert user.account == DEMO_ACCOUNT and user.region == REGION
        assert user.attributes["System"] == "identitycenter"
        assert user.attributes["Login"] == user.name
        assert user.id.startswith("arn:aws:identitystore:::user/")


def test_scheduling_agent(users: dict[str, Resource]) -> None:
    maria = users["maria.santos"].attributes
    assert maria["Active"] is True and maria["Status"] == "ENABLED"
    # primary first, lower-cased
    assert maria["Emails"] == ["maria.santos@meridian-cs.example", "msantos@meridian-cs.example"]
    assert maria["EmployeeId"] == "M-1001" and maria["ExternalIds"] == ["M-1001"]
    assert maria["Groups"] == ["Meridian-Agents"]
    assert maria["PermissionSets"] == ["PatientSchedulingDesk"]
    assert maria["Assignments"] == [{"AccountId": DEMO_ACCOUNT,
                                     "PermissionSet": "PatientSchedulingDesk",
                                     "Via": "Meridian-Agents"}]
    created = dt.datetime.fromisoformat(maria["CreatedAt"].replace("Z", "+00:00"))
    assert 199 <= (dt.datetime.now(dt.UTC) - created).days <= 201


def test_leavers_and_the_administrator(users: dict[str, Resource]) -> None:
    daniel = users["daniel.reyes"].attributes  # the planted violation: left, still enabled
    assert daniel["Active"] is True and daniel["PermissionSets"] == ["PatientSchedulingDesk"]
    grace = users["grace.lim"].attributes
    assert (grace["Active"], grace["Status"]) == (False, "DISABLED")
    assert grace["Groups"] == [] and grace["PermissionSets"] == [] == grace["Assignments"]
    assert grace["EmployeeId"] is None and grace["ExternalIds"] == ["M-1004"]
    priya = users["priya.shah"].attributes
    assert priya["EmployeeId"] == "NB-2001" and priya["Groups"] == []
    assert priya["Assignments"] == [{"AccountId": DEMO_ACCOUNT,
                                     "PermissionSet": "AdministratorAccess", "Via": "user"}]


def test_what_identity_center_does_not_keep_is_a_failure(users: dict[str, Resource]) -> None:
    failures = users["maria.santos"].failures
    for key in ("LastSignInAt", "DisableEvents", "MfaFactors", "Admin", "Applications"):
        assert failures[key].code == "NotCollected", key
        assert failures[key].operation == "identitystore:ListUsers" and failures[key].file == ""
    assert "CloudTrail" in failures["LastSignInAt"].message
    attributes = users["maria.santos"].attributes
    assert attributes["DisabledAt"] is None and attributes["DisableEventsSince"] is None


def test_the_rule_judges_users_and_names_the_records(ic_run: Run) -> None:
    results = {r.resource_name: r for r in ic_run.evaluation.results if r.rule_id == RULE_ID}
    assert results["priya.shah@northbridge-health.example"].status is Status.FAIL
    assert {r.status for name, r in results.items() if not name.startswith("priya")} == \
        {Status.PASS}


def _record(writer: SnapshotWriter, service: str, operation: str, params: dict[str, Any],
            response: dict[str, Any]) -> None:
    writer.record(account=DEMO_ACCOUNT, region=REGION, service=service, operation=operation,
                  params=params, started_at=dt.datetime.now(dt.UTC), duration_ms=1,
                  response=response)


def test_a_user_without_user_status_has_active_failed(tmp_path: Path) -> None:
    """moto leaves UserStatus out: whether the user is enabled is unknown, never assumed."""
    writer = SnapshotWriter(tmp_path)
    arn, store = "arn:aws:sso:::instance/ssoins-1", "d-1"
    _record(writer, "sso-admin", "ListInstances", {"page": 1},
            {"Instances": [{"InstanceArn": arn, "IdentityStoreId": store}]})
    _record(writer, "identitystore", "ListUsers", {"IdentityStoreId": store, "page": 1},
            {"Users": [{"UserId": "u-1", "UserName": "x@example.org"}]})
    _record(writer, "identitystore", "ListGroups", {"IdentityStoreId": store, "page": 1},
            {"Groups": []})
    _record(writer, "sso-admin", "ListPermissionSets", {"InstanceArn": arn, "page": 1},
            {"PermissionSets": []})
    writer.write_index()
    found = list(identitycenter.normalize(Snapshot.open(tmp_path),
                                          NormalizeContext(own_accounts=frozenset())))
    [user] = [r for r in found if isinstance(r, Resource)]
    assert user.failures["Active"].code == "NotCollected"
    assert "no UserStatus" in user.failures["Active"].message
    assert user.failures["Active"].pointer == "/response/Users/0"
    assert "Status" in user.failures and "Active" not in user.attributes
    # not asked for the enterprise extension: employee ids unknown, not null
    assert user.failures["EmployeeId"].code == "NotCollected"
    assert user.attributes["PermissionSets"] == [] and user.attributes["Groups"] == []
    assert [c.failure for c in found if isinstance(c, Coverage)] == [None]


@pytest.fixture(scope="module")
def proxy(estate: Estate) -> Iterator[FaultProxy]:
    with FaultProxy(upstream=estate.endpoint_url) as running, \
            aws_environment(running.endpoint_url), fast_retries():
        yield running


@pytest.mark.parametrize(("service", "operation"), OPERATIONS)
def test_a_denied_call_is_an_error_naming_it(proxy: FaultProxy, rules: Path, tmp_path: Path,
                                             service: str, operation: str) -> None:
    proxy.clear()
    proxy.inject(service, operation, access_denied_code(service))
    run = identity_center_scan(tmp_path, rules, max_attempts=2)
    named = f"{service}:{operation}"
    assert any(named in str(c.get("operation")) for c in run.evaluation.failed_calls)
    results = [r for r in run.evaluation.results if r.rule_id == RULE_ID]
    errors = [r for r in results if r.status is Status.ERROR]
    assert any(named in r.message or named == (r.failure or {}).get("operation")
               for r in errors), [r.message for r in results]
    # the administrator is never judged PASS on missing data
    assert not any(r.status is Status.PASS and r.resource_name.startswith("priya")
                   for r in results)
