"""Access-review exports joined to accounts: revocations carried out after the grace period,
and every grant reviewed in the audit period, through the join and the real evaluator."""

from __future__ import annotations

from govkit.inventory.model import Resource
from govkit.results import Result, Status
from tests.people.factories import (
    OKTA, REVIEW_FILE, REVIEWS_READ, account, agent, by_name, evaluate, joined, judged, listed,
    review, rosters_read, utc)

NOW = utc("2026-11-15T12:00:00Z")  # 2026-Q4; grace 7 days: decisions up to 2026-11-08 are due
CARRIED_OUT = "access-review-revocations-done"
COMPLETE = "access-review-complete"
KOFI = "kofi.mensah@meridian-cs.example"
LI = "li.wei@meridian-cs.example"


def run(rule: str, *resources: Resource, period: str | None = None) -> list[Result]:
    inventory = joined([agent("M-1003", "Kofi Mensah", KOFI),
                        agent("M-1004", "Li Wei", LI, row=1), *resources],
                       [*rosters_read("vendor.agent"), *listed("okta"), REVIEWS_READ])
    return judged(evaluate(rule, inventory, now=NOW, period=period))


def test_a_revocation_still_held_after_the_grace_period_fails() -> None:
    okta = account("okta", KOFI, groups=["Meridian-Agents", "Billing-Payments-Approve"])
    line = review(7, KOFI, "Billing-Payments-Approve", "revoke", "2026-10-20T15:00:00Z")
    [result] = run(CARRIED_OUT, okta, line)
    assert result.status is Status.FAIL
    assert result.message == (
        f"okta user {KOFI} ({OKTA}) still holds what its review removed: "
        "Billing-Payments-Approve (revoke by ops.lead@meridian-cs.example on "
        "2026-10-20T15:00:00Z, line 7)")
    # the review line is part of the evidence
    assert REVIEW_FILE in result.evidence
    assert any(r.attribute == "Reviews" and r.file == REVIEW_FILE for r in result.records)


def test_a_revocation_within_the_grace_period_is_not_judged_yet() -> None:
    okta = account("okta", KOFI, groups=["Billing-Payments-Approve"])
    line = review(7, KOFI, "Billing-Payments-Approve", "revoke", "2026-11-12T15:00:00Z")
    assert run(CARRIED_OUT, okta, line) == []


def test_carried_out_revocations_pass_and_a_disabled_account_holds_nothing() -> None:
    carried = account("okta", KOFI, groups=["Meridian-Agents"])
    disabled = account("okta", LI, active=False, groups=["Billing-Payments-Approve"])
    lines = [review(7, KOFI, "Billing-Payments-Approve", "revoke", "2026-10-20T15:00:00Z"),
             review(8, KOFI, "Epic Billing", "reduce", "2026-10-21T15:00:00Z"),
             review(9, LI, "Billing-Payments-Approve", "revoke", "2026-10-21T15:00:00Z")]
    found = by_name(run(CARRIED_OUT, carried, disabled, *lines))
    assert {name: r.status for name, r in found.items()} == {KOFI: Status.PASS, LI: Status.PASS}
    assert found[KOFI].message == \
        f"okta user {KOFI} ({OKTA}): all 2 revocation(s) from its review were carried out"


def test_a_grant_whose_only_answer_is_no_response_was_not_reviewed() -> None:
    okta = account("okta", LI, groups=["Everyone", "Meridian-Agents"],
                   applications=["AppStream PHI Desk"])
    lines = [review(3, LI, "Meridian-Agents", "no response", None),
             review(4, LI, "AppStream PHI Desk", "accept", "2026-10-20T15:00:00Z")]
    [result] = run(COMPLETE, okta, *lines)
    assert result.status is Status.FAIL
    assert result.message == (f"okta user {LI} ({OKTA}) holds 1 grant(s) with no review "
                              "decision in 2026-Q4: Meridian-Agents")


def test_a_decision_outside_the_audit_period_does_not_count() -> None:
    okta = account("okta", LI, groups=["Meridian-Agents"], applications=["AppStream PHI Desk"])
    lines = [review(3, LI, "Meridian-Agents", "accept", "2026-09-30T23:00:00Z"),
             review(4, LI, "AppStream PHI Desk", "accept", "2026-10-01T00:00:00Z")]
    [result] = run(COMPLETE, okta, *lines)
    assert result.status is Status.FAIL
    assert result.message.endswith("holds 1 grant(s) with no review decision in 2026-Q4: "
                                   "Meridian-Agents")
    # the same decisions, judged for the quarter they were made in
    [earlier] = run(COMPLETE, okta, *lines, period="2026-Q3")
    assert earlier.message.endswith("no review decision in 2026-Q3: AppStream PHI Desk")


def test_every_grant_reviewed_in_the_period_passes_and_everyone_needs_no_review() -> None:
    okta = account("okta", KOFI, groups=["Everyone", "Meridian-Agents"],
                   applications=["AppStream PHI Desk"])
    lines = [review(2, KOFI.upper(), "Meridian-Agents", "accept", "2026-10-20T15:00:00Z"),
             review(3, KOFI, "AppStream PHI Desk", "revoke", "2026-11-13T15:00:00Z")]
    [result] = run(COMPLETE, okta, *lines)
    assert (result.status, result.message) == (Status.PASS, (
        f"okta user {KOFI} ({OKTA}): all 2 grant(s) reviewed in 2026-Q4"))


def test_accounts_not_in_any_review_fail_when_they_hold_grants() -> None:
    okta = account("okta", LI, groups=["Meridian-Agents"])
    empty = account("okta", KOFI, groups=["Everyone"])
    found = by_name(run(COMPLETE, okta, empty))
    assert list(found) == [LI]
    assert found[LI].status is Status.FAIL
