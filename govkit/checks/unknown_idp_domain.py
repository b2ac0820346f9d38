"""Every active identity-provider account signs in with a domain the register knows: the
organisation's own, or a vendor's. An account on any other domain belongs to a third party no
BAA, no safeguard verification and no roster covers (an invited guest, a contractor's own
mailbox). Judged only when a register was read (``DomainOwner``, see govkit.people.vendors)."""

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
READS = ("Domain", "DomainOwner", "Active")


def applies(resource: Resource, params: Mapping[str, Any]) -> bool:
    return active_in(resource, "DomainOwner", params["systems"])


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    attributes = resource.attributes
    if not attributes.get("Active"):
        return None
    domain, owner = attributes["Domain"], attributes["DomainOwner"]
    name = account_label(resource)
    facts = {"domain": domain, "owner": owner.get("Vendor") or owner.get("Kind")}
    if owner.get("Kind") == "own":
        return Verdict(passed=True, reads=READS, facts=facts, message=(
            f"{name} signs in with {domain}, one of the organisation's own domains"))
    if owner.get("Kind") == "vendor":
        return Verdict(passed=True, reads=READS, facts=facts, message=(
            f"{name} signs in with {domain}, a domain of vendor {owner['Vendor']}"))
    return Verdict(passed=False, reads=READS, facts=facts, message=(
        f"{name} is active and signs in with {domain}, which is neither one of the "
        "organisation's own domains nor any vendor's in the register: a third party with "
        "access that no BAA covers"))
