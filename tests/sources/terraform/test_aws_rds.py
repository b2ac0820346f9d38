"""RDS instances, clusters and snapshots planned by Terraform, judged by the scan's rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govkit.sources.terraform.context import NOT_IN_PLAN, UNKNOWN_AFTER_APPLY
from govkit.sources.terraform.inventory import PlanInventory, build
from govkit.sources.terraform.plan import read_plan
from govkit.gate.run import gate
from govkit.policy.evaluate import Settings
from govkit.policy.loader import load_policy_set
from tests.sources.terraform.support import NOW, judged
from govkit.results import Result, Status

PLAN = Path(__file__).resolve().parents[2] / "data" / "plans" / "rds_databases.json"


@pytest.fixture(scope="module")
def planned() -> PlanInventory:
    return build(read_plan(PLAN), "plan.json")


@pytest.fixture(scope="module")
def results(planned: PlanInventory) -> dict[tuple[str, str], Result]:
    return judged(planned)


def test_every_planned_rds_resource_is_judged(planned: PlanInventory) -> None:
    assert planned.not_evaluated == ()
    types = {r.id: r.type for r in planned.inventory.resources}
    assert types["aws_db_instance.phi"] == "aws.rds.instance"
    assert types["aws_rds_cluster_instance.aurora[1]"] == "aws.rds.instance"
    assert types["aws_rds_cluster.aurora"] == "aws.rds.cluster"
    assert types["aws_db_snapshot.phi"] == "aws.rds.snapshot"
    assert types["aws_db_cluster_snapshot.aurora"] == "aws.rds.cluster_snapshot"


def test_instance_that_meets_every_rule(results: dict[tuple[str, str], Result]) -> None:
    for rule in ("rds-instance-storage-encrypted", "rds-instance-not-publicly-accessible",
                 "rds-instance-backup-enabled", "rds-instance-multi-az"):
        assert results[(rule, "aws_db_instance.phi")].status is Status.PASS, rule


def test_instance_left_to_aws_defaults_fails_and_says_so(
        results: dict[tuple[str, str], Result]) -> None:
    encrypted = results[("rds-instance-storage-encrypted", "aws_db_instance.legacy")]
    assert encrypted.status is Status.FAIL
    assert "the mysql instance's storage is not encrypted (StorageEncrypted: false)" in \
        encrypted.message
    assert "a new instance is unencrypted by default" in encrypted.message
    backup = results[("rds-instance-backup-enabled", "aws_db_instance.legacy")]
    assert backup.status is Status.FAIL
    assert "retention of instance legacy-billing is 1 day(s)" in backup.message
    assert "backup_retention_period not set: AWS's default 1 applies" in backup.message
    multi_az = results[("rds-instance-multi-az", "aws_db_instance.legacy")]
    assert multi_az.status is Status.FAIL and "(Multi-AZ: false)" in multi_az.message
    public = results[("rds-instance-not-publicly-accessible", "aws_db_instance.legacy")]
    assert public.status is Status.FAIL
    assert public.message.startswith("PubliclyAccessible is true: the mysql instance")


def test_read_replica_inherits_encryption_of_its_planned_source(
        planned: PlanInventory, results: dict[tuple[str, str], Result]) -> None:
    replica = next(r for r in planned.inventory.resources if r.id == "aws_db_instance.replica")
    assert replica.attributes["StorageEncrypted"] is True
    pointers = [ref.pointer for ref in replica.sources["StorageEncrypted"]]
    assert pointers[0].endswith("/change/after/replicate_source_db")
    assert any(p.endswith("/change/after/storage_encrypted") for p in pointers[1:])
    assert results[("rds-instance-storage-encrypted", "aws_db_instance.replica")].status \
        is Status.PASS


def test_replica_backup_retention_known_only_after_apply_is_error(
        results: dict[tuple[str, str], Result]) -> None:
    result = results[("rds-instance-backup-enabled", "aws_db_instance.replica")]
    assert result.status is Status.ERROR
    assert "backup_retention_period is known only after apply" in result.message
    assert result.failure is not None and result.failure["code"] == UNKNOWN_AFTER_APPLY


def test_aurora_cluster_is_encrypted_by_default_and_its_instances_inherit(
        results: dict[tuple[str, str], Result]) -> None:
    cluster = results[("rds-cluster-storage-encrypted", "aws_rds_cluster.aurora")]
    assert cluster.status is Status.PASS
    assert "Aurora encrypts every cluster created since 2026-02-18" in cluster.message
    for index in (0, 1):  # count instances of the cluster
        address = f"aws_rds_cluster_instance.aurora[{index}]"
        assert results[("rds-instance-storage-encrypted", address)].status is Status.PASS
        assert results[("rds-instance-backup-enabled", address)].status is Status.PASS
        assert ("rds-instance-multi-az", address) not in results  # cluster members: no scope


def test_cluster_member_names_its_cluster(planned: PlanInventory) -> None:
    member = next(r for r in planned.inventory.resources
                  if r.id == "aws_rds_cluster_instance.aurora[0]")
    assert member.name == "phi-aurora-0"
    assert member.attributes["DBClusterIdentifier"] == "phi-aurora"
    assert member.attributes["BackupRetentionPeriod"] == 7


def test_multi_az_cluster_asked_unencrypted_fails(
        results: dict[tuple[str, str], Result]) -> None:
    result = results[("rds-cluster-storage-encrypted", "aws_rds_cluster.reporting")]
    assert result.status is Status.FAIL
    assert "the postgres cluster's storage is not encrypted (StorageEncrypted: false)" in \
        result.message


def test_snapshot_encryption_follows_the_planned_instance(
        results: dict[tuple[str, str], Result]) -> None:
    assert results[("rds-snapshot-encrypted", "aws_db_snapshot.phi")].status is Status.PASS
    legacy = results[("rds-snapshot-encrypted", "aws_db_snapshot.legacy")]
    assert legacy.status is Status.FAIL
    assert "the manual snapshot of instance legacy-billing (mysql)" in legacy.message
    assert "is not encrypted (Encrypted: false)" in legacy.message
    cluster = results[("rds-cluster-snapshot-encrypted", "aws_db_cluster_snapshot.aurora")]
    assert cluster.status is Status.PASS


def test_snapshot_of_an_instance_outside_the_plan_is_error_not_in_plan(
        results: dict[tuple[str, str], Result]) -> None:
    result = results[("rds-snapshot-encrypted", "aws_db_snapshot.outside")]
    assert result.status is Status.ERROR
    assert "instance warehouse-prod is not created by this plan" in result.message
    assert result.failure is not None and result.failure["code"] == NOT_IN_PLAN


def test_shared_accounts_make_a_snapshot_public_or_shared(
        planned: PlanInventory, results: dict[tuple[str, str], Result]) -> None:
    public = results[("rds-snapshot-not-public", "aws_db_snapshot.legacy")]
    assert public.status is Status.FAIL
    assert 'restore attribute includes "all" (public: true)' in public.message
    shared = results[("rds-snapshot-not-shared-externally", "aws_db_snapshot.phi")]
    assert shared.status is Status.FAIL
    assert shared.message.startswith("account 222233334444: can restore or copy")
    assert results[("rds-cluster-snapshot-not-public", "aws_db_cluster_snapshot.aurora")] \
        .status is Status.PASS
    rule = next(r for r in load_policy_set().rules
                if r.id == "rds-snapshot-not-shared-externally")
    trusted = gate(planned, [rule.with_parameters({"trusted_accounts": ["222233334444"]})],
                   settings=Settings(), now=NOW)
    statuses = {r.resource_id: r.status for r in trusted.evaluation.results}
    assert statuses["aws_db_snapshot.phi"] is Status.PASS


def test_module_instances_use_the_key_passed_down(
        planned: PlanInventory, results: dict[tuple[str, str], Result]) -> None:
    for key in ("a", "b"):
        address = f'module.tenant["{key}"].aws_db_instance.this'
        resource = next(r for r in planned.inventory.resources if r.id == address)
        assert resource.name == f"tenant-{key}"
        assert resource.attributes["KmsKeyId"] == "aws_kms_key.rds.arn"
        assert results[("rds-instance-multi-az", address)].status is Status.FAIL
        assert f"instance tenant-{key} runs in a single Availability Zone" in \
            results[("rds-instance-multi-az", address)].message


def test_passwords_are_never_copied(planned: PlanInventory) -> None:
    text = json.dumps([dict(r.attributes) for r in planned.inventory.resources], default=str)
    assert "example-only-password" not in text
