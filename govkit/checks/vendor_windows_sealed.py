"""The glass-window matrix of one vendor: every VDI window its agents can open (named in the
register, or entitled to a group, application or user its agents hold), each judged on every
channel out of the session. One finding per vendor names each window and channel that leaks;
the result's facts hold the whole matrix (window × control: PASS, FAIL or ERROR)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks._common import listing
from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import CallFailure, Resource
from govkit.people.vendors import UNKNOWN_REACH
from govkit.policy.parameters import ParameterType
from govkit.vdi.window import CHANNEL_NAMES, CHANNELS

RESOURCE = "vendor.record"
PARAMETERS: Mapping[str, ParameterType] = {}
READS = ("Windows",)


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    windows = resource.attributes.get("Windows") or []
    if not windows:
        return None  # no VDI window reaches this vendor's agents
    matrix: dict[str, dict[str, str]] = {}
    leaks: list[str] = []
    leaking: set[str] = set()
    unknown: list[tuple[str, CallFailure]] = []
    reads = ["Windows"]
    for position, window in enumerate(windows):
        name = str(window.get("Window"))
        row = matrix.setdefault(name, {})
        if window.get("Via") == UNKNOWN_REACH:
            key = f"Windows[{position}].Entitlements"
            failure = resource.failures.get(key)
            if failure is not None:
                row["Reach"] = "ERROR"
                unknown.append((f"whether its agents can open {name}", failure))
                reads.append(key)
            continue
        for channel in CHANNELS:
            key = f"Windows[{position}].{channel}"
            failure = resource.failures.get(key)
            if failure is not None:
                row[channel] = "ERROR"
                unknown.append((f"whether {CHANNEL_NAMES[channel]} is blocked on {name}",
                                failure))
                reads.append(key)
                continue
            allowed = bool((window.get(channel) or {}).get("Allowed"))
            row[channel] = "FAIL" if allowed else "PASS"
            if allowed:
                leaking.add(name)
                leaks.append(f"{name}: {CHANNEL_NAMES[channel]} "
                             f"({(window.get(channel) or {}).get('Setting')})")
                reads.append(key)
    facts = {"matrix": matrix}
    if leaks:
        return Verdict(passed=False, reads=tuple(reads), facts=facts, message=(
            f"{resource.name}'s agents can take PHI out of {len(leaking)} of {len(windows)} "
            f"VDI window(s): {listing(leaks, 8)}"))
    if unknown:
        what, failure = unknown[0]
        return Verdict.unknown(failure, f"cannot tell {what} for {resource.name}: "
                               f"{failure.explain()}", tuple(reads), facts=facts)
    return Verdict(passed=True, reads=tuple(reads), facts=facts, message=(
        f"every channel out of {resource.name}'s {len(windows)} VDI window(s) is blocked: "
        f"{listing([str(w.get('Window')) for w in windows], 5)}"))
