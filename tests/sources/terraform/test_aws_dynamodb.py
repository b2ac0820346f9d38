"""DynamoDB tables planned by Terraform: which key encrypts them, point-in-time recovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.sources.terraform.context import NOT_IN_PLAN, UNKNOWN_AFTER_APPLY
from govkit.sources.terraform.inventory import PlanInventory, build
from govkit.sources.terraform.plan import read_plan
from govkit.inventory.model import Resource
from tests.sources.terraform.support import judged
from govkit.results import Result, Status

PLAN = Path(__file__).resolve().parents[2] / "data" / "plans" / "dynamodb_tables.json"
KMS, PITR = "dynamodb-phi-table-kms-encryption", "dynamodb-phi-table-point-in-time-recovery"


@pytest.fixture(scope="module")
def planned() -> PlanInventory:
    return build(read_plan(PLAN), "plan.json")


@pytest.fixture(scope="module")
def results(planned: PlanInventory) -> dict[tuple[str, str], Result]:
    return judged(planned)


def table(planned: PlanInventory, id_: str) -> Resource:
    return next(r for r in planned.inventory.resources if r.id == id_)


def test_customer_key_created_in_the_plan_passes(
        planned: PlanInventory, results: dict[tuple[str, str], Result]) -> None:
    patients = table(planned, "aws_dynamodb_table.patients")
    assert patients.name == "patients"
    assert patients.attributes["SSEType"] == "KMS"
    assert patients.attributes["KmsKeyArn"] == "aws_kms_key.dynamodb.arn"
    assert patients.attributes["KmsKeyManager"] == "CUSTOMER"
    assert patients.attributes["DeletionProtectionEnabled"] is True
    assert "aws_kms_key.dynamodb" in planned.members["aws_dynamodb_table.patients"]
    assert results[(KMS, "aws_dynamodb_table.patients")].status is Status.PASS
    assert results[(PITR, "aws_dynamodb_table.patients")].status is Status.PASS


def test_no_encryption_block_is_the_aws_owned_key(
        results: dict[tuple[str, str], Result]) -> None:
    result = results[(KMS, "aws_dynamodb_table.sessions")]
    assert result.status is Status.FAIL
    assert result.message.startswith("encryption type is AWS_OWNED: the table is encrypted "
                                     "with a key AWS owns")


def test_enabled_without_a_key_is_the_aws_managed_key(
        results: dict[tuple[str, str], Result]) -> None:
    result = results[(KMS, "aws_dynamodb_table.audit")]
    assert result.status is Status.FAIL
    assert "KMS key: alias/aws/dynamodb, key manager: AWS" in result.message
    assert "server_side_encryption names no kms_key_arn" in result.message


def test_key_created_outside_the_plan_is_error_not_in_plan(
        results: dict[tuple[str, str], Result]) -> None:
    result = results[(KMS, "aws_dynamodb_table.claims")]
    assert result.status is Status.ERROR
    assert "is not created by this plan, so whether AWS or the customer manages it" in \
        result.message
    assert result.failure is not None and result.failure["code"] == NOT_IN_PLAN


def test_point_in_time_recovery(results: dict[tuple[str, str], Result]) -> None:
    disabled = results[(PITR, "aws_dynamodb_table.sessions")]
    assert disabled.status is Status.FAIL
    assert disabled.message == ("point-in-time recovery of PHI table phi-sessions is DISABLED;"
                                " it must be ENABLED")
    assert disabled.records[0].pointer.endswith("/change/after/point_in_time_recovery")
    unknown = results[(PITR, "aws_dynamodb_table.claims")]
    assert unknown.status is Status.ERROR
    assert "point_in_time_recovery[0].enabled) is known only after apply" in unknown.message
    assert unknown.failure is not None and unknown.failure["code"] == UNKNOWN_AFTER_APPLY


def test_tables_without_the_phi_tag_are_out_of_scope(
        results: dict[tuple[str, str], Result]) -> None:
    judged = {rule for rule, resource in results if resource == "aws_dynamodb_table.cache"}
    # no PHI rule judges it; only the baseline asking every table to be classified does
    assert judged == {"data-classification-tagged"}


def test_module_tables_get_the_key_through_a_module_variable(
        planned: PlanInventory, results: dict[tuple[str, str], Result]) -> None:
    for key in ("a", "b"):
        address = f'module.tenant["{key}"].aws_dynamodb_table.this'
        assert table(planned, address).attributes["KmsKeyManager"] == "CUSTOMER"
        assert results[(KMS, address)].status is Status.PASS
