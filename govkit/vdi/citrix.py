"""Citrix delivery groups as glass windows.

A delivery group's window is decided by the value in force of the Citrix policy settings on
it (``EffectiveSettings`` of a ``citrix.delivery_group``: the highest-priority policy applying
to the group that sets the setting, else Citrix's documented default;
govkit.sources.citrix.resolve). A policy that may apply to only some sessions of the group
(it has assignments govkit does not evaluate) adds its value as a possible one, and each
channel is judged on the most permissive possible value.

- ClipboardOut (session to device): Client clipboard redirection (``ClipboardRedirection``)
  allowed and either ``RestrictClientClipboardWrite`` not enabled ("If this setting is set to
  Enabled, host clipboard data cannot be shared with client endpoint") or enabled with formats
  listed in ``ClientClipboardWriteAllowedFormats``: clipboard restricted to plain text is
  still allowed, the formats in the setting text.
- ClipboardIn (device to session): the same with ``RestrictSessionClipboardWrite`` ("client
  clipboard data cannot be shared within the user session") and
  ``SessionClipboardWriteAllowedFormats``.
- Download: file transfer of Citrix Workspace app for HTML5/ChromeOS (``AllowFileTransfer``
  and ``AllowFileDownload``), or client drive mapping: ``ClientDriveRedirection``, a kind of
  client drive allowed (fixed, removable, network, optical, floppy) and the mapped drives not
  read-only (``ReadOnlyMappedDrive``).
- Upload: ``AllowFileTransfer`` and ``AllowFileUpload``, or client drive mapping (reading a
  read-only mapped drive still brings files in).
- Printing: ``ClientPrinterRedirection`` (whatever ``ClientPrinterAutoCreation`` creates, users
  can map client printers while redirection is allowed), or the Citrix PDF printer
  (``AutoCreatePDFPrinter``), which writes the print job as a PDF on the device.
- DriveRedirection: ``ClientDriveRedirection`` and any kind of client drive allowed.
- UsbRedirection: ``UsbDeviceRedirection`` (generic USB, including mass storage), or
  ``UsbPlugAndPlayRedirection`` (PTP/MTP devices such as cameras and phones, which carry files).
- IdleTimeout, DisconnectTimeout, MaxSession: the session timers of the group's kind of VDA
  (govkit.sources.citrix.catalogue.TIMERS): single-session Session idle timer, Disconnected
  session timer and Session connection timer with their intervals; multi-session the
  ``EnableServer...Timer`` settings. A disabled timer is no limit.
- StorageConnectors: none. Citrix policies have no setting that connects a session to cloud
  storage; file paths out of a session are the channels above.
- Entitlements: the users and groups the group's enabled access policies let in
  (``{"Kind": "group"|"user", "System": "citrix", "Name": "NBH\\Meridian-Agents"}``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from govkit.inventory.model import CallFailure, Ref, Resource
from govkit.sources.citrix.catalogue import DRIVE_KINDS, TIMERS
from govkit.sources.citrix.group import GROUP
from govkit.sources.citrix.resolve import NOT_SET
from govkit.vdi.window import CHANNELS, LIMITS, Channel, Limit, fail_all, put, window

TYPES = (GROUP,)
_DRIVES = "ClientDriveRedirection"
_READ_ONLY = "ReadOnlyMappedDrive"


def windows(by_type: Mapping[str, Sequence[Resource]]) -> Iterator[Resource]:
    for group in by_type.get(GROUP, ()):
        yield _window(group)


def _window(group: Resource) -> Resource:
    builder = window(source=group, platform="citrix",
                     label=f"Citrix delivery group {group.name} ({group.account})")
    listed = group.sources.get("Name", ()) or group.sources.get("DeliveryGroupId", ())
    put(builder, "StorageConnectors", [], listed)
    users = group.failures.get("Users")
    if users is None and "Users" not in group.attributes:  # never "nobody" unread
        users = CallFailure.not_collected("citrix", "ReadPolicyExport",
                                          "the delivery group has no Users",
                                          call=f"Users of Citrix delivery group {group.name}")
    if users is not None:
        builder.fail("Entitlements", users)
    else:
        put(builder, "Entitlements", [
            {"Kind": str(user["Kind"]), "System": "citrix", "Name": str(user["Name"])}
            for user in group.attributes["Users"] or []], group.sources.get("Users", ()))
    failure = group.failures.get("EffectiveSettings")
    if failure is not None:
        fail_all(builder, [*CHANNELS, *LIMITS], failure)
        return builder.build()
    view = _View(group)
    for key, decide in _DECIDERS.items():
        channel, names = decide(view)
        put(builder, key, channel, view.refs(names))
    support = group.failures.get("SessionSupport")
    if support is not None:
        fail_all(builder, LIMITS, support)
    else:
        for key, (timer, interval) in TIMERS[str(group.attributes["SessionSupport"])].items():
            limit, names = _limit(view, timer, interval)
            put(builder, key, limit, view.refs(names))
    return builder.build()


class _View:
    """The effective settings of one delivery group, each with its possible values."""

    def __init__(self, group: Resource) -> None:
        self.settings: Mapping[str, Mapping[str, Any]] = group.attributes["EffectiveSettings"]
        self.sources = group.sources

    def values(self, name: str) -> list[Any]:
        found = self.settings[name]
        return [found["Value"], *(c["Value"] for c in found["Conditional"])]

    def can(self, name: str, wanted: bool) -> bool:
        return any(bool(value) is wanted for value in self.values(name))

    def text(self, names: Sequence[str]) -> str:
        """The settings' texts; settings left at the same default are named together."""
        parts: list[str | list[str]] = []
        defaults: dict[str, list[str]] = {}  # default words -> the settings left at them
        for name in dict.fromkeys(names):
            found = self.settings[name]
            text = str(found["Text"])
            words = text.removeprefix(f"{name}{NOT_SET}")
            if found["Policy"] is not None or found["Conditional"] or words == text:
                parts.append(text)
            elif words in defaults:
                defaults[words].append(name)
            else:
                defaults[words] = [name]
                parts.append([words])
        return "; ".join(part if isinstance(part, str) else _defaults(defaults[part[0]], part[0])
                         for part in parts)

    def explicit(self, names: Sequence[str]) -> bool:
        return any(self.settings[name]["Policy"] is not None for name in names)

    def refs(self, names: Sequence[str]) -> list[Ref]:
        found = [ref for name in dict.fromkeys(names)
                 for ref in self.sources.get(f"EffectiveSettings.{name}", ())]
        return list(dict.fromkeys(found)) or list(self.sources.get("EffectiveSettings", ()))

    def channel(self, allowed: bool, names: Sequence[str], text: str | None = None) -> Channel:
        return Channel(allowed=allowed, setting=text or self.text(names),
                       explicit=self.explicit(names))


def _defaults(names: Sequence[str], words: str) -> str:
    if len(names) == 1:
        return f"{names[0]}{NOT_SET}{words}"
    return f"{', '.join(names)}{NOT_SET}{words.replace(' it ', ' them ')}"


Decision = tuple[Channel, list[str]]


def _clipboard(restrict: str, formats: str) -> Callable[[_View], Decision]:
    def decide(view: _View) -> Decision:
        names = ["ClipboardRedirection"]
        if not view.can("ClipboardRedirection", True):
            return view.channel(False, names), names
        names.append(restrict)
        if view.can(restrict, False):
            return view.channel(True, names), names
        names.append(formats)
        listed = sorted({f for value in view.values(formats) for f in value or []})
        return view.channel(bool(listed), names), names
    return decide


def _transfer(view: _View, direction: str) -> tuple[bool, list[str]]:
    own = f"AllowFile{direction}"
    if not view.can("AllowFileTransfer", True):
        return False, ["AllowFileTransfer"]
    return view.can(own, True), ["AllowFileTransfer", own]


def _drives(view: _View, writable: bool) -> tuple[bool, list[str]]:
    if not view.can(_DRIVES, True):
        return False, [_DRIVES]
    kinds = [kind for kind in DRIVE_KINDS if view.can(kind, True)]
    if not kinds:
        return False, [_DRIVES, *DRIVE_KINDS]
    if writable and not view.can(_READ_ONLY, False):
        return False, [_DRIVES, _READ_ONLY]
    return True, [_DRIVES, *kinds, *([_READ_ONLY] if writable else [])]


def _files(direction: str) -> Callable[[_View], Decision]:
    def decide(view: _View) -> Decision:
        transfer, by_transfer = _transfer(view, direction)
        drives, by_drives = _drives(view, writable=direction == "Download")
        text = f"file transfer (Citrix Workspace app for HTML5 and ChromeOS): " \
               f"{view.text(by_transfer)}; client drive mapping: {view.text(by_drives)}"
        names = [*by_transfer, *by_drives]
        return view.channel(transfer or drives, names, text), names
    return decide


def _printing(view: _View) -> Decision:
    names = ["ClientPrinterRedirection"]
    printers = view.can("ClientPrinterRedirection", True)
    if printers:
        names.append("ClientPrinterAutoCreation")
    names.append("AutoCreatePDFPrinter")
    return view.channel(printers or view.can("AutoCreatePDFPrinter", True), names), names


def _drive_redirection(view: _View) -> Decision:
    allowed, names = _drives(view, writable=False)
    return view.channel(allowed, names), names


def _usb(view: _View) -> Decision:
    names = ["UsbDeviceRedirection", "UsbPlugAndPlayRedirection"]
    allowed = any(view.can(name, True) for name in names)
    return view.channel(allowed, names), names


_DECIDERS: Mapping[str, Callable[[_View], Decision]] = {
    "ClipboardOut": _clipboard("RestrictClientClipboardWrite",
                               "ClientClipboardWriteAllowedFormats"),
    "ClipboardIn": _clipboard("RestrictSessionClipboardWrite",
                              "SessionClipboardWriteAllowedFormats"),
    "Download": _files("Download"),
    "Upload": _files("Upload"),
    "Printing": _printing,
    "DriveRedirection": _drive_redirection,
    "UsbRedirection": _usb,
}


def _limit(view: _View, timer: str, interval: str) -> tuple[Limit, list[str]]:
    """The longest possible limit: none if the timer may be disabled."""
    if view.can(timer, False):
        return Limit(None, view.text([timer])), [timer]
    names = [timer, interval]
    minutes = max(int(value) for value in view.values(interval))
    return Limit(minutes, view.text(names)), names
