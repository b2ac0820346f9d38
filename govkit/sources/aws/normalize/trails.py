"""CloudTrail trails, read in their home region, with logging status and event selectors.

The account's trails are read once into a :class:`TrailDirectory` that three normalisers share:
the trails themselves, the account (is there a secured multi-region trail?) and S3 buckets (are
reads and writes of this bucket's objects logged, and does a trail deliver its logs here?).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, listing_coverage, not_collected, ref, unread)
from govkit.sources.interface import NormalizeContext
from govkit.sources.aws.normalize.data_events import READ, WRITE, S3DataEvents, s3_data_events
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
    listing: Ref  # the trail's entry in its region's DescribeTrails answer
    logging: bool | CallFailure
    logging_ref: Ref | None
    selectors: S3DataEvents | CallFailure
    selectors_raw: Mapping[str, Any] | CallFailure
    selectors_ref: Ref | None

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
            for index, trail in enumerate(listing.response.get("trailList") or []):
                arn = trail["TrailARN"]
                entry = ref(listing, "trailList", index)
                missing = unread(listing, f"trail {arn} was listed but its details were not "
                                          "read", "trailList", index)
                logged, logged_ref = _read(status.get(arn), missing,
                                           lambda r: bool(r.get("IsLogging")), "IsLogging")
                raw, raw_ref = _read(selectors.get(arn), missing, _selector_document)
                self.trails.append(Trail(
                    arn=arn, name=str(trail.get("Name") or arn), region=listing.entry.region,
                    details={k: trail.get(k) for k in TRAIL_FIELDS},
                    listing=entry, logging=logged, logging_ref=logged_ref,
                    selectors=raw if isinstance(raw, CallFailure) else s3_data_events(raw),
                    selectors_raw=raw, selectors_ref=raw_ref))

    def listing_failure(self) -> CallFailure | None:
        """Why the account's trails are not all known, if they are not."""
        if not self.regions:
            return not_collected("cloudtrail:DescribeTrails",
                                 f"no region's trails were read in account {self.account}")
        return next((f for _, f in sorted(self.regions.items()) if f is not None), None)

    def listing_refs(self, region: str | None = None) -> list[Ref]:
        """The trail lists this directory was read from (of one region, when given)."""
        return [ref(listing, "trailList") for listing in self.listings
                if listing.entry.ok and region in (None, listing.entry.region)]


def _read(record: Any, missing: CallFailure, value_of: Any,
          *path: str) -> tuple[Any, Ref | None]:
    if record is None:
        return missing, None
    if not record.entry.ok:
        return failure(record), None
    return value_of(record.response), ref(record, *path)


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
    builder.update(dict(trail.details), trail.listing)
    for key, value, source in (("IsLogging", trail.logging, trail.logging_ref),
                               ("EventSelectors", trail.selectors_raw, trail.selectors_ref)):
        if isinstance(value, CallFailure):
            builder.fail(key, value)
        elif source is not None:
            builder.set(key, value, source)
    # tags are not collected: no rule scopes trails by tag (the build marks Tags unknown)
    return builder.build()


def trail_summaries(directory: TrailDirectory
                    ) -> tuple[list[dict[str, Any]], CallFailure | None, list[Ref]]:
    """Every trail of the account (for account-level rules) and where each was read (its
    listing entry and logging status), or the call that failed."""
    listing_failed = directory.listing_failure()
    if listing_failed is not None:
        return [], listing_failed, []
    summaries = []
    refs: list[tuple[str, Ref]] = []
    for trail in directory.trails:
        if isinstance(trail.logging, CallFailure):
            return [], trail.logging, []
        summaries.append({"Name": trail.name, "Arn": trail.arn, **trail.details,
                          "IsLogging": trail.logging})
        refs += [(trail.arn, r) for r in (trail.listing, trail.logging_ref) if r is not None]
    found = [r for _, r in sorted(refs, key=lambda pair: pair[0])] or directory.listing_refs()
    return sorted(summaries, key=lambda t: str(t["Arn"])), None, found


def organization_trails(snapshot: Snapshot, ctx: NormalizeContext) -> list[Trail]:
    """Organization trails of every scanned account: they log member accounts' events too."""
    return [trail for account in accounts_of(snapshot, "cloudtrail")
            for trail in trail_directory(snapshot, ctx, account).trails
            if trail.details.get("IsOrganizationTrail")]


def with_organization(directory: TrailDirectory, organization: Sequence[Trail]) -> list[Trail]:
    """The account's own trails and the organisation trails (of other scanned accounts) that
    log it too, each once, in ARN order."""
    found = {trail.arn: trail for trail in organization}
    found.update((trail.arn, trail) for trail in directory.trails)
    return [found[arn] for arn in sorted(found)]


def bucket_data_events(directory: TrailDirectory, org_trails: list[Trail], bucket_arn: str,
                       region: str) -> tuple[dict[str, list[str]], list[Ref]] | CallFailure:
    """The logging trails that record every object read and write of a bucket, with where
    that was read: the event selectors of those trails (of every trail that could cover the
    bucket when none does; the region's trail list when there is no such trail).

    Found coverage is a fact whatever else failed; a missing kind is only a fact when every
    trail that could cover the bucket's region was read.
    """
    logged: dict[str, set[str]] = {READ: set(), WRITE: set()}
    unknown: CallFailure | None = None
    candidates = {t.arn: t for t in (*directory.trails, *org_trails) if t.covers(region)}
    logging_refs: list[tuple[str, Ref]] = []
    for trail in candidates.values():
        for value in (trail.logging, trail.selectors):
            if isinstance(value, CallFailure):
                unknown = unknown or value
        if trail.logging is not True or isinstance(trail.selectors, CallFailure):
            continue
        kinds = trail.selectors.kinds_for(bucket_arn)
        for kind in kinds:
            logged[kind].add(trail.name)
        if kinds and trail.selectors_ref is not None:
            logging_refs.append((trail.arn, trail.selectors_ref))
    if not (logged[READ] and logged[WRITE]):
        unknown = unknown or directory.listing_failure()
        if unknown is None and region not in directory.regions:
            unknown = not_collected("cloudtrail:DescribeTrails",
                                    f"trails homed in {region} were not read (region not "
                                    "scanned)")
        if unknown is not None:
            return unknown
    refs = [r for _, r in sorted(logging_refs, key=lambda pair: pair[0])] or \
        [t.selectors_ref for _, t in sorted(candidates.items()) if t.selectors_ref is not None] \
        or directory.listing_refs(region) or directory.listing_refs()
    return {kind: sorted(names) for kind, names in logged.items()}, refs


def log_destination_trails(snapshot: Snapshot, ctx: NormalizeContext, bucket: str
                           ) -> tuple[list[str], list[Ref]] | CallFailure:
    """ARNs of the trails, in any scanned account, that deliver their log files to
    ``bucket``, with their entries in the trail lists (the trail lists, when none does)."""
    found = ctx.once("cloudtrail-destinations", "*", lambda: _destinations(snapshot, ctx))
    if isinstance(found, CallFailure):
        return found
    by_bucket, every_listing = found
    delivering = sorted(by_bucket.get(bucket, ()), key=lambda p: p[0])
    return [arn for arn, _ in delivering], [r for _, r in delivering] or list(every_listing)


def _destinations(snapshot: Snapshot, ctx: NormalizeContext
                  ) -> tuple[dict[str, list[tuple[str, Ref]]], list[Ref]] | CallFailure:
    """Every scanned trail by the bucket it delivers to, read once per normalisation."""
    directories = [trail_directory(snapshot, ctx, a) for a in accounts_of(snapshot, "cloudtrail")]
    if not directories:
        return not_collected("cloudtrail:DescribeTrails", "no account's trails were read")
    for directory in directories:
        failed = directory.listing_failure()
        if failed is not None:
            return failed
    by_bucket: dict[str, list[tuple[str, Ref]]] = {}
    for directory in directories:
        for trail in directory.trails:
            by_bucket.setdefault(str(trail.details.get("S3BucketName")), []).append(
                (trail.arn, trail.listing))
    return by_bucket, [r for d in directories for r in d.listing_refs()]
