"""Who is who in the demo estate: the constants and the naming scheme seeding and fixups share.

The estate is built from *units*. Every region gets `scale` units of regional resources, and the
account gets `scale` units of IAM identities and Secure Browser portals. Names derive only from
the unit index (and the region's position), so a given scale always gives the same names:

- names unique within a region or the account take `unit_suffix(unit)`: nothing for unit 0,
  then `-2`, `-3`, ... (`alias/nbh-phi-s3`, `alias/nbh-phi-s3-2`, `SchedulingAgents-2`);
- names unique across regions (buckets, databases, volumes) take a serial `n` that runs over
  regions in order, then units (`nbh-patient-intake-docs-1` in the first region, `-2` in the
  second at scale 1);
- staff logins repeat the handle with a digit for later units (`jsmith.nbh`, `jsmith2.nbh`);
- vendor agents are numbered `meridian-agent-1`, `-2`, ... four per unit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

DEMO_ACCOUNT = "123456789012"
VENDOR_ACCOUNT = "210987654321"
DEMO_REGIONS: tuple[str, ...] = ("us-east-1", "us-west-2")
PHI_TAG_KEY = "data_classification"
PHI_TAG_VALUE = "phi"
ORGANISATION = "Northbridge Health"
VENDOR = "Meridian Contact Services"
VENDOR_TAG = "meridian"
PARTITION = "aws"

AGENTS_PER_UNIT = 4
HARDENED_DIRECTORY = "agents.vdi.northbridgehealth.example"
LAX_DIRECTORY = "staff.vdi.northbridgehealth.example"


@dataclass(frozen=True, kw_only=True)
class StaffMember:
    """A hospital employee with an IAM user; `handle` is the part before `.nbh`."""

    handle: str
    full_name: str
    department: str


# The order is part of the scheme: employee ids and the fixups follow it.
STAFF: tuple[StaffMember, ...] = (
    StaffMember(handle="jsmith", full_name="Jordan Smith", department="Information Security"),
    StaffMember(handle="mgarcia", full_name="Maria Garcia", department="Revenue Cycle"),
    StaffMember(handle="akhan", full_name="Aisha Khan", department="Cloud Platform"),
    StaffMember(handle="lchen", full_name="Li Chen", department="Health Information Management"),
    StaffMember(handle="rpatel", full_name="Rohan Patel", department="Data Engineering"),
    StaffMember(handle="tnguyen", full_name="Thao Nguyen", department="Patient Access"),
)


def unit_suffix(unit: int) -> str:
    return "" if unit == 0 else f"-{unit + 1}"


def region_serial(regions: tuple[str, ...], region: str, unit: int, scale: int) -> int:
    """The `n` in cross-region names: 1..scale in the first region, then the next region."""
    return regions.index(region) * scale + unit + 1


def home_region(regions: tuple[str, ...]) -> str:
    """Where the account's single-region services live (CloudTrail, Secure Browser)."""
    return "us-east-1" if "us-east-1" in regions else regions[0]


def staff_user(handle: str, unit: int) -> str:
    return f"{handle}{unit + 1 if unit else ''}.nbh"


def employee_id(unit: int, position: int) -> str:
    return f"E{1001 + unit * len(STAFF) + position}"


def service_user(unit: int) -> str:
    return f"svc-claims-export{unit_suffix(unit)}"


def agent_number(unit: int, position: int) -> int:
    return unit * AGENTS_PER_UNIT + position + 1


def agent_user(number: int) -> str:
    return f"meridian-agent-{number}"


def agent_id(number: int) -> str:
    return f"MCS-{4000 + number}"


def ip_group_id(region: str) -> str:
    """A stable WorkSpaces IP access control group id (`wsipg-` and 9 characters)."""
    digest = hashlib.sha256(f"{DEMO_ACCOUNT}:{region}:agents-vdi".encode()).hexdigest()
    return f"wsipg-{digest[:9]}"
