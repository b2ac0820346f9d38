"""WorkSpaces directories, WorkSpaces and IP access control groups planned by Terraform."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.sources.terraform.inventory import PlanInventory, build
from govkit.sources.terraform.plan import read_plan
from tests.sources.terraform.support import judged
from govkit.results import Result

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"
FILE = "workspaces_directories.json"


def _inventory() -> PlanInventory:
    return build(read_plan(PLANS / FILE), "plan.json")


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], Result]:
    return judged(_inventory())


DIRECTORY_RULES = ("workspaces-directory-device-types-restricted",
                   "workspaces-directory-ip-groups-attached",
                   "workspaces-directory-ip-groups-restrict-sources",
                   "workspaces-directory-no-internet-access",
                   "workspaces-directory-no-local-admin",
                   "workspaces-directory-self-service-restricted")


@pytest.mark.parametrize("rule", DIRECTORY_RULES)
def test_a_hardened_directory_passes(results, rule):
    assert results[(rule, "aws_workspaces_directory.agents")].status.name == "PASS"


@pytest.mark.parametrize(("rule", "text"), [
    ("workspaces-directory-device-types-restricted",
     "Web clients: allowed (DeviceTypeWeb is ALLOW; accepted: none)"),
    ("workspaces-directory-ip-groups-restrict-sources",
     "directory d-90670c0ffe admits sessions from source ranges wider than /16: 0.0.0.0/0 "
     "(anywhere) in group meridian-bpo (aws_workspaces_ip_group.vendor.id)"),
    ("workspaces-directory-no-internet-access", "EnableInternetAccess is true"),
    ("workspaces-directory-no-local-admin", "UserEnabledAsLocalAdministrator is true"),
    ("workspaces-directory-self-service-restricted", "RebuildWorkspace is ENABLED"),
])
def test_an_open_directory_fails_naming_the_value(results, rule, text):
    result = results[(rule, "aws_workspaces_directory.staff")]
    assert result.status.name == "FAIL"
    assert text in result.message


def test_ip_groups_created_in_the_plan_are_resolved_by_reference():
    directory = next(r for r in _inventory().inventory.of_type("aws.workspaces.directory")
                     if r.id == "aws_workspaces_directory.agents")
    assert directory.attributes["IpGroupIds"] == ["aws_workspaces_ip_group.office.id"]
    assert directory.attributes["IpGroupRules"] == [
        {"GroupId": "aws_workspaces_ip_group.office.id", "GroupName": "nbh-office",
         "ipRule": "203.0.113.0/24", "ruleDesc": "NBH contact centre", "PrefixLength": 24}]
    assert any(ref.pointer.endswith("/change/after/rules")
               for ref in directory.sources["IpGroupRules"])


def test_a_directory_registered_without_groups_has_none(results):
    result = results[("workspaces-directory-ip-groups-attached",
                      "aws_workspaces_directory.contractors")]
    assert result.status.name == "FAIL"
    assert "no IP access control group is attached to directory d-9067c0ntr4" \
        in result.message


def test_unset_device_types_and_unknown_blocks_are_errors(results):
    devices = results[("workspaces-directory-device-types-restricted",
                       "aws_workspaces_directory.contractors")]
    assert devices.status.name == "ERROR"
    assert (devices.failure or {}).get("code") == "NotInPlan"
    assert "does not set device_type_windows" in devices.message
    admin = results[("workspaces-directory-no-local-admin",
                     "aws_workspaces_directory.contractors")]
    assert admin.status.name == "ERROR"
    assert "workspace_creation_properties is known only after apply" in admin.message


def test_reconnect_is_not_in_the_plan(results):
    result = results[("workspaces-directory-reconnect-disabled",
                      "aws_workspaces_directory.agents")]
    assert result.status.name == "ERROR"
    assert (result.failure or {}).get("code") == "NotInPlan"
    assert "client properties (ReconnectEnabled) are not in the plan" in result.message


def test_workspace_volume_encryption(results):
    assert results[("workspaces-root-volume-encrypted",
                    "aws_workspaces_workspace.agent")].status.name == "PASS"
    root = results[("workspaces-root-volume-encrypted", "aws_workspaces_workspace.legacy")]
    assert root.status.name == "FAIL"
    assert "root volume (C:) of meridian-agent-2's WorkSpace is not encrypted: " \
           "RootVolumeEncryptionEnabled is false" in root.message


def test_count_instances_are_judged_one_by_one(results):
    assert results[("workspaces-user-volume-encrypted",
                    "aws_workspaces_workspace.pool[0]")].status.name == "PASS"
    second = results[("workspaces-user-volume-encrypted", "aws_workspaces_workspace.pool[1]")]
    assert second.status.name == "FAIL"
    assert "user volume (D:) of meridian-agent-4's WorkSpace is not encrypted" in second.message


def test_an_unknown_flag_is_an_error_naming_the_attribute(results):
    result = results[("workspaces-root-volume-encrypted", "aws_workspaces_workspace.pilot")]
    assert result.status.name == "ERROR"
    assert "root_volume_encryption_enabled is known only after apply (set from " \
           "terraform_data.encryption_policy.output)" in result.message


def test_a_key_created_in_the_plan_is_shown_by_its_address():
    planned = _inventory()
    workspace = next(r for r in planned.inventory.of_type("aws.workspaces.workspace")
                     if r.id == "aws_workspaces_workspace.agent")
    assert workspace.attributes["VolumeEncryptionKey"] == "aws_kms_key.workspaces.arn"
    assert "aws_kms_key.workspaces" in planned.members[workspace.id]
    group = next(r for r in planned.inventory.of_type("aws.workspaces.ip_group")
                 if r.id == "aws_workspaces_ip_group.vendor")
    assert group.attributes["Rules"] == [{"ipRule": "0.0.0.0/0", "ruleDesc": "anywhere"},
                                         {"ipRule": "198.51.100.0/24", "ruleDesc": None}]
    assert planned.not_evaluated == ()
