"""CloudTrail trails, read in their home region, with logging status and event selectors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Resource, ResourceBuilder
from govkit.inventory.normalizers.common import (
    NormalizeContext, RecordSet, accounts_of, apply_optional, failure, listing_coverage,
    tags_from_list)
from govkit.snapshot import Snapshot

TRAIL_FIELDS = ("IsMultiRegionTrail", "IsOrganizationTrail", "KmsKeyId",
                "LogFileValidationEnabled", "HomeRegion", "S3BucketName",
                "IncludeGlobalServiceEvents", "CloudWatchLogsLogGroupArn")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "cloudtrail"):
        yield from _trails(RecordSet(snapshot, "cloudtrail", account), account)


def _trails(records: RecordSet, account: str) -> Iterator[Resource | Coverage]:
    listings = records.of("DescribeTrails")
    yield from listing_coverage(listings, "aws.cloudtrail.trail")
    status = records.by_param("GetTrailStatus", "Name")
    selectors = records.by_param("GetEventSelectors", "TrailName")
    tags = {key[0]: rec for key, rec in records.by_param("ListTags", "ResourceIdList").items()
            if key}
    for listing in listings:
        for trail in listing.response.get("trailList") or []:
            arn = trail["TrailARN"]
            builder = ResourceBuilder(id=arn, type="aws.cloudtrail.trail", account=account,
                                      region=listing.entry.region, name=trail.get("Name", arn))
            builder.update({k: trail.get(k) for k in TRAIL_FIELDS}, listing.entry.file)
            missing = CallFailure.from_entry(listing.entry, "trail details were not read")
            apply_optional(builder, "IsLogging", status.get(arn),
                           lambda r: bool(r.get("IsLogging")), missing)
            apply_optional(builder, "EventSelectors", selectors.get(arn),
                           lambda r: {"EventSelectors": r.get("EventSelectors") or [],
                                      "AdvancedEventSelectors":
                                          r.get("AdvancedEventSelectors") or []}, missing)
            tag_record = tags.get(arn)
            if tag_record is not None and tag_record.entry.ok:
                found = (tag_record.response.get("ResourceTagList") or [{}])[0]
                builder.set_tags(tags_from_list(found.get("TagsList")), tag_record.entry.file)
            yield builder.build()


def trail_summaries(snapshot: Snapshot, account: str
                    ) -> tuple[list[dict[str, Any]], CallFailure | None, str | None]:
    """Every trail of the account (for account-level rules), or the call that failed."""
    records = RecordSet(snapshot, "cloudtrail", account)
    listings = records.of("DescribeTrails")
    bad = next((r for r in listings if not r.entry.ok), None)
    if bad is not None:
        return [], failure(bad), None
    if not listings:
        return [], None, None
    status = records.by_param("GetTrailStatus", "Name")
    summaries = []
    for listing in listings:
        for trail in listing.response.get("trailList") or []:
            record = status.get(trail["TrailARN"])
            if record is None or not record.entry.ok:
                reason = failure(record) if record is not None else CallFailure.from_entry(
                    listing.entry, "trail status was not read")
                return [], reason, None
            summaries.append({"Name": trail.get("Name"), "Arn": trail["TrailARN"],
                              **{k: trail.get(k) for k in TRAIL_FIELDS},
                              "IsLogging": bool(record.response.get("IsLogging"))})
    return sorted(summaries, key=lambda t: str(t["Arn"])), None, listings[0].entry.file
