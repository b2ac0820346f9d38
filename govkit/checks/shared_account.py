"""One account that several people could own: a shared login, or records that disagree about
who it belongs to. Access through it cannot be attributed to a person (164.312(a)(2)(i)
requires a unique user identification)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import account_label
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "identity.account"
PARAMETERS = {"systems": ParameterType.STRING_LIST}
READS = ("Reconciliation", "PersonIds", "MatchedBy")


def applies(resource: Resource, params: Mapping[str, Any]) -> bool:
    return resource.attributes.get("System") in params["systems"]


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    attributes = resource.attributes
    state = attributes.get("Reconciliation")
    if state not in ("linked", "disputed"):
        return None
    people = attributes.get("PersonIds") or []
    name = account_label(resource)
    how = str(attributes.get("MatchedBy") or "").replace("_", " ")
    if state == "disputed":
        return Verdict(passed=False, reads=READS, message=(
            f"{name} matches {len(people)} people by {how}: {', '.join(people)}"))
    return Verdict(passed=True, reads=READS,
                   message=f"{name} belongs to one person ({', '.join(people)}, by {how})")
