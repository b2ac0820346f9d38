"""AppStream 2.0 stacks as glass windows: one window per stack, with the fleet that serves it.

The stack decides what moves between the session and the agent's device: its ``UserSettings``
(an action left out is enabled, so it counts as allowed, not explicitly) give the clipboard in
both directions, file download and upload, and printing; file system redirection of local
drives works only while both FILE_UPLOAD and FILE_DOWNLOAD are enabled, so it is allowed
exactly when both are. Its storage connectors to Google Drive and OneDrive take files to
storage outside the hospital's accounts and are the window's StorageConnectors; home folders
are an S3 bucket in the stack's own account, judged by the S3 rules, and stay on the stack
resource only. The fleet decides the rest: USB devices are redirected only through the
fleet's ``UsbDeviceFilterStrings``, and its idle disconnect timeout, disconnect timeout and
maximum session duration are the window's limits. AppStream lets a stack stream from one fleet,
but ``ListAssociatedFleets`` answers a list: with several, the most permissive fleet decides.

Who may open the window: the user-pool users associated with the stack. Users who sign in
through SAML 2.0 federation are not associated with stacks in AppStream; an IAM role that
allows ``appstream:Stream`` on the stack, and the identity provider's assignment of it, decide
who they are, so the Entitlements of a stack carry a note saying so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.vdi.window import Channel, Limit, fail_all, put, window

STACK = "aws.appstream.stack"
FLEET = "aws.appstream.fleet"
TYPES = (STACK, FLEET)
_CHANNELS = {"ClipboardOut": "CLIPBOARD_COPY_TO_LOCAL_DEVICE",
             "ClipboardIn": "CLIPBOARD_COPY_FROM_LOCAL_DEVICE",
             "Download": "FILE_DOWNLOAD", "Upload": "FILE_UPLOAD",
             "Printing": "PRINTING_TO_LOCAL_DEVICE"}
_LIMITS = {"IdleTimeout": "IdleDisconnectTimeoutInSeconds",
           "DisconnectTimeout": "DisconnectTimeoutInSeconds",
           "MaxSession": "MaxUserDurationInSeconds"}
_FLEET_KEYS = ("UsbRedirection", *_LIMITS)
IN_ACCOUNT_CONNECTOR = "HOMEFOLDERS"  # an S3 bucket in the stack's account
FEDERATED_NOTE = ("AppStream associates only user-pool users with a stack; users federated "
                  "through SAML 2.0 reach it through an IAM role allowing appstream:Stream on "
                  "the stack, assigned in the identity provider, and are not listed here")


class Decided(NamedTuple):
    channel: Channel
    where: Ref


def windows(by_type: Mapping[str, Sequence[Resource]]) -> Iterator[Resource]:
    fleets = {(f.account, f.region, f.name): f for f in by_type.get(FLEET, ())}
    for stack in by_type.get(STACK, ()):
        yield _window(stack, fleets)


def _window(stack: Resource, fleets: Mapping[tuple[str, str, str], Resource]) -> Resource:
    builder = window(source=stack, platform="appstream",
                     label=f"AppStream stack {stack.name} ({stack.account}/{stack.region})")
    _user_settings(builder, stack)
    _storage_connectors(builder, stack)
    _entitlements(builder, stack)
    _fleet_settings(builder, stack, fleets)
    return builder.build()


def _user_settings(builder: ResourceBuilder, stack: Resource) -> None:
    failed = stack.failures.get("UserSettings")
    if failed is not None:
        fail_all(builder, [*_CHANNELS, "DriveRedirection"], failed)
        return
    settings: Sequence[Mapping[str, Any]] = stack.attributes.get("UserSettings") or []
    base = stack.sources["UserSettings"][0]
    decided = {action: decide(action, settings, base) for action in _CHANNELS.values()}
    for key, action in _CHANNELS.items():
        put(builder, key, decided[action].channel, decided[action].where)
    both = [decided["FILE_UPLOAD"], decided["FILE_DOWNLOAD"]]
    blocking = [d for d in both if not d.channel.allowed]
    deciding = blocking or both
    put(builder, "DriveRedirection", Channel(
        allowed=not blocking, explicit=all(d.channel.explicit for d in deciding),
        setting="; ".join(d.channel.setting for d in deciding) +
        " (file system redirection needs both FILE_UPLOAD and FILE_DOWNLOAD enabled)"),
        [d.where for d in deciding])


def decide(action: str, settings: Sequence[Mapping[str, Any]], base: Ref, *,
           named: str = "UserSettings", unset: str | None = None) -> Decided:
    """The permission of ``action``: its entry in the UserSettings list at ``base`` (the last,
    if repeated), or AppStream's default (enabled) when none sets it. ``named``: how the text
    names the list; ``unset``: the text when no entry sets it. WorkSpaces Pools, which stream
    as AppStream does, read their directory's UserSettings with it too."""
    found = [(i, s) for i, s in enumerate(settings) if s.get("Action") == action]
    if not found:
        return Decided(Channel(allowed=True, explicit=False, setting=unset or
                               f"not set: AppStream enables {action} by default"), base)
    index, entry = found[-1]
    permission = str(entry.get("Permission"))
    length = entry.get("MaximumLength")
    text = f"{named} {action} is {permission}" + \
        (f" (MaximumLength {length})" if length is not None else "")
    # anything but DISABLED lets data through: an unknown permission is not shown to block
    return Decided(Channel(allowed=permission != "DISABLED", setting=text),
                   Ref.within(base.file, base.pointer, f"/{index}"))


def _storage_connectors(builder: ResourceBuilder, stack: Resource) -> None:
    failed = stack.failures.get("StorageConnectors")
    if failed is not None:
        builder.fail("StorageConnectors", failed)
        return
    connectors = [{"Type": str(c.get("ConnectorType")), "Setting": _connector(c)}
                  for c in stack.attributes.get("StorageConnectors") or []
                  if c.get("ConnectorType") != IN_ACCOUNT_CONNECTOR]
    put(builder, "StorageConnectors", connectors, stack.sources["StorageConnectors"])


def _connector(connector: Mapping[str, Any]) -> str:
    text = f"StorageConnectors {connector.get('ConnectorType')}"
    if connector.get("ResourceIdentifier"):
        text += f" {connector['ResourceIdentifier']}"
    if connector.get("Domains"):
        text += f" for domains {', '.join(map(str, connector['Domains']))}"
    return text


def _entitlements(builder: ResourceBuilder, stack: Resource) -> None:
    failed = stack.failures.get("UserAssociations")
    if failed is not None:
        builder.fail("Entitlements", failed)
        return
    users = sorted({str(u.get("UserName")) for u in stack.attributes.get("UserAssociations")
                    or [] if u.get("UserName")})
    put(builder, "Entitlements", [{"Kind": "user", "System": "appstream", "Name": u}
                                  for u in users], stack.sources["UserAssociations"])
    builder.note(["Entitlements"], FEDERATED_NOTE)


def _fleet_settings(builder: ResourceBuilder, stack: Resource,
                    fleets: Mapping[tuple[str, str, str], Resource]) -> None:
    failed = stack.failures.get("Fleets")
    if failed is not None:
        fail_all(builder, _FLEET_KEYS, failed)
        return
    where = stack.sources["Fleets"]
    names: Sequence[str] = stack.attributes.get("Fleets") or []
    if not names:
        none = f"no fleet is associated with stack {stack.name}"
        put(builder, "UsbRedirection", Channel(
            allowed=False, explicit=False, setting=f"{none}, so no USB device is redirected"),
            where)
        for key, field in _LIMITS.items():
            put(builder, key, Limit(None, f"{none}, so no fleet sets {field}"), where)
        return
    serving: list[Resource] = []
    for name in names:
        fleet = fleets.get((stack.account, stack.region, name))
        if fleet is None:
            fail_all(builder, _FLEET_KEYS, _fleet_not_read(stack, name, where[0]))
            return
        serving.append(fleet)
    _usb(builder, serving, where)
    for key, field in _LIMITS.items():
        _limit(builder, key, field, serving, where)


def _fleet_not_read(stack: Resource, name: str, where: Ref) -> CallFailure:
    return CallFailure(
        call=f"appstream:DescribeFleets in {stack.account}/{stack.region}",
        operation="appstream:DescribeFleets", code="NotCollected",
        message=f"fleet {name}, associated with stack {stack.name}, is not among the fleets "
                f"DescribeFleets answered", file=where.file, pointer=where.pointer)


def _usb(builder: ResourceBuilder, fleets: Sequence[Resource], where: Sequence[Ref]) -> None:
    failed = next((f.failures["UsbDeviceFilterStrings"] for f in fleets
                   if "UsbDeviceFilterStrings" in f.failures), None)
    if failed is not None:
        builder.fail("UsbRedirection", failed)
        return
    refs = [r for f in fleets for r in f.sources.get("UsbDeviceFilterStrings", ())] + \
        list(where)
    allowing = [f for f in fleets if f.attributes.get("UsbDeviceFilterStrings")]
    if allowing:
        setting = "; ".join(f"fleet {f.name} UsbDeviceFilterStrings is "
                            f"{list(f.attributes['UsbDeviceFilterStrings'])}" for f in allowing)
        put(builder, "UsbRedirection", Channel(allowed=True, setting=setting), refs)
        return
    setting = "; ".join(f"not set: fleet {f.name} has no UsbDeviceFilterStrings, so AppStream "
                        f"redirects no USB device" for f in fleets)
    put(builder, "UsbRedirection", Channel(allowed=False, explicit=False, setting=setting),
        refs)


def _limit(builder: ResourceBuilder, key: str, field: str, fleets: Sequence[Resource],
           where: Sequence[Ref]) -> None:
    failed = next((f.failures[field] for f in fleets if field in f.failures), None)
    if failed is not None:
        builder.fail(key, failed)
        return
    each = [_fleet_limit(f.name, field, f.attributes.get(field)) for f in fleets]
    minutes = [m for m, _ in each]
    worst = None if None in minutes else max(m for m in minutes if m is not None)
    refs = [r for f in fleets for r in f.sources.get(field, ())] + list(where)
    put(builder, key, Limit(worst, "; ".join(text for _, text in each)), refs)


def _fleet_limit(fleet: str, field: str, seconds: Any) -> tuple[int | None, str]:
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        if field == "IdleDisconnectTimeoutInSeconds":
            return None, (f"not set: fleet {fleet} has no {field}, and AppStream's default, 0, "
                          "never disconnects idle users")
        return None, f"not set: the DescribeFleets answer gives no {field} for fleet {fleet}"
    if field == "IdleDisconnectTimeoutInSeconds":
        if seconds <= 0:
            return None, f"fleet {fleet} {field} is {seconds}: idle users are never disconnected"
        # AppStream rounds to the nearest minute, a half minute up
        return (seconds + 30) // 60, f"fleet {fleet} {field} is {seconds}"
    return -(-seconds // 60), f"fleet {fleet} {field} is {seconds}"
