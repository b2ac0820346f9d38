"""Whether a vendor's Business Associate Agreement is in force on a day, and how a finding
names the vendor and its paths to PHI. Register dates are calendar days: a BAA is in force
from its effective day through its expiry day, in UTC."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govkit.checks._common import listing
from govkit.inventory.model import Resource


@dataclass(frozen=True)
class BaaState:
    in_force: bool
    why: str  # "signed, in force since 2025-03-01 until 2027-02-28", "expired on 2026-09-30"
    expires: dt.date | None = None


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def baa_state(baa: Mapping[str, Any] | None, today: dt.date) -> BaaState:
    baa = baa or {}
    status = str(baa.get("Status") or "none")
    effective, expires = _day(baa.get("Effective")), _day(baa.get("Expires"))
    terminated = _day(baa.get("Terminated"))
    if status != "signed":
        what = {"none": "no BAA is recorded", "requested": "the BAA is requested, not signed",
                "terminated": "the BAA is terminated"}.get(status, f"the BAA's status is {status}")
        if terminated is not None:
            what += f" (on {terminated.isoformat()})"
        return BaaState(False, what)
    if terminated is not None and terminated <= today:
        return BaaState(False, f"the BAA was terminated on {terminated.isoformat()}")
    if effective is None:
        return BaaState(False, "the BAA is signed but records no effective date")
    if effective > today:
        return BaaState(False, f"the BAA takes effect only on {effective.isoformat()}")
    if expires is not None and expires < today:
        return BaaState(False, f"the BAA expired on {expires.isoformat()}", expires)
    until = f"until {expires.isoformat()}" if expires else "with no end date"
    return BaaState(True, f"the BAA is in force since {effective.isoformat()} {until}", expires)


def phi_paths(vendor: Resource) -> list[str]:
    """The vendor's paths to PHI, as a finding names them."""
    return [f"{p.get('Name')} ({p.get('Via')})" for p in vendor.attributes.get("PhiPaths") or []]


def reaches(vendor: Resource) -> str:
    paths = phi_paths(vendor)
    return f"reaches PHI through {listing(paths, 5)}" if paths else "has no path to PHI"
