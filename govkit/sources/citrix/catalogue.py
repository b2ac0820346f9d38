"""The Citrix policy settings govkit reads: their kind, how the GPO REST API writes their value,
and what Citrix does when no policy applying to a delivery group sets them.

Setting names are the internal names the Citrix DaaS REST API (``SettingName``) and the
``citrix/terraform-provider-citrix`` policy resources use. Values, as ``GET /gpo/policies``
returns them in ``SettingValue``:

- ``allowed`` and ``enabled`` settings are booleans: "True"/"False" (case does not matter; the
  Terraform provider also reads "1"/"0"). Studio shows the first kind as Allowed/Prohibited,
  the second as Enabled/Disabled;
- ``minutes`` settings are a whole number of minutes, as text ("30");
- ``formats`` settings are a JSON array of clipboard format names, as text
  (``["CF_TEXT","CF_UNICODETEXT"]``);
- ``choice`` settings are one word of a fixed list.

``UseDefault`` true means the policy sets the setting to its default value (the API ignores
``SettingValue`` then): the policy still wins over lower-priority ones.

Each default is quoted from Citrix's documentation: the setting descriptions the Terraform
provider reproduces from Citrix (``internal/daas/policies/policy_set_resource.md``), the
Citrix Virtual Apps and Desktops policy reference (docs.citrix.com, "File Redirection policy
settings", "Clipboard redirection > Configuration", "USB devices > Configuration").
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

ALLOWED = "allowed"
ENABLED = "enabled"
MINUTES = "minutes"
FORMATS = "formats"
CHOICE = "choice"
_DIGITS = re.compile(r"[0-9]{1,9}")


class ValueProblem(ValueError):
    """A setting value that does not read as its kind says."""


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its kind, Citrix's default, the words for that default, and the quote."""

    name: str
    kind: str
    default: Any
    default_words: str  # completes "NAME not set by any policy applying to the group: ..."
    documented: str  # Citrix's own words for the default
    choices: tuple[str, ...] = ()

    def parse(self, raw: Any) -> Any:
        """The value of ``SettingValue`` ``raw``; ValueProblem when it is not one."""
        text = raw.strip() if isinstance(raw, str) else raw
        if self.kind in (ALLOWED, ENABLED):
            if isinstance(text, bool):
                return text
            if isinstance(text, str) and text.casefold() in ("true", "1"):
                return True
            if isinstance(text, str) and text.casefold() in ("false", "0"):
                return False
            raise ValueProblem(f"{self.name} is a yes/no setting: its value must be \"True\" "
                               f"or \"False\", not {json.dumps(raw)}")
        if self.kind == MINUTES:
            if isinstance(text, str) and _DIGITS.fullmatch(text):
                return int(text)
            if isinstance(text, int) and not isinstance(text, bool) and text >= 0:
                return text
            raise ValueProblem(f"{self.name} is a number of minutes, not {json.dumps(raw)}")
        if self.kind == FORMATS:
            return _formats(self.name, raw)
        if isinstance(text, str) and text in self.choices:
            return text
        raise ValueProblem(f"{self.name} must be one of {', '.join(self.choices)}, not "
                           f"{json.dumps(raw)}")

    def show(self, value: Any) -> str:
        """The value in Studio's words: Allowed, Prohibited, Enabled, 30 minutes, CF_TEXT."""
        if self.kind == ALLOWED:
            return "Allowed" if value else "Prohibited"
        if self.kind == ENABLED:
            return "Enabled" if value else "Disabled"
        if self.kind == MINUTES:
            return f"{value} minutes"
        if self.kind == FORMATS:
            return ", ".join(value) if value else "no formats"
        return str(value)


def _formats(name: str, raw: Any) -> list[str]:
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueProblem(f"{name} is a list of clipboard formats written as a JSON array "
                           f"(\"[\\\"CF_TEXT\\\"]\"), not {json.dumps(raw)}")
    return sorted({item.strip() for item in value if item.strip()})


def _spec(name: str, kind: str, default: Any, words: str, documented: str,
          choices: tuple[str, ...] = ()) -> SettingSpec:
    return SettingSpec(name, kind, default, words, documented, choices)


_NOT_LOGGED_OFF = ("By default, this timer is disabled, and disconnected sessions are not "
                   "logged off.")
_PERIOD = "By default, the time period is 1440 minutes (24 hours)."
_DURATION = "By default, the maximum duration is 1440 minutes (24 hours)."


def _timer(name: str, enabled: bool, documented: str) -> SettingSpec:
    words = "enables" if enabled else "disables"
    return _spec(name, ENABLED, enabled, f"Citrix {words} this timer by default", documented)


def _interval(name: str, documented: str) -> SettingSpec:
    return _spec(name, MINUTES, DEFAULT_MINUTES, "Citrix uses 1440 minutes by default",
                 documented)


_DRIVE_KINDS = {"ClientFixedDrives": "fixed", "ClientRemoveableDrives": "removable",
                "ClientNetworkDrives": "network", "ClientOpticalDrives": "optical",
                "ClientFloppyDrives": "floppy"}
DRIVE_KINDS = tuple(_DRIVE_KINDS)
DEFAULT_MINUTES = 1440

_SPECS = (
    _spec("ClipboardRedirection", ALLOWED, True, "Citrix allows it by default",
          "By default, clipboard redirection is allowed."),
    _spec("RestrictClientClipboardWrite", ENABLED, False,
          "Citrix does not restrict writes to the client clipboard by default",
          "If this setting is set to Enabled, host clipboard data cannot be shared with "
          "client endpoint."),
    _spec("RestrictSessionClipboardWrite", ENABLED, False,
          "Citrix does not restrict writes to the session clipboard by default",
          "When this setting is set to Enabled, client clipboard data cannot be shared "
          "within the user session."),
    _spec("ClientClipboardWriteAllowedFormats", FORMATS, [], "no formats are listed by default",
          "When the setting 'Restrict client clipboard write' is set to Enabled, ... this "
          "setting can be used to selectively allow specific data formats."),
    _spec("SessionClipboardWriteAllowedFormats", FORMATS, [], "no formats are listed by default",
          "When the setting 'Restrict session clipboard write' is set to Enabled, ... this "
          "setting can be used to selectively allow specific data formats."),
    _spec("ClientDriveRedirection", ALLOWED, True, "Citrix allows it by default",
          "By default, file redirection is enabled."),
    *(_spec(name, ALLOWED, True, "Citrix allows it by default",
            f"By default, accessing client {kind} drives is allowed.")
      for name, kind in _DRIVE_KINDS.items()),
    _spec("ReadOnlyMappedDrive", ENABLED, False,
          "mapped client drives are read/write by default",
          "When disabled, files/folders on mapped client drives can be accessed in regular "
          "read/write mode."),
    _spec("AutoConnectDrives", ALLOWED, True, "Citrix allows it by default",
          "By default, automatic connection is allowed."),
    _spec("ClientPrinterRedirection", ALLOWED, True, "Citrix allows it by default",
          "By default, client printer mapping is allowed."),
    _spec("ClientPrinterAutoCreation", CHOICE, "AllPrinters",
          "Citrix auto-creates all client printers by default",
          "By default, all client printers are auto-created.",
          ("DoNotAutoCreate", "DefaultPrinterOnly", "LocalPrintersOnly", "AllPrinters")),
    _spec("AutoCreatePDFPrinter", ENABLED, False, "Citrix does not create it by default",
          "By default, the Citrix PDF Printer is not auto-created."),
    _spec("UsbDeviceRedirection", ALLOWED, False, "Citrix prohibits it by default",
          "USB redirection is disabled by default."),
    _spec("UsbPlugAndPlayRedirection", ALLOWED, True, "Citrix allows it by default",
          "By default, plug-n-play device redirection is allowed."),
    _spec("AllowFileTransfer", ALLOWED, True, "Citrix allows it by default",
          "By default, file transfers are allowed."),
    _spec("AllowFileDownload", ALLOWED, True, "Citrix allows it by default",
          "By default, downloading files from virtual desktops is enabled."),
    _spec("AllowFileUpload", ALLOWED, True, "Citrix allows it by default",
          "By default, uploading files to virtual desktop is enabled."),
    _spec("EnableSessionWatermark", ENABLED, False, "Citrix disables it by default",
          "By default, session watermark is disabled."),
    # single-session (workstation) VDAs
    _timer("SessionIdleTimer", True, "By default, this timer is enabled."),
    _interval("SessionIdleTimerInterval",
              "By default, idle connections are maintained for 1440 minutes (24 hours)."),
    _timer("SessionDisconnectTimer", False, _NOT_LOGGED_OFF),
    _interval("SessionDisconnectTimerInterval", _PERIOD),
    _timer("SessionConnectionTimer", False, "By default, this timer is disabled."),
    _interval("SessionConnectionTimerInterval", _DURATION),
    # multi-session (RDS) VDAs
    _timer("EnableServerIdleTimer", False, "By default, this timer is disabled."),
    _interval("ServerIdleTimerInterval", _DURATION),
    _timer("EnableServerDisconnectionTimer", False, _NOT_LOGGED_OFF),
    _interval("ServerDisconnectionTimerInterval", _PERIOD),
    _timer("EnableServerConnectionTimer", False, "By default, this timer is disabled."),
    _interval("ServerConnectionTimerInterval", _DURATION),
)

SETTINGS: Mapping[str, SettingSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})
"""Setting name -> what govkit knows of it; every delivery group gets each one's effective
value."""

# the session limits of each kind of VDA: limit -> (timer, its interval)
TIMERS: Mapping[str, Mapping[str, tuple[str, str]]] = MappingProxyType({
    "SingleSession": MappingProxyType({
        "IdleTimeout": ("SessionIdleTimer", "SessionIdleTimerInterval"),
        "DisconnectTimeout": ("SessionDisconnectTimer", "SessionDisconnectTimerInterval"),
        "MaxSession": ("SessionConnectionTimer", "SessionConnectionTimerInterval")}),
    "MultiSession": MappingProxyType({
        "IdleTimeout": ("EnableServerIdleTimer", "ServerIdleTimerInterval"),
        "DisconnectTimeout": ("EnableServerDisconnectionTimer",
                              "ServerDisconnectionTimerInterval"),
        "MaxSession": ("EnableServerConnectionTimer", "ServerConnectionTimerInterval")}),
})


def parse_value(name: str, raw: Any) -> Any:
    """``SettingValue`` of setting ``name``: typed for a setting govkit reads (ValueProblem if
    it does not read); for any other setting "True"/"False" become booleans, a JSON array
    becomes a list, anything else stays as written."""
    spec = SETTINGS.get(name)
    if spec is not None:
        return spec.parse(raw)
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if text.casefold() in ("true", "false"):
        return text.casefold() == "true"
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return raw
    return raw
