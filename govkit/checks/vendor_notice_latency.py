"""How long a vendor took to tell the hospital that one of its agents left. The January 2025
HIPAA Security Rule NPRM proposes 24 hours for a business associate to report that a
workforce member's access must end (proposed 164.314(a)(2)(i)(D) and 164.308(a)(9)); the
roster's ``notified_at`` is that notice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import (
    hours, iso, parse_time, person_label, span, terminated_at)
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "person"
PARAMETERS = {"hours": ParameterType.INTEGER}
READS = ("TerminatedAt", "NotifiedAt", "Vendor")


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    attributes = resource.attributes
    left = terminated_at(resource, now)
    if left is None or not period.holds(left) or not attributes.get("Vendor"):
        return None
    limit = dt.timedelta(hours=int(params["hours"]))
    who, vendor = person_label(resource), attributes["Vendor"]
    notified = parse_time(attributes.get("NotifiedAt"))
    facts = {"terminated_at": iso(left), "notified_at": iso(notified), "vendor": vendor}
    if notified is None:
        waited = now - left
        return Verdict(passed=False, reads=READS, facts=facts, message=(
            f"{who} left on {iso(left)} and {vendor}'s roster records no notice "
            f"({span(waited)} so far; limit {params['hours']} hours)"))
    delay = notified - left
    facts["notice_hours"] = hours(delay)
    if delay > limit:
        return Verdict(passed=False, reads=READS, facts=facts, message=(
            f"{vendor} notified {span(delay)} after {who} left ({iso(left)} → {iso(notified)}); "
            f"limit {params['hours']} hours"))
    return Verdict(passed=True, reads=READS, facts=facts, message=(
        f"{vendor} notified {span(max(delay, dt.timedelta()))} after {who} left"))
