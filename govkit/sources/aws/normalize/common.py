"""Helpers shared by the AWS normalisers: reading records, tags, ARNs, listing coverage."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from govkit.inventory.model import (
    CallFailure, Coverage, Ref, ResourceBuilder, json_pointer, present_path)
from govkit.snapshot import CallEntry, CallRecord, Snapshot

# Answers that mean "this setting is not configured": data, not a failed call. Keyed by
# "service:Operation", so the same code from another call (IAM NoSuchEntity from GetPolicy: the
# policy vanished mid-scan) is still a failure. Documented in the README.
NOT_CONFIGURED: Mapping[str, frozenset[str]] = {
    "s3:GetBucketPolicy": frozenset({"NoSuchBucketPolicy"}),
    "s3:GetPublicAccessBlock": frozenset({"NoSuchPublicAccessBlockConfiguration"}),
    "s3control:GetPublicAccessBlock": frozenset({"NoSuchPublicAccessBlockConfiguration"}),
    "s3:GetBucketEncryption": frozenset({"ServerSideEncryptionConfigurationNotFoundError"}),
    "s3:GetBucketTagging": frozenset({"NoSuchTagSet", "NoSuchTagSetError"}),
    "s3:GetObjectLockConfiguration": frozenset({"ObjectLockConfigurationNotFoundError"}),
    "iam:GetAccountPasswordPolicy": frozenset({"NoSuchEntity"}),
    # an account that never enabled Security Hub in the region is "not subscribed"
    "securityhub:DescribeHub": frozenset({"InvalidAccessException"}),
    "efs:DescribeBackupPolicy": frozenset({"PolicyNotFound"}),
    # a function with no resource policy, or no function URL
    "lambda:GetPolicy": frozenset({"ResourceNotFoundException"}),
    "lambda:GetFunctionUrlConfig": frozenset({"ResourceNotFoundException"}),
}


def not_configured(entry: CallEntry) -> bool:
    """The call answered "nothing is configured", which is a fact about the resource."""
    return entry.error_code in NOT_CONFIGURED.get(f"{entry.service}:{entry.operation}", ())


def failed_calls(snapshot: Snapshot) -> list[CallEntry]:
    """Every recorded call that failed, other than the "not configured" answers."""
    return [e for e in snapshot.entries if not e.ok and not not_configured(e)]


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def tags_from_list(items: Iterable[Mapping[str, Any]] | None,
                   key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {str(t.get(key)): str(t.get(value, "")) for t in items or [] if t.get(key) is not None}


def parse_policy(document: Any) -> dict[str, Any] | None:
    """IAM and resource policies arrive as JSON text (sometimes URL-encoded) or as dicts."""
    if document is None:
        return None
    if isinstance(document, Mapping):
        return dict(document)
    text = str(document)
    if text.startswith("%7B"):
        from urllib.parse import unquote
        text = unquote(text)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def statements(policy: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if not policy:
        return []
    found = policy.get("Statement") or []
    return [s for s in ([found] if isinstance(found, Mapping) else found)
            if isinstance(s, Mapping)]


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


class RecordSet:
    """The records of one service in one account, loaded once and indexed."""

    def __init__(self, snapshot: Snapshot, service: str, account: str) -> None:
        self.snapshot = snapshot
        self.records: list[CallRecord] = [snapshot.load(e) for e in
                                          snapshot.select(service, account=account)]

    def of(self, operation: str) -> list[CallRecord]:
        return [r for r in self.records if r.entry.operation == operation]

    def by_region(self, operation: str) -> dict[str, CallRecord]:
        """The latest record of ``operation`` in each region (a call made once per region)."""
        return {record.entry.region: record for record in self.of(operation)}

    def pages_by_region(self, operation: str) -> dict[str, list[CallRecord]]:
        """Every page of ``operation`` in each region (a listing made once per region)."""
        found: dict[str, list[CallRecord]] = {}
        for record in self.of(operation):
            found.setdefault(record.entry.region, []).append(record)
        return found

    def by_param(self, operation: str, param: str) -> dict[Any, CallRecord]:
        """The latest record of ``operation`` for each value of ``param``."""
        found: dict[Any, CallRecord] = {}
        for record in self.of(operation):
            value = record.entry.params.get(param)
            if isinstance(value, list):
                value = tuple(value)
            found[value] = record
        return found


def accounts_of(snapshot: Snapshot, service: str) -> list[str]:
    return sorted({e.account for e in snapshot.select(service)})


_NO_VALUE = frozenset({"N/A", "no_information", "not_supported", ""})


def report_value(text: str | None) -> str | None:
    """A credential-report cell, with its "no value" spellings turned into None."""
    return None if text is None or text in _NO_VALUE else text


def ref(record: CallRecord, *path: str | int, row: int | None = None) -> Ref:
    """Where ``path`` (keys and list indexes under the response) sits in ``record``'s file.

    The pointer stops at the deepest part that exists: an absent key means "not set", and
    what was read to learn that is its parent. A failed call's record points at its error
    code ("not configured" answers are facts) or message.
    """
    if not record.entry.ok:
        return Ref(record.entry.file,
                   "/error_code" if not_configured(record.entry) else "/error_message")
    found = present_path(record.response, path)
    return Ref(record.entry.file, json_pointer("response", *found), row)


def unread(record: CallRecord, message: str, *path: str | int) -> CallFailure:
    """A value that the answer in ``record`` should have led to but that was never read
    (a listed bucket whose settings were not fetched): the failure points at the part of
    the answer it came from (the bucket's entry in the listing)."""
    return dataclasses.replace(CallFailure.from_entry(record.entry, message),
                               pointer=ref(record, *path).pointer)


def not_collected(operation: str, why: str) -> CallFailure:
    """A call that should have been made and was not: as much an ERROR as a failed one."""
    return CallFailure(call=operation, operation=operation, code="NotCollected", message=why,
                       file="")


def failure(record: CallRecord) -> CallFailure:
    return CallFailure.from_entry(record.entry, record.error_message)


def apply_optional(builder: ResourceBuilder, key: str, record: CallRecord | None,
                   value_of: Any, missing: CallFailure | None = None,
                   at: tuple[str | int, ...] = ()) -> None:
    """Set ``key`` from ``record``: absent settings become None, failed calls a failure.

    ``value_of`` maps the response to the attribute value, read at ``at`` (the path under
    the response the value comes from). With no record at all, the key fails with
    ``missing`` (the call that should have led to it), when given.
    """
    if record is None:
        if missing is not None:
            builder.fail(key, missing)
        return
    if record.entry.ok:
        builder.set(key, value_of(record.response), ref(record, *at))
    elif not_configured(record.entry):
        builder.set(key, None, ref(record))
    else:
        builder.fail(key, failure(record))


def listing_coverage(records: Iterable[CallRecord], resource_type: str) -> Iterator[Coverage]:
    """One coverage entry per account and region in which a listing call was made."""
    grouped: dict[tuple[str, str], list[CallEntry]] = defaultdict(list)
    messages: dict[str, str | None] = {}
    for record in records:
        grouped[(record.entry.account, record.entry.region)].append(record.entry)
        messages[record.entry.file] = record.error_message
    for (account, region), entries in sorted(grouped.items()):
        failed = next((e for e in entries if not e.ok), None)
        yield Coverage(type=resource_type, account=account, region=region,
                       failure=None if failed is None else
                       CallFailure.from_entry(failed, messages.get(failed.file)),
                       source=entries[0].file)


def regional_settings(resource_type: str, service: str, account: str, region: str,
                      source: str, resource: str = "settings"
                      ) -> tuple[Coverage, ResourceBuilder]:
    """An account's settings of a service in one region (is GuardDuty on here?), which exist
    whether or not anything was configured: their coverage, read from ``source``, and a
    builder named ``ACCOUNT/REGION``."""
    builder = ResourceBuilder(id=f"arn:{partition(region)}:{service}:{region}:{account}:"
                                 f"{resource}",
                              type=resource_type, account=account, region=region,
                              name=f"{account}/{region}")
    return Coverage(type=resource_type, account=account, region=region, source=source), builder


def pages_ok(records: list[CallRecord]) -> bool:
    return all(r.entry.ok for r in records)
