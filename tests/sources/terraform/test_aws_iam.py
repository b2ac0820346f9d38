"""IAM roles, users and groups in a plan judged by the scan's IAM rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govkit.sources.terraform.aws.iam import AWS_MANAGED_ADMIN
from govkit.sources.terraform.inventory import PlanInventory, build
from govkit.sources.terraform.plan import read_plan
from govkit.gate.run import gate
from govkit.inventory.model import Resource
from govkit.policy.evaluate import Settings
from govkit.policy.loader import load_policy_set
from tests.sources.terraform.support import NOW
from govkit.results import Result, Status
from govkit.sources.aws.normalize.policy_analysis import grants_admin

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"
Results = dict[tuple[str, str], Result]


def _judge(name: str) -> tuple[PlanInventory, Results]:
    inventory = build(read_plan(PLANS / name), "plan.json")
    verdict = gate(inventory, load_policy_set().rules, settings=Settings(), now=NOW)
    return inventory, {(r.rule_id, r.resource_id): r for r in verdict.evaluation.results}


@pytest.fixture(scope="module")
def roles() -> tuple[PlanInventory, Results]:
    return _judge("iam_roles.json")


@pytest.fixture(scope="module")
def users() -> tuple[PlanInventory, Results]:
    return _judge("iam_users.json")


def _get(inventory: PlanInventory, address: str) -> Resource:
    return next(r for r in inventory.inventory.resources if r.id == address)


# --------------------------------------------------------------------------- roles


def test_external_id_required(roles: tuple[PlanInventory, Results]) -> None:
    _, results = roles
    rule = "iam-external-role-requires-external-id"
    assert results[(rule, "aws_iam_role.vendor_ok")].status is Status.PASS
    failed = results[(rule, "aws_iam_role.vendor_bad")]
    assert failed.status is Status.FAIL
    assert "outside account 999988887777" in failed.message
    assert "legacy-claims-sync without an external ID" in failed.message
    # the role's own account (allowed_account_ids) is not outside: out of scope
    assert (rule, "aws_iam_role.ci") not in results


def test_admin_policy_from_a_customer_policy_created_in_the_plan(
        roles: tuple[PlanInventory, Results]) -> None:
    inventory, results = roles
    failed = results[("iam-external-role-no-admin-policies", "aws_iam_role.vendor_bad")]
    assert failed.status is Status.FAIL
    assert "administrator-equivalent policies: claims-full-access" in failed.message
    role = _get(inventory, "aws_iam_role.vendor_bad")
    assert role.attributes["AttachedPolicies"] == [
        {"PolicyName": "claims-full-access", "PolicyArn": "aws_iam_policy.full.arn",
         "AwsManaged": False}]
    assert {"aws_iam_role_policy_attachment.vendor_bad_full", "aws_iam_policy.full"} <= \
        inventory.members["aws_iam_role.vendor_bad"]
    assert results[("iam-external-role-no-admin-policies",
                    "aws_iam_role.vendor_ok")].status is Status.PASS


def test_shared_attachment_reaches_every_listed_role(
        roles: tuple[PlanInventory, Results]) -> None:
    inventory, results = roles
    failed = results[("iam-external-role-no-admin-policies", "aws_iam_role.vendor_shared")]
    assert failed.status is Status.FAIL and "AdministratorAccess" in failed.message
    assert _get(inventory, "aws_iam_role.ci").attributes["AdminPolicies"] == \
        ["AdministratorAccess"]


def test_inline_policy_blocks_and_service_principals(
        roles: tuple[PlanInventory, Results]) -> None:
    inventory, _ = roles
    etl = _get(inventory, "aws_iam_role.etl")
    assert etl.attributes["TrustedPrincipals"] == [
        {"Type": "Service", "Value": "lambda.amazonaws.com"}]
    assert etl.attributes["ExternalAccounts"] == []
    assert etl.attributes["AdminPolicies"] == ["etl-everything (inline)"]
    assert etl.region == "global"


def test_unknown_trust_policy_is_error(roles: tuple[PlanInventory, Results]) -> None:
    _, results = roles
    error = results[("iam-external-role-requires-external-id", "aws_iam_role.chained")]
    assert error.status is Status.ERROR
    assert "the trust policy (assume_role_policy) is known only after apply" in error.message
    assert (error.failure or {})["code"] == "UnknownAfterApply"


def test_module_for_each_roles_with_inline_policies(
        roles: tuple[PlanInventory, Results]) -> None:
    inventory, results = roles
    rule = "iam-external-role-requires-external-id"
    assert results[(rule, 'module.vendor["meridian"].aws_iam_role.this')].status is Status.PASS
    failed = results[(rule, 'module.vendor["northwind"].aws_iam_role.this')]
    assert failed.status is Status.FAIL and "777788889999" in failed.message
    role = _get(inventory, 'module.vendor["northwind"].aws_iam_role.this')
    assert role.attributes["InlinePolicies"] == ["scheduling-read"]
    assert 'module.vendor["northwind"].aws_iam_role_policy.this' in inventory.members[role.id]


def test_vendor_register_is_not_in_the_plan(roles: tuple[PlanInventory, Results]) -> None:
    _, results = roles
    error = results[("iam-role-trusts-only-registered-vendors", "aws_iam_role.vendor_bad")]
    assert error.status is Status.ERROR
    assert (error.failure or {})["code"] == "NotInPlan"
    assert "999988887777" in error.message and "vendor register" in error.message
    # a role no outside account can assume is not judged, as in the scan
    assert ("iam-role-trusts-only-registered-vendors", "aws_iam_role.ci") not in results


def test_existing_role_read_back(roles: tuple[PlanInventory, Results]) -> None:
    inventory, _ = roles
    support = _get(inventory, "aws_iam_role.support")
    assert support.attributes["AttachedPolicies"][0]["PolicyName"] == "ViewOnlyAccess"
    assert support.attributes["AdminPolicies"] == []
    assert support.attributes["InlinePolicies"] == []
    assert support.attributes["RoleLastUsed"] == "2026-11-20T08:00:00Z"


# --------------------------------------------------------------------------- users, groups


def test_user_direct_policies(users: tuple[PlanInventory, Results]) -> None:
    _, results = users
    rule = "iam-user-no-direct-policies"
    assert results[(rule, "aws_iam_user.agent")].status is Status.PASS
    failed = results[(rule, "aws_iam_user.contractor")]
    assert failed.status is Status.FAIL
    assert "the first is AdministratorAccess" in failed.message
    assert "inline policies on the user: debug-read" in failed.message


def test_user_admin_directly_and_through_a_group(users: tuple[PlanInventory, Results]) -> None:
    _, results = users
    rule = "iam-user-no-admin-policies"
    assert results[(rule, "aws_iam_user.agent")].status is Status.PASS
    direct = results[(rule, "aws_iam_user.contractor")]
    assert direct.status is Status.FAIL and "AdministratorAccess" in direct.message
    via = results[(rule, "aws_iam_user.ops")]
    assert via.status is Status.FAIL
    assert "everything (inline) (via group Administrators)" in via.message


def test_group_admin_policies(users: tuple[PlanInventory, Results]) -> None:
    _, results = users
    rule = "iam-group-no-admin-policies"
    assert results[(rule, "aws_iam_group.agents")].status is Status.PASS
    failed = results[(rule, "aws_iam_group.admins")]
    assert failed.status is Status.FAIL
    assert "group Administrators gives every member administrator-equivalent policies: " \
           "everything (inline)" in failed.message


def test_counted_users_with_a_policy_read_by_a_data_source(
        users: tuple[PlanInventory, Results]) -> None:
    inventory, results = users
    for index in (0, 1):
        address = f"aws_iam_user.svc[{index}]"
        failed = results[("iam-user-no-direct-policies", address)]
        assert failed.status is Status.FAIL and "export-writer" in failed.message
        assert results[("iam-user-no-admin-policies", address)].status is Status.PASS
        assert f"aws_iam_user_policy_attachment.svc[{index}]" in inventory.members[address]
        assert f"aws_iam_user_policy_attachment.svc[{1 - index}]" not in \
            inventory.members[address]


def test_existing_user_policies_are_not_in_the_plan(users: tuple[PlanInventory, Results]) -> None:
    _, results = users
    error = results[("iam-user-no-direct-policies", "aws_iam_user.legacy")]
    assert error.status is Status.ERROR
    assert (error.failure or {})["code"] == "NotInPlan"
    assert "legacy.batch exists already" in error.message


def test_credentials_of_a_new_user(users: tuple[PlanInventory, Results]) -> None:
    inventory, results = users
    contractor = _get(inventory, "aws_iam_user.contractor")
    assert contractor.attributes["PasswordEnabled"] is True
    assert contractor.attributes["MfaActive"] is False
    keys = results[("iam-user-single-active-access-key", "aws_iam_user.contractor")]
    assert keys.status is Status.ERROR
    assert "create_date" in keys.message and "known only after apply" in keys.message
    agent = _get(inventory, "aws_iam_user.agent")
    assert agent.attributes["ActiveAccessKeys"] == []
    assert agent.attributes["Groups"] == ["SchedulingAgents"]
    # no secret reaches the inventory
    assert "secret" not in json.dumps(dict(contractor.attributes), default=str).lower()


def test_own_account_from_caller_identity(users: tuple[PlanInventory, Results]) -> None:
    inventory, results = users
    breakglass = _get(inventory, "aws_iam_role.breakglass")
    assert breakglass.account == "111122223333"
    assert breakglass.attributes["ExternalAccounts"] == []
    assert results[("iam-external-role-requires-external-id",
                    "aws_iam_role.auditor")].status is Status.PASS


def test_aws_managed_admin_table_matches_grants_admin() -> None:
    """The table is the live scan's grants_admin over AWS's managed policy documents."""
    policies = pytest.importorskip("moto.iam.aws_managed_policies")
    documents = json.loads(policies.aws_managed_policies_data)
    admin = {name for name, p in documents.items() if grants_admin(p["Document"])}
    assert admin == AWS_MANAGED_ADMIN
