"""What a source is, as the rest of govkit sees it.

A source collects by recording every request it makes into the run's snapshot (only collectors
do I/O), and normalises: a pure function from the snapshot to resources and listing coverage.
Collection is configured differently for every source (AWS takes accounts and regions, an
identity provider a base URL and a token), so only the normalising half is a shared signature;
the evaluation, the bundle and the reports never see where a resource came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from govkit.inventory.model import Coverage, Resource
from govkit.snapshot import Snapshot

DEFAULT_REPORT_MAX_AGE = dt.timedelta(hours=4)


@dataclass(frozen=True)
class NormalizeContext:
    """What normalisers know beyond the snapshot, from the run's manifest: which accounts are
    ours, which regions were scanned and which services skipped where, when collection started
    (data produced long before it, such as a reused IAM credential report, is stale), and
    look-ups that several normalisers share (built once per account)."""

    own_accounts: frozenset[str]
    scanned_regions: frozenset[str] = frozenset()  # empty: every region the snapshot holds
    skipped: tuple[Mapping[str, str], ...] = ()  # (account, region, service) not offered
    collection_started: dt.datetime | None = None
    credential_report_max_age: dt.timedelta = DEFAULT_REPORT_MAX_AGE
    # the IAM user tag whose value is the person's HR id (people are joined on it)
    employee_id_tag: str = "employee_id"
    shared: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False)

    def once(self, name: str, account: str, build: Callable[[], Any]) -> Any:
        key = (name, account)
        if key not in self.shared:
            self.shared[key] = build()
        return self.shared[key]


Normalizer = Callable[[Snapshot, NormalizeContext], Iterator[Resource | Coverage]]
"""A source's normalisation: every resource and listing outcome its records hold."""


@dataclass(frozen=True)
class CollectWindow:
    """The time span audit logs are searched over: from the start of the audit period to the
    moment collection began, so log queries are bounded and end."""

    since: dt.datetime
    until: dt.datetime


class ConfigProblem(Exception):
    """A source's configuration section cannot be used (an environment variable it names is
    unset, a file it names is missing): ``key`` is the dotted path inside the section."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


# A source package other than AWS (govkit/sources/<name>/__init__.py) exports:
#   SCHEMA_FILE          path of the JSON Schema of its configuration section
#   settings_from(section, *, resolve, environ[, default_timezone]) -> settings
#                        (raises ConfigProblem; sources reading date-only values take the
#                        configuration's time zone and are marked ``dated`` in the registry)
#   collect(settings, writer, window) -> dict                  (its manifest "sources" entry)
#   normalize(snapshot, ctx) -> Iterator[Resource | Coverage]  (a Normalizer)
# and is listed once in govkit/sources/registry.py.
