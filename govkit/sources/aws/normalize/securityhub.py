"""Security Hub, per account and region: subscribed or not (``aws.securityhub.regional_settings``).

DescribeHub answers an account that never enabled Security Hub in the region with
InvalidAccessException ("Account … is not subscribed to AWS Security Hub"): that answer is
the setting (Enabled false, pointing at the error code), not a failed call. Any other failure
leaves every attribute unknown."""

from __future__ import annotations

from collections.abc import Iterator

from govkit.inventory.model import Coverage, Resource
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, not_configured, ref, regional_settings)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

SETTINGS = "aws.securityhub.regional_settings"
HUB_FIELDS = ("HubArn", "SubscribedAt", "AutoEnableControls", "ControlFindingGenerator")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "securityhub"):
        hubs = RecordSet(snapshot, "securityhub", account).by_region("DescribeHub")
        for region, record in sorted(hubs.items()):
            coverage, builder = regional_settings(SETTINGS, "securityhub", account, region,
                                                  record.entry.file, "hub/default")
            yield coverage
            if record.entry.ok:
                builder.update({k: record.response.get(k) for k in HUB_FIELDS}, ref(record))
                builder.set("Enabled", bool(record.response.get("HubArn")),
                            ref(record, "HubArn"))
            elif not_configured(record.entry):
                builder.update({k: None for k in HUB_FIELDS}, ref(record))
                builder.set("Enabled", False, ref(record))
            else:
                for key in (*HUB_FIELDS, "Enabled"):
                    builder.fail(key, failure(record))
            yield builder.build()
