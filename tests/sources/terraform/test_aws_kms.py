"""KMS keys in a plan judged by the scan's key rules: rotation and pending deletion."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.sources.terraform.inventory import PlanInventory, build
from govkit.sources.terraform.plan import read_plan
from govkit.inventory.model import Resource
from tests.sources.terraform.support import judged
from govkit.results import Result, Status

PLAN = Path(__file__).resolve().parents[2] / "data" / "plans" / "kms_keys.json"


@pytest.fixture(scope="module")
def inventory() -> PlanInventory:
    return build(read_plan(PLAN), "plan.json")


@pytest.fixture(scope="module")
def results(inventory: PlanInventory) -> dict[tuple[str, str], Result]:
    return judged(inventory)


def _key(inventory: PlanInventory, address: str) -> Resource:
    return next(r for r in inventory.inventory.resources if r.id == address)


def test_every_key_is_a_customer_key_and_aliases_are_merged(inventory: PlanInventory) -> None:
    assert inventory.not_evaluated == ()
    keys = {k.id: k for k in inventory.inventory.of_type("aws.kms.key")}
    assert len(keys) == 8
    assert all(k.attributes["KeyManager"] == "CUSTOMER" for k in keys.values())
    phi = keys["aws_kms_key.phi"]
    assert phi.attributes["Aliases"] == ["alias/nbh-phi-s3"]
    assert phi.attributes["RotationPeriodInDays"] == 365
    assert phi.sources["Aliases"][0].pointer.endswith("/change/after/name")
    assert "aws_kms_alias.phi" in inventory.members["aws_kms_key.phi"]
    assert phi.attributes["DeletionDate"] is None
    assert phi.failures["CreationDate"].code == "UnknownAfterApply"


def test_rotation_on_passes_and_off_fails(results: dict[tuple[str, str], Result]) -> None:
    assert results[("kms-cmk-rotation-enabled", "aws_kms_key.phi")].status is Status.PASS
    failed = results[("kms-cmk-rotation-enabled", "aws_kms_key.logs")]
    assert failed.status is Status.FAIL
    assert "rotation enabled: false" in failed.message
    assert "alias/nbh-logs" in failed.message  # the alias merged by its ARN reference


def test_rotation_known_only_after_apply_is_error(
        results: dict[tuple[str, str], Result]) -> None:
    error = results[("kms-cmk-rotation-enabled", "aws_kms_key.export")]
    assert error.status is Status.ERROR
    assert "enable_key_rotation" in error.message and "known only after apply" in error.message
    assert "terraform_data.flags.output" in error.message
    assert (error.failure or {})["code"] == "UnknownAfterApply"


def test_asymmetric_and_disabled_keys_are_out_of_rotation_scope(
        results: dict[tuple[str, str], Result]) -> None:
    assert ("kms-cmk-rotation-enabled", "aws_kms_key.signing") not in results
    assert ("kms-cmk-rotation-enabled", 'module.tenant["b"].aws_kms_key.this[0]') not in results


def test_module_instances_with_count(inventory: PlanInventory,
                                     results: dict[tuple[str, str], Result]) -> None:
    a = _key(inventory, 'module.tenant["a"].aws_kms_key.this[0]')
    b = _key(inventory, 'module.tenant["b"].aws_kms_key.this[0]')
    assert a.attributes["Aliases"] == ["alias/tenant-a"]
    assert b.attributes["Aliases"] == ["alias/tenant-b"]
    assert b.attributes["KeyState"] == "Disabled"
    assert results[("kms-cmk-rotation-enabled",
                    'module.tenant["a"].aws_kms_key.this[0]')].status is Status.PASS


def test_replica_rotates_as_its_primary_in_the_plan(
        inventory: PlanInventory, results: dict[tuple[str, str], Result]) -> None:
    replica = _key(inventory, "aws_kms_replica_key.phi_dr")
    assert replica.attributes["MultiRegion"] is True
    assert replica.attributes["RotationEnabled"] is True
    assert any("resource_changes/0/" in r.pointer for r in replica.sources["RotationEnabled"])
    assert results[("kms-cmk-rotation-enabled", "aws_kms_replica_key.phi_dr")].status \
        is Status.PASS


def test_no_planned_key_is_pending_deletion(results: dict[tuple[str, str], Result]) -> None:
    deletion = [r for (rule, _), r in results.items() if rule == "kms-cmk-not-pending-deletion"]
    assert len(deletion) == 8
    assert all(r.status is Status.PASS for r in deletion)


def test_existing_key_read_back(inventory: PlanInventory) -> None:
    legacy = _key(inventory, "aws_kms_key.legacy")
    assert legacy.name == "1f0e6c1a-7d5b-4c1e-9a55-2b8f0c3d4e51"
    assert legacy.attributes["RotationPeriodInDays"] == 180
    assert legacy.failures["CreationDate"].code == "NotInPlan"
