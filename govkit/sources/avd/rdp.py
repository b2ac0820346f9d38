"""A host pool's custom RDP properties (``customRdpProperty``), parsed, and what each
redirection property means for the glass window.

The string is a ``;``-separated list of ``name:type:value`` entries, as an ``.rdp`` file has
them one per line: ``audiocapturemode:i:0;drivestoredirect:s:;redirectclipboard:i:0;``.
Parsing follows the Remote Desktop client's reading:

- each entry is split on its first two colons only, so a value may hold colons
  (``full address:s:host:3389``); names, types and values are trimmed of whitespace;
  names compare without regard to case; empty entries (a trailing ``;``) are skipped;
- the types AVD accepts are ``i`` (an integer) and ``s`` (a string, which may be empty:
  ``drivestoredirect:s:`` redirects no drives);
- the list-valued string properties (``drivestoredirect``, ``usbdevicestoredirect``,
  ``devicestoredirect``, ``camerastoredirect``) take several items separated by ``;`` too,
  as Microsoft documents them (``drivestoredirect:s:C\\:;E\\:;``): a piece that is no
  ``name:type:value`` entry right after one of them continues its list, unless it starts with
  the name of a redirection property (``redirectclipboard:0`` is a malformed entry);
- the same name twice: the last one applies, as the client reads them; when the values
  differ the reading says so ("... is set 2 times ...: the last one applies");
- a malformed entry (no ``name:type:value``, another type, an ``i`` entry that is no integer,
  a known property written with the other type) is kept in ``malformed`` with what is wrong.
  It is never dropped silently: whatever it may concern (the property it names, or every
  property when its name cannot be read) is unknown, so the host pool attributes it feeds
  fail (govkit.sources.avd.hostpool), and rules on them are ERROR, never PASS.

Defaults, when a property is not set, are those of Microsoft's "Supported RDP properties"
(learn.microsoft.com/azure/virtual-desktop/rdp-properties): the client redirects the clipboard
(``redirectclipboard`` 1), all drives (``drivestoredirect`` ``*``), printers, all USB devices
(``usbdevicestoredirect`` ``*``), all MTP/PTP devices (``devicestoredirect`` ``*``), COM ports,
smart cards and WebAuthn (all 1), and no camera (``camerastoredirect`` none), microphone
(``audiocapturemode`` 0) or location (``redirectlocation`` 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

TYPES = ("i", "s")
_INTEGER = re.compile(r"[+-]?\d+")
_LEADING_NAME = re.compile(r"[A-Za-z][A-Za-z ]*")


@dataclass(frozen=True)
class Entry:
    """One well-formed entry, as written (``text``) and read."""

    name: str
    type: str
    value: str
    text: str

    @property
    def key(self) -> str:
        return self.name.casefold()

    def to_json(self) -> dict[str, Any]:
        return {"Name": self.name, "Type": self.type, "Value": self.value, "Text": self.text}


@dataclass(frozen=True)
class Malformed:
    """An entry the client cannot read as ``name:type:value``, and why."""

    text: str
    problem: str

    @property
    def concerns(self) -> str | None:
        """The property it may be about (casefolded), or None when no name can be read."""
        name = self.text.partition(":")[0].strip() if ":" in self.text else \
            (match.group(0).strip() if (match := _LEADING_NAME.match(self.text)) else "")
        return name.casefold() or None

    def to_json(self) -> dict[str, str]:
        return {"Text": self.text, "Problem": self.problem}


@dataclass(frozen=True)
class RdpProperties:
    entries: tuple[Entry, ...]
    malformed: tuple[Malformed, ...]

    def all(self, name: str) -> list[Entry]:
        key = name.casefold()
        return [entry for entry in self.entries if entry.key == key]

    def troubles(self, name: str) -> list[Malformed]:
        """The malformed entries that may concern property ``name``."""
        key = name.casefold()
        return [bad for bad in self.malformed if bad.concerns in (key, None)]


@dataclass(frozen=True)
class Redirection:
    """What one RDP property redirects from the agent's device, and its documented default
    (``default`` None: nothing is redirected when it is not set)."""

    name: str
    type: str
    thing: str
    default: str | None
    attribute: str  # the host pool attribute holding its reading


REDIRECTIONS: tuple[Redirection, ...] = (
    Redirection("redirectclipboard", "i", "the clipboard", "1", "RedirectClipboard"),
    Redirection("drivestoredirect", "s", "drives", "*", "RedirectDrives"),
    Redirection("redirectprinters", "i", "printers", "1", "RedirectPrinters"),
    Redirection("usbdevicestoredirect", "s", "USB devices", "*", "RedirectUsbDevices"),
    Redirection("devicestoredirect", "s", "MTP and PTP devices such as phones and cameras", "*",
                "RedirectPnpDevices"),
    Redirection("camerastoredirect", "s", "cameras", None, "RedirectCameras"),
    Redirection("redirectcomports", "i", "serial (COM) ports", "1", "RedirectComPorts"),
    Redirection("redirectsmartcards", "i", "smart cards", "1", "RedirectSmartCards"),
    Redirection("audiocapturemode", "i", "the microphone", "0", "RedirectMicrophone"),
    Redirection("redirectlocation", "i", "the location", "0", "RedirectLocation"),
    Redirection("redirectwebauthn", "i", "WebAuthn requests", "1", "RedirectWebAuthn"),
)
BY_NAME = {r.name: r for r in REDIRECTIONS}
# string properties whose value is a ';'-separated list of their own
LISTS = frozenset({"drivestoredirect", "usbdevicestoredirect", "devicestoredirect",
                   "camerastoredirect"})
_LATER = {"drivestoredirect": "dynamicdrives", "devicestoredirect": "dynamicdevices"}


def parse(text: str | None) -> RdpProperties:
    """The entries of a ``customRdpProperty`` string (None or "": none)."""
    entries: list[Entry] = []
    malformed: list[Malformed] = []
    last_was_list = False
    for raw in (text or "").split(";"):
        piece = raw.strip()
        if not piece:
            continue
        parsed = _entry(piece)
        if isinstance(parsed, Entry):
            entries.append(parsed)
            last_was_list = parsed.key in LISTS and parsed.type == "s"
        elif last_was_list and parsed.problem == _NO_TRIPLE and parsed.concerns not in BY_NAME:
            previous = entries[-1]
            entries[-1] = replace(previous, value=f"{previous.value};{piece}",
                                  text=f"{previous.text};{piece}")
        else:
            malformed.append(parsed)
            last_was_list = False
    return RdpProperties(tuple(entries), tuple(malformed))


_NO_TRIPLE = "not a name:type:value entry"


def _entry(piece: str) -> Entry | Malformed:
    name, _, rest = piece.partition(":")
    kind, second, value = rest.partition(":")
    if not second:
        return Malformed(piece, _NO_TRIPLE)
    name, kind, value = name.strip(), kind.strip(), value.strip()
    if not name:
        return Malformed(piece, "no property name before the first ':'")
    if kind not in TYPES:
        return Malformed(piece, f"type '{kind}' is neither i (integer) nor s (string)")
    if kind == "i" and not _INTEGER.fullmatch(value):
        return Malformed(piece, f"an i (integer) property with the value '{value}'")
    known = BY_NAME.get(name.casefold())
    if known is not None and known.type != kind:
        return Malformed(piece, f"{known.name} takes type {known.type}, not {kind}")
    return Entry(name, kind, value, piece)


@dataclass(frozen=True)
class Reading:
    """Whether a redirection is on, whether an entry says so (``explicit``), and the words
    that decided it, quoting the entry as written."""

    property: str
    allowed: bool
    explicit: bool
    setting: str

    def to_json(self) -> dict[str, Any]:
        return {"Property": self.property, "Allowed": self.allowed,
                "Explicit": self.explicit, "Setting": self.setting}


def read(properties: RdpProperties, redirection: Redirection) -> Reading | list[Malformed]:
    """The reading of one redirection property, or the malformed entries that leave it
    unknown."""
    troubles = properties.troubles(redirection.name)
    if troubles:
        return troubles
    found = properties.all(redirection.name)
    if not found:
        return Reading(redirection.name, _on(redirection, redirection.default), False,
                       _unset(redirection))
    last = found[-1]
    setting = _meaning(redirection, last)
    if len({entry.value for entry in found}) > 1:
        setting += (f"; {redirection.name} is set {len(found)} times "
                    f"({', '.join(entry.text for entry in found)}): the last one applies, as "
                    "the Remote Desktop client reads them")
    return Reading(redirection.name, _on(redirection, last.value), True, setting)


def _on(redirection: Redirection, value: str | None) -> bool:
    if value is None:
        return False
    if redirection.type == "i":
        return int(value) != 0  # any value but 0 is taken as on: only 0 is documented as off
    return value != ""


def _meaning(redirection: Redirection, entry: Entry) -> str:
    thing, value = redirection.thing, entry.value
    if redirection.type == "i":
        verb = "is" if thing.startswith("the ") else "are"
        state = "redirected" if _on(redirection, value) else "not redirected"
        return f"{entry.text} ({thing} {verb} {state})"
    if value == "":
        return f"{entry.text} (no {thing})"
    if value == "*":
        return f"{entry.text} (all {thing}, including those connected later)"
    if value.casefold() == _LATER.get(redirection.name):
        return f"{entry.text} ({thing} connected later)"
    return f"{entry.text} (the {thing} listed)"


def _unset(redirection: Redirection) -> str:
    head = f"{redirection.name} not set: the Remote Desktop client"
    if redirection.default is None or redirection.default == "0":
        return f"{head} redirects no {redirection.thing.removeprefix('the ')} by default" \
            if redirection.type == "s" else \
            f"{head} does not redirect {redirection.thing} by default"
    if redirection.type == "s":
        return f"{head} redirects all {redirection.thing} by default ({redirection.default})"
    return f"{head} redirects {redirection.thing} by default"
