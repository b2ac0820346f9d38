"""Administrators of an identity provider sign in with a phishing-resistant factor (FIDO2 /
WebAuthn security keys or platform authenticators, Okta FastPass, Windows Hello, smart-card
certificates): an administrator phished through a push or a one-time code owns every
account the provider governs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import account_label, usable
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "identity.account"
PARAMETERS = {"systems": ParameterType.STRING_LIST}
READS = ("System", "Active", "Admin", "MfaFactors")


def applies(resource: Resource, params: Mapping[str, Any]) -> bool:
    # a disabled account is out of scope before its factors are asked for (Entra's
    # registration report leaves disabled users out)
    return resource.attributes.get("System") in params["systems"] and \
        resource.attributes.get("Active") is not False and usable(resource)


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    attributes = resource.attributes
    if not attributes.get("Active") or not attributes.get("Admin"):
        return None
    factors = attributes.get("MfaFactors") or []
    strong = sorted({str(f.get("Type")) for f in factors if f.get("PhishingResistant")})
    name = account_label(resource)
    if strong:
        return Verdict(passed=True, reads=READS,
                       message=f"administrator {name} has {', '.join(strong)} enrolled")
    held = sorted({str(f.get("Type")) for f in factors}) or ["none"]
    return Verdict(passed=False, reads=READS, message=(
        f"administrator {name} has no phishing-resistant factor; enrolled: {', '.join(held)}"))
