"""IAM users and WorkSpaces carry the account vocabulary (govkit.inventory.accounts) from the
data their normalisers already read; what is not collected is a failure, never a value."""

from __future__ import annotations

import datetime as dt

import pytest

from govkit.demo.names import DEMO_ACCOUNT
from govkit.inventory.accounts import ACCOUNT_FIELDS
from govkit.inventory.model import Resource
from govkit.run import Run
from govkit.snapshot import Snapshot
from govkit.sources.aws.normalize import iam, workspaces
from govkit.sources.interface import NormalizeContext, Normalizer
from tests.conftest import Estate


def resources(run: Run, normalize: Normalizer, employee_id_tag: str = "employee_id"
              ) -> dict[str, Resource]:
    ctx = NormalizeContext(own_accounts=frozenset({DEMO_ACCOUNT}),
                           employee_id_tag=employee_id_tag)
    return {r.name: r for r in normalize(Snapshot.open(run.path), ctx)
            if isinstance(r, Resource)}


@pytest.fixture(scope="module")
def users(demo_run: Run) -> dict[str, Resource]:
    return {name: r for name, r in resources(demo_run, iam.normalize).items()
            if r.type == "aws.iam.user"}


@pytest.fixture(scope="module")
def desktops(demo_run: Run) -> list[Resource]:
    return [r for r in resources(demo_run, workspaces.normalize).values()
            if r.type == "aws.workspaces.workspace"]


def days_before(estate: Estate, value: str) -> int:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return round((estate.seeded_at - moment).total_seconds() / 86400)


def test_every_account_sets_each_field_or_its_failure(users: dict[str, Resource],
                                                      desktops: list[Resource]) -> None:
    assert users and desktops
    for account in [*users.values(), *desktops]:
        assert set(ACCOUNT_FIELDS) <= {*account.attributes, *account.failures}, account.id
        assert set(account.attributes) - {"Id", "Name", "Account", "Region"} <= \
            set(account.sources), account.id


def test_staff_user(users: dict[str, Resource], estate: Estate) -> None:
    jsmith = users["jsmith.nbh"].attributes
    assert (jsmith["System"], jsmith["Login"]) == ("iam", "jsmith.nbh")
    assert jsmith["Emails"] == ["jsmith@northbridgehealth.example"]
    assert jsmith["EmployeeId"] == "E1001" and jsmith["ExternalIds"] == []
    assert (jsmith["Active"], jsmith["Status"]) == (True, "active")
    assert jsmith["Admin"] is True  # AdministratorAccess through SecurityAdmins
    assert jsmith["Groups"] == ["SecurityAdmins"]
    assert days_before(estate, jsmith["LastSignInAt"]) == 1
    assert days_before(estate, jsmith["CreatedAt"]) == 730
    assert jsmith["DisabledAt"] is None and jsmith["Applications"] == []
    failures = users["jsmith.nbh"].failures
    assert failures["DisableEvents"].code == "NotCollected"
    # MFA is on; the report does not say which kind of device (phishing-resistant or not)
    assert failures["MfaFactors"].operation == "iam:ListMFADevices"
    assert users["akhan.nbh"].attributes["MfaFactors"] == []  # console without MFA


def test_keys_count_as_use_and_activity(users: dict[str, Resource], estate: Estate) -> None:
    rpatel = users["rpatel.nbh"].attributes  # no console password, two active keys
    assert rpatel["Active"] is True and rpatel["MfaFactors"] == []
    assert days_before(estate, rpatel["LastSignInAt"]) == 3  # key 1, the latest use
    service = users["svc-claims-export"].attributes  # a key never used, no tags for people
    assert service["Active"] is True and service["LastSignInAt"] is None
    assert service["Emails"] == [] and service["EmployeeId"] is None
    assert users["akhan.nbh"].attributes["Admin"] is True
    assert users["lchen.nbh"].attributes["Admin"] is False


def test_the_employee_id_tag_is_configurable(demo_run: Run) -> None:
    agents = resources(demo_run, iam.normalize, employee_id_tag="vendor_agent_id")
    assert agents["meridian-agent-1"].attributes["EmployeeId"] == "MCS-4001"
    assert agents["jsmith.nbh"].attributes["EmployeeId"] is None


def test_workspaces(desktops: list[Resource]) -> None:
    for desktop in desktops:
        attributes = desktop.attributes
        assert attributes["System"] == "workspaces"
        assert attributes["Login"] == attributes["UserName"]
        assert attributes["Active"] is True and attributes["Status"] == attributes["State"]
        for key in ("Emails", "EmployeeId", "LastSignInAt", "Groups", "MfaFactors"):
            assert desktop.failures[key].code == "NotCollected", key
            assert desktop.failures[key].file == ""
