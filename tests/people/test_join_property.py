"""For any records and accounts, the join keeps every account exactly once and gives each
linked account to exactly one person. Ids and addresses come from small alphabets, so that
shared addresses, reused ids and case differences happen often."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from govkit.inventory.model import Resource
from govkit.people.join import JoinSettings, ServiceAccount
from tests.people.factories import account, failure, join_all, person_record

IDS = ("M-1001", "m-1001", "M-1002", "NB-2044", "NB-2045")
ADDRESSES = ("ana@meridian-cs.example", "ANA@meridian-cs.example ", "ben@meridian-cs.example",
             "team@meridian-cs.example", "svc-batch@northbridge-health.example")
SYSTEMS = ("okta", "entra", "google", "identitycenter", "iam")
SERVICES = JoinSettings(service_accounts=(
    ServiceAccount(pattern="svc-*@northbridge-health.example", owner="platform-team"),))
NOT_READ = failure("GET /api/v1/users in northbridge.okta.com", "okta:ListUsers", "E0000006",
                   "You do not have permission to perform the requested action",
                   "okta/northbridge.okta.com/ListUsers-0001.json")


@dataclass(frozen=True)
class Drawn:
    records: list[Resource]
    accounts: list[Resource]


@st.composite
def estates(draw: st.DrawFn) -> Drawn:
    keys = draw(st.lists(st.tuples(st.sampled_from(("hr.person", "vendor.agent")),
                                   st.sampled_from(IDS)),
                         unique=True, max_size=6))
    records = [person_record(
        person_id, name=f"Person {person_id}", kind=kind, row=row,
        email=draw(st.lists(st.sampled_from(ADDRESSES), max_size=2)),
        terminated_at=draw(st.sampled_from((None, "2026-10-16T04:59:59Z"))))
        for row, (kind, person_id) in enumerate(keys)]
    accounts = []
    for position in range(draw(st.integers(0, 8))):
        id_failed = draw(st.booleans())
        accounts.append(account(
            draw(st.sampled_from(SYSTEMS)), f"user{position}", user_id=f"u{position}",
            position=position, email=draw(st.lists(st.sampled_from(ADDRESSES), max_size=2)),
            employee_id=draw(st.none() | st.sampled_from(IDS)),
            external_ids=draw(st.lists(st.sampled_from(IDS), max_size=1)),
            failed={"EmployeeId": NOT_READ} if id_failed else None))
    return Drawn(records, accounts)


def _norm(value: object) -> str:
    return str(value).strip().lower()


def _matches(account_resource: Resource, person: Resource) -> bool:
    """Whether some id or address of the account names the person (the oracle)."""
    attributes = account_resource.attributes
    person_ids = {_norm(r["PersonId"]) for r in person.attributes["Records"]}
    names = {_norm(attributes.get("EmployeeId"))} | {_norm(x) for x in
                                                     attributes.get("ExternalIds") or []}
    return bool(person_ids & names) or \
        bool(set(attributes.get("Emails") or []) & set(person.attributes["Emails"]))


@settings(max_examples=200, deadline=None)
@given(estates())
def test_every_account_is_kept_once_and_each_linked_one_belongs_to_one_person(
        drawn: Drawn) -> None:
    people = join_all([*drawn.records, *drawn.accounts], settings=SERVICES)

    # no account is dropped or repeated
    assert Counter(a.id for a in people.accounts) == Counter(a.id for a in drawn.accounts)
    # every record is one person's
    assert Counter(r["Id"] for p in people.persons for r in p.attributes["Records"]) == \
        Counter(r.id for r in drawn.records)

    holders = Counter(item["Id"] for p in people.persons for item in p.attributes["Accounts"])
    for joined in people.accounts:
        state = joined.attributes.get("Reconciliation")
        owners = [p for p in people.persons
                  if any(item["Id"] == joined.id for item in p.attributes["Accounts"])]
        if state == "linked":
            assert holders[joined.id] == 1
            [owner] = owners
            ids = sorted({str(r["PersonId"]) for r in owner.attributes["Records"]})
            assert joined.attributes["PersonIds"] == ids
            assert _matches(joined, owner)
        else:
            assert holders[joined.id] == 0, f"a {state} account is listed by a person"
        if state == "disputed":
            assert joined.attributes["PersonIds"]
            assert sum(_matches(joined, p) for p in people.persons) >= 2
        if state in ("orphan", "service"):
            assert joined.attributes["PersonIds"] == []
            assert not any(_matches(joined, p) for p in people.persons)
        if state is None:  # unknown: its ids could not be read, and nothing else matched
            assert joined.failures["Reconciliation"] == NOT_READ
            assert "EmployeeId" in joined.failures
            assert not any(_matches(joined, p) for p in people.persons)
        if state == "orphan":
            assert "EmployeeId" not in joined.failures
