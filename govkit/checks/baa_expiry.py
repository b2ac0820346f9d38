"""A BAA in force that ends within the notice period: renewing it takes legal review, and a
vendor that keeps working the day after it lapses handles PHI without one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._baa import baa_state
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "vendor.record"
PARAMETERS = {"days": ParameterType.INTEGER}
READS = ("Baa",)


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    today = now.astimezone(dt.timezone.utc).date()
    state = baa_state(resource.attributes.get("Baa"), today)
    if not state.in_force:
        return None  # baa_in_force judges a BAA that is not in force
    if state.expires is None:
        return Verdict(passed=True, reads=READS, message=(
            f"{resource.name}: {state.why} (evergreen)"))
    left = (state.expires - today).days
    facts = {"expires": state.expires.isoformat(), "days_left": left}
    if left < int(params["days"]):
        return Verdict(passed=False, reads=READS, facts=facts, message=(
            f"{resource.name}'s BAA expires on {state.expires.isoformat()}, in {left} days; "
            f"renewal must start {params['days']} days ahead"))
    return Verdict(passed=True, reads=READS, facts=facts, message=(
        f"{resource.name}'s BAA expires on {state.expires.isoformat()}, in {left} days"))
