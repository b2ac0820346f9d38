"""The vendor-agent roster source: each BPO vendor's list of its agents (CSV, or YAML: a list
of mappings), read, checked and recorded whole, then normalised into one ``vendor.agent`` per
agent id per roster.

BPO agents are usually not in the covered entity's HRIS; the vendor's roster is where their
terminations live, and ``notified_at`` (when the vendor told the covered entity) is the
evidence for a notice deadline such as the HIPAA NPRM's 24 hours.

Configuration (the ``vendors`` section, a list; config.schema.json beside this file)::

    vendors:
      - name: Meridian Contact Services   # as in the vendor register
        path: rosters/meridian.csv        # .csv, or .yaml/.yml
        timezone: Asia/Manila             # optional: else the top-level timezone
        columns: {person_id: agent_id, email: work_email, status: status,
                  hired_at: start_date, terminated_at: end_ts, notified_at: notified_at,
                  job: role}
        status_values: {Offboarded: terminated}

``columns`` maps at least ``person_id``, ``status`` and one of ``terminated_at``/``hired_at``;
for a YAML roster they name the keys of each mapping. ``format: csv|yaml`` overrides the file
name's suffix. Status words, dates and the checks a roster must pass are the HR source's
(govkit.sources.hr.read, govkit.sources.hr.normalize); a date without a time needs a time zone
(this entry's or the top-level one), else reading stops at the first such value.

Records are ``<vendor-slug>``/``global``/``vendors``/``ReadExport`` with the vendor's name as
their source; agent ids are ``vendor:<vendor-slug>:<agent id>``.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from govkit.inventory.model import Coverage, Resource
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.hr import (
    RosterFile, check_columns, check_section, collect_rosters, existing_file, refuse_repeats,
    timezone_of)
from govkit.sources.hr.normalize import VENDORS, normalize_rosters
from govkit.sources.hr.read import status_table
from govkit.sources.interface import CollectWindow, ConfigProblem, NormalizeContext

SCHEMA_FILE = Path(__file__).with_name("config.schema.json")
_FORMATS = {".csv": "csv", ".yaml": "yaml", ".yml": "yaml"}


def slug(name: str) -> str:
    """The vendor's name as an account label: ASCII letters and digits joined by hyphens
    ("Meridian Contact Services" -> "meridian-contact-services")."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def settings_from(section: Sequence[Mapping[str, Any]], *, resolve: Callable[[str], Path],
                  environ: Mapping[str, str] | None = None,
                  default_timezone: zoneinfo.ZoneInfo | None = None) -> tuple[RosterFile, ...]:
    """The rosters the ``vendors`` section lists; ConfigProblem (key like ``0.path``) for a
    file that does not exist or is neither CSV nor YAML, an unknown time zone, a column map
    without person_id or status, or two vendors whose names give the same slug."""
    check_section(section, SCHEMA_FILE)
    files: list[RosterFile] = []
    for position, entry in enumerate(section):
        name = str(entry["name"]).strip()
        account = slug(name)
        if not account:
            raise ConfigProblem(f"{position}.name", f"'{name}' has no letter or digit to label "
                                "the vendor's records with: add its Latin-script name")
        path = existing_file(entry, position, resolve)
        form = entry.get("format") or _FORMATS.get(path.suffix.lower())
        if form is None:
            raise ConfigProblem(f"{position}.path", f"{path.name}: a roster is .csv, .yaml or "
                                ".yml (or say which with format: csv|yaml)")
        columns = dict(entry["columns"])
        check_columns(columns, position)
        files.append(RosterFile(
            path=path, source=name, account=account, format=str(form),
            columns=MappingProxyType(columns),
            timezone=timezone_of(entry, position, default_timezone),
            statuses=MappingProxyType(status_table(entry.get("status_values") or {}))))
    refuse_repeats([f.account for f in files], "name", "two vendors are both labelled '{}': "
                   "give them names that differ in letters or digits")
    return tuple(files)


def collect(settings: Sequence[RosterFile], writer: SnapshotWriter,
            window: CollectWindow | None = None) -> dict[str, Any]:
    """Record every roster (all checked first); ``{"type": "vendors", "files": [...],
    "records": rows}``. Rosters have no time window: ``window`` is not used."""
    return collect_rosters(settings, writer, VENDORS)


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    """``vendor.agent`` resources and coverage from the snapshot's roster records (pure)."""
    return normalize_rosters(snapshot, VENDORS)


__all__ = ["SCHEMA_FILE", "collect", "normalize", "settings_from", "slug"]
