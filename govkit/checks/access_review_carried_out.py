"""Revocations and reductions decided in an access review were carried out by the time of
the scan: a review whose "revoke" never reaches the system is evidence of a control that
does not work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import account_label, iso, listing, parse_time
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "identity.account"
PARAMETERS = {"grace_days": ParameterType.INTEGER}
READS = ("Reviews", "Groups", "Applications", "PermissionSets")


def applies(resource: Resource, params: Mapping[str, Any]) -> bool:
    return any(r.get("Decision") in ("revoke", "reduce")
               for r in resource.attributes.get("Reviews") or [])


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    attributes = resource.attributes
    holds = {str(g) for key in ("Groups", "Applications", "PermissionSets")
             for g in attributes.get(key) or []}
    grace = dt.timedelta(days=int(params["grace_days"]))
    name = account_label(resource)
    undone: list[str] = []
    due = 0
    for review in attributes.get("Reviews") or []:
        decided = parse_time(review.get("DecidedAt"))
        if review.get("Decision") not in ("revoke", "reduce") or decided is None or \
                decided + grace > now:
            continue
        due += 1
        if review.get("Grant") in holds and attributes.get("Active", True):
            undone.append(f"{review['Grant']} ({review['Decision']} by {review.get('Reviewer')} "
                          f"on {iso(decided)}, line {review.get('Line')})")
    if not due:
        return None
    if undone:
        return Verdict(passed=False, reads=READS, message=(
            f"{name} still holds what its review removed: {listing(undone)}"))
    return Verdict(passed=True, reads=READS,
                   message=f"{name}: all {due} revocation(s) from its review were carried out")
