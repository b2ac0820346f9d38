"""Every grant an active account holds was reviewed in the audit period: each group,
application and permission set has a decision (accept, revoke or reduce) from the review
export dated inside the period. "No response" is not a review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import account_label, listing, parse_time, usable
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "identity.account"
PARAMETERS = {"systems": ParameterType.STRING_LIST, "ignore_groups": ParameterType.STRING_LIST}
READS = ("System", "Active", "Reviews", "Groups", "Applications", "PermissionSets")


def applies(resource: Resource, params: Mapping[str, Any]) -> bool:
    return "Reviews" in resource.attributes and \
        resource.attributes.get("System") in params["systems"] and usable(resource)


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    attributes = resource.attributes
    if not attributes.get("Active"):
        return None
    ignored = set(params["ignore_groups"])
    grants = sorted({str(g) for key in ("Groups", "Applications", "PermissionSets")
                     for g in attributes.get(key) or []} - ignored)
    if not grants:
        return None
    reviewed = {str(r.get("Grant")) for r in attributes.get("Reviews") or []
                if r.get("Decision") != "no response"
                and (moment := parse_time(r.get("DecidedAt"))) is not None
                and period.holds(moment)}
    missing = [g for g in grants if g not in reviewed]
    name = account_label(resource)
    if missing:
        return Verdict(passed=False, reads=READS, message=(
            f"{name} holds {len(missing)} grant(s) with no review decision in {period.name}: "
            f"{listing(missing)}"))
    return Verdict(passed=True, reads=READS,
                   message=f"{name}: all {len(grants)} grant(s) reviewed in {period.name}")
