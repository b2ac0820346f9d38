"""An active account that belongs to no one: joined to no HR record or roster agent, and not
a declared service account. Nobody's departure will ever disable it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import account_label, active_in
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "identity.account"
PARAMETERS = {"systems": ParameterType.STRING_LIST}
READS = ("System", "Active", "Reconciliation")


def applies(resource: Resource, params: Mapping[str, Any]) -> bool:
    return active_in(resource, "Reconciliation", params["systems"])


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    attributes = resource.attributes  # (no HR export or roster read: not in scope at all)
    if not attributes.get("Active"):
        return None
    state = attributes["Reconciliation"]
    name = account_label(resource)
    if state == "orphan":
        return Verdict(passed=False, reads=READS, message=(
            f"{name} is active and matches no HR record or roster agent by employee id, "
            f"external id or e-mail ({', '.join(attributes.get('Emails') or []) or 'no e-mail'}"
            f"), and no service-account pattern"))
    owner = attributes.get("Owner")
    how = f"service account owned by {owner}" if state == "service" else \
        f"{state} to {', '.join(attributes.get('PersonIds') or [])}"
    return Verdict(passed=True, reads=READS, message=f"{name} is {how}")
