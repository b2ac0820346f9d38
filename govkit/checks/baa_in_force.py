"""A vendor with any path to PHI (the register says it handles PHI, a role trusts its AWS
account, its agents hold its identity-provider groups or can open a VDI window) has a
Business Associate Agreement in force on the evaluation day (45 CFR 164.308(b)(1),
164.502(e)): an OCR investigator's first request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._baa import baa_state, reaches
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "vendor.record"
PARAMETERS: Mapping[str, ParameterType] = {}
READS = ("Baa", "PhiPaths")


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    state = baa_state(resource.attributes.get("Baa"), now.astimezone(dt.timezone.utc).date())
    paths = resource.attributes.get("PhiPaths") or []
    facts = {"baa_in_force": state.in_force, "phi_paths": len(paths)}
    if not paths:
        return Verdict(passed=True, reads=READS, facts=facts, message=(
            f"{resource.name} has no path to PHI; {state.why}"))
    if not state.in_force:
        return Verdict(passed=False, reads=READS, facts=facts, message=(
            f"{resource.name} {reaches(resource)}, and {state.why}"))
    return Verdict(passed=True, reads=READS, facts=facts, message=(
        f"{resource.name} {reaches(resource)}; {state.why}"))
