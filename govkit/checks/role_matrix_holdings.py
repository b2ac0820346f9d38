"""Least privilege against the role matrix: every active account of a current person holds
only what the person's job allows (groups, applications, Identity Center permission sets,
IAM groups). A job the matrix does not list allows nothing: it is a finding in itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govkit.checks._common import accounts, fact, label, listing, person_label, terminated_at
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import CallFailure, Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "person"
PARAMETERS = {"ignore_groups": ParameterType.STRING_LIST}
READS = ("TerminatedAt", "Jobs", "Allowed", "JobsNotInMatrix", "Accounts")

_KIND_WORDS = {"Groups": "group", "Applications": "application",
               "PermissionSets": "permission set", "IamGroups": "IAM group"}


def applies(resource: Resource, params: Mapping[str, Any]) -> bool:
    return "Allowed" in resource.attributes  # a role matrix was read


def held(person: Resource, position: int, account: Mapping[str, Any]
         ) -> tuple[dict[str, list[str]], list[str], Any]:
    """What one account holds, by kind (IAM groups are their own kind), the keys that prove
    it, and the failure that keeps any of it unknown."""
    found: dict[str, list[str]] = {}
    keys: list[str] = []
    for name in ("Groups", "Applications", "PermissionSets"):
        if name not in account and f"Accounts[{position}].{name}" not in person.failures:
            continue  # this system has no such holding
        value = fact(person, position, name)
        keys.append(value.key)
        if not value.known and value.failure is not None and \
                value.failure.code == "NotCollected" and not value.failure.file:
            continue  # the system has such holdings but govkit does not read them (documented)
        if not value.known:
            return found, keys, value.failure
        kind = "IamGroups" if name == "Groups" and account.get("System") == "iam" else name
        found.setdefault(kind, []).extend(str(v) for v in value.value or [])
    return found, keys, None


@dataclass(frozen=True)
class Holdings:
    """What a person's usable accounts hold: by account (its label, and its holdings by
    kind), the keys that prove it, and the accounts some of whose holdings were not read."""

    by_account: list[tuple[str, dict[str, list[str]]]]
    reads: list[str]
    unknown: list[tuple[str, CallFailure]]


def person_holdings(person: Resource) -> Holdings:
    found = Holdings([], [], [])
    for position, account in accounts(person):
        active = fact(person, position, "Active")
        if active.known and not active.value:
            continue
        holdings, keys, failure = held(person, position, account)
        found.reads.extend(keys)
        if failure is not None:
            found.unknown.append((label(account), failure))
        found.by_account.append((label(account), holdings))
    return found


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    if terminated_at(resource, now) is not None:
        return None  # leavers are judged by the access-removal checks
    attributes = resource.attributes
    who, reads = person_label(resource), ["Jobs", "Allowed", "JobsNotInMatrix"]
    allowed: Mapping[str, list[str]] = attributes.get("Allowed") or {}
    ignored = set(params["ignore_groups"])
    beyond: list[str] = []
    held_now = person_holdings(resource)
    reads += held_now.reads
    unknown = held_now.unknown  # holdings known to exceed the matrix outweigh these
    for name, holdings in held_now.by_account:
        for kind, names in holdings.items():
            extra = sorted({n for n in names if n not in (allowed.get(kind) or [])} - ignored)
            beyond += [f"{_KIND_WORDS[kind]} {n} ({name})" for n in extra]
    jobs = ", ".join(attributes.get("Jobs") or []) or "no job"
    missing = attributes.get("JobsNotInMatrix") or []
    if missing:
        beyond.insert(0, f"job {', '.join(missing)} is not in the role matrix")
    if beyond:
        also = f"; not fully read: {listing([n for n, _ in unknown])}" if unknown else ""
        return Verdict(passed=False, reads=tuple(reads), message=(
            f"{who}, job {jobs}, holds beyond the role matrix: {listing(beyond)}{also}"))
    if unknown:
        name, failure = unknown[0]
        return Verdict.unknown(failure, f"cannot tell what {name} of {who} holds: "
                               f"{failure.explain()}", tuple(reads))
    return Verdict(passed=True, reads=tuple(reads),
                   message=f"{who} holds only what job {jobs} allows")
