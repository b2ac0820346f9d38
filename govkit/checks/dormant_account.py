"""An active account nobody uses: no sign-in for ``days`` days, or none at all more than
``never_used_days`` after it was created. Unused access is access nobody will miss when it
is abused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import account_label, iso, parse_time, span, usable
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "identity.account"
PARAMETERS = {"days": ParameterType.INTEGER, "never_used_days": ParameterType.INTEGER,
              "systems": ParameterType.STRING_LIST}
READS = ("System", "Active", "LastSignInAt", "CreatedAt")


def applies(resource: Resource, params: Mapping[str, Any]) -> bool:
    return resource.attributes.get("System") in params["systems"] and usable(resource)


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    attributes = resource.attributes
    if not attributes.get("Active"):
        return None
    name = account_label(resource)
    last = parse_time(attributes.get("LastSignInAt"))
    created = parse_time(attributes.get("CreatedAt"))
    if last is not None:
        idle, limit = now - last, dt.timedelta(days=int(params["days"]))
        if idle > limit:
            return Verdict(passed=False, reads=READS, message=(
                f"{name} last signed in on {iso(last)}, {span(idle)} ago; limit "
                f"{params['days']} days"))
        return Verdict(passed=True, reads=READS,
                       message=f"{name} last signed in {span(idle)} ago")
    limit = dt.timedelta(days=int(params["never_used_days"]))
    if created is None:
        return Verdict(passed=False, reads=READS, message=(
            f"{name} is active and has never signed in (its creation time is not recorded)"))
    age = now - created
    if age > limit:
        return Verdict(passed=False, reads=READS, message=(
            f"{name} was created on {iso(created)}, {span(age)} ago, and has never signed in; "
            f"limit {params['never_used_days']} days"))
    return Verdict(passed=True, reads=READS,
                   message=f"{name} was created {span(age)} ago and has not signed in yet")
