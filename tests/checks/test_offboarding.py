"""Leavers through the join and the real evaluator: who counts as having left, when, and what
the offboarding rules say about their accounts. Every date edge a user meets: a termination
dated in the future, one in the previous quarter, a date-only termination that ends at the
last second of the day in the HR file's time zone, a rehire or rescinded termination."""

from __future__ import annotations

from typing import Any

from govkit.inventory.model import Resource
from govkit.results import Result, Status
from tests.people.factories import (
    ENTRA, OKTA, account, agent, disable_event, evaluate, failure, hr, joined, judged,
    last_second_of, listed, rosters_read, utc)

NOW = utc("2026-11-15T12:00:00Z")  # audit period 2026-Q4 by default
STILL_ACTIVE = "offboarding-leaver-accounts-disabled"
SIGN_IN = "offboarding-no-sign-in-after-termination"
LATENCY = "offboarding-deprovisioning-latency"
NOTICE = "offboarding-vendor-notice-within-24-hours"
LEAVER_RULES = (STILL_ACTIVE, SIGN_IN, LATENCY, NOTICE)

DANIEL = "daniel.reyes@meridian-cs.example"
LOG_DENIED = failure("okta:ListLogEvents in northbridge.okta.com/global", "okta:ListLogEvents",
                     "E0000006", "You do not have permission to perform the requested action",
                     f"okta/{OKTA}/ListLogEvents-0001.json")


def daniel(terminated_at: str | None, *, status: str = "terminated",
           notified_at: str | None = None) -> Resource:
    return agent("M-1007", "Daniel Reyes", DANIEL, status=status, terminated_at=terminated_at,
                 notified_at=notified_at)


def run(rule: str, *resources: Resource, systems: tuple[str, ...] = ("okta", "entra"),
        **parameters: Any) -> list[Result]:
    inventory = joined(resources, [*rosters_read("hr.person", "vendor.agent"),
                                   *listed(*systems)])
    return judged(evaluate(rule, inventory, now=NOW, **parameters))


def one(rule: str, *resources: Resource, **kw: Any) -> Result:
    [result] = run(rule, *resources, **kw)
    return result


# --- who has left, and when ----------------------------------------------------------------

def test_a_termination_dated_in_the_future_is_not_yet_a_leaver() -> None:
    scheduled = daniel("2026-11-30T23:00:00Z", status="active")
    okta = account("okta", DANIEL, active=True, last_sign_in="2026-11-15T08:00:00Z")
    for rule in LEAVER_RULES:
        assert run(rule, scheduled, okta) == [], rule


def test_rehired_rescinded_and_on_leave_people_are_not_leavers() -> None:
    people = [hr("NB-2101", "Ivy Chen", "ivy.chen@northbridge-health.example",
                 status="active"),  # rehired: the HR normaliser clears TerminatedAt
              hr("NB-2102", "Leo Park", "leo.park@northbridge-health.example", row=1,
                 status="rescinded"),
              hr("NB-2103", "Ada Obi", "ada.obi@northbridge-health.example", row=2,
                 status="leave")]
    accounts = [account("okta", p.attributes["Emails"][0], active=True) for p in people]
    for rule in LEAVER_RULES:
        assert run(rule, *people, *accounts) == [], rule


def test_a_termination_in_the_previous_quarter_is_judged_only_by_the_still_active_rule() -> None:
    left = daniel("2026-09-20T22:00:00Z", notified_at="2026-09-25T10:00:00Z")
    okta = account("okta", DANIEL, active=True, last_sign_in="2026-09-19T16:00:00Z")
    assert run(LATENCY, left, okta) == []
    assert run(NOTICE, left, okta) == []
    still = one(STILL_ACTIVE, left, okta)
    assert still.status is Status.FAIL
    assert still.message == (
        "Daniel Reyes (M-1007, Meridian Contact Services) left on 2026-09-20T22:00:00Z "
        "(55 days ago; grace 24 hours) and still has 1 active account(s): "
        f"okta user {DANIEL} ({OKTA})")
    # the same person, judged for the quarter they left in
    [late] = judged(evaluate(LATENCY, joined([left, okta], [*rosters_read("vendor.agent"),
                                                             *listed("okta")]),
                             now=NOW, period="2026-Q3"))
    assert late.status is Status.FAIL
    assert "still active, 55 days after the termination" in late.message


def test_a_date_only_termination_ends_at_the_last_second_of_that_day_in_the_files_zone() -> None:
    # 2026-10-16 in Chicago ends at 04:59:59 UTC the next morning (CDT, UTC-5)
    left_at = last_second_of("2026-10-16")
    assert left_at == "2026-10-17T04:59:59Z"
    evening = account("okta", DANIEL, active=False,
                      last_sign_in="2026-10-17T02:30:00Z")  # 21:30 in Chicago, last shift
    passed = one(SIGN_IN, daniel(left_at), evening)
    assert passed.status is Status.PASS
    assert passed.message == ("Daniel Reyes (M-1007, Meridian Contact Services) left on "
                              "2026-10-17T04:59:59Z; no sign-in after that on any of 1 account(s)")
    morning = account("okta", DANIEL, active=False,
                      last_sign_in="2026-10-17T12:45:00Z")  # 07:45 the next day
    failed = one(SIGN_IN, daniel(left_at), morning)
    assert failed.status is Status.FAIL
    assert failed.message == (
        "Daniel Reyes (M-1007, Meridian Contact Services) left on 2026-10-17T04:59:59Z; "
        f"okta user {DANIEL} ({OKTA}) signed in at 2026-10-17T12:45:00Z, 7.8 hours after")
    assert failed.to_json()["facts"] == {
        "terminated_at": "2026-10-17T04:59:59Z",
        "sign_ins_after": [f"okta user {DANIEL} ({OKTA}) signed in at 2026-10-17T12:45:00Z, "
                           "7.8 hours after"]}


def test_a_leaver_is_one_who_left_every_source() -> None:
    """Left the hospital's HR, still on the vendor's roster: not a leaver."""
    hr_left = hr("NB-7001", "Daniel Reyes", DANIEL, status="terminated",
                 terminated_at="2026-10-17T04:59:59Z")
    okta = account("okta", DANIEL, active=True, last_sign_in="2026-11-14T09:00:00Z")
    assert run(STILL_ACTIVE, hr_left, daniel(None, status="active"), okta) == []
    both = one(STILL_ACTIVE, hr_left, daniel("2026-10-20T22:00:00Z"), okta)
    assert both.status is Status.FAIL
    assert both.facts is not None and both.facts["terminated_at"] == "2026-10-20T22:00:00Z"
    assert both.facts["terminated_by"] == "Meridian Contact Services"


# --- still active -------------------------------------------------------------------------

def test_still_active_accounts_are_listed_after_the_grace_period_whatever_the_system() -> None:
    left = hr("NB-2044", "Ruth Okafor", "ruth.okafor@northbridge-health.example",
              status="terminated", terminated_at="2026-11-01T22:59:59Z")
    accounts = [account("entra", "ruth.okafor@northbridge-health.example", active=False),
                account("iam", "rokafor", email=None, employee_id="NB-2044", active=True),
                account("identitycenter", "rokafor", email="ruth.okafor@northbridge-health.example",
                        active=True, permission_sets=["PatientSchedulingDesk"])]
    result = one(STILL_ACTIVE, left, *accounts, systems=("entra", "iam", "identitycenter"))
    assert result.status is Status.FAIL
    assert result.message.endswith(
        "still has 2 active account(s): iam user rokafor (111122223333), "
        "identitycenter user rokafor (111122223333)")
    assert result.facts == {"terminated_at": "2026-11-01T22:59:59Z",
                            "terminated_by": "workday-export.csv",
                            "hours_since_termination": 325.0,
                            "active_accounts": ["iam user rokafor (111122223333)",
                                                "identitycenter user rokafor (111122223333)"]}
    # each account's Active points at its own record
    assert {r.attribute for r in result.records} >= {"Accounts[0].Active", "Accounts[1].Active",
                                                     "Accounts[2].Active", "TerminatedAt"}


def test_an_account_whose_state_was_not_read_is_an_error_unless_another_is_active() -> None:
    denied = failure(f"GET /v1.0/users in {ENTRA}", "graph:ListUsers", "Forbidden",
                     "Insufficient privileges", f"entra/{ENTRA}/ListUsers-0001.json")
    left = daniel("2026-10-20T22:00:00Z")
    unknown = account("entra", DANIEL, failed={"Active": denied})
    error = one(STILL_ACTIVE, left, unknown)
    assert error.status is Status.ERROR
    assert error.message == (
        f"cannot tell whether entra user {DANIEL} ({ENTRA}) of Daniel Reyes (M-1007, Meridian "
        f"Contact Services) is still active: {denied.call} failed with Forbidden")
    assert error.failure == denied.to_json()
    # an account known to be active is a finding whatever the other one says
    active = account("okta", DANIEL, active=True)
    finding = one(STILL_ACTIVE, left, unknown, active)
    assert finding.status is Status.FAIL
    assert f"1 active account(s): okta user {DANIEL} ({OKTA})" in finding.message
    assert f"unknown: entra user {DANIEL} ({ENTRA})" in finding.message


# --- sign-in after termination ------------------------------------------------------------

def _sign_in_not_licensed() -> Any:
    return failure(f"GET /v1.0/users?$select=signInActivity in {ENTRA}", "graph:ListUsers",
                   "Authorization_RequestDenied", "Neither tenant is B2C or tenant doesn't "
                   "have premium license", f"entra/{ENTRA}/ListUsers-0002.json")


def test_a_tenant_without_sign_in_data_is_one_error_per_rule_not_one_per_person() -> None:
    unlicensed = _sign_in_not_licensed()
    names = ["ana.lopes", "ben.osei", "carla.diaz", "dev.rao", "eli.cohen"]
    records = [agent(f"M-11{n:02d}", name.replace(".", " ").title(),
                     f"{name}@meridian-cs.example", row=n,
                     status="terminated" if n < 3 else "active",
                     terminated_at="2026-10-09T22:00:00Z" if n < 3 else None)
               for n, name in enumerate(names)]
    accounts = [account("entra", f"{name}@meridian-cs.example", active=n >= 3,
                        failed={"LastSignInAt": unlicensed})
                for n, name in enumerate(names)]
    inventory = joined([*records, *accounts], [*rosters_read("vendor.agent"), *listed("entra")])

    [sign_in] = judged(evaluate(SIGN_IN, inventory, now=NOW))
    assert sign_in.status is Status.ERROR
    assert sign_in.message == (
        "cannot judge 3 person resources (Ana Lopes, Ben Osei, Carla Diaz): "
        f"{unlicensed.call} failed with Authorization_RequestDenied: {unlicensed.message}")
    assert sign_in.failure == unlicensed.to_json()

    [dormant] = judged(evaluate("idp-account-not-dormant", inventory, now=NOW))
    assert dormant.status is Status.ERROR
    # the disabled leavers' accounts are not judged for dormancy, so not counted
    assert dormant.message.startswith(
        "cannot judge 2 identity.account resources (dev.rao@meridian-cs.example, "
        "eli.cohen@meridian-cs.example)")
    assert dormant.resource_id == f"graph:ListUsers:{ENTRA}"


def test_a_known_sign_in_after_leaving_is_not_hidden_by_another_tenants_missing_data() -> None:
    left = daniel("2026-10-09T22:00:00Z")
    okta = account("okta", DANIEL, active=False, last_sign_in="2026-10-12T08:00:00Z")
    entra = account("entra", DANIEL, active=False, failed={"LastSignInAt": _sign_in_not_licensed()})
    result = one(SIGN_IN, left, okta, entra)
    assert result.status is Status.FAIL
    assert result.message == (
        "Daniel Reyes (M-1007, Meridian Contact Services) left on 2026-10-09T22:00:00Z; "
        f"okta user {DANIEL} ({OKTA}) signed in at 2026-10-12T08:00:00Z, 2 days after; "
        f"unknown: entra user {DANIEL} ({ENTRA})")
    # with no sign-in known to be after, the missing data is an error
    quiet = account("okta", DANIEL, active=False, last_sign_in="2026-10-09T18:00:00Z")
    assert one(SIGN_IN, left, quiet, entra).status is Status.ERROR


def test_sign_in_times_of_iam_users_count_and_workspaces_are_not_compared() -> None:
    left = hr("NB-2044", "Ruth Okafor", "ruth.okafor@northbridge-health.example",
              status="terminated", terminated_at="2026-11-01T22:59:59Z")
    iam = account("iam", "rokafor", email=None, employee_id="NB-2044", active=False,
                  last_sign_in="2026-11-03T10:00:00Z")
    workspace = account("workspaces", "rokafor", email=None, employee_id="NB-2044",
                        failed={"LastSignInAt": failure(
                            "workspaces:DescribeWorkspacesConnectionStatus",
                            "workspaces:DescribeWorkspacesConnectionStatus", "NotCollected",
                            "not called", "")})
    result = one(SIGN_IN, left, iam, workspace, systems=("iam", "workspaces"))
    assert result.status is Status.FAIL
    assert result.message == ("Ruth Okafor (NB-2044) left on 2026-11-01T22:59:59Z; iam user "
                              "rokafor (111122223333) signed in at 2026-11-03T10:00:00Z, "
                              "35 hours after")


# --- deprovisioning latency ---------------------------------------------------------------

def test_disabled_two_hours_after_leaving_passes_with_the_measured_facts() -> None:
    left = daniel("2026-10-09T22:00:00Z")
    okta = account("okta", DANIEL, active=False, last_sign_in="2026-10-09T17:02:00Z",
                   disable_events=[disable_event("2026-10-10T00:00:00Z",
                                                 "user.lifecycle.deactivate")])
    result = one(LATENCY, left, okta)
    assert result.status is Status.PASS
    assert result.message == ("Daniel Reyes (M-1007, Meridian Contact Services) left on "
                              "2026-10-09T22:00:00Z; all 1 account(s) disabled within 2 hours "
                              "(limit 24)")
    assert result.to_json()["facts"] == {
        "terminated_at": "2026-10-09T22:00:00Z",
        "terminated_by": "Meridian Contact Services",
        "accounts": [{"system": "okta", "tenant": OKTA, "login": DANIEL,
                      "disabled_at": "2026-10-10T00:00:00Z", "latency_hours": 2.0,
                      "last_sign_in": "2026-10-09T17:02:00Z"}]}
    assert {"Accounts[0].Active", "Accounts[0].DisableEvents", "TerminatedAt"} <= \
        {r.attribute for r in result.records}


def test_disabled_three_days_late_fails_naming_the_measured_latency() -> None:
    left = daniel("2026-10-09T22:00:00Z")
    entra = account("entra", DANIEL, active=False,
                    disable_events=[disable_event("2026-10-12T22:00:00Z", "Disable account")])
    okta = account("okta", DANIEL, active=False,
                   disable_events=[disable_event("2026-10-10T01:30:00Z")])
    result = one(LATENCY, left, entra, okta)
    assert result.status is Status.FAIL
    assert result.message == (
        "Daniel Reyes (M-1007, Meridian Contact Services) left on 2026-10-09T22:00:00Z; limit "
        f"24 hours: entra user {DANIEL} ({ENTRA}): disabled 2026-10-12T22:00:00Z, 3 days after "
        "the termination")
    facts = result.to_json()["facts"]
    assert sorted((a["system"], a["latency_hours"]) for a in facts["accounts"]) == \
        [("entra", 72.0), ("okta", 3.5)]


def test_an_account_disabled_before_the_termination_has_no_latency() -> None:
    left = daniel("2026-10-09T22:00:00Z")
    okta = account("okta", DANIEL, active=False,
                   disable_events=[disable_event("2026-10-08T15:00:00Z")])
    result = one(LATENCY, left, okta)
    assert result.status is Status.PASS
    assert result.facts is not None
    assert result.facts["accounts"][0]["latency_hours"] == 0.0
    assert result.facts["accounts"][0]["disabled_at"] == "2026-10-09T22:00:00Z"


def test_a_disable_the_searched_log_cannot_show_is_an_error_never_a_pass() -> None:
    left = daniel("2026-10-09T22:00:00Z")
    # Entra keeps 30 days of directory audits: the window starts after the termination
    entra = account("entra", DANIEL, active=False, disable_events=[],
                    disable_events_since="2026-10-16T12:00:00Z")
    result = one(LATENCY, left, entra)
    assert result.status is Status.ERROR
    assert result.message == (
        f"cannot measure how fast entra user {DANIEL} ({ENTRA}) of Daniel Reyes (M-1007, "
        "Meridian Contact Services) was disabled: the audit log was searched from "
        "2026-10-16T12:00:00Z, after the termination on 2026-10-09T22:00:00Z")
    assert result.failure is not None and result.failure["code"] == "NoEvidence"
    # Okta's own record of when the user was suspended still measures it
    okta = account("okta", DANIEL, active=False, disable_events=[],
                   disable_events_since="2026-10-16T12:00:00Z",
                   disabled_at="2026-10-10T06:00:00Z")
    measured = one(LATENCY, left, okta)
    assert measured.status is Status.PASS
    assert measured.facts is not None
    assert measured.facts["accounts"][0]["latency_hours"] == 8.0


def test_a_late_account_is_not_hidden_by_another_systems_missing_log() -> None:
    left = daniel("2026-10-09T22:00:00Z")
    late = account("entra", DANIEL, active=False,
                   disable_events=[disable_event("2026-10-14T22:00:00Z", "Disable account")])
    unread = account("okta", DANIEL, active=False,
                     failed={"DisableEvents": LOG_DENIED, "DisableEventsSince": LOG_DENIED})
    result = one(LATENCY, left, late, unread)
    assert result.status is Status.FAIL
    assert result.message.endswith(
        f"disabled 2026-10-14T22:00:00Z, 5 days after the termination; not measurable: "
        f"okta user {DANIEL} ({OKTA})")
    assert result.facts is not None
    unknown = [a for a in result.facts["accounts"] if a["system"] == "okta"]
    assert unknown[0]["latency_hours"] is None and "E0000006" in unknown[0]["unknown"]
    # with only the unread account on time, it stays an ERROR, facts kept for the auditor
    on_time = account("entra", DANIEL, active=False,
                      disable_events=[disable_event("2026-10-10T01:00:00Z", "Disable account")])
    error = one(LATENCY, left, on_time, unread)
    assert error.status is Status.ERROR and error.facts is not None
    assert [a["latency_hours"] for a in error.facts["accounts"]] == [3.0, None]


def test_fifty_leavers_whose_log_was_not_read_are_one_error_naming_the_call() -> None:
    records = [agent(f"M-2{n:03d}", f"Agent {n:02d}", f"agent{n:02d}@meridian-cs.example",
                     row=n, status="terminated", terminated_at="2026-10-09T22:00:00Z")
               for n in range(50)]
    accounts = [account("okta", f"agent{n:02d}@meridian-cs.example", active=False,
                        position=n, failed={"DisableEvents": LOG_DENIED,
                                            "DisableEventsSince": LOG_DENIED})
                for n in range(50)]
    results = run(LATENCY, *records, *accounts)
    assert [r.status for r in results] == [Status.ERROR]
    [error] = results
    assert error.message == (
        "cannot judge 50 person resources (Agent 00, Agent 01, Agent 02, Agent 03, Agent 04, "
        "Agent 05, Agent 06, Agent 07, Agent 08, Agent 09, Agent 10, Agent 11, Agent 12, "
        "Agent 13, Agent 14, Agent 15, Agent 16, Agent 17, Agent 18, Agent 19 and 30 more): "
        f"{LOG_DENIED.call} failed with E0000006: {LOG_DENIED.message}")
    assert error.failure == LOG_DENIED.to_json()
    assert error.resource_id == "okta:ListLogEvents:people"
    assert error.facts is None
    # the leavers' accounts are disabled: the still-active rule judges each of them
    assert [r.status for r in run(STILL_ACTIVE, *records, *accounts)] == [Status.PASS] * 50


def test_only_systems_with_an_audit_log_are_measured() -> None:
    left = hr("NB-2044", "Ruth Okafor", "ruth.okafor@northbridge-health.example",
              status="terminated", terminated_at="2026-11-01T22:59:59Z")
    iam = account("iam", "rokafor", email=None, employee_id="NB-2044", active=False,
                  failed={"DisableEvents": failure("iam:ListUsers", "iam:ListUsers",
                                                   "NotCollected", "IAM has no audit log "
                                                   "govkit reads", "")})
    assert run(LATENCY, left, iam, systems=("iam",)) == []


# --- vendor notice ------------------------------------------------------------------------

def test_the_vendors_notice_is_measured_from_the_roster() -> None:
    late = one(NOTICE, daniel("2026-10-09T22:00:00Z", notified_at="2026-10-11T04:00:00Z"))
    assert late.status is Status.FAIL
    assert late.message == ("Meridian Contact Services notified 30 hours after Daniel Reyes "
                            "(M-1007, Meridian Contact Services) left (2026-10-09T22:00:00Z → "
                            "2026-10-11T04:00:00Z); limit 24 hours")
    assert late.facts == {"terminated_at": "2026-10-09T22:00:00Z",
                          "notified_at": "2026-10-11T04:00:00Z",
                          "vendor": "Meridian Contact Services", "notice_hours": 30.0}
    prompt = one(NOTICE, daniel("2026-10-09T22:00:00Z", notified_at="2026-10-10T09:00:00Z"))
    assert (prompt.status, prompt.message) == (Status.PASS, (
        "Meridian Contact Services notified 11 hours after Daniel Reyes (M-1007, Meridian "
        "Contact Services) left"))
    missing = one(NOTICE, daniel("2026-10-09T22:00:00Z"))
    assert missing.status is Status.FAIL
    assert missing.message == ("Daniel Reyes (M-1007, Meridian Contact Services) left on "
                               "2026-10-09T22:00:00Z and Meridian Contact Services's roster "
                               "records no notice (36 days so far; limit 24 hours)")


def test_the_notice_counts_when_hr_records_the_same_termination() -> None:
    both = [hr("NB-7007", "Daniel Reyes", DANIEL, status="terminated",
               terminated_at="2026-10-09T22:00:00Z", vendor="Meridian Contact Services"),
            daniel("2026-10-09T22:00:00Z", notified_at="2026-10-10T09:00:00Z")]
    assert one(NOTICE, *both).status is Status.PASS


def test_employees_without_a_vendor_are_not_judged_for_notice() -> None:
    left = hr("NB-2044", "Ruth Okafor", "ruth.okafor@northbridge-health.example",
              status="terminated", terminated_at="2026-11-01T22:59:59Z")
    assert run(NOTICE, left) == []
