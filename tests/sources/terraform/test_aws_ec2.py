"""EBS volumes (standalone and an instance's block devices), snapshots and the region's
encryption by default, planned by Terraform and judged by the scan's rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govkit.sources.terraform.context import NOT_IN_PLAN
from govkit.sources.terraform.inventory import PlanInventory, build
from govkit.sources.terraform.plan import parse_plan, read_plan
from govkit.gate.run import gate
from govkit.inventory.model import Resource
from govkit.policy.evaluate import Settings
from govkit.policy.loader import load_policy_set
from tests.sources.terraform.support import NOW, judged
from govkit.results import Result, Status

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"
VOLUMES = PLANS / "ec2_volumes.json"
BY_DEFAULT = PLANS / "ec2_encryption_by_default.json"


def judge(planned: PlanInventory) -> dict[tuple[str, str], Result]:
    return judged(planned)


def resource(planned: PlanInventory, id_: str) -> Resource:
    return next(r for r in planned.inventory.resources if r.id == id_)


@pytest.fixture(scope="module")
def volumes() -> PlanInventory:
    return build(read_plan(VOLUMES), "plan.json")


@pytest.fixture(scope="module")
def results(volumes: PlanInventory) -> dict[tuple[str, str], Result]:
    return judge(volumes)


def test_attachments_and_permissions_are_merged_not_skipped(volumes: PlanInventory) -> None:
    assert volumes.not_evaluated == ()
    phi = resource(volumes, "aws_ebs_volume.phi")
    assert phi.attributes["AttachedInstances"] == ["aws_instance.app"]
    assert phi.attributes["State"] == "in-use"
    assert "aws_volume_attachment.phi" in volumes.members["aws_ebs_volume.phi"]
    snapshot = resource(volumes, "aws_ebs_snapshot.phi")
    assert snapshot.attributes["SharedWithAccounts"] == ["444455556666"]
    assert snapshot.attributes["Public"] is False


def test_volume_encryption_pass_and_fail(results: dict[tuple[str, str], Result]) -> None:
    assert results[("ebs-volume-encrypted", "aws_ebs_volume.phi")].status is Status.PASS
    scratch = results[("ebs-volume-encrypted", "aws_ebs_volume.scratch")]
    assert scratch.status is Status.FAIL
    assert scratch.message == ("the volume is not encrypted (Encrypted: false); it is "
                               "available, attached to none")


def test_volume_key_created_in_the_plan_is_shown_by_address(volumes: PlanInventory) -> None:
    phi = resource(volumes, "aws_ebs_volume.phi")
    assert phi.attributes["KmsKeyId"] == "aws_kms_key.ebs.arn"
    assert "aws_kms_key.ebs" in volumes.members["aws_ebs_volume.phi"]


def test_unset_encryption_without_the_region_setting_is_not_in_plan(
        results: dict[tuple[str, str], Result]) -> None:
    result = results[("ebs-volume-encrypted", "aws_ebs_volume.unset")]
    assert result.status is Status.ERROR
    assert "encrypted is not set, so the EBS encryption by default of us-east-1, which " \
           "this plan does not manage, decides" in result.message
    assert result.failure is not None and result.failure["code"] == NOT_IN_PLAN


def test_instance_block_devices_are_volumes(volumes: PlanInventory,
                                            results: dict[tuple[str, str], Result]) -> None:
    root = "aws_instance.app/root_block_device[0]"
    extra = "aws_instance.app/ebs_block_device[0]"
    assert resource(volumes, root).attributes["Size"] == 50
    assert resource(volumes, extra).attributes["AttachedInstances"] == ["aws_instance.app"]
    assert results[("ebs-volume-encrypted", root)].status is Status.PASS
    failed = results[("ebs-volume-encrypted", extra)]
    assert failed.status is Status.FAIL
    assert "it is in-use, attached to aws_instance.app" in failed.message
    assert failed.records[0].pointer.endswith("/ebs_block_device/0/encrypted")


def test_snapshot_encryption_follows_its_planned_volume(
        results: dict[tuple[str, str], Result]) -> None:
    assert results[("ebs-snapshot-encrypted", "aws_ebs_snapshot.phi")].status is Status.PASS
    for index in (0, 1):  # count instances
        result = results[("ebs-snapshot-encrypted", f"aws_ebs_snapshot.scratch[{index}]")]
        assert result.status is Status.FAIL
        assert result.message == ("the snapshot of volume aws_ebs_volume.scratch from an "
                                  "unknown date is not encrypted (Encrypted: false)")


def test_create_volume_permission_shares_the_snapshot(
        volumes: PlanInventory, results: dict[tuple[str, str], Result]) -> None:
    shared = results[("ebs-snapshot-not-shared-externally", "aws_ebs_snapshot.phi")]
    assert shared.status is Status.FAIL
    assert shared.message.startswith("account 444455556666: can create volumes from the "
                                     "snapshot")
    assert any(r.pointer.startswith("/resource_changes/7/") for r in shared.records)
    assert results[("ebs-snapshot-not-public", "aws_ebs_snapshot.phi")].status is Status.PASS
    rule = next(r for r in load_policy_set().rules
                if r.id == "ebs-snapshot-not-shared-externally")
    trusted = gate(volumes, [rule.with_parameters({"trusted_accounts": ["444455556666"]})],
                   settings=Settings(), now=NOW)
    assert {r.resource_id: r.status for r in trusted.evaluation.results}[
        "aws_ebs_snapshot.phi"] is Status.PASS


def test_encryption_by_default_on_encrypts_unset_volumes_in_modules() -> None:
    planned = build(read_plan(BY_DEFAULT), "plan.json")
    results = judge(planned)
    setting = resource(planned, "aws_ebs_encryption_by_default.this")
    assert setting.type == "aws.ec2.regional_settings"
    assert setting.name == "111122223333/us-east-1"
    assert results[("ebs-encryption-by-default", setting.id)].status is Status.PASS
    data = results[("ebs-volume-encrypted", "aws_ebs_volume.data")]
    assert data.status is Status.PASS
    assert "EBS encryption by default, which this plan enables" in data.message
    for key in ("blue", "green"):
        root = f'module.web["{key}"].aws_instance.this/root_block_device[0]'
        assert results[("ebs-volume-encrypted", root)].status is Status.PASS


def test_encryption_by_default_off_fails_and_leaves_unset_volumes_unencrypted() -> None:
    doc = json.loads(BY_DEFAULT.read_text())
    doc["resource_changes"][0]["change"]["after"]["enabled"] = False
    doc["configuration"]["root_module"]["resources"][0]["expressions"]["enabled"] = \
        {"constant_value": False}
    results = judge(build(parse_plan(doc, "plan.json"), "plan.json"))
    setting = results[("ebs-encryption-by-default", "aws_ebs_encryption_by_default.this")]
    assert setting.status is Status.FAIL
    assert setting.message.startswith("EbsEncryptionByDefault is false in us-east-1")
    data = results[("ebs-volume-encrypted", "aws_ebs_volume.data")]
    assert data.status is Status.FAIL
    assert "which this plan turns off" in data.message
    root = results[("ebs-volume-encrypted",
                    'module.web["blue"].aws_instance.this/root_block_device[0]')]
    assert root.status is Status.ERROR  # the AMI's root snapshot may still be encrypted
    assert "the root snapshot of AMI ami-0c1f2e3d4b5a69788" in root.message


def test_encryption_by_default_of_another_provider_region_does_not_count() -> None:
    """The setting is made through the provider alias for us-west-2; the volume is in the
    default provider's us-east-1, whose setting the plan does not manage."""
    from govkit.sources.terraform.plan import parse_plan
    from tests.sources.terraform.planbuilder import Planned, plan
    document = plan([
        Planned("aws_ebs_encryption_by_default", "west", {"enabled": True}, unknown=["id"],
                provider="aws.west"),
        Planned("aws_ebs_volume", "v", {"availability_zone": "us-east-1a", "size": 8,
                                        "encrypted": None},
                unknown=["arn", "id", "kms_key_id"])], aliases={"west": "us-west-2"})
    planned = build(parse_plan(document, "plan.json"), "plan.json")
    assert resource(planned, "aws_ebs_encryption_by_default.west").region == "us-west-2"
    result = judge(planned)[("ebs-volume-encrypted", "aws_ebs_volume.v")]
    assert result.status is Status.ERROR
    assert "EBS encryption by default of us-east-1" in result.message
