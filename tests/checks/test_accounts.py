"""Rules over every account (``identity.account``): owners, shared logins, dormancy and MFA,
through the join and the real evaluator."""

from __future__ import annotations

from typing import Any

from govkit.inventory.model import Coverage, Resource
from govkit.people.join import JoinSettings, ServiceAccount
from govkit.results import Result, Status
from tests.people.factories import (
    ENTRA, OKTA, account, agent, by_name, evaluate, failure, hr, joined, judged, listed,
    rosters_read, utc)

NOW = utc("2026-11-15T12:00:00Z")
OWNER = "idp-account-has-owner"
SHARED = "idp-account-not-shared"
DORMANT = "idp-account-not-dormant"
MFA = "idp-user-mfa-enrolled"
ADMIN_MFA = "idp-admin-phishing-resistant-mfa"
SERVICES = JoinSettings(service_accounts=(
    ServiceAccount(pattern="svc-*@northbridge-health.example", owner="platform-team"),))
STALE_REPORT = failure("iam:GenerateCredentialReport in 111122223333/us-east-1",
                       "iam:GenerateCredentialReport", "StaleCredentialReport",
                       "the credential report is 9 hours old (limit 4)",
                       "aws/111122223333/us-east-1/iam/GetCredentialReport-0001.json")


def results(rule: str, resources: list[Resource], coverage: list[Coverage],
            settings: JoinSettings | None = None, **parameters: Any) -> list[Result]:
    return evaluate(rule, joined(resources, coverage, settings), now=NOW, **parameters)


# --- owners -------------------------------------------------------------------------------

def test_every_active_account_has_an_owner_or_is_a_declared_service_account() -> None:
    resources = [
        agent("M-1001", "Maria Santos", "maria.santos@meridian-cs.example"),
        account("okta", "maria.santos@meridian-cs.example"),
        account("okta", "svc-scheduler@northbridge-health.example"),
        account("entra", "test.agent@northbridge-health.example"),
        account("entra", "old.contractor@northbridge-health.example", active=False),
        account("iam", "deploy-bot", email=None),  # IAM is not judged by default
    ]
    found = by_name(judged(results(OWNER, resources, [*rosters_read("vendor.agent"),
                                                      *listed("okta", "entra", "iam")],
                                   SERVICES)))
    assert sorted(found) == ["maria.santos@meridian-cs.example",
                             "svc-scheduler@northbridge-health.example",
                             "test.agent@northbridge-health.example"]
    orphan = found["test.agent@northbridge-health.example"]
    assert orphan.status is Status.FAIL
    assert orphan.message == (
        f"entra user test.agent@northbridge-health.example ({ENTRA}) is active and matches no "
        "HR record or roster agent by employee id, external id or e-mail "
        "(test.agent@northbridge-health.example), and no service-account pattern")
    service = found["svc-scheduler@northbridge-health.example"]
    assert (service.status, service.message) == (Status.PASS, (
        f"okta user svc-scheduler@northbridge-health.example ({OKTA}) is service account "
        "owned by platform-team"))
    linked = found["maria.santos@meridian-cs.example"]
    assert (linked.status, linked.message) == (Status.PASS, (
        f"okta user maria.santos@meridian-cs.example ({OKTA}) is linked to M-1001"))
    # IAM users are judged when the organisation asks for them
    iam = judged(results(OWNER, resources, [*rosters_read("vendor.agent"), *listed("iam")],
                         SERVICES, systems=["iam"]))
    assert [(r.resource_name, r.status) for r in iam] == [("deploy-bot", Status.FAIL)]


def test_an_account_whose_ids_could_not_be_read_is_an_error_not_an_orphan() -> None:
    denied = failure(f"GET /v1.0/users?$select=employeeId in {ENTRA}", "graph:ListUsers",
                     "Forbidden", "Insufficient privileges to complete the operation.",
                     f"entra/{ENTRA}/ListUsers-0001.json")
    resources = [hr("NB-2044", "Ruth Okafor", "ruth.okafor@northbridge-health.example"),
                 account("entra", "jdoe@northbridge.onmicrosoft.com", email=None,
                         failed={"EmployeeId": denied})]
    [error] = judged(results(OWNER, resources, [*rosters_read(), *listed("entra")]))
    assert error.status is Status.ERROR
    assert error.message == f"cannot evaluate: {denied.call} failed with Forbidden"
    assert error.failure == denied.to_json()


def test_without_hr_or_a_roster_no_account_is_called_an_orphan() -> None:
    resources = [account("okta", "maria.santos@meridian-cs.example"),
                 account("entra", "test.agent@northbridge-health.example")]
    found = results(OWNER, resources, listed("okta", "entra"))
    assert judged(found) == []
    assert sorted((r.status, r.resource_id) for r in found) == [
        (Status.NOT_APPLICABLE, f"identity.account:{ENTRA}"),
        (Status.NOT_APPLICABLE, f"identity.account:{OKTA}")]


def test_a_disabled_account_is_not_judged_for_an_owner_even_when_its_ids_are_unknown() -> None:
    denied = failure(f"GET /v1.0/users?$select=employeeId in {ENTRA}", "graph:ListUsers",
                     "Forbidden", "Insufficient privileges", f"entra/{ENTRA}/ListUsers-0001.json")
    resources = [hr("NB-2044", "Ruth Okafor", "ruth.okafor@northbridge-health.example"),
                 account("entra", "gone@northbridge.onmicrosoft.com", email=None, active=False,
                         failed={"EmployeeId": denied})]
    assert judged(results(OWNER, resources, [*rosters_read(), *listed("entra")])) == []


# --- shared accounts ----------------------------------------------------------------------

def test_a_team_mailbox_account_is_shared_by_the_people_who_share_the_address() -> None:
    resources = [agent("M-1012", "Ana Lopes", "nightshift@meridian-cs.example"),
                 agent("M-1013", "Ben Osei", "nightshift@meridian-cs.example", row=1),
                 account("okta", "nightshift@meridian-cs.example"),
                 account("okta", "ana.lopes@meridian-cs.example", employee_id="M-1012")]
    found = by_name(judged(results(SHARED, resources, [*rosters_read("vendor.agent"),
                                                       *listed("okta")])))
    shared = found["nightshift@meridian-cs.example"]
    assert shared.status is Status.FAIL
    assert shared.message == (f"okta user nightshift@meridian-cs.example ({OKTA}) matches 2 "
                              "people by email: M-1012, M-1013")
    assert {r.attribute for r in shared.records} >= {"PersonIds", "Reconciliation"}
    own = found["ana.lopes@meridian-cs.example"]
    assert (own.status, own.message) == (Status.PASS, (
        f"okta user ana.lopes@meridian-cs.example ({OKTA}) belongs to one person (M-1012, by "
        "employee id)"))


def test_workspaces_are_not_judged_for_sharing_but_an_unreadable_idp_user_is_an_error() -> None:
    directory = failure("workspaces:DescribeWorkspaces", "workspaces:DescribeWorkspaces",
                        "NotCollected", "WorkSpaces names only the directory user", "")
    denied = failure(f"GET /v1.0/users?$select=employeeId in {ENTRA}", "graph:ListUsers",
                     "Forbidden", "Insufficient privileges", f"entra/{ENTRA}/ListUsers-0001.json")
    resources = [hr("NB-2044", "Ruth Okafor", "ruth.okafor@northbridge-health.example"),
                 *[account("workspaces", f"agent{n}", email=None, position=n,
                           failed={"EmployeeId": directory, "Emails": directory})
                   for n in range(3)],
                 account("entra", "jdoe@northbridge.onmicrosoft.com", email=None,
                         failed={"EmployeeId": denied})]
    found = judged(results(SHARED, resources, [*rosters_read(), *listed("workspaces", "entra")]))
    assert [(r.resource_name, r.status) for r in found] == \
        [("jdoe@northbridge.onmicrosoft.com", Status.ERROR)]


# --- dormancy -----------------------------------------------------------------------------

def test_dormant_identity_provider_accounts_fail_and_iam_users_are_not_judged() -> None:
    resources = [
        account("okta", "li.wei@meridian-cs.example", last_sign_in="2026-05-01T09:00:00Z"),
        account("google", "maria.santos@northbridge-health.example",
                last_sign_in="2026-11-14T16:00:00Z"),
        account("entra", "test.agent@northbridge-health.example", last_sign_in=None,
                created_at="2026-08-01T10:00:00Z"),
        account("entra", "new.hire@northbridge-health.example", last_sign_in=None,
                created_at="2026-11-10T10:00:00Z"),
        account("okta", "gone@meridian-cs.example", active=False,
                last_sign_in="2025-01-01T09:00:00Z"),
        # a stale credential report leaves every IAM user's last use unknown: not this rule's
        account("iam", "deploy-bot", email=None, failed={"LastSignInAt": STALE_REPORT}),
    ]
    found = by_name(judged(results(DORMANT, resources,
                                   listed("okta", "google", "entra", "iam"))))
    assert {name: r.status for name, r in found.items()} == {
        "li.wei@meridian-cs.example": Status.FAIL,
        "maria.santos@northbridge-health.example": Status.PASS,
        "test.agent@northbridge-health.example": Status.FAIL,
        "new.hire@northbridge-health.example": Status.PASS}
    assert found["li.wei@meridian-cs.example"].message == (
        f"okta user li.wei@meridian-cs.example ({OKTA}) last signed in on 2026-05-01T09:00:00Z, "
        "198 days ago; limit 90 days")
    assert found["new.hire@northbridge-health.example"].message == (
        f"entra user new.hire@northbridge-health.example ({ENTRA}) was created 5 days ago and "
        "has not signed in yet")


# --- MFA ----------------------------------------------------------------------------------

def test_mfa_enrolment_is_judged_on_active_identity_provider_users_only() -> None:
    factors_denied = failure("okta:ListFactors (userId=00u4d) in northbridge.okta.com/global",
                             "okta:ListFactors", "E0000006", "no permission",
                             f"okta/{OKTA}/ListFactors-0004.json")
    resources = [
        account("okta", "jon.bell@meridian-cs.example", mfa=[]),
        account("okta", "maria.santos@meridian-cs.example"),
        account("okta", "left@meridian-cs.example", active=False, mfa=[]),
        account("okta", "deactivated@meridian-cs.example", active=False,
                failed={"MfaFactors": factors_denied}),
        account("iam", "deploy-bot", email=None, mfa=[]),
        account("workspaces", "msantos", email=None,
                failed={"MfaFactors": failure("workspaces:DescribeWorkspaces",
                                              "workspaces:DescribeWorkspaces", "NotCollected",
                                              "RADIUS MFA lives in the directory", "")}),
    ]
    found = by_name(judged(results(MFA, resources, listed("okta", "iam", "workspaces"))))
    assert {name: r.status for name, r in found.items()} == {
        "jon.bell@meridian-cs.example": Status.FAIL,
        "maria.santos@meridian-cs.example": Status.PASS}
    assert found["jon.bell@meridian-cs.example"].message == (
        f"okta user jon.bell@meridian-cs.example ({OKTA}) is active with no second factor "
        "enrolled")


def test_an_active_users_unreadable_factors_are_an_error() -> None:
    factors_denied = failure("okta:ListFactors (userId=00u4d) in northbridge.okta.com/global",
                             "okta:ListFactors", "E0000006", "no permission",
                             f"okta/{OKTA}/ListFactors-0004.json")
    [error] = judged(results(MFA, [account("okta", "jon.bell@meridian-cs.example",
                                           failed={"MfaFactors": factors_denied})],
                             listed("okta")))
    assert error.status is Status.ERROR
    assert error.message == f"cannot evaluate: {factors_denied.call} failed with E0000006"


def test_administrators_need_a_phishing_resistant_factor() -> None:
    resources = [
        account("okta", "priya.shah@northbridge-health.example", admin=True,
                mfa=[{"Type": "push", "PhishingResistant": False},
                     {"Type": "webauthn", "PhishingResistant": True}]),
        account("entra", "sam.ortiz@northbridge-health.example", admin=True,
                mfa=[{"Type": "microsoftAuthenticatorPush", "PhishingResistant": False}]),
        account("google", "it.helpdesk@northbridge-health.example", admin=True, mfa=[]),
        account("okta", "maria.santos@meridian-cs.example", admin=False, mfa=[]),
    ]
    found = by_name(judged(results(ADMIN_MFA, resources, listed("okta", "entra", "google"))))
    assert {name: r.status for name, r in found.items()} == {
        "priya.shah@northbridge-health.example": Status.PASS,
        "sam.ortiz@northbridge-health.example": Status.FAIL,
        "it.helpdesk@northbridge-health.example": Status.FAIL}
    assert found["it.helpdesk@northbridge-health.example"].message == (
        "administrator google user it.helpdesk@northbridge-health.example "
        "(northbridge-health.example) has no phishing-resistant factor; enrolled: none")
