"""What an Entra user says after normalisation: the shared account vocabulary and Graph's
own facts, each with a Ref that leads back to the value in the snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govkit.inventory.accounts import ACCOUNT_FIELDS, ACCOUNT_ITEM_FIELDS
from govkit.inventory.model import Resource
from tests.sources.entra import (
    SECRET, TENANT_ID, Collected, collect_into, example_tenant, serving, settings_for)

GRAPH_OWN = {"UserType", "EmployeeType", "CompanyName", "Department", "DisplayName",
             "EmployeeHireDate", "EmployeeLeaveDateTime", "LastSignInAttemptAt",
             "LastNonInteractiveSignInAt", "MfaRegistered"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collected]:
    with serving(client_secret=SECRET) as server:
        yield collect_into(tmp_path_factory.mktemp("entra"), settings_for(server, page_size=2))


def test_every_user_sets_or_fails_every_account_attribute(run: Collected) -> None:
    for user in run.users.values():
        assert user.type == "entra.user" and user.region == "global"
        assert user.account == TENANT_ID and user.id.startswith(f"entra:{TENANT_ID}:user/")
        for key in {*ACCOUNT_FIELDS, *GRAPH_OWN}:
            assert (key in user.attributes) != (key in user.failures), (user.name, key)
        for key, fields in ACCOUNT_ITEM_FIELDS.items():
            for item in user.attributes.get(key) or []:
                assert tuple(item) == fields


def test_every_attribute_points_at_where_it_was_read(run: Collected) -> None:
    alice = run.users["alice@mercy.example"]
    for key in alice.attributes:
        if key in ("Id", "Name", "Account", "Region"):
            continue
        assert alice.sources[key], key
        for ref in alice.sources[key]:
            run.value_at(ref)  # the pointer exists in the file
    assert run.value_at(alice.sources["LastSignInAt"][0]) == "2026-09-30T09:10:00Z"
    assert run.value_at(alice.sources["Active"][0]) is True
    # All Staff: PHI Readers is a member of it, and alice of PHI Readers
    assert [run.value_at(ref) for ref in alice.sources["Groups"]] == [
        {"@odata.type": "#microsoft.graph.group", "id": "g-phi"}, "All Staff",
        {"@odata.type": "#microsoft.graph.user", "id": "a1"}, "PHI Readers"]
    assert run.value_at(alice.sources["Applications"][0]) == "Epic"
    assert run.value_at(alice.sources["DisableEventsSince"][0]).startswith(
        "activityDateTime ge 2026-07-03T12:00:00Z and")


def _user(run: Collected, login: str) -> Resource:
    return run.users[login]


def test_the_account_vocabulary(run: Collected) -> None:
    alice = _user(run, "alice@mercy.example").attributes
    assert alice["System"] == "entra" and alice["Login"] == "alice@mercy.example"
    assert alice["Emails"] == ["alice@mercy.example", "alice.personal@example.org"]
    assert alice["EmployeeId"] == "E100" and alice["ExternalIds"] == ["aW1tdXRhYmxl"]
    assert (alice["Active"], alice["Status"]) == (True, "enabled")
    assert alice["CreatedAt"] == "2024-01-02T09:00:00Z"
    assert alice["LastSignInAt"] == "2026-09-30T09:10:00Z"
    assert alice["LastNonInteractiveSignInAt"] == "2026-09-30T09:10:00.123456Z"
    assert alice["Groups"] == ["All Staff", "PHI Readers"]  # All Staff through PHI Readers
    assert alice["Applications"] == ["Epic"]  # assigned to PHI Readers
    assert alice["MfaFactors"] == [{"Type": "fido2", "PhishingResistant": True},
                                   {"Type": "microsoftAuthenticatorPush",
                                    "PhishingResistant": False}]
    assert alice["Admin"] is True and alice["DisabledAt"] is None
    assert alice["DisableEvents"] == []


def test_a_disabled_contractor(run: Collected) -> None:
    bob = _user(run, "bob@mercy.example")
    values = bob.attributes
    assert (values["Active"], values["Status"]) == (False, "disabled")
    assert values["DisabledAt"] == "2026-09-26T12:00:00Z"
    assert values["DisableEvents"] == [
        {"At": "2026-09-26T12:00:00Z", "Event": "Disable account",
         "Actor": "alice@mercy.example"},
        {"At": "2026-09-26T12:00:01Z", "Event": "Update user", "Actor": "alice@mercy.example"}]
    assert values["EmployeeLeaveDateTime"] == "2026-09-26T17:00:00Z"
    assert values["EmployeeType"] == "Contractor" and values["CompanyName"] == "AcmeBPO"
    # no successful sign-in on record (a failed attempt is not one), and 0001-01-01 is "never"
    assert values["LastSignInAt"] is None and values["LastNonInteractiveSignInAt"] is None
    assert values["LastSignInAttemptAt"] == "2026-09-26T16:00:00Z"
    assert values["Applications"] == ["Citrix Workspace"]
    # the registration report leaves disabled accounts out: unknown, not "no MFA"
    for key in ("MfaFactors", "Admin"):
        assert bob.failures[key].code == "NotInReport"
        assert "disabled" in bob.failures[key].explain()


def test_never_signed_in_and_non_mfa_methods(run: Collected) -> None:
    carol = _user(run, "carol@mercy.example").attributes
    assert carol["LastSignInAt"] is None and carol["LastSignInAttemptAt"] is None
    assert carol["MfaFactors"] == [{"Type": "mobilePhone", "PhishingResistant": False}]
    assert carol["DisableEvents"] == []  # a rename is no disabling; 400 days ago is outside
    assert carol["Groups"] == ["All Staff"] and carol["Applications"] == []


def test_a_guest_login_is_no_mailbox(run: Collected) -> None:
    guest = _user(run, "auditor_firm.example#EXT#@mercy.example").attributes
    assert guest["Emails"] == ["auditor@firm.example"] and guest["UserType"] == "Guest"


def test_a_selected_but_unset_property_is_null_not_a_failure(tmp_path: Path) -> None:
    tenant = example_tenant()
    for user in tenant.users:
        del user["employeeId"]  # never set in the directory
    with serving(tenant, client_secret=SECRET) as server:
        run = collect_into(tmp_path, settings_for(server))
    # Graph answers a selected but unset property with null, so the key is there
    assert run.users["alice@mercy.example"].attributes["EmployeeId"] is None
