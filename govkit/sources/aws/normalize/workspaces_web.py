"""WorkSpaces Secure Browser portals with the user settings in force for each.

A portal with no user settings lets users copy, paste, download, upload and print: the
service's defaults allow all five, so missing settings count as "Enabled".
``EffectiveUserSettings.From`` says where the settings in force come from (the user-settings
object's ARN, or the service defaults), so a finding names it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, listing_coverage, ref, unread)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

SERVICE = "workspaces-web"
CAPABILITIES = ("copyAllowed", "pasteAllowed", "downloadAllowed", "uploadAllowed",
                "printAllowed")
PORTAL_FIELDS = ("displayName", "portalStatus", "authenticationType", "browserType",
                 "rendererType", "userSettingsArn", "browserSettingsArn", "networkSettingsArn",
                 "ipAccessSettingsArn", "dataProtectionSettingsArn",
                 "userAccessLoggingSettingsArn", "creationDate")
# only GetPortal returns these; the ListPortals summary does not
DETAIL_FIELDS = ("customerManagedKey", "additionalEncryptionContext")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, SERVICE):
        records = RecordSet(snapshot, SERVICE, account)
        pages = records.of("ListPortals")
        yield from listing_coverage(pages, "aws.workspaces_web.portal")
        portals = records.by_param("GetPortal", "portalArn")
        settings = records.by_param("GetUserSettings", "userSettingsArn")
        settings_listing = records.of("ListUserSettings")
        for page in pages:
            for index, summary in enumerate(page.response.get("portals") or []):
                yield _portal(summary, (page, index), portals.get(summary["portalArn"]),
                              settings, settings_listing, account)


def _portal(summary: Mapping[str, Any], listed: tuple[CallRecord, int],
            detail: CallRecord | None, settings: Mapping[Any, CallRecord],
            settings_listing: list[CallRecord], account: str) -> Resource:
    arn = summary["portalArn"]
    page, index = listed
    builder = ResourceBuilder(id=arn, type="aws.workspaces_web.portal", account=account,
                              region=page.entry.region,
                              name=summary.get("displayName") or arn.rsplit("/", 1)[-1])
    portal: Mapping[str, Any] = summary
    source = ref(page, "portals", index)
    if detail is not None and detail.entry.ok:
        portal, source = detail.response.get("portal") or summary, ref(detail, "portal")
        builder.update({f: portal.get(f) for f in DETAIL_FIELDS}, source)
    else:
        reason = failure(detail) if detail is not None else unread(
            page, f"portal {arn} was listed but not read", "portals", index)
        for field in DETAIL_FIELDS:
            builder.fail(field, reason)
    builder.update({f: portal.get(f) for f in PORTAL_FIELDS}, source)
    settings_arn = portal.get("userSettingsArn")
    if not settings_arn:
        builder.set("UserSettings", None, source)
        builder.set("EffectiveUserSettings", {c: "Enabled" for c in CAPABILITIES} |
                    {"From": "the service defaults (no user settings are associated)"}, source)
        return builder.build()
    record = settings.get(settings_arn)
    if record is None or not record.entry.ok:
        listing_failed = next((r for r in settings_listing if not r.entry.ok), None)
        reason = (failure(record) if record is not None else
                  failure(listing_failed) if listing_failed is not None else
                  CallFailure.from_entry(page.entry, f"user settings {settings_arn} not read"))
        builder.fail("UserSettings", reason).fail("EffectiveUserSettings", reason)
        return builder.build()
    user_settings = dict(record.response.get("userSettings") or {})
    builder.set("UserSettings", user_settings, ref(record, "userSettings"))
    effective = {c: user_settings.get(c) or "Enabled" for c in CAPABILITIES}
    effective["idleDisconnectTimeoutInMinutes"] = user_settings.get(
        "idleDisconnectTimeoutInMinutes")
    effective["disconnectTimeoutInMinutes"] = user_settings.get("disconnectTimeoutInMinutes")
    effective["From"] = f"user settings {settings_arn}"
    builder.set("EffectiveUserSettings", effective, ref(record, "userSettings"))
    return builder.build()
