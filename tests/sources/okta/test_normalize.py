"""okta.user and okta.group from a recorded scan: the account vocabulary, Okta's own fields,
precise evidence pointers, and the same inventory every time the snapshot is read."""

from __future__ import annotations

import pytest

from govkit.demo.idp.okta import OktaServer
from govkit.inventory.accounts import ACCOUNT_FIELDS
from govkit.sources.okta.records import okta_instant
from tests.sources.okta.org import (
    TENANT, TOKEN, Scan, normalise, resolve, sample_directory, scan, settings)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    """One scan shared by these read-only tests."""
    with OktaServer(sample_directory(), token=TOKEN) as server:
        assert isinstance(server, OktaServer)
        return scan(tmp_path_factory.mktemp("okta"), settings(server))


def test_every_user_sets_or_fails_every_account_attribute(run: Scan) -> None:
    assert len(run.users()) == 34
    for user in run.users():
        for name in ACCOUNT_FIELDS:
            assert (name in user.attributes) != (name in user.failures), (user.id, name)
        assert user.account == TENANT and user.region == "global"
        assert user.attributes["System"] == "okta"
        assert user.failures["Tags"].code == "NotCollected"  # Okta has no tags


def test_an_active_admin_employee(run: Scan) -> None:
    user = run.user(1)
    assert user.id == f"okta:{TENANT}:user/00u00000000000000001"
    assert user.name == "staff01@mercy.example"
    got = user.attributes
    assert got["Login"] == "staff01@mercy.example"
    assert got["Emails"] == ["staff01@mercy.example"]
    assert got["EmployeeId"] == "E1001" and got["ExternalIds"] == []
    assert got["Active"] is True and got["Status"] == "ACTIVE" and got["DisabledAt"] is None
    assert got["Admin"] is True and run.user(2).attributes["Admin"] is False
    assert got["Groups"] == ["Everyone", "Mercy Staff", "Scheduling"]
    assert got["Applications"] == ["Epic Hyperspace", "Scheduler"]  # not the INACTIVE app
    assert got["MfaFactors"] == [{"Type": "webauthn", "PhishingResistant": True},
                                 {"Type": "push", "PhishingResistant": False}]
    assert got["UserType"] == "Employee" and got["Organization"] == "Mercy Health"
    assert got["Department"] == "Scheduling"
    assert got["CreatedAt"] == "2025-03-02T00:00:00Z"
    assert got["LastSignInAt"] == "2026-09-29T17:00:00Z"
    assert got["DisableEvents"] == [] and got["DisableEventsSince"] == "2026-07-01T00:00:00Z"


def test_applications_come_directly_and_through_groups(run: Scan) -> None:
    assert run.user(2).attributes["Applications"] == ["Epic Hyperspace", "Scheduler"]
    assert run.user(14).attributes["Applications"] == ["Amazon WorkSpaces", "Epic Hyperspace"]
    assert run.user(15).attributes["Applications"] == ["Amazon WorkSpaces", "Scheduler"]


def test_people_who_left(run: Scan) -> None:
    gone = run.user(3).attributes
    assert gone["Active"] is False and gone["Status"] == "DEPROVISIONED"
    assert gone["DisabledAt"] == "2026-09-11T17:00:00Z"
    assert gone["DisableEvents"] == [{"At": "2026-09-11T17:00:00Z",
                                      "Event": "user.lifecycle.deactivate",
                                      "Actor": "it.admin@example.org"}]
    assert run.user(3).failures["MfaFactors"].code == "NotCollected"
    suspended = run.user(22).attributes
    assert suspended["Active"] is False and suspended["DisabledAt"] == "2026-09-21T17:00:00Z"
    assert [e["Event"] for e in suspended["DisableEvents"]] == [
        "user.lifecycle.deactivate", "user.lifecycle.suspend"]  # oldest first, no unsuspend
    assert run.user(25).attributes["DisableEvents"] == []  # deactivated before the window


def test_edge_cases_of_the_profile(run: Scan) -> None:
    never = run.user(5).attributes
    assert never["LastSignInAt"] is None
    assert never["Emails"] == ["staff05@mercy.example", "staff05.personal@mail.example"]
    staged = run.user(8).attributes
    assert staged["Status"] == "STAGED" and staged["Active"] is True
    assert staged["EmployeeId"] is None
    assert run.user(4).attributes["MfaFactors"] == []  # its u2f is pending, not enrolled
    assert run.user(13).attributes["MfaFactors"] == [
        {"Type": "signed_nonce", "PhishingResistant": True}]


def test_every_attribute_points_at_what_it_was_read_from(run: Scan) -> None:
    for user in run.users():
        for name, refs in user.sources.items():
            assert refs, (user.id, name)
            for ref in refs:
                resolve(run.run_dir, ref)  # every pointer exists
        for name in ("Login", "Status", "EmployeeId", "UserType", "Department"):
            value = user.attributes[name]
            if value is not None:
                assert resolve(run.run_dir, user.sources[name][0]) == value
        for name in ("LastSignInAt", "CreatedAt", "StatusChanged"):
            if user.attributes[name] is not None:
                raw = resolve(run.run_dir, user.sources[name][0])
                assert okta_instant(raw) == user.attributes[name]
    factor = run.user(1).sources["MfaFactors"][0]
    assert resolve(run.run_dir, factor)["factorType"] == "webauthn"
    event = run.user(3).sources["DisableEvents"][0]
    assert resolve(run.run_dir, event)["eventType"] == "user.lifecycle.deactivate"
    since = run.user(3).sources["DisableEventsSince"][0]
    assert resolve(run.run_dir, since) == "2026-07-01T00:00:00.000Z"


def test_groups_are_resources_too(run: Scan) -> None:
    groups = {r.name: r for r in run.resources if r.type == "okta.group"}
    assert sorted(groups) == ["BPO Agents", "Break Glass", "Everyone", "Mercy Staff",
                              "Scheduling"]
    assert groups["Everyone"].attributes["Members"] == 34
    assert groups["Everyone"].attributes["Type"] == "BUILT_IN"
    assert groups["Break Glass"].attributes["Members"] == 0
    assert {c.type for c in run.coverage if c.failure is None} == {"okta.user", "okta.group"}


def test_the_recorded_snapshot_normalises_the_same_every_time(run: Scan) -> None:
    first, first_coverage = normalise(run.run_dir)
    second, second_coverage = normalise(run.run_dir)
    assert first == second and first_coverage == second_coverage
    assert [r.id for r in first] == [r.id for r in run.resources]
