"""A successful sign-in with a person's account after they left: possible impermissible
access to PHI, which the breach-notification rule (45 CFR 164.402) asks to be assessed.

Sign-in times are the systems' own: Okta lastLogin, Entra signInActivity
lastSuccessfulSignInDateTime, Google lastLoginTime, the newest IAM password or access-key use.
Only the last sign-in is known, so a later one hides earlier ones; any after the termination
is a finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import (
    accounts, fact, iso, label, listing, parse_time, person_label, span, terminated_at)
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import CallFailure, Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "person"
PARAMETERS = {"systems": ParameterType.STRING_LIST}
READS = ("TerminatedAt", "Accounts")


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    left = terminated_at(resource, now)
    if left is None:
        return None
    who, reads = person_label(resource), ["TerminatedAt"]
    after: list[str] = []
    unknown: list[tuple[str, CallFailure]] = []  # a sign-in known to be after outweighs these
    checked = 0
    for position, account in accounts(resource, params["systems"]):
        last = fact(resource, position, "LastSignInAt")
        reads.append(last.key)
        if last.failure is not None:
            unknown.append((label(account), last.failure))
            continue
        checked += 1
        moment = parse_time(last.value)
        if moment is not None and moment > left:
            after.append(f"{label(account)} signed in at {iso(moment)}, "
                         f"{span(moment - left)} after")
    facts = {"terminated_at": iso(left), "sign_ins_after": after}
    if after:
        also = f"; unknown: {listing([name for name, _ in unknown])}" if unknown else ""
        return Verdict(passed=False, reads=tuple(reads), facts=facts, message=(
            f"{who} left on {iso(left)}; {listing(after)}{also}"))
    if unknown:
        name, failure = unknown[0]
        return Verdict.unknown(failure, f"cannot tell whether {name} of {who} was used after "
                               f"they left: {failure.explain()}", tuple(reads))
    if not checked:
        return None
    return Verdict(passed=True, reads=tuple(reads), facts=facts, message=(
        f"{who} left on {iso(left)}; no sign-in after that on any of {checked} account(s)"))
