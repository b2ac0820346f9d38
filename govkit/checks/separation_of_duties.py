"""No one holds both sides of a separation-of-duty pair from the role matrix (for example
creating and approving payments), across all their accounts together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import listing, person_label, terminated_at
from govkit.checks.interface import Period, Verdict
from govkit.checks.role_matrix_holdings import person_holdings
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "person"
PARAMETERS: dict[str, ParameterType] = {}
READS = ("TerminatedAt", "SeparationOfDuties", "Accounts")


def applies(resource: Resource, params: Mapping[str, Any]) -> bool:
    return bool(resource.attributes.get("SeparationOfDuties"))


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    if terminated_at(resource, now) is not None:
        return None
    who, reads = person_label(resource), ["SeparationOfDuties"]
    where: dict[str, list[str]] = {}  # holding name -> accounts that hold it
    held_now = person_holdings(resource)
    reads += held_now.reads
    unknown = held_now.unknown  # a conflict known to exist outweighs these
    for name, holdings in held_now.by_account:
        for names in holdings.values():
            for holding in names:
                where.setdefault(holding, []).append(name)
    conflicts = [f"{a} ({', '.join(where[a])}) with {b} ({', '.join(where[b])})"
                 for a, b in resource.attributes["SeparationOfDuties"] if a in where and b in where]
    if conflicts:
        also = f"; not fully read: {listing([n for n, _ in unknown])}" if unknown else ""
        return Verdict(passed=False, reads=tuple(reads),
                       message=f"{who} holds both sides of a separation of duties: "
                               + "; ".join(conflicts) + also)
    if unknown:
        name, failure = unknown[0]
        return Verdict.unknown(failure, f"cannot tell what {name} of {who} holds: "
                               f"{failure.explain()}", tuple(reads))
    pairs = len(resource.attributes["SeparationOfDuties"])
    return Verdict(passed=True, reads=tuple(reads), message=(
        f"{who} holds both sides of none of the {pairs} separation-of-duty pair(s)"))
