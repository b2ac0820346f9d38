"""What several check kinds share: reading times, naming accounts, and finding out whether a
fact a check needs about one of a person's accounts is known."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govkit import canonical
from govkit.inventory.model import CallFailure, Resource

IDP_SYSTEMS = ("okta", "entra", "google")


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO-8601 time as the sources write it (``Z`` or an offset); None for None."""
    if value in (None, ""):
        return None
    moment = dt.datetime.fromisoformat(str(value))  # Python 3.11 reads "Z" itself
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def iso(moment: dt.datetime | None) -> str | None:
    """``2026-10-01T09:30:00Z``: a finding names times to the second."""
    return None if moment is None else canonical.iso_utc(moment.replace(microsecond=0))


def hours(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


def span(delta: dt.timedelta) -> str:
    """A duration as a reader wants it: ``3.5 hours``, ``12 days``."""
    total = delta.total_seconds()
    if abs(total) < 48 * 3600:
        value = hours(delta)
        return f"{value:g} hour{'' if value == 1 else 's'}"
    return f"{int(total // 86400)} days"


def label(account: Mapping[str, Any], tenant: Any = None) -> str:
    """How a finding names an account: ``okta user a.agent@x (tenant northbridge.okta.com)``;
    ``tenant`` when the account's facts do not hold it."""
    system = account.get("System") or str(account.get("Type", "")).split(".")[0]
    kind = "WorkSpace of" if system == "workspaces" else "user"
    return f"{system} {kind} {account.get('Login') or account.get('Id')} " \
           f"({account.get('Tenant') if tenant is None else tenant})"


def account_label(resource: Resource) -> str:
    return label(resource.attributes, resource.account)


def has(resource: Resource, key: str) -> bool:
    """Whether ``key`` was set on the resource, as a value or as the failure to learn it."""
    return key in resource.attributes or key in resource.failures


def active_in(resource: Resource, key: str, systems: Any) -> bool:
    """An account a rule on ``key`` judges: ``key`` set, its system one of ``systems``, and
    not known to be disabled."""
    return has(resource, key) and resource.attributes.get("System") in systems and \
        usable(resource)


def usable(resource: Resource) -> bool:
    """False only for an account known to be disabled: the rules that judge active accounts
    leave it out of scope, so data missing about it is no ERROR (an account whose state was
    not read stays in scope, and that failure is)."""
    return resource.attributes.get("Active") is not False


@dataclass(frozen=True)
class Fact:
    """A fact about account ``position`` of a person: its value, or the failure that keeps it
    unknown, and the key its records are under."""

    value: Any
    failure: CallFailure | None
    key: str

    @property
    def known(self) -> bool:
        return self.failure is None


def fact(person: Resource, position: int, name: str) -> Fact:
    key = f"Accounts[{position}].{name}"
    failure = person.failures.get(key)
    account = (person.attributes.get("Accounts") or [])[position]
    return Fact(account.get(name), failure, key)


def accounts(person: Resource, systems: Sequence[str] | None = None
             ) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The person's accounts (position, facts), those of ``systems`` only when given."""
    for position, account in enumerate(person.attributes.get("Accounts") or []):
        if systems is None or account.get("System") in systems:
            yield position, account


def terminated_at(person: Resource, now: dt.datetime) -> dt.datetime | None:
    """When the person left, if they have by ``now`` (a future-dated termination has not
    happened yet)."""
    moment = parse_time(person.attributes.get("TerminatedAt"))
    return moment if moment is not None and moment <= now else None


def person_label(person: Resource) -> str:
    attributes = person.attributes
    name = attributes.get("Name") or person.name
    vendor = attributes.get("Vendor")
    who = f"{name} ({attributes.get('PersonId')}"
    return who + (f", {vendor})" if vendor else ")")


def listing(items: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
