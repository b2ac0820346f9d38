"""The glass window, whatever platform draws it: one shape every VDI platform is mapped into.

An outsourced agent reaches PHI through a *window*: an AppStream stack (with the fleet that
serves it), a WorkSpaces pool, a Secure Browser portal, an Azure Virtual Desktop host pool, a
Citrix delivery group. Each platform says in its own words whether data can leave the session;
each is mapped here into the same ``vdi.window`` resource, so one rule per control judges them
all (``vdi-clipboard-out-blocked`` reads ``ClipboardOut`` of every window, not one rule per
platform saying the same thing).

A window's attributes:

``Platform``      appstream | workspaces-pools | workspaces-web | avd | citrix
``Window``        how findings name it: "AppStream stack nbh-phi-desk (111122223333/us-east-1)"
``Source``        the id of the platform resource it was mapped from
each channel of :data:`CHANNELS` a :class:`Channel` as a mapping:
                  ``{"Allowed": bool, "Offered": bool, "Explicit": bool, "Setting": str}``
``StorageConnectors``  the connectors that move files to storage outside the session, each
                  ``{"Type": ..., "Setting": ...}`` (empty: none)
``IdleTimeout``, ``DisconnectTimeout``, ``MaxSession``  a :class:`Limit` as a mapping:
                  ``{"Minutes": int | None, "Offered": bool, "Setting": str}`` (None: no
                  limit is set; Offered False: the platform has no such limit)
``Entitlements``  who may open the window, each ``{"Kind": ..., "Name": ...}``: an identity
                  provider group or application, a user, an Entra group object id, a Citrix
                  account name; the vendor matrix matches them to each vendor's agents

Every attribute keeps the records of the platform settings it was read from; a setting that
could not be read fails the attribute with that call, so a rule reading it is ERROR, never
PASS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govkit.inventory.model import CallFailure, Resource, ResourceBuilder, Source

WINDOW = "vdi.window"
PLATFORMS = ("appstream", "workspaces-pools", "workspaces-web", "avd", "citrix")
# the ways data leaves a session for the agent's own device
CHANNELS = ("ClipboardOut", "ClipboardIn", "Download", "Upload", "Printing",
            "DriveRedirection", "UsbRedirection")
LIMITS = ("IdleTimeout", "DisconnectTimeout", "MaxSession")
CHANNEL_NAMES = {"ClipboardOut": "clipboard from the session to the agent's device",
                 "ClipboardIn": "clipboard from the agent's device into the session",
                 "Download": "file download to the agent's device",
                 "Upload": "file upload from the agent's device",
                 "Printing": "printing to the agent's local printers",
                 "DriveRedirection": "redirection of the agent's local drives",
                 "UsbRedirection": "redirection of the agent's USB devices"}


@dataclass(frozen=True)
class Channel:
    """One way out of the session. ``offered`` False: the platform has no such channel at
    all (WorkSpaces Pools have no file download), so it cannot be allowed. ``explicit`` False:
    nothing sets it and the platform's default applies (an AppStream action left out of
    ``UserSettings`` is enabled). ``setting`` says, in the platform's words, what decided it:
    "UserSettings CLIPBOARD_COPY_TO_LOCAL_DEVICE is ENABLED"."""

    allowed: bool
    setting: str
    explicit: bool = True
    offered: bool = True

    @classmethod
    def absent(cls, setting: str) -> Channel:
        return cls(allowed=False, setting=setting, explicit=True, offered=False)

    def to_json(self) -> dict[str, Any]:
        return {"Allowed": self.allowed, "Offered": self.offered, "Explicit": self.explicit,
                "Setting": self.setting}


@dataclass(frozen=True)
class Limit:
    """A session time limit in minutes (None: nothing limits it) and what set it.
    ``offered`` False: the platform has no such limit at all (a Secure Browser portal has no
    maximum session length), so the rule on it does not apply there."""

    minutes: int | None
    setting: str
    offered: bool = True

    @classmethod
    def absent(cls, setting: str) -> Limit:
        return cls(minutes=None, setting=setting, offered=False)

    def to_json(self) -> dict[str, Any]:
        return {"Minutes": self.minutes, "Offered": self.offered, "Setting": self.setting}


Value = Channel | Limit | Sequence[Mapping[str, str]] | str


def window(*, source: Resource, platform: str, label: str) -> ResourceBuilder:
    """A builder for the window mapped from platform resource ``source``: same account and
    region, id ``vdi:<source id>``. Set every channel, limit, StorageConnectors and
    Entitlements on it (:func:`put`, or ``fail`` with the call that kept one unknown)."""
    if platform not in PLATFORMS:
        raise ValueError(f"unknown VDI platform {platform!r}")
    builder = ResourceBuilder(id=f"vdi:{source.id}", type=WINDOW, account=source.account,
                              region=source.region, name=source.name)
    # the platform resource's first record (a window of a resource no answer gave has its
    # failure's)
    whole: Source = next(iter(source.sources.values()), ()) or \
        next(((ref,) for failure in source.failures.values() if (ref := failure.ref)), ())
    builder.set("Platform", platform, whole)
    builder.set("Window", label, whole)
    builder.set("Source", source.id, whole)
    builder.set_tags(dict(source.tags), source.sources.get("Tags", whole))
    if "Tags" in source.failures:
        builder.fail("Tags", source.failures["Tags"])
    return builder


def put(builder: ResourceBuilder, key: str, value: Value, source: Source) -> None:
    """Set window attribute ``key`` from the records ``source`` of the setting that decided
    it."""
    data: Any
    if isinstance(value, (Channel, Limit)):
        data = value.to_json()
    elif isinstance(value, str):
        data = value
    else:
        data = [dict(item) for item in value]
    builder.set(key, data, source)


def fail_all(builder: ResourceBuilder, keys: Sequence[str], failure: CallFailure) -> None:
    """Every attribute of ``keys`` unknown, because of ``failure``."""
    for key in keys:
        builder.fail(key, failure)
