"""WorkSpaces Secure Browser portals as glass windows.

The user settings in force (``EffectiveUserSettings``: the associated user settings, or the
service defaults, which allow everything) decide copy (session to device), paste (device to
session), download, upload and print. A remote browser has no drive or USB redirection, no
storage connectors and no maximum session length; its idle and disconnect timeouts are user
settings, and unset ones are reported as not set.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from govkit.inventory.model import Resource
from govkit.vdi.window import Channel, Limit, fail_all, put, window

PORTAL = "aws.workspaces_web.portal"
TYPES = (PORTAL,)
_CHANNELS = {"ClipboardOut": "copyAllowed", "ClipboardIn": "pasteAllowed",
             "Download": "downloadAllowed", "Upload": "uploadAllowed", "Printing": "printAllowed"}
_TIMEOUTS = {"IdleTimeout": "idleDisconnectTimeoutInMinutes",
             "DisconnectTimeout": "disconnectTimeoutInMinutes"}


def windows(by_type: Mapping[str, Sequence[Resource]]) -> Iterator[Resource]:
    for portal in by_type.get(PORTAL, ()):
        yield _window(portal)


def _window(portal: Resource) -> Resource:
    builder = window(source=portal, platform="workspaces-web",
                     label=f"Secure Browser portal {portal.name} "
                           f"({portal.account}/{portal.region})")
    # what the portal's listing says (a browser session has no drives, USB or connectors)
    listed = portal.sources.get("displayName") or next(iter(portal.sources.values()), ())
    put(builder, "DriveRedirection", Channel.absent(
        "a Secure Browser session has no drive redirection"), listed)
    put(builder, "UsbRedirection", Channel.absent(
        "a Secure Browser session has no USB redirection"), listed)
    put(builder, "StorageConnectors", [], listed)
    put(builder, "MaxSession", Limit.absent(
        "Secure Browser has no maximum session length setting"), listed)
    put(builder, "Entitlements", [], listed)  # users come through the portal's identity provider
    failure = portal.failures.get("EffectiveUserSettings")
    if failure is not None:
        fail_all(builder, [*_CHANNELS, *_TIMEOUTS], failure)
        return builder.build()
    effective: Mapping[str, Any] = portal.attributes.get("EffectiveUserSettings") or {}
    where = portal.sources.get("EffectiveUserSettings", ())
    origin = str(effective.get("From") or "the portal's user settings")
    defaults = portal.attributes.get("UserSettings") is None
    for key, name in _CHANNELS.items():
        value = effective.get(name) or "Enabled"
        put(builder, key, Channel(allowed=value != "Disabled", explicit=not defaults,
                                  setting=f"{name} is {value} in {origin}"), where)
    for key, name in _TIMEOUTS.items():
        minutes = effective.get(name)
        put(builder, key, Limit(int(minutes), f"{name} is {minutes} in {origin}")
            if isinstance(minutes, int) else Limit(None, f"{name} is not set in {origin}"),
            where)
    return builder.build()
