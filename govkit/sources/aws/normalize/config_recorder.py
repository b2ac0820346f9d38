"""AWS Config, per account and region (``aws.config.regional_settings``): the configuration
recorder, what it records, and whether it is recording.

Service-linked recorders (those with a ``servicePrincipal``) record for another service and
are left out, as AWS Config's own console does. No recorder is a fact (RecorderName null,
Recording false); a failed call leaves what it would have told unknown."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, not_collected, ref, regional_settings)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

SETTINGS = "aws.config.regional_settings"
RECORDER_FIELDS = ("RecorderName", "AllSupported", "IncludeGlobalResourceTypes",
                   "RecordingStrategy")
STATUS_FIELDS = ("Recording", "LastStatus", "LastErrorCode", "LastStatusChangeTime")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "config"):
        records = RecordSet(snapshot, "config", account)
        recorders = records.by_region("DescribeConfigurationRecorders")
        statuses = records.by_region("DescribeConfigurationRecorderStatus")
        for region, listing in sorted(recorders.items()):
            coverage, builder = regional_settings(SETTINGS, "config", account, region,
                                                  listing.entry.file)
            yield coverage
            name = _recorder(builder, listing)
            _status(builder, name, statuses.get(region))
            yield builder.build()


def _own(listing: CallRecord) -> list[tuple[int, Mapping[str, Any]]]:
    return [(index, r) for index, r in
            enumerate(listing.response.get("ConfigurationRecorders") or [])
            if not r.get("servicePrincipal")]


def _recorder(builder: ResourceBuilder, listing: CallRecord) -> str | None:
    """Set what the recorder records; its name, or None when there is none (or unknown)."""
    if not listing.entry.ok:
        for key in RECORDER_FIELDS:
            builder.fail(key, failure(listing))
        return None
    own = _own(listing)
    if not own:
        builder.update(dict.fromkeys(RECORDER_FIELDS), ref(listing, "ConfigurationRecorders"))
        return None
    index, recorder = own[0]
    group = recorder.get("recordingGroup") or {}
    strategy = group.get("recordingStrategy") or {}
    builder.set("RecorderName", recorder.get("name"),
                ref(listing, "ConfigurationRecorders", index, "name"))
    at = ref(listing, "ConfigurationRecorders", index, "recordingGroup")
    builder.update({"AllSupported": group.get("allSupported"),
                    "IncludeGlobalResourceTypes": group.get("includeGlobalResourceTypes"),
                    "RecordingStrategy": strategy.get("useOnly")}, at)
    return str(recorder.get("name"))


def _status(builder: ResourceBuilder, name: str | None, record: CallRecord | None) -> None:
    if "RecorderName" in builder.failures:
        for key in STATUS_FIELDS:
            builder.fail(key, builder.failures["RecorderName"])
        return
    if name is None:  # no recorder: nothing records, whatever the status call said
        builder.update({"Recording": False, "LastStatus": None, "LastErrorCode": None,
                        "LastStatusChangeTime": None}, builder.sources["RecorderName"])
        return
    if record is None or not record.entry.ok:
        reason = failure(record) if record is not None else not_collected(
            "config:DescribeConfigurationRecorderStatus",
            f"the recorder status of {builder.region} was not read")
        for key in STATUS_FIELDS:
            builder.fail(key, reason)
        return
    found = [(i, s) for i, s in enumerate(record.response.get("ConfigurationRecordersStatus")
                                          or []) if s.get("name") == name]
    if not found:
        builder.update({"Recording": False, "LastStatus": None, "LastErrorCode": None,
                        "LastStatusChangeTime": None},
                       ref(record, "ConfigurationRecordersStatus"))
        return
    index, status = found[0]
    at = ref(record, "ConfigurationRecordersStatus", index)
    builder.update({"Recording": bool(status.get("recording")),
                    "LastStatus": status.get("lastStatus"),
                    "LastErrorCode": status.get("lastErrorCode"),
                    "LastStatusChangeTime": status.get("lastStatusChangeTime")}, at)

