"""What people hold against what their job allows in the role matrix, and separation of duties
across all of a person's accounts, through the join and the real evaluator."""

from __future__ import annotations

from govkit.inventory.model import Resource
from govkit.results import Result, Status
from tests.people.factories import (
    ENTRA, OKTA, account, agent, evaluate, failure, hr, joined, judged, listed, role_matrix,
    rosters_read, utc)

NOW = utc("2026-11-15T12:00:00Z")
HOLDINGS = "people-holdings-within-role-matrix"
SOD = "people-separation-of-duties"
MATRIX = role_matrix(
    {"PATIENT_SCHEDULER": {"Groups": ["Meridian-Agents"], "Applications": ["AppStream PHI Desk"],
                           "PermissionSets": ["PatientSchedulingDesk"]},
     "BILLING_CLERK": {"Groups": ["Billing-Payments-Create"], "IamGroups": ["billing-readonly"]},
     "BILLING_SUPERVISOR": {"Groups": ["Billing-Payments-Approve"]}},
    [["Billing-Payments-Create", "Billing-Payments-Approve"]])
KOFI = "kofi.mensah@meridian-cs.example"
IVY = "ivy.chen@northbridge-health.example"


def run(rule: str, *resources: Resource) -> list[Result]:
    inventory = joined([MATRIX, *resources],
                       [*rosters_read("hr.person", "vendor.agent"),
                        *listed("okta", "entra", "iam", "identitycenter")])
    return judged(evaluate(rule, inventory, now=NOW))


def one(rule: str, *resources: Resource) -> Result:
    [result] = run(rule, *resources)
    return result


def test_holdings_beyond_the_job_fail_and_the_everyone_group_is_ignored() -> None:
    kofi = agent("M-1003", "Kofi Mensah", KOFI)
    okta = account("okta", KOFI, groups=["Everyone", "Meridian-Agents",
                                         "Billing-Payments-Approve"],
                   applications=["AppStream PHI Desk", "Epic Billing"])
    center = account("identitycenter", "kmensah", email=KOFI,
                     permission_sets=["PatientSchedulingDesk", "AdministratorAccess"])
    result = one(HOLDINGS, kofi, okta, center)
    assert result.status is Status.FAIL
    assert result.message == (
        "Kofi Mensah (M-1003, Meridian Contact Services), job PATIENT_SCHEDULER, holds beyond "
        "the role matrix: permission set AdministratorAccess (identitycenter user kmensah "
        f"(111122223333)), group Billing-Payments-Approve (okta user {KOFI} ({OKTA})), "
        f"application Epic Billing (okta user {KOFI} ({OKTA}))")
    assert "Everyone" not in result.message
    # the result points at the matrix entry and at each holding it read (accounts by id:
    # the Identity Center user's ARN sorts first)
    attributes = {r.attribute for r in result.records}
    assert {"Allowed", "Accounts[0].PermissionSets", "Accounts[1].Groups",
            "Accounts[1].Applications"} <= attributes


def test_what_the_job_allows_passes() -> None:
    maria = agent("M-1001", "Maria Santos", "maria.santos@meridian-cs.example")
    okta = account("okta", "maria.santos@meridian-cs.example",
                   groups=["Everyone", "Meridian-Agents"], applications=["AppStream PHI Desk"])
    result = one(HOLDINGS, maria, okta)
    assert (result.status, result.message) == (Status.PASS, (
        "Maria Santos (M-1001, Meridian Contact Services) holds only what job "
        "PATIENT_SCHEDULER allows"))


def test_iam_groups_are_compared_with_the_jobs_iam_groups_not_its_idp_groups() -> None:
    ivy = hr("NB-2101", "Ivy Chen", IVY, job="BILLING_CLERK")
    entra = account("entra", IVY, groups=["Billing-Payments-Create"])
    # an IAM group that shares its name with an allowed IdP group is still not allowed
    iam = account("iam", "ichen", email=None, employee_id="NB-2101",
                  groups=["billing-readonly", "Billing-Payments-Create"])
    result = one(HOLDINGS, ivy, entra, iam)
    assert result.status is Status.FAIL
    assert result.message == (
        "Ivy Chen (NB-2101), job BILLING_CLERK, holds beyond the role matrix: IAM group "
        "Billing-Payments-Create (iam user ichen (111122223333))")


def test_a_job_the_matrix_does_not_list_allows_nothing() -> None:
    eve = hr("NB-2150", "Eve Ng", "eve.ng@northbridge-health.example", job="QA_LEAD")
    okta = account("okta", "eve.ng@northbridge-health.example", groups=["Meridian-Agents"])
    result = one(HOLDINGS, eve, okta)
    assert result.status is Status.FAIL
    assert result.message == (
        "Eve Ng (NB-2150), job QA_LEAD, holds beyond the role matrix: job QA_LEAD is not in "
        f"the role matrix, group Meridian-Agents (okta user eve.ng@northbridge-health.example "
        f"({OKTA}))")


def test_unknown_holdings_are_an_error_and_disabled_accounts_and_leavers_are_skipped() -> None:
    groups_denied = failure("okta:ListGroupMembers (groupId=00g1b) in northbridge.okta.com/global",
                            "okta:ListGroupMembers", "E0000006", "no permission",
                            f"okta/{OKTA}/ListGroupMembers-0003.json")
    kofi = agent("M-1003", "Kofi Mensah", KOFI)
    okta = account("okta", KOFI, failed={"Groups": groups_denied})
    error = one(HOLDINGS, kofi, okta)
    assert error.status is Status.ERROR
    assert error.message == (
        f"cannot tell what okta user {KOFI} ({OKTA}) of Kofi Mensah (M-1003, Meridian Contact "
        f"Services) holds: {groups_denied.call} failed with E0000006")
    assert error.failure == groups_denied.to_json()
    disabled = account("okta", KOFI, active=False, groups=["Billing-Payments-Approve"])
    assert one(HOLDINGS, kofi, disabled).status is Status.PASS
    left = agent("M-1003", "Kofi Mensah", KOFI, status="terminated",
                 terminated_at="2026-10-09T22:00:00Z")
    assert run(HOLDINGS, left, account("okta", KOFI, groups=["Billing-Payments-Approve"])) == []


def test_separation_of_duties_is_judged_across_a_persons_accounts() -> None:
    kofi = agent("M-1003", "Kofi Mensah", KOFI, job="BILLING_CLERK")
    entra = account("entra", KOFI, groups=["Billing-Payments-Create"])
    okta = account("okta", KOFI, groups=["Everyone", "Billing-Payments-Approve"])
    result = one(SOD, kofi, entra, okta)
    assert result.status is Status.FAIL
    assert result.message == (
        "Kofi Mensah (M-1003, Meridian Contact Services) holds both sides of a separation of "
        f"duties: Billing-Payments-Create (entra user {KOFI} ({ENTRA})) with "
        f"Billing-Payments-Approve (okta user {KOFI} ({OKTA}))")
    # one side only, or the other side on a disabled account: no conflict
    only_one = one(SOD, kofi, entra)
    assert (only_one.status, only_one.message) == (Status.PASS, (
        "Kofi Mensah (M-1003, Meridian Contact Services) holds both sides of none of the 1 "
        "separation-of-duty pair(s)"))
    disabled = account("okta", KOFI, active=False, groups=["Billing-Payments-Approve"])
    assert one(SOD, kofi, entra, disabled).status is Status.PASS


def test_without_separation_pairs_nobody_is_judged() -> None:
    inventory = joined([role_matrix({"BILLING_CLERK": {"Groups": ["Billing-Payments-Create"]}}),
                        hr("NB-2101", "Ivy Chen", IVY, job="BILLING_CLERK"),
                        account("entra", IVY, groups=["Billing-Payments-Create"])],
                       [*rosters_read(), *listed("entra")])
    assert judged(evaluate(SOD, inventory, now=NOW)) == []


def test_an_excess_holding_is_not_hidden_by_another_accounts_unread_groups() -> None:
    denied = failure(f"GET /v1.0/groups in {ENTRA}", "graph:ListGroups", "HTTP403",
                     "Insufficient privileges", f"entra/{ENTRA}/ListGroups-0001.json")
    kofi = agent("M-1003", "Kofi Mensah", KOFI)
    okta = account("okta", KOFI, groups=["Meridian-Agents", "Billing-Payments-Approve"],
                   applications=["AppStream PHI Desk"])
    unread = account("entra", KOFI, failed={"Groups": denied})
    result = one(HOLDINGS, kofi, okta, unread)
    assert result.status is Status.FAIL
    assert result.message.endswith(
        f"group Billing-Payments-Approve (okta user {KOFI} ({OKTA})); not fully read: "
        f"entra user {KOFI} ({ENTRA})")
    # without a known excess, the unread groups keep it an ERROR naming the call
    clean = account("okta", KOFI, groups=["Meridian-Agents"], applications=["AppStream PHI Desk"])
    error = one(HOLDINGS, kofi, clean, unread)
    assert error.status is Status.ERROR
    assert error.message.endswith(f"{denied.call} failed with HTTP403")
