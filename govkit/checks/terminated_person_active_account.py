"""A person HR or their vendor says has left, with an account still active anywhere.

Active means the account can still be used: an identity-provider user not suspended or
deactivated, an IAM user with a console password or an active access key, an Identity Center
user that is enabled and still holds a permission set, a WorkSpace still provisioned. The
grace period lets the stated removal SLA run before a still-active account is a finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import (
    accounts, fact, hours, iso, label, listing, person_label, span, terminated_at)
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import CallFailure, Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "person"
PARAMETERS = {"grace_hours": ParameterType.INTEGER}
READS = ("TerminatedAt", "Accounts")


def _still_active(person: Resource, position: int, account: Mapping[str, Any]
                  ) -> tuple[bool | None, list[str], Any]:
    """(active?, the keys that prove it, the failure that keeps it unknown)."""
    active = fact(person, position, "Active")
    if not active.known:
        return None, [active.key], active.failure
    if account.get("System") == "identitycenter" and active.value:
        # an enabled Identity Center user reaches nothing without a permission set
        held = fact(person, position, "PermissionSets")
        if not held.known:
            return None, [held.key], held.failure
        return bool(held.value), [active.key, held.key], None
    return bool(active.value), [active.key], None


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    left = terminated_at(resource, now)
    if left is None:
        return None
    grace = dt.timedelta(hours=int(params["grace_hours"]))
    reads = ["TerminatedAt"]
    active: list[str] = []
    unknown: list[tuple[str, CallFailure]] = []  # an account known active outweighs these
    for position, account in accounts(resource):
        state, keys, failure = _still_active(resource, position, account)
        reads += keys
        if failure is not None:
            unknown.append((label(account), failure))
        elif state:
            active.append(label(account))
    since = now - left
    facts = {"terminated_at": iso(left), "terminated_by": resource.attributes.get("TerminatedBy"),
             "hours_since_termination": hours(since), "active_accounts": active}
    who = person_label(resource)
    if active and since > grace:
        also = f"; unknown: {listing([name for name, _ in unknown])}" if unknown else ""
        return Verdict(passed=False, reads=tuple(reads), facts=facts, message=(
            f"{who} left on {iso(left)} ({span(since)} ago; grace {grace.total_seconds() / 3600:g}"
            f" hours) and still has {len(active)} active account(s): {listing(active)}{also}"))
    if unknown:
        name, failure = unknown[0]
        return Verdict.unknown(failure, f"cannot tell whether {name} of {who} is still active: "
                               f"{failure.explain()}", tuple(reads))
    if active:
        return Verdict(passed=True, reads=tuple(reads), facts=facts, message=(
            f"{who} left {span(since)} ago, within the {grace.total_seconds() / 3600:g}-hour "
            f"grace; still active: {listing(active)}"))
    count = sum(1 for _ in accounts(resource))
    return Verdict(passed=True, reads=tuple(reads), facts=facts, message=(
        f"{who} left on {iso(left)}; none of their {count} account(s) is active"))
