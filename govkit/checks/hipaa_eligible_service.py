"""A resource that holds PHI runs in a service on AWS's HIPAA eligible list.

AWS's Business Associate Addendum covers only the services on that list: PHI kept anywhere
else is outside the BAA, however well it is configured. The list is dated (see
govkit.sources.aws.eligible): a service on it passes, with the date; a service absent from it
fails while the list is recent, and is ERROR once the list is older than ``max_list_age_days``,
because a service AWS added since cannot be ruled out from an old list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType
from govkit.sources.aws import eligible

RESOURCE = eligible.GROUP
PARAMETERS: Mapping[str, ParameterType] = {"max_list_age_days": ParameterType.INTEGER}
READS = (eligible.KEY, "Tags")  # the tags show the resource holds PHI


def _kind(resource_type: str) -> str:
    """``aws.rds.cluster_snapshot`` reads as "rds cluster snapshot"."""
    return resource_type.split(".", 1)[-1].replace(".", " ").replace("_", " ")


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    facts: Mapping[str, Any] = resource.attributes[eligible.KEY]
    what = (f"{_kind(str(facts.get('ResourceType') or resource.type))} {resource.name} in "
            f"{resource.account}")
    as_of = str(facts.get("ListAsOf"))
    shown = {"service": facts.get("Service"), "list_as_of": as_of,
             "entry": facts.get("Entry")}
    if facts.get("Listed"):
        note = f" ({facts['Note']})" if facts.get("Note") else ""
        return Verdict(passed=True, reads=READS, facts=shown, message=(
            f"{what} holds PHI in {facts.get('Entry')}{note}, on AWS's HIPAA eligible "
            f"services list of {as_of}"))
    found = (f"{what} holds PHI in service {facts.get('Service')}, which AWS's HIPAA eligible "
             f"services list of {as_of} does not cover: {facts.get('Why')}")
    limit = int(params["max_list_age_days"])
    age = (now.date() - dt.date.fromisoformat(as_of)).days
    if age > limit:
        refs = resource.sources.get(eligible.KEY, ())
        failure = eligible.stale(refs[0] if refs else None, str(facts.get("Service")),
                                 as_of, age, limit)
        return Verdict.unknown(failure, f"{found}; but the list is {age} days old (limit "
                               f"{limit}), so a service added since cannot be ruled out: "
                               "refresh the list to judge it", READS, shown)
    return Verdict(passed=False, reads=READS, facts=shown, message=found)
