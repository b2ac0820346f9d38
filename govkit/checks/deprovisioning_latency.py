"""How long each system took to disable the accounts of a person who left in the period.

Per account, the disable time is the first disabling event at or after the termination in the
system's own audit log (Okta System Log, Entra directory audits, Google admin activity), or,
when the account was disabled before the person left, the termination itself (latency 0).
Where the log that would show it was not read, or does not reach back to the termination,
the latency cannot be measured and the result is ERROR, never PASS. Only systems that keep
an audit log govkit reads are measured (the ``systems`` parameter).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import (
    accounts, fact, hours, iso, label, listing, parse_time, person_label, span, terminated_at)
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import CallFailure, Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "person"
PARAMETERS = {"sla_hours": ParameterType.INTEGER, "systems": ParameterType.STRING_LIST}
READS = ("TerminatedAt", "Accounts")


class _Unknown(Exception):
    def __init__(self, message: str, failure: CallFailure | None, keys: list[str]) -> None:
        super().__init__(message)
        self.failure, self.keys = failure, keys


def _disabled_at(person: Resource, position: int, account: Mapping[str, Any],
                 left: dt.datetime) -> tuple[dt.datetime | None, list[str]]:
    """When the account was disabled (None: it is still active), and the proving keys."""
    active = fact(person, position, "Active")
    if not active.known:
        raise _Unknown("cannot read whether it is active", active.failure, [active.key])
    if active.value:
        return None, [active.key]
    events = fact(person, position, "DisableEvents")
    if not events.known:
        raise _Unknown("cannot read its disabling events", events.failure,
                       [active.key, events.key])
    times = sorted(t for t in (parse_time(e.get("At")) for e in events.value or []) if t)
    after = [t for t in times if t >= left]
    if after:
        return after[0], [active.key, events.key]
    if times:  # disabled before the termination took effect
        return left, [active.key, events.key]
    own = fact(person, position, "DisabledAt")
    if own.known and own.value:
        return max(parse_time(own.value) or left, left), [active.key, own.key]
    since = parse_time(fact(person, position, "DisableEventsSince").value)
    where = f"from {iso(since)}" if since else "(no window recorded)"
    why = (f"the audit log was searched {where}, after the termination on {iso(left)}"
           if since and since > left else
           f"it is disabled, but the audit log searched {where} holds no disabling event")
    raise _Unknown(why, None, [active.key, events.key])


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    left = terminated_at(resource, now)
    if left is None or not period.holds(left):
        return None
    sla = dt.timedelta(hours=int(params["sla_hours"]))
    who, reads = person_label(resource), ["TerminatedAt"]
    measured: list[dict[str, Any]] = []
    late: list[str] = []
    unknown: list[tuple[str, CallFailure, str]] = []  # a known late account outweighs these
    for position, account in accounts(resource, params["systems"]):
        try:
            disabled, keys = _disabled_at(resource, position, account, left)
        except _Unknown as missing:
            reads += missing.keys
            failure = missing.failure or CallFailure(
                call=f"audit log of {account.get('System')} {account.get('Tenant')}",
                operation="audit-log", code="NoEvidence", message=str(missing), file="")
            detail = f"{missing}: {failure.explain()}" if missing.failure else str(missing)
            unknown.append((label(account), failure, detail))
            measured.append({"system": account.get("System"), "tenant": account.get("Tenant"),
                             "login": account.get("Login"), "disabled_at": None,
                             "latency_hours": None, "unknown": detail})
            continue
        reads += keys
        end = disabled or now
        entry = {"system": account.get("System"), "tenant": account.get("Tenant"),
                 "login": account.get("Login"), "disabled_at": iso(disabled),
                 "latency_hours": hours(end - left),
                 "last_sign_in": fact(resource, position, "LastSignInAt").value}
        measured.append(entry)
        if end - left > sla:
            state = f"disabled {iso(disabled)}" if disabled else "still active"
            late.append(f"{label(account)}: {state}, {span(end - left)} after the termination")
    facts = {"terminated_at": iso(left), "terminated_by": resource.attributes.get("TerminatedBy"),
             "accounts": measured}
    if not measured:
        return None
    limit = f"{sla.total_seconds() / 3600:g}"
    if late:
        also = f"; not measurable: {listing([name for name, _, _ in unknown])}" if unknown else ""
        return Verdict(passed=False, reads=tuple(reads), facts=facts, message=(
            f"{who} left on {iso(left)}; limit {limit} hours: {listing(late)}{also}"))
    if unknown:
        name, failure, detail = unknown[0]
        return Verdict.unknown(failure, f"cannot measure how fast {name} of {who} was "
                               f"disabled: {detail}", tuple(reads), facts)
    slowest = max(entry["latency_hours"] for entry in measured)
    return Verdict(passed=True, reads=tuple(reads), facts=facts, message=(
        f"{who} left on {iso(left)}; all {len(measured)} account(s) disabled within "
        f"{slowest:g} hours (limit {limit})"))
