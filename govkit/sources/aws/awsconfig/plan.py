"""The scan's AWS Config path: which services' resources are read from Config, account by
account and region by region, and what falls back to the services' own APIs.

For each account and region scanned, Config's data is:

- usable: the recorder is on (and, over an aggregator, the aggregator's last update from there
  succeeded). The services govkit reads from Config are then not collected there; their
  resources are read from configuration items captured within ``max_age`` of the scan's
  start. Older items, resources Config lists but does not return, and types the recorder
  leaves out are read from the services' own APIs instead.
- a gap: the recorder is off or failing, or the aggregator has nothing (or a failed update)
  from there. Those services' resources there are ERROR: a failed listing is recorded for
  each, naming the gap. They are never silently absent, and never read behind Config's back.
- unread: govkit could not read the recorder's state (without an aggregator). The services'
  own APIs are used there, as in a direct scan.

Each resource's provenance (Config, with its capture time, or the API, with why) is returned
for the manifest.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govkit import canonical
from govkit.sources.aws import session as sessions
from govkit.sources.aws.awsconfig import derive
from govkit.sources.aws.awsconfig.query import ConfigData, Health, Item, Listed, Reader
from govkit.sources.aws.tasks import Task
from govkit.snapshot import SnapshotWriter

VIA_CONFIG = "aws-config"
DEFAULT_MAX_AGE = dt.timedelta(hours=24)


@dataclass(frozen=True, kw_only=True)
class ConfigOptions:
    aggregator: str | None = None
    max_age: dt.timedelta = DEFAULT_MAX_AGE


@dataclass
class ConfigPlan:
    """What the Config path took over, the direct calls it still needs, and the record of
    where each resource came from."""

    handled: set[tuple[str, str, str]] = field(default_factory=set)  # (account, region, service)
    tasks: list[Task] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)

    def handles(self, account: str, region: str, service: str) -> bool:
        return (account, region, service) in self.handled


def plan(options: ConfigOptions, *, home: sessions.AccountSession, home_region: str,
         targets: Sequence[sessions.AccountSession], regions: Sequence[str],
         services: Sequence[str], writer: SnapshotWriter, started: dt.datetime) -> ConfigPlan:
    """Read Config for the ``services`` scanned, write the records derived from its items,
    and return the rest of the work."""
    derivations = [d for d in derive.DERIVATIONS if d.service in services]
    result = ConfigPlan()
    if not derivations:
        return result
    reader = Reader(home=home, home_region=home_region, writer=writer,
                    aggregator=options.aggregator)
    read = frozenset(derive.types_of(services))
    health = _health(reader, targets, regions, read)
    usable = [(t, r) for t in targets for r in regions if _usable(health[(t.account, r)])]
    data = ConfigData(health=health)
    if usable:
        failures = reader.listed(sorted(read), targets, regions, data, usable)
        for account, region, failed in failures:
            health[(account, region)] = Health(
                unread=f"{failed.entry.describe()} failed with {failed.error_code}")
        # over an aggregator, what it holds from places it cannot vouch for is not read
        data.rows = [r for r in data.rows if _usable(health.get((r.account, r.region)))]
        wanted, skipped = _triage(data.rows, health, started - options.max_age,
                                  options.max_age)
        data.items, missing = reader.items(wanted, {t.account: t for t in targets})
        data.missing = skipped + missing
    context = derive.Context(writer=writer, targets=targets, regions=tuple(regions),
                             home_region=home_region, health=health, data=data)
    for derivation in derivations:
        derivation.apply(context, result)
    result.provenance = _provenance(options, health, data, targets, regions, writer)
    return result


def _health(reader: Reader, targets: Sequence[sessions.AccountSession], regions: Sequence[str],
            read: frozenset[str]) -> dict[tuple[str, str], Health]:
    sources, sources_file = reader.aggregator_sources() if reader.aggregator is not None \
        else (None, None)
    health: dict[tuple[str, str], Health] = {}
    for target in targets:
        for region in regions:
            found = reader.recorder(target, region, read)
            if sources is not None and found.gap is None:
                gap = _aggregator_gap(reader.aggregator or "", sources, target.account, region)
                if gap is not None:
                    code, text = gap
                    found = Health(gap=text, gap_code=code, file=sources_file)
                elif found.unread is not None:
                    found = Health()  # the aggregator answers for it: trust its data
            health[(target.account, region)] = found
    return health


def _usable(state: Health | None) -> bool:
    return state is not None and state.gap is None and state.unread is None


def _aggregator_gap(name: str, sources: Mapping[tuple[str, str], Mapping[str, Any]],
                    account: str, region: str) -> tuple[str, str] | None:
    row = sources.get((account, region))
    if row is None:  # an organisation source reports once per region for all its accounts
        row = next((r for (_, r_region), r in sources.items()
                    if r_region == region and r.get("SourceType") == "ORGANIZATION"), None)
    if row is None:
        return ("ConfigAggregatorSourceMissing",
                f"AWS Config aggregator {name} has no data from account {account} in {region}")
    status = str(row.get("LastUpdateStatus") or "")
    if status == "SUCCEEDED":
        return None
    when = row.get("LastUpdateTime")
    at = f" at {canonical.to_jsonable(when)}" if when else ""
    error = f": {row.get('LastErrorCode')}: {row.get('LastErrorMessage')}" \
        if row.get("LastErrorCode") else ""
    return ("ConfigAggregatorSourceFailed",
            f"AWS Config aggregator {name}'s last update from account {account} in {region}"
            f" is {status or 'unknown'}{at}{error}")


def _triage(rows: Sequence[Listed], health: Mapping[tuple[str, str], Health],
            oldest: dt.datetime, max_age: dt.timedelta
            ) -> tuple[list[Listed], list[tuple[Listed, str]]]:
    """The rows whose items are read, and those read from the API instead, with why."""
    wanted: list[Listed] = []
    skipped: list[tuple[Listed, str]] = []
    hours = max_age.total_seconds() / 3600
    for row in rows:
        state = health[(row.account, row.region)]
        if row.status in ("ResourceDeleted", "ResourceDeletedNotRecorded"):
            continue
        if row.status == "ResourceNotRecorded" or not state.records(row.type):
            skipped.append((row, f"AWS Config does not record {row.type} in "
                                 f"{row.account}/{row.region}"))
        elif row.captured_at is None or row.captured_at < oldest:
            captured = "at an unknown time" if row.captured_at is None else \
                f"at {canonical.iso_utc(row.captured_at)}"
            skipped.append((row, f"its configuration item was captured {captured}, more than "
                                 f"{hours:g} h before the scan"))
        else:
            wanted.append(row)
    return wanted, skipped


def _provenance(options: ConfigOptions, health: Mapping[tuple[str, str], Health],
                data: ConfigData, targets: Sequence[sessions.AccountSession],
                regions: Sequence[str], writer: SnapshotWriter) -> dict[str, Any]:
    del writer, targets, regions
    resources: list[dict[str, Any]] = [
        {"type": i.type, "account": i.account, "region": i.region, "id": i.id,
         "from": VIA_CONFIG, "captured_at": canonical.iso_utc(i.captured_at), "record": i.file}
        for i in data.items]
    resources += [
        {"type": row.type, "account": row.account, "region": row.region, "id": row.id,
         "from": "api", "reason": reason}
        for row, reason in data.missing]
    places: dict[str, list[dict[str, str]]] = defaultdict(list)
    for (account, region), state in sorted(health.items()):
        if state.gap is not None:
            places["gaps"].append({"account": account, "region": region, "reason": state.gap})
        elif state.unread is not None:
            places["read_directly"].append({"account": account, "region": region,
                                            "reason": state.unread})
    return {
        "aggregator": options.aggregator,
        "max_config_age_hours": options.max_age.total_seconds() / 3600,
        "resources": sorted(resources, key=lambda r: (r["type"], r["account"], r["region"],
                                                      r["id"])),
        "gaps": places["gaps"], "read_directly": places["read_directly"]}


__all__ = ["ConfigOptions", "ConfigPlan", "Item", "VIA_CONFIG", "plan"]
