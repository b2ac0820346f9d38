"""CloudTrail trails, read in their home region, with logging status and event selectors.

The account's trails are read once into a :class:`TrailDirectory` that three normalisers share:
the trails themselves, the account (is there a secured multi-region trail?) and S3 buckets (are
reads and writes of this bucket's objects logged, and does a trail deliver its logs here?).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Resource, ResourceBuilder
from govkit.inventory.normalizers.common import (
    NormalizeContext, RecordSet, accounts_of, failure, listing_coverage, not_collected)
from govkit.inventory.normalizers.data_events import READ, WRITE, S3DataEvents, s3_data_events
from govkit.snapshot import Snapshot

TRAIL_FIELDS = ("IsMultiRegionTrail", "IsOrganizationTrail", "KmsKeyId",
                "LogFileValidationEnabled", "HomeRegion", "S3BucketName",
                "IncludeGlobalServiceEvents", "CloudWatchLogsLogGroupArn")


@dataclass(frozen=True, kw_only=True)
class Trail:
    arn: str
    name: str
    region: str  # where it was listed: its home region
    details: Mapping[str, Any]
    listing_file: str
    logging: bool | CallFailure
    logging_file: str
    selectors: S3DataEvents | CallFailure
    selectors_raw: Mapping[str, Any] | CallFailure
    selectors_file: str

    def covers(self, region: str) -> bool:
        return bool(self.details.get("IsMultiRegionTrail")) or self.region == region


class TrailDirectory:
    """Every trail of one account, with the listing outcome of each scanned region."""

    def __init__(self, snapshot: Snapshot, account: str) -> None:
        records = RecordSet(snapshot, "cloudtrail", account)
        self.account = account
        self.listings = records.of("DescribeTrails")
        self.regions: dict[str, CallFailure | None] = {}
        for listing in self.listings:
            if self.regions.get(listing.entry.region) is None:
                self.regions[listing.entry.region] = (None if listing.entry.ok
                                                      else failure(listing))
        status = records.by_param("GetTrailStatus", "Name")
        selectors = records.by_param("GetEventSelectors", "TrailName")
        self.trails: list[Trail] = []
        for listing in self.listings:
            for trail in listing.response.get("trailList") or []:
                arn = trail["TrailARN"]
                missing = CallFailure.from_entry(listing.entry, f"trail {arn} was listed but "
                                                 "its details were not read")
                logged, logged_file = _read(status.get(arn), missing,
                                            lambda r: bool(r.get("IsLogging")))
                raw, raw_file = _read(selectors.get(arn), missing, _selector_document)
                self.trails.append(Trail(
                    arn=arn, name=str(trail.get("Name") or arn), region=listing.entry.region,
                    details={k: trail.get(k) for k in TRAIL_FIELDS},
                    listing_file=listing.entry.file, logging=logged, logging_file=logged_file,
                    selectors=raw if isinstance(raw, CallFailure) else s3_data_events(raw),
                    selectors_raw=raw, selectors_file=raw_file))

    def listing_failure(self) -> CallFailure | None:
        """Why the account's trails are not all known, if they are not."""
        if not self.regions:
            return not_collected("cloudtrail:DescribeTrails",
                                 f"no region's trails were read in account {self.account}")
        return next((f for _, f in sorted(self.regions.items()) if f is not None), None)


def _read(record: Any, missing: CallFailure, value_of: Any) -> tuple[Any, str]:
    if record is None:
        return missing, missing.file
    if not record.entry.ok:
        return failure(record), record.entry.file
    return value_of(record.response), record.entry.file


def _selector_document(response: Mapping[str, Any]) -> dict[str, Any]:
    return {"EventSelectors": response.get("EventSelectors") or [],
            "AdvancedEventSelectors": response.get("AdvancedEventSelectors") or []}


def trail_directory(snapshot: Snapshot, ctx: NormalizeContext, account: str) -> TrailDirectory:
    directory: TrailDirectory = ctx.once("cloudtrail-trails", account,
                                         lambda: TrailDirectory(snapshot, account))
    return directory


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "cloudtrail"):
        directory = trail_directory(snapshot, ctx, account)
        yield from listing_coverage(directory.listings, "aws.cloudtrail.trail")
        for trail in directory.trails:
            yield _trail(trail, account)


def _trail(trail: Trail, account: str) -> Resource:
    builder = ResourceBuilder(id=trail.arn, type="aws.cloudtrail.trail", account=account,
                              region=trail.region, name=trail.name)
    builder.update(dict(trail.details), trail.listing_file)
    for key, value, source in (("IsLogging", trail.logging, trail.logging_file),
                               ("EventSelectors", trail.selectors_raw, trail.selectors_file)):
        if isinstance(value, CallFailure):
            builder.fail(key, value)
        else:
            builder.set(key, value, source)
    # tags are not collected: no rule scopes trails by tag (the build marks Tags unknown)
    return builder.build()


def trail_summaries(directory: TrailDirectory
                    ) -> tuple[list[dict[str, Any]], CallFailure | None, str | None]:
    """Every trail of the account (for account-level rules), or the call that failed."""
    listing_failed = directory.listing_failure()
    if listing_failed is not None:
        return [], listing_failed, None
    summaries = []
    for trail in directory.trails:
        if isinstance(trail.logging, CallFailure):
            return [], trail.logging, None
        summaries.append({"Name": trail.name, "Arn": trail.arn, **trail.details,
                          "IsLogging": trail.logging})
    return sorted(summaries, key=lambda t: str(t["Arn"])), None, directory.listings[0].entry.file


def organization_trails(snapshot: Snapshot, ctx: NormalizeContext) -> list[Trail]:
    """Organization trails of every scanned account: they log member accounts' events too."""
    return [trail for account in accounts_of(snapshot, "cloudtrail")
            for trail in trail_directory(snapshot, ctx, account).trails
            if trail.details.get("IsOrganizationTrail")]


def bucket_data_events(directory: TrailDirectory, org_trails: list[Trail], bucket_arn: str,
                       region: str) -> dict[str, list[str]] | CallFailure:
    """The logging trails that record every object read and write of a bucket.

    Found coverage is a fact whatever else failed; a missing kind is only a fact when every
    trail that could cover the bucket's region was read.
    """
    logged: dict[str, set[str]] = {READ: set(), WRITE: set()}
    unknown: CallFailure | None = None
    candidates = {t.arn: t for t in (*directory.trails, *org_trails) if t.covers(region)}
    for trail in candidates.values():
        for value in (trail.logging, trail.selectors):
            if isinstance(value, CallFailure):
                unknown = unknown or value
        if trail.logging is not True or isinstance(trail.selectors, CallFailure):
            continue
        for kind in trail.selectors.kinds_for(bucket_arn):
            logged[kind].add(trail.name)
    if not (logged[READ] and logged[WRITE]):
        unknown = unknown or directory.listing_failure()
        if unknown is None and region not in directory.regions:
            unknown = not_collected("cloudtrail:DescribeTrails",
                                    f"trails homed in {region} were not read (region not "
                                    "scanned)")
        if unknown is not None:
            return unknown
    return {kind: sorted(names) for kind, names in logged.items()}


def log_destination_trails(snapshot: Snapshot, ctx: NormalizeContext,
                           bucket: str) -> list[str] | CallFailure:
    """ARNs of the trails, in any scanned account, that deliver their log files to ``bucket``."""
    directories = [trail_directory(snapshot, ctx, a) for a in accounts_of(snapshot, "cloudtrail")]
    if not directories:
        return not_collected("cloudtrail:DescribeTrails", "no account's trails were read")
    for directory in directories:
        failed = directory.listing_failure()
        if failed is not None:
            return failed
    return sorted(t.arn for d in directories for t in d.trails
                  if t.details.get("S3BucketName") == bucket)
