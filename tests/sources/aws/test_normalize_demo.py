"""The normalised inventory of the seeded demo estate: facts a security engineer would check."""

from __future__ import annotations

import json

import pytest

from govkit.inventory.build import build_inventory
from govkit.inventory.model import Inventory, Resource
from govkit.report.show import resolve_pointer
from govkit.run import Run
from govkit.snapshot import Snapshot


@pytest.fixture(scope="module")
def inventory(demo_run: Run) -> Inventory:
    return build_inventory(Snapshot.open(demo_run.path), ["123456789012"])


def named(inventory: Inventory, resource_type: str, name: str) -> Resource:
    found = [r for r in inventory.of_type(resource_type) if r.name == name]
    assert found, f"no {resource_type} named {name}: " + \
        ", ".join(r.name for r in inventory.of_type(resource_type))
    return found[0]


def test_every_resource_points_back_to_its_snapshot_records(demo_run: Run,
                                                            inventory: Inventory) -> None:
    assert len(inventory.resources) > 60
    for resource in inventory.resources:
        assert resource.sources, resource.id
        for name, refs in resource.sources.items():
            assert refs, (resource.id, name)
            for ref in refs:
                document = json.loads((demo_run.path / ref.file).read_bytes())
                resolve_pointer(document, ref.pointer, where=f"{resource.id} {name}")


def test_every_attribute_has_a_source_or_a_failure(inventory: Inventory) -> None:
    identity = {"Id", "Name", "Account", "Region"}
    for resource in inventory.resources:
        unexplained = set(resource.attributes) - identity - set(resource.sources)
        assert not unexplained, (resource.id, unexplained)


def test_never_used_console_password_is_visible(inventory: Inventory) -> None:
    user = named(inventory, "aws.iam.user", "tnguyen.nbh")
    assert user.attributes["PasswordEnabled"] is True
    assert user.attributes["PasswordLastUsed"] is None
    assert user.attributes["PasswordLastChanged"] is not None


def test_stale_and_unrotated_keys(inventory: Inventory) -> None:
    keys = named(inventory, "aws.iam.user", "rpatel.nbh").attributes["ActiveAccessKeys"]
    assert len(keys) == 2
    assert all(k["LastRotated"] and k["LastUsedDate"] for k in keys)


def test_admin_policies_reach_users_through_groups(inventory: Inventory) -> None:
    admins = {r.name: r.attributes["AdminPolicies"] for r in inventory.of_type("aws.iam.user")
              if r.attributes.get("AdminPolicies")}
    assert any("via group" in p for policies in admins.values() for p in policies), admins
    group = named(inventory, "aws.iam.group", "SecurityAdmins")
    assert group.attributes["AdminPolicies"] == ["AdministratorAccess"]


def test_vendor_role_trust(inventory: Inventory) -> None:
    lax = named(inventory, "aws.iam.role", "MeridianAgentAccess").attributes
    strict = named(inventory, "aws.iam.role", "MeridianReportingRead").attributes
    assert lax["ExternalAccounts"] == [{"Account": "210987654321", "RequiresExternalId": False,
                                        "RequiresMfa": False}]
    assert strict["ExternalAccounts"][0]["RequiresExternalId"] is True
    assert lax["AdminPolicies"], "the vendor role's wildcard policy is admin-equivalent"


def test_public_things_are_public(inventory: Inventory) -> None:
    website = named(inventory, "aws.s3.bucket", "nbh-public-website-assets")
    assert website.attributes["Public"] is True
    public_snapshots = [r for r in inventory.of_type("aws.ec2.snapshot")
                        if r.attributes["Public"]]
    public_db_snapshots = [r for r in inventory.of_type("aws.rds.snapshot")
                           if r.attributes["Public"]]
    assert public_snapshots and public_db_snapshots


def test_bucket_encryption_and_key_manager(inventory: Inventory) -> None:
    buckets = inventory.of_type("aws.s3.bucket")
    managers = {r.attributes.get("KmsKeyManager") for r in buckets}
    assert "CUSTOMER" in managers
    algorithms = {(r.attributes.get("DefaultEncryption") or {}).get("SSEAlgorithm")
                  for r in buckets}
    assert {"aws:kms", "AES256", None} <= algorithms
    assert any(r.attributes.get("TlsOnly") for r in buckets)
    assert any(r.attributes.get("TlsOnly") is False for r in buckets)


def test_workspaces_directories_and_portals(inventory: Inventory) -> None:
    devices = {r.name: r.attributes["AllowedDeviceTypes"]
               for r in inventory.of_type("aws.workspaces.directory")}
    assert any("Web" in d for d in devices.values())
    assert any("Web" not in d and d for d in devices.values())
    settings = {r.name: r.attributes["EffectiveUserSettings"]["downloadAllowed"]
                for r in inventory.of_type("aws.workspaces_web.portal")}
    assert set(settings.values()) == {"Enabled", "Disabled"}


def test_account_settings(inventory: Inventory) -> None:
    [account] = inventory.of_type("aws.account")
    assert account.attributes["PasswordPolicy"]["MinimumPasswordLength"] == 8
    assert account.attributes["RootMfaEnabled"] is False
    trails = account.attributes["Trails"]
    assert any(t["IsMultiRegionTrail"] and t["IsLogging"] for t in trails)


def test_coverage_is_recorded_for_every_listing(inventory: Inventory) -> None:
    types = {c.type for c in inventory.coverage}
    assert {"aws.s3.bucket", "aws.iam.user", "aws.ec2.volume", "aws.rds.instance",
            "aws.kms.key", "aws.dynamodb.table", "aws.cloudtrail.trail",
            "aws.workspaces.directory", "aws.workspaces.workspace",
            "aws.workspaces_web.portal"} <= types
    assert all(c.failure is None for c in inventory.coverage)
