"""The last written verification of a vendor's safeguards is recent. The January 2025 HIPAA
Security Rule NPRM proposes that a covered entity obtain, at least every 12 months, a written
verification from each business associate that it has deployed the required technical
safeguards (proposed 164.308(b)(1)); vendors with no path to PHI are not judged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._baa import reaches
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "vendor.record"
PARAMETERS = {"max_days": ParameterType.INTEGER}
READS = ("LastVerification", "PhiPaths")


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    if not resource.attributes.get("PhiPaths"):
        return None
    last = resource.attributes.get("LastVerification")
    limit = int(params["max_days"])
    if not last:
        return Verdict(passed=False, reads=READS, message=(
            f"{resource.name} {reaches(resource)}, and the register records no written "
            f"verification of its safeguards; limit {limit} days"))
    age = (now.astimezone(dt.timezone.utc).date() - dt.date.fromisoformat(str(last))).days
    facts = {"last_verification": str(last), "days_ago": age}
    if age > limit:
        return Verdict(passed=False, reads=READS, facts=facts, message=(
            f"{resource.name}'s safeguards were last verified in writing on {last}, {age} days "
            f"ago; limit {limit} days"))
    return Verdict(passed=True, reads=READS, facts=facts, message=(
        f"{resource.name}'s safeguards were verified in writing on {last}, {age} days ago"))
