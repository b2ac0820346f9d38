"""The metric filters on the log groups CloudTrail trails deliver to, with the alarms on
their metrics: what the security-event alarm rules judge (root use, failed console sign-ins,
network changes), read once per account onto its ``aws.cloudtrail.monitoring`` resource.

A trail that delivers to CloudWatch Logs names its log group by ARN; the group's metric
filters are read from the ``DescribeMetricFilters`` listing of the account and region the ARN
names (an organisation trail's group is in the management account) and the alarms on each
filter's metric from the same account and region's ``DescribeAlarms`` (an alarm watches a
metric in its own region). Each filter becomes one entry, whether or not any alarm watches
it, so a rule can tell "no filter" from "a filter nobody is alerted by".

Only logging trails count. When a call that any of them needs was not made or failed, the
whole list is unknown: a missing filter could be one that was not read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from govkit.inventory.model import CallFailure, Ref
from govkit.sources.aws.normalize.common import (
    RecordSet, failure, not_collected, ref)
from govkit.sources.aws.normalize.trails import Trail, TrailDirectory, with_organization
from govkit.snapshot import CallRecord, Snapshot

Entries = list[dict[str, Any]]


def _log_group(arn: str) -> tuple[str, str, str] | None:
    """(account, region, name) of a log group ARN
    (arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*)."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
        return None
    return parts[4], parts[3], parts[6]


def _region_pages(pages: Mapping[str, list[CallRecord]], region: str, operation: str,
                  why: str) -> list[CallRecord] | CallFailure:
    found = pages.get(region)
    if not found:
        return not_collected(operation, why)
    broken = next((page for page in found if not page.entry.ok), None)
    return failure(broken) if broken is not None else found


class _Pages:
    """Each account's metric filter and alarm listings, by region, read when first asked."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.found: dict[tuple[str, str, str], dict[str, list[CallRecord]]] = {}

    def of(self, account: str, service: str, operation: str) -> dict[str, list[CallRecord]]:
        key = (account, service, operation)
        if key not in self.found:
            self.found[key] = RecordSet(self.snapshot, service, account).pages_by_region(
                operation)
        return self.found[key]


def trail_alarms(snapshot: Snapshot, directory: TrailDirectory,
                 organization: Sequence[Trail] = ()
                 ) -> tuple[Entries, CallFailure | None, list[Ref]]:
    """Every metric filter on the log group of a logging trail of the account (its own, and
    the ``organization`` trails that log it too), with the alarms on the filter's metric, and
    where each was read; or the call whose failure leaves the list unknown. A log group is
    read in the account and region its ARN names."""
    listing_failed = directory.listing_failure()
    if listing_failed is not None:
        return [], listing_failed, []
    pages = _Pages(snapshot)
    entries: Entries = []
    refs: list[Ref] = []
    for trail in with_organization(directory, organization):
        if isinstance(trail.logging, CallFailure):
            return [], trail.logging, []
        group_arn = str(trail.details.get("CloudWatchLogsLogGroupArn") or "")
        group = _log_group(group_arn)
        if not trail.logging or group is None:
            continue
        owner, region, name = group
        filters = pages.of(owner, "logs", "DescribeMetricFilters")
        alarms = pages.of(owner, "cloudwatch", "DescribeAlarms")
        why = (f"trail {trail.name} delivers to log group {name} in account {owner}, "
               f"{region}, whose {{}} were not read (are that account and region scanned?)")
        filter_pages = _region_pages(filters, region, "logs:DescribeMetricFilters",
                                     why.format("metric filters"))
        if isinstance(filter_pages, CallFailure):
            return [], filter_pages, []
        alarm_pages = _region_pages(alarms, region, "cloudwatch:DescribeAlarms",
                                    why.format("alarms"))
        if isinstance(alarm_pages, CallFailure):
            return [], alarm_pages, []
        watching = _alarms_by_metric(alarm_pages)
        refs += [trail.listing, *([trail.logging_ref] if trail.logging_ref else [])]
        refs += [ref(page, "metricFilters") for page in filter_pages]
        for page in filter_pages:
            for index, metric_filter in enumerate(page.response.get("metricFilters") or []):
                if metric_filter.get("logGroupName") != name:
                    continue
                refs.append(ref(page, "metricFilters", index))
                for transform in metric_filter.get("metricTransformations") or []:
                    metric = (str(transform.get("metricNamespace")),
                              str(transform.get("metricName")))
                    on_metric = watching.get(metric, [])
                    refs += [r for _, r in on_metric]
                    entries.append({
                        "Trail": trail.name, "IsMultiRegionTrail":
                            bool(trail.details.get("IsMultiRegionTrail")),
                        "LogGroup": name, "Region": region,
                        "FilterName": metric_filter.get("filterName"),
                        "FilterPattern": metric_filter.get("filterPattern"),
                        "MetricNamespace": metric[0], "MetricName": metric[1],
                        "Alarms": [alarm for alarm, _ in on_metric]})
    return entries, None, list(dict.fromkeys(refs)) or directory.listing_refs()


def _alarms_by_metric(pages: list[CallRecord]
                      ) -> dict[tuple[str, str], list[tuple[dict[str, Any], Ref]]]:
    found: dict[tuple[str, str], list[tuple[dict[str, Any], Ref]]] = {}
    for page in pages:
        for index, alarm in enumerate(page.response.get("MetricAlarms") or []):
            metric = (str(alarm.get("Namespace")), str(alarm.get("MetricName")))
            found.setdefault(metric, []).append((
                {"AlarmName": alarm.get("AlarmName"),
                 "ActionsEnabled": bool(alarm.get("ActionsEnabled")),
                 "AlarmActions": list(alarm.get("AlarmActions") or [])},
                ref(page, "MetricAlarms", index)))
    return found
