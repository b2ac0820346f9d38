"""Every active identity-provider user has an active second factor enrolled (45 CFR
164.312(d), person or entity authentication). Enrolment is what the user possesses; whether
sign-on policies demand it is a separate question."""

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
READS = ("System", "Active", "MfaFactors")


def applies(resource: Resource, params: Mapping[str, Any]) -> bool:
    # a disabled account is out of scope before its factors are asked for (Entra's
    # registration report leaves disabled users out)
    return resource.attributes.get("System") in params["systems"] and \
        resource.attributes.get("Active") is not False and usable(resource)


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    if not resource.attributes.get("Active"):
        return None
    factors = resource.attributes.get("MfaFactors") or []
    name = account_label(resource)
    if not factors:
        return Verdict(passed=False, reads=READS,
                       message=f"{name} is active with no second factor enrolled")
    kinds = sorted({str(f.get("Type")) for f in factors})
    return Verdict(passed=True, reads=READS, message=f"{name} has {', '.join(kinds)} enrolled")
