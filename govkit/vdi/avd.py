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
sessions", ...), REG_DWORD values in milliseconds which the session-host export gives
(govkit.sources.avd.sessionhosts, the ``session_hosts`` key of the avd section):

``IdleTimeout``   ``MaxIdleTime``
``DisconnectTimeout``  ``MaxDisconnectionTime``
``MaxSession``    ``MaxConnectionTime``

each the weakest of the host pool's session hosts, since an agent may land on any of them: a
host where the value is not set (or 0) means no limit, which beats any number; else the
longest. Milliseconds become minutes, a partial minute rounded up so that a limit is never
understated; the setting names the value and the host, and the attribute points at that host's
value in the export. Without the export, or when it lists no session host of the pool, or when
a host's value is not a whole number of milliseconds, the limit is unknown: rules on it are
ERROR saying why, never PASS or FAIL. The same Group Policy can also restrict redirection
further than the host pool does; govkit judges the host pool alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.sources.avd.hostpool import HOST_POOL
from govkit.sources.avd.sessionhosts import REGISTRY_KEY
from govkit.vdi.window import LIMITS, Channel, Limit, fail_all, put, window

TYPES = (HOST_POOL,)
# window limit -> the session-host registry value that sets it, and what "no limit" means
_LIMITS = {"IdleTimeout": ("MaxIdleTime", "no idle time limit"),
           "DisconnectTimeout": ("MaxDisconnectionTime", "no limit on disconnected sessions"),
           "MaxSession": ("MaxConnectionTime", "no session length limit")}
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
        _limit(builder, pool, key)
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


def _limit(builder: ResourceBuilder, pool: Resource, key: str) -> None:
    """Window limit ``key`` from the weakest of the pool's session hosts."""
    value_name, unlimited = _LIMITS[key]
    failed = pool.failures.get(value_name)
    if failed is None and not pool.attributes.get(value_name):  # a host pool built elsewhere
        failed = _absent(pool, value_name, "ReadSessionHostPolicies")
    if failed is not None:
        fail_all(builder, [key], failed)
        return
    readings: list[Mapping[str, Any]] = list(pool.attributes[value_name])
    refs = pool.sources.get(value_name, ())
    # no limit (not set, or 0) beats any number; else the longest; the first host of equals
    weakest = max(range(len(readings)), key=lambda i: (
        not readings[i]["Milliseconds"], readings[i]["Milliseconds"] or 0, -i))
    host, ms = readings[weakest]["SessionHost"], readings[weakest]["Milliseconds"]
    where = f"on session host {host} under {REGISTRY_KEY}"
    if len(readings) > 1:
        where += (f", the longest of the host pool's {len(readings)} session hosts" if ms
                  else f", one of the host pool's {len(readings)} session hosts")
    source = (refs[weakest],) if len(refs) == len(readings) else refs
    if not ms:
        state = "not set" if ms is None else "0"
        put(builder, key, Limit(None, f"{value_name} is {state} {where}: {unlimited}"), source)
        return
    minutes = -(-ms // 60000)  # a partial minute counts as a whole one
    exact = _duration(ms) if ms % 60000 else _plural(minutes, "minute")
    if ms % 60000:
        exact += f", counted as {_plural(minutes, 'minute')}"
    put(builder, key, Limit(minutes, f"{value_name} is {ms} ms ({exact}) {where}"), source)


def _duration(ms: int) -> str:
    """``ms`` in minutes and seconds, exactly: "15 minutes 30 seconds", "0.5 seconds"."""
    minutes, rest = divmod(ms, 60000)
    seconds = f"{rest // 1000}.{rest % 1000:03d}".rstrip("0").rstrip(".")
    return " ".join([*([_plural(minutes, "minute")] if minutes else []),
                     f"{seconds} second{'' if seconds == '1' else 's'}"])


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


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
