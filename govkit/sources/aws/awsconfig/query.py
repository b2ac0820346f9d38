"""Read configuration items from AWS Config: which resources it holds (an advanced query), their
items (batch gets of 100), and whether its data for each account and region can be trusted
(the recorder is on, and the aggregator's last update from that source succeeded).

Every call goes through :class:`Caller`, so the Config answers are recorded like any other call;
the items found are read back from those answers.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govkit import canonical
from govkit.errors import CollectionError, UsageError
from govkit.instants import parse_instant
from govkit.sources.aws import session as sessions
from govkit.sources.aws.calls import Caller, CallResult
from govkit.snapshot import SnapshotWriter

BATCH = 100  # the most resource identifiers one batch get takes
# a deleted resource's last item, or a resource whose type the recorder leaves out: not there
_GONE = frozenset({"ResourceDeleted", "ResourceDeletedNotRecorded"})
_NOT_RECORDED = "ResourceNotRecorded"


@dataclass(frozen=True, kw_only=True)
class Item:
    """One configuration item, and where it is in the snapshot."""

    type: str
    account: str
    region: str
    id: str
    name: str | None
    captured_at: dt.datetime
    file: str  # the batch get record that holds it
    pointer: str  # JSON Pointer to the item in that record
    configuration: Mapping[str, Any]
    supplementary: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Listed:
    """One row of the advanced query: a resource Config knows, without its configuration."""

    type: str
    account: str
    region: str
    id: str
    name: str | None
    captured_at: dt.datetime | None
    status: str
    file: str  # the query page that listed it


@dataclass(frozen=True, kw_only=True)
class Health:
    """Whether Config's data for an account and region can be used, and which types it holds.

    ``gap`` is why it cannot (the recorder is off, the aggregator has no data from there);
    ``unread`` is why govkit could not tell (then the direct API is used there instead);
    ``types`` is None when the recorder records every supported type or was not read."""

    gap: str | None = None
    gap_code: str | None = None
    unread: str | None = None
    types: frozenset[str] | None = None
    file: str | None = None  # the record that shows the gap

    def records(self, resource_type: str) -> bool:
        return self.types is None or resource_type in self.types


@dataclass
class ConfigData:
    """What Config said: its items, the resources it listed but did not return (with why),
    and its health per (account, region)."""

    health: dict[tuple[str, str], Health] = field(default_factory=dict)
    rows: list[Listed] = field(default_factory=list)
    # the first page of each query: by (account, region), or ("", "") over an aggregator
    queries: dict[tuple[str, str], str] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    missing: list[tuple[Listed, str]] = field(default_factory=list)

    def query_of(self, account: str, region: str) -> str | None:
        return self.queries.get((account, region)) or self.queries.get(("", ""))


def parse_time(value: Any) -> dt.datetime | None:
    """A Config time: ISO-8601 text in query rows, epoch seconds in JSON answers (which
    boto3 has already made a datetime)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    return parse_instant(value)


def expression(types: Iterable[str], accounts: Sequence[str] = (),
               regions: Sequence[str] = ()) -> str:
    """The advanced query listing the resources of ``types`` (and, over an aggregator, of the
    accounts and regions scanned)."""
    def among(name: str, values: Iterable[str]) -> str:
        return f"{name} IN (" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"
    where = [among("resourceType", types)]
    if accounts:
        where.append(among("accountId", accounts))
    if regions:
        where.append(among("awsRegion", regions))
    return ("SELECT resourceId, resourceName, resourceType, accountId, awsRegion, "
            "configurationItemCaptureTime, configurationItemStatus WHERE "
            + " AND ".join(where))


def _rows(caller: Caller, method: str, source: str, **params: Any
          ) -> tuple[list[Listed], str | None, CallResult | None]:
    """Every row of an advanced query, its first page's record, and the failed page if one
    failed."""
    rows: list[Listed] = []
    first: str | None = None
    for page in caller.pages(method, **params):
        first = first or page.entry.file
        if not page.ok:
            return rows, first, page
        for text in page.response.get("Results") or []:
            try:
                row = json.loads(text)
                rows.append(Listed(type=str(row["resourceType"]), account=str(row["accountId"]),
                                   region=str(row["awsRegion"]), id=str(row["resourceId"]),
                                   name=row.get("resourceName"),
                                   captured_at=parse_time(row.get("configurationItemCaptureTime")),
                                   status=str(row.get("configurationItemStatus") or "OK"),
                                   file=page.entry.file))
            except (ValueError, KeyError, TypeError) as exc:
                raise CollectionError(
                    f"{page.entry.describe()} ({source}) answered a row that is not a "
                    f"resource: {text[:120]!r} ({exc}); see {page.entry.file}") from None
    return rows, first, None


def _item(raw: Mapping[str, Any], file: str, pointer: str) -> Item:
    def parsed(text: Any) -> Any:
        # JSON in a string, sometimes twice over (S3's AccessControlList); booleans are text
        while isinstance(text, str):
            try:
                text = json.loads(text)
            except ValueError:
                break
        return text
    configuration = parsed(raw.get("configuration")) or {}
    supplementary = {str(k): parsed(v) for k, v in (raw.get("supplementaryConfiguration")
                                                    or {}).items()}
    captured = parse_time(raw.get("configurationItemCaptureTime"))
    if not isinstance(configuration, Mapping) or captured is None:
        raise CollectionError(f"AWS Config item {raw.get('resourceType')} {raw.get('resourceId')}"
                              f" has no configuration or capture time; see {file}")
    return Item(type=str(raw["resourceType"]), account=str(raw["accountId"]),
                region=str(raw["awsRegion"]), id=str(raw["resourceId"]),
                name=raw.get("resourceName"), captured_at=captured, file=file, pointer=pointer,
                configuration=configuration, supplementary=supplementary)


@dataclass(frozen=True, kw_only=True)
class Reader:
    """Reads Config over an aggregator (``aggregator`` set, from the caller's account) or
    account by account and region by region (the targets' own Config)."""

    home: sessions.AccountSession
    home_region: str
    writer: SnapshotWriter
    aggregator: str | None

    def caller(self, target: sessions.AccountSession, region: str) -> Caller:
        return Caller(target.client("config", region), self.writer, account=target.account,
                      region=region, service="config")

    # -- health -----------------------------------------------------------------------------

    def aggregator_sources(self) -> tuple[dict[tuple[str, str], Mapping[str, Any]], str]:
        """The aggregator's last update per (source, region), and the record that says so. A
        missing aggregator is a usage error; an unreadable one stops the scan (nothing could
        be judged from it)."""
        assert self.aggregator is not None
        caller = self.caller(self.home, self.home_region)
        rows: list[Mapping[str, Any]] = []
        first = ""
        for page in caller.pages("describe_configuration_aggregator_sources_status",
                                 ConfigurationAggregatorName=self.aggregator):
            first = first or page.entry.file
            if page.ok:
                rows.extend(page.response.get("AggregatedSourceStatusList") or [])
            elif page.error_code == "NoSuchConfigurationAggregatorException":
                raise UsageError(f"--aggregator {self.aggregator}: no such AWS Config aggregator"
                                 f" in account {self.home.account}, region {self.home_region}"
                                 " (give --home-region where it lives)")
            else:
                raise CollectionError(f"cannot read AWS Config aggregator {self.aggregator}: "
                                      f"{page.entry.describe()} failed with {page.error_code}")
        return {(str(r.get("SourceId")), str(r.get("AwsRegion"))): r for r in rows}, first

    def recorder(self, target: sessions.AccountSession, region: str,
                 read: frozenset[str]) -> Health:
        """The recorder of one account and region: off is a gap; unreadable is ``unread``."""
        caller = self.caller(target, region)
        where = f"{target.account}/{region}"
        recorders = caller.call("describe_configuration_recorders")
        status = caller.call("describe_configuration_recorder_status")
        failed = next((r for r in (recorders, status) if not r.ok), None)
        if failed is not None:
            return Health(unread=f"{failed.entry.describe()} failed with {failed.error_code}")
        found = [r for r in recorders.response.get("ConfigurationRecorders") or []
                 if not r.get("servicePrincipal")]  # service-linked recorders record for others
        states = {s.get("name"): s for s in status.response.get("ConfigurationRecordersStatus")
                  or []}
        if not found:
            return Health(gap=f"AWS Config has no configuration recorder in {where}",
                          gap_code="NoConfigurationRecorder", file=recorders.entry.file)
        recorder = found[0]
        state = states.get(recorder.get("name")) or {}
        if not state.get("recording"):
            stopped = state.get("lastStopTime")
            since = f" since {canonical.to_jsonable(stopped)}" if stopped else ""
            return Health(gap=f"AWS Config recorder {recorder.get('name')} in {where} is not "
                              f"recording{since}", gap_code="ConfigRecorderStopped",
                          file=status.entry.file)
        if str(state.get("lastStatus") or "").lower() == "failure":
            return Health(gap=f"AWS Config recorder {recorder.get('name')} in {where} failed: "
                              f"{state.get('lastErrorCode')}: {state.get('lastErrorMessage')}",
                          gap_code="ConfigRecorderFailed", file=status.entry.file)
        return Health(types=_recorded_types(recorder.get("recordingGroup") or {}, read))

    # -- items ------------------------------------------------------------------------------

    def listed(self, types: Sequence[str], targets: Sequence[sessions.AccountSession],
               regions: Sequence[str], data: ConfigData,
               usable: Sequence[tuple[sessions.AccountSession, str]]
               ) -> list[tuple[str, str, CallResult]]:
        """Add the resources Config knows to ``data``; return the (account, region) whose
        query failed. Without an aggregator, only the ``usable`` places are queried."""
        failures: list[tuple[str, str, CallResult]] = []
        if self.aggregator is not None:
            rows, first, failed = _rows(self.caller(self.home, self.home_region),
                                 "select_aggregate_resource_config", self.aggregator,
                                 Expression=expression(types, [t.account for t in targets],
                                                       regions),
                                 ConfigurationAggregatorName=self.aggregator, Limit=BATCH)
            if failed is not None:
                raise CollectionError(f"cannot query AWS Config aggregator {self.aggregator}: "
                                      f"{failed.entry.describe()} failed with "
                                      f"{failed.error_code}")
            data.rows.extend(rows)
            if first is not None:
                data.queries[("", "")] = first
            return failures
        for target, region in usable:
            found, first, failed = _rows(self.caller(target, region), "select_resource_config",
                                         f"{target.account}/{region}",
                                         Expression=expression(types), Limit=BATCH)
            if failed is not None:
                failures.append((target.account, region, failed))
                continue
            if first is not None:
                data.queries[(target.account, region)] = first
            # an account's own Config answers for its own resources of its region only
            data.rows.extend(r for r in found if r.account == target.account
                             and r.region == region)
        return failures

    def items(self, wanted: Sequence[Listed],
              sessions_by_account: Mapping[str, sessions.AccountSession]
              ) -> tuple[list[Item], list[tuple[Listed, str]]]:
        """The items of ``wanted`` in batches, and those Config did not return, with why."""
        items: list[Item] = []
        missing: list[tuple[Listed, str]] = []
        groups: dict[tuple[str, str], list[Listed]] = {}
        for row in wanted:
            key = ("", "") if self.aggregator is not None else (row.account, row.region)
            groups.setdefault(key, []).append(row)
        for (account, region), rows in sorted(groups.items()):
            for start in range(0, len(rows), BATCH):
                batch = rows[start:start + BATCH]
                got, lost = self._batch(batch, sessions_by_account.get(account), region)
                items.extend(got)
                missing.extend(lost)
        return items, missing

    def _batch(self, batch: Sequence[Listed], target: sessions.AccountSession | None,
               region: str) -> tuple[list[Item], list[tuple[Listed, str]]]:
        if self.aggregator is not None:
            caller = self.caller(self.home, self.home_region)
            result = caller.call("batch_get_aggregate_resource_config",
                                 ConfigurationAggregatorName=self.aggregator,
                                 ResourceIdentifiers=[
                                     {"SourceAccountId": r.account, "SourceRegion": r.region,
                                      "ResourceId": r.id, "ResourceType": r.type}
                                     for r in batch])
            items_key, unprocessed_key = "BaseConfigurationItems", "UnprocessedResourceIdentifiers"
        else:
            assert target is not None
            caller = self.caller(target, region)
            result = caller.call("batch_get_resource_config",
                                 resourceKeys=[{"resourceType": r.type, "resourceId": r.id}
                                               for r in batch])
            items_key, unprocessed_key = "baseConfigurationItems", "unprocessedResourceKeys"
        if not result.ok:
            reason = f"{result.entry.describe()} failed with {result.error_code}"
            return [], [(row, reason) for row in batch]
        by_key = {(r.type, r.account, r.region, r.id): r for r in batch}
        items: list[Item] = []
        for index, raw in enumerate(result.response.get(items_key) or []):
            item = _item(raw, result.entry.file, f"/response/{items_key}/{index}")
            if by_key.pop((item.type, item.account, item.region, item.id), None) is not None:
                items.append(item)
        reason = f"{result.entry.describe()} did not return it"
        if result.response.get(unprocessed_key):
            reason = f"{result.entry.describe()} left it unprocessed"
        return items, [(row, reason) for row in by_key.values()]


def _recorded_types(group: Mapping[str, Any], read: frozenset[str]) -> frozenset[str] | None:
    """Which of the types govkit ``read``s a recording group records; None: all of them."""
    strategy = (group.get("recordingStrategy") or {}).get("useOnly")
    if strategy == "INCLUSION_BY_RESOURCE_TYPES" or (
            strategy is None and not group.get("allSupported", True)):
        return frozenset(str(t) for t in group.get("resourceTypes") or [])
    if strategy == "EXCLUSION_BY_RESOURCE_TYPES":
        excluded = set((group.get("exclusionByResourceTypes") or {}).get("resourceTypes") or [])
        return read - excluded
    return None

