"""Every outside AWS account a role trusts belongs to a vendor in the register. An account in
no vendor's record is a third party with access to the hospital's accounts that no BAA, no
safeguard verification and no offboarding covers. Judged only when a register was read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import has
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "aws.iam.role"
PARAMETERS: Mapping[str, ParameterType] = {}
READS = ("ExternalAccounts", "ExternalAccountVendors")


def applies(resource: Resource, params: Mapping[str, Any]) -> bool:
    return has(resource, "ExternalAccountVendors")


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    vendors: Mapping[str, str | None] = resource.attributes.get("ExternalAccountVendors") or {}
    unknown = sorted(account for account, vendor in vendors.items() if vendor is None)
    known = sorted(f"{account} ({vendor})" for account, vendor in vendors.items() if vendor)
    facts = {"unknown_accounts": unknown}
    if unknown:
        return Verdict(passed=False, reads=READS, facts=facts, message=(
            f"role {resource.name} in {resource.account} trusts AWS account(s) "
            f"{', '.join(unknown)}, which no vendor in the register owns"))
    return Verdict(passed=True, reads=READS, facts=facts, message=(
        f"role {resource.name} trusts only vendors' accounts: {', '.join(known)}"))
