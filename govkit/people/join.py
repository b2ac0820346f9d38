"""Join accounts across systems into people.

People come from what says a person exists and whether they left: HR exports (``hr.person``)
and vendor agent rosters (``vendor.agent``). Records with the same id in the same kind of
source are one person, and so are an HR record and a roster record with the same e-mail
address (one person known to both). Every account (an Okta, Entra or Google
user, an Identity Center user, an IAM user, a WorkSpace) is then matched to people:

1. by immutable id: the account's EmployeeId, then its ExternalIds, against the people's ids;
2. by normalised e-mail address, only when no id matched.

The first step that finds anyone decides. One person: the account is ``linked``; several:
``disputed`` (a shared account, or records that disagree); none: a declared service account
(``service``) when its login or address matches a configured pattern, else ``orphan``. An
account whose ids could not be read is ``unknown`` with that failure. No account is dropped:
each one carries its state, and each person lists its accounts with the facts the check
kinds judge (active, last sign-in, disable time and events, holdings), each fact pointing at
the record it came from.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from govkit.inventory.accounts import ACCOUNT_TYPES, PERSON_RECORD_TYPES
from govkit.inventory.model import Coverage, Resource, ResourceBuilder, Source
from govkit.people.roles import RoleMatrix

PERSON = "person"
REVIEW = "access.review"
ACCOUNT = "identity.account"
PEOPLE_ACCOUNT = "people"

# the facts of each account a person lists (the check kinds read them there)
ACCOUNT_FACTS = ("System", "Login", "Active", "Status", "CreatedAt", "LastSignInAt",
                 "DisabledAt", "DisableEvents", "DisableEventsSince", "Groups", "Applications",
                 "PermissionSets", "IamGroups", "MfaFactors", "Admin")
_RECORD_FACTS = ("PersonId", "Status", "HiredAt", "TerminatedAt", "TerminationDateOnly",
                 "NotifiedAt", "Job", "WorkerType", "Vendor", "Source")


@dataclass(frozen=True, kw_only=True)
class ServiceAccount:
    pattern: str  # fnmatch pattern over the login and the e-mail addresses, case-insensitive
    owner: str

    def matches(self, names: Iterable[str]) -> bool:
        match = _compiled(self.pattern)
        return any(match(name.lower()) for name in names if name)

    def to_json(self) -> dict[str, str]:
        return {"pattern": self.pattern, "owner": self.owner}


@functools.cache
def _compiled(pattern: str) -> Callable[[str], object]:
    """A case-insensitive fnmatch ``pattern`` as a compiled matcher (made once per pattern:
    every account is tested against every pattern)."""
    return re.compile(fnmatch.translate(pattern.lower())).match


@dataclass(frozen=True, kw_only=True)
class JoinSettings:
    service_accounts: tuple[ServiceAccount, ...] = ()


@dataclass
class _Person:
    records: list[Resource]
    accounts: list[tuple[Resource, str]] = field(default_factory=list)  # (account, matched by)

    @cached_property
    def ids(self) -> frozenset[str]:  # the records are complete once grouped
        return frozenset(str(r.attributes["PersonId"]) for r in self.records
                         if r.attributes.get("PersonId"))

    @property
    def emails(self) -> list[str]:
        seen: list[str] = []
        for record in self.records:
            for address in record.attributes.get("Emails") or []:
                if address not in seen:
                    seen.append(address)
        return seen


@dataclass(frozen=True)
class People:
    persons: tuple[Resource, ...]
    accounts: tuple[Resource, ...]  # every account, with its reconciliation state
    coverage: tuple[Coverage, ...]


def is_account(resource: Resource) -> bool:
    return resource.type in ACCOUNT_TYPES


def join(resources: Sequence[Resource], coverage: Sequence[Coverage],
         settings: JoinSettings, roles: RoleMatrix | None = None, *,
         reconcile: bool = True) -> People:
    """People and accounts; with ``reconcile`` False (no HR or roster was read) only the
    accounts, unchanged."""
    if not reconcile:
        found = _reviews_by_account(resources, coverage)
        alone = sorted((r for r in resources if is_account(r)), key=lambda r: r.id)
        if found is not None:
            alone = [_reviewed(a, found) for a in alone]
        return People((), tuple(alone), tuple(_coverage(coverage)))
    records = sorted((r for r in resources if r.type in PERSON_RECORD_TYPES),
                     key=lambda r: (PERSON_RECORD_TYPES.index(r.type), r.id))
    people = _group_records(records)
    by_id: dict[str, list[int]] = defaultdict(list)
    by_email: dict[str, list[int]] = defaultdict(list)
    for index, person in enumerate(people):
        for person_id in sorted(person.ids):
            by_id[person_id.strip().lower()].append(index)
        for address in person.emails:
            by_email[address].append(index)
    reviews = _reviews_by_account(resources, coverage)
    accounts: list[Resource] = []
    for account in sorted((r for r in resources if is_account(r)), key=lambda r: r.id):
        joined, owner, matched_by = _reconcile(account, people, by_id, by_email, settings,
                                               reviews)
        accounts.append(joined)
        if owner is not None:
            people[owner].accounts.append((joined, matched_by))
    persons = tuple(_person_resource(p, roles) for p in people)
    return People(persons, tuple(accounts), tuple(_coverage(coverage)))


def _group_records(records: Sequence[Resource]) -> list[_Person]:
    """Union records that share (kind of source, id), or an e-mail address across kinds of
    source (the same person in HR and on a vendor's roster). Two records of one roster that
    share an address stay two people: an account with that address is then disputed."""
    parent = list(range(len(records)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for index, record in enumerate(records):
        key = f"{record.type}\0{record.attributes.get('PersonId')}"
        if key in first_with:
            parent[root(index)] = root(first_with[key])
        else:
            first_with[key] = index
    by_mail: dict[str, dict[str, int]] = defaultdict(dict)
    for index, record in enumerate(records):
        for address in record.attributes.get("Emails") or []:
            by_mail[address].setdefault(record.type, index)
    for kinds in by_mail.values():
        firsts = sorted(kinds.values())
        for other in firsts[1:]:
            parent[root(other)] = root(firsts[0])
    groups: dict[int, list[Resource]] = defaultdict(list)
    for index, record in enumerate(records):
        groups[root(index)].append(record)
    return [_Person(list(group)) for _, group in sorted(groups.items())]


def _candidates(account: Resource, by_id: Mapping[str, list[int]],
                by_email: Mapping[str, list[int]]) -> tuple[str, list[int]]:
    attributes = account.attributes
    employee_id = attributes.get("EmployeeId")
    if employee_id:
        found = by_id.get(str(employee_id).strip().lower(), [])
        if found:
            return "employee_id", sorted(set(found))
    external = [x for value in attributes.get("ExternalIds") or []
                for x in by_id.get(str(value).strip().lower(), [])]
    if external:
        return "external_id", sorted(set(external))
    by_mail = [x for address in attributes.get("Emails") or [] for x in by_email.get(address, [])]
    if by_mail:
        return "email", sorted(set(by_mail))
    return "", []


def _reviews_by_account(resources: Sequence[Resource], coverage: Sequence[Coverage]
                        ) -> dict[str, list[Resource]] | None:
    """Access-review lines by the account name they give (lower-cased); None when no review
    export was read."""
    if not any(c.type == REVIEW for c in coverage):
        return None
    found: dict[str, list[Resource]] = defaultdict(list)
    for review in resources:
        if review.type == REVIEW:
            found[str(review.attributes.get("AccountName"))].append(review)
    return found


def _review_values(account: Resource, reviews: Mapping[str, list[Resource]]
                   ) -> dict[str, tuple[Any, Source]]:
    names = {str(account.attributes.get("Login") or "").lower(),
             *(account.attributes.get("Emails") or [])} - {""}
    lines = sorted((r for name in names for r in reviews.get(name, ())), key=lambda r: r.id)
    items = [{key: r.attributes.get(key) for key in ("Grant", "Decision", "DecidedAt",
                                                     "Reviewer", "Line")} for r in lines]
    refs = [ref for r in lines for key in ("Grant", "Decision", "DecidedAt")
            for ref in r.sources.get(key, ())]
    return {"Reviews": (items, refs or list(account.sources.get("Login", ())))}


def _reviewed(account: Resource, reviews: Mapping[str, list[Resource]]) -> Resource:
    return account.extended(_review_values(account, reviews))


def _reconcile(account: Resource, people: list[_Person], by_id: Mapping[str, list[int]],
               by_email: Mapping[str, list[int]], settings: JoinSettings,
               reviews: Mapping[str, list[Resource]] | None = None
               ) -> tuple[Resource, int | None, str]:
    """The account with its reconciliation state; the person it is linked to (an index of
    ``people``) and how it was matched."""
    values = {} if reviews is None else _review_values(account, reviews)
    key_failure = next((account.failures[k] for k in ("EmployeeId", "Emails", "ExternalIds")
                        if k in account.failures), None)
    matched_by, found = _candidates(account, by_id, by_email)
    service = None if found else _service_account(account, settings)
    proof = [ref for key in ("EmployeeId", "ExternalIds", "Emails", "Login")
             for ref in account.sources.get(key, ())]
    if found and len(found) == 1:
        state = "linked"
    elif found:
        state = "disputed"
    elif service is not None:
        state = "service"
        values["Owner"] = (service.owner, proof)
    elif key_failure is not None:
        return account.extended(values, {"Reconciliation": key_failure,
                                         "PersonIds": key_failure}), None, matched_by
    else:
        state = "orphan"
    person_refs = [ref for i in found for r in people[i].records
                   for ref in r.sources.get("PersonId", ())]
    values["Reconciliation"] = (state, proof + person_refs)
    values["MatchedBy"] = (matched_by or None, proof)
    values["PersonIds"] = (sorted({pid for i in found for pid in people[i].ids}),
                           person_refs or proof)
    return account.extended(values), found[0] if state == "linked" else None, matched_by


def _service_account(account: Resource, settings: JoinSettings) -> ServiceAccount | None:
    """The declared service account whose pattern the account's login or an address
    matches (asked only of accounts no person was found for)."""
    names = [str(account.attributes.get("Login") or ""), *(account.attributes.get("Emails") or [])]
    return next((s for s in settings.service_accounts if s.matches(names)), None)


def _person_resource(person: _Person, roles: RoleMatrix | None) -> Resource:
    main = person.records[0]
    attributes = main.attributes
    builder = ResourceBuilder(id=f"person:{main.id}", type=PERSON, account=PEOPLE_ACCOUNT,
                              region="global", name=str(attributes.get("Name") or
                                                         attributes.get("PersonId")))
    builder.set("PersonId", attributes.get("PersonId"), main.sources.get("PersonId", ()))
    builder.set("Emails", person.emails,
                [ref for r in person.records for ref in r.sources.get("Emails", ())])
    builder.set("Records", [_record_item(r) for r in person.records],
                [ref for r in person.records for ref in r.sources.get("PersonId", ())])
    _set_termination(builder, person.records)
    jobs = sorted({str(r.attributes["Job"]) for r in person.records if r.attributes.get("Job")})
    builder.set("Jobs", jobs, [ref for r in person.records for ref in r.sources.get("Job", ())])
    vendors = sorted({str(r.attributes["Vendor"]) for r in person.records
                      if r.attributes.get("Vendor")})
    builder.set("Vendor", vendors[0] if vendors else None,
                [ref for r in person.records for ref in r.sources.get("Vendor", ())])
    builder.set("Accounts", [_account_item(a, matched_by) for a, matched_by in person.accounts],
                [ref for a, _ in person.accounts for ref in a.sources.get("Login", ())])
    if roles is not None:
        roles.entitle(builder, jobs)
    # each listed record's and account's facts keep their own records and failures, named
    # Records[i].X and Accounts[i].X, without a copy per person
    accounts = ("Accounts", [a for a, _ in person.accounts], _ACCOUNT_KEYS)
    return builder.build().lending([("Records", person.records, _RECORD_KEYS), accounts],
                                   [accounts])


_RECORD_KEYS = frozenset(_RECORD_FACTS)
_ACCOUNT_KEYS = frozenset(ACCOUNT_FACTS)


def _record_item(record: Resource) -> dict[str, Any]:
    attributes = record.attributes
    item = {"Type": record.type, "Id": record.id}
    item.update((key, attributes[key]) for key in _RECORD_FACTS if key in attributes)
    return item


def _set_termination(builder: ResourceBuilder, records: Sequence[Resource]) -> None:
    """A person has left when every record says so (someone who left the hospital but still
    works for the vendor keeps the vendor's access); the time is the latest of them."""
    ends = [(str(r.attributes["TerminatedAt"]), r) for r in records
            if r.attributes.get("TerminatedAt")]
    if records and len(ends) == len(records):
        at, record = max(ends, key=lambda pair: pair[0])
        builder.set("TerminatedAt", at, record.sources.get("TerminatedAt", ()))
        builder.set("TerminatedBy", record.attributes.get("Source") or record.type,
                    record.sources.get("TerminatedAt", ()))
        # the vendor's notice is on its roster record, even when HR's termination is the
        # one that decides the time (an HR export records no notice)
        noticed = [(t, r) for t, r in ends if r.attributes.get("NotifiedAt")]
        if noticed and not record.attributes.get("NotifiedAt"):
            record = max(noticed, key=lambda pair: pair[0])[1]
        builder.set("NotifiedAt", record.attributes.get("NotifiedAt"),
                    record.sources.get("NotifiedAt", ()) or record.sources.get("TerminatedAt", ()))
    else:
        still = [r for r in records if not r.attributes.get("TerminatedAt")]
        refs = [ref for r in still for ref in r.sources.get("Status", ())]
        builder.set("TerminatedAt", None, refs)
        builder.set("TerminatedBy", None, refs)
        builder.set("NotifiedAt", None, refs)
    statuses = sorted({str(r.attributes.get("Status")) for r in records})
    builder.set("Status", "terminated" if len(ends) == len(records) and records else
                next((s for s in statuses if s != "terminated"), statuses[0]),
                [ref for r in records for ref in r.sources.get("Status", ())])


def _account_item(account: Resource, matched_by: str) -> dict[str, Any]:
    """The facts of one account a person lists, and what is unknown about it and why."""
    known, unknown = account.listed(ACCOUNT_FACTS)
    return {"Id": account.id, "Type": account.type, "Tenant": account.account,
            "MatchedBy": matched_by, **known, "Unknown": unknown}


def _coverage(coverage: Sequence[Coverage]) -> Iterable[Coverage]:
    """Listing outcomes of the joined types: people wherever HR or a roster was read, and
    accounts wherever any account listing ran (its failure, if it failed)."""
    for entry in coverage:
        if entry.type in PERSON_RECORD_TYPES:
            yield Coverage(type=PERSON, account=PEOPLE_ACCOUNT, region="global",
                           failure=entry.failure, source=entry.source)
        elif entry.type in ACCOUNT_TYPES:
            yield Coverage(type=ACCOUNT, account=entry.account, region=entry.region,
                           failure=entry.failure, source=entry.source)
