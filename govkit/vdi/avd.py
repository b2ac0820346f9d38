"""Azure Virtual Desktop host pools as glass windows.

A host pool's custom RDP properties decide what the Remote Desktop client redirects from the
agent's device (govkit.sources.avd.rdp reads each one; a property left out takes the client's
documented default, which for every way out is "redirected"):

``ClipboardOut``, ``ClipboardIn``  ``redirectclipboard``: RDP has one clipboard switch for
                  both directions (the direction-specific limits are session-host Group Policy)
``Download``, ``Upload``  ``drivestoredirect``: AVD has no separate file transfer switch;
                  files move between the session and the agent's device through redirected
                  drives
``Printing``      ``redirectprinters``
``DriveRedirection``  ``drivestoredirect``
``UsbRedirection``  ``usbdevicestoredirect`` (opaque USB redirection) and ``devicestoredirect``
                  (MTP/PTP devices such as phones and cameras): allowed if either is
``StorageConnectors``  none: a host pool has no setting that connects storage outside the
                  session
``Entitlements``  who holds Desktop Virtualization User on the host pool's application
                  groups: Entra groups and users by display name when the source gave one,
                  else by object id

Session time limits are not host pool settings in ARM: the HostPool resource
(Microsoft.DesktopVirtualization 2024-04-03) has no idle, disconnect or session time limit
field (its ``maxSessionLimit`` is the number of concurrent sessions per session host). AVD sets
them in session-host Group Policy ("Set time limit for active but idle Remote Desktop Services
sessions", ...), which govkit does not read, so IdleTimeout, DisconnectTimeout and MaxSession
are "no limit known": rules on them FAIL saying so. The same Group Policy can also restrict
redirection further than the host pool does; govkit judges the host pool alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.vdi.window import LIMITS, Channel, Limit, fail_all, put, window

HOST_POOL = "azure.avd.host_pool"
TYPES = (HOST_POOL,)
NO_TIME_LIMITS = ("not set in the host pool: AVD sets session time limits in session-host "
                  "Group Policy, which govkit does not read")
_CLIPBOARD = "; RDP has one clipboard switch for both directions"
_FILES = ("files move to and from the agent's device through redirected drives (AVD has no "
          "separate file transfer switch): ")
# window channel -> the host pool attributes that decide it, and words put before them
_CHANNELS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "ClipboardOut": (("RedirectClipboard",), "", _CLIPBOARD),
    "ClipboardIn": (("RedirectClipboard",), "", _CLIPBOARD),
    "Download": (("RedirectDrives",), _FILES, ""),
    "Upload": (("RedirectDrives",), _FILES, ""),
    "Printing": (("RedirectPrinters",), "", ""),
    "DriveRedirection": (("RedirectDrives",), "", ""),
    "UsbRedirection": (("RedirectUsbDevices", "RedirectPnpDevices"), "", ""),
}
_KINDS = {"user": "user", "group": "group", "foreigngroup": "group",
          "serviceprincipal": "application"}


def windows(by_type: Mapping[str, Sequence[Resource]]) -> Iterator[Resource]:
    for pool in by_type.get(HOST_POOL, ()):
        yield _window(pool)


def _label(pool: Resource) -> str:
    group = pool.attributes.get("ResourceGroup") or "?"
    return f"AVD host pool {pool.name} ({pool.account}/{group})"


def _window(pool: Resource) -> Resource:
    builder = window(source=pool, platform="avd", label=_label(pool))
    for key, (attributes, before, after) in _CHANNELS.items():
        _channel(builder, pool, key, attributes, before, after)
    whole = pool.sources.get("Name") or pool.sources.get("Subscription", ())
    put(builder, "StorageConnectors", [], whole)
    for key in LIMITS:
        put(builder, key, Limit(None, NO_TIME_LIMITS), whole)
    _entitlements(builder, pool)
    return builder.build()


def _channel(builder: ResourceBuilder, pool: Resource, key: str, attributes: Sequence[str],
             before: str, after: str) -> None:
    failed = next((pool.failures[a] for a in attributes if a in pool.failures), None)
    missing = [a for a in attributes if a not in pool.attributes]
    if failed is None and missing:  # a host pool built elsewhere, without the reading
        failed = _absent(pool, missing[0], "rdp")
    if failed is not None:
        fail_all(builder, [key], failed)
        return
    readings: list[Mapping[str, Any]] = [pool.attributes[a] for a in attributes]
    refs: list[Ref] = [ref for a in attributes for ref in pool.sources.get(a, ())]
    put(builder, key, Channel(allowed=any(r["Allowed"] for r in readings),
                              explicit=all(r["Explicit"] for r in readings),
                              setting=before + "; ".join(r["Setting"] for r in readings) + after),
        refs)


def _absent(pool: Resource, attribute: str, operation: str) -> CallFailure:
    """A host pool built elsewhere, without ``attribute``: its window cannot be read."""
    return CallFailure.not_collected("avd", operation, f"the host pool has no {attribute}",
                                     call=f"{attribute} of {_label(pool)}")


def _entitlements(builder: ResourceBuilder, pool: Resource) -> None:
    failed = pool.failures.get("Assignments")
    if failed is None and "Assignments" not in pool.attributes:  # never "nobody" unread
        failed = _absent(pool, "Assignments", "ListRoleAssignments")
    if failed is not None:
        fail_all(builder, ["Entitlements"], failed)
        return
    seen: dict[str, dict[str, str]] = {}
    for assignment in pool.attributes["Assignments"] or []:
        principal = str(assignment.get("PrincipalId"))
        kind = str(assignment.get("PrincipalType") or "").casefold()
        seen.setdefault(principal, {
            "Kind": _KINDS.get(kind, kind or "unknown"), "System": "entra",
            "Name": str(assignment.get("DisplayName") or principal)})
    put(builder, "Entitlements", sorted(seen.values(), key=lambda e: (e["Kind"], e["Name"])),
        pool.sources.get("Assignments", ()))
