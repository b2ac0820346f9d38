"""Azure Virtual Desktop: host pools (their RDP properties), application groups and who is
assigned to them, over Azure Resource Manager or from the Azure CLI's JSON output.

Outsourced agents reach PHI through AVD host pools; what the Remote Desktop client may
redirect to the agent's own device (clipboard, drives, printers, USB and other devices) is set
in each host pool's custom RDP properties, and who may open it by role assignments on its
application groups. govkit.vdi.avd maps each host pool into the shared ``vdi.window``.

Configuration (the ``avd`` section, schema in ``config.schema.json``)::

    avd:
      tenant_id: 0f6c0d4e-...                  # the app registration's directory
      client_id: 5b1f...
      client_secret_env: GOVKIT_AVD_SECRET     # or certificate_file: avd.pem
      subscription_ids: [9a1c...-..., 4e0b...-...]
      # authority_url (https://login.microsoftonline.com), arm_url (https://management.azure.com),
      # max_attempts, workers

The app signs in with the client-credentials flow of the ``entra`` source, for the scope
``https://management.azure.com/.default`` (``<arm_url>/.default`` for another cloud), and needs
Reader on each subscription (host pools, application groups and role assignments are read).
What it may not read is reported as ERROR naming the call, for that subscription only.

Or, from files the Azure CLI printed (``-o json``), relative to the configuration file::

    avd:
      export: avd/hostpools.json                # az desktopvirtualization hostpool list
      application_groups: avd/appgroups.json    # az desktopvirtualization applicationgroup list
      role_assignments: avd/assignments.json    # az role assignment list --all
      subscription_ids: [...]                   # optional: subscriptions with none

Session time limits are not in ARM at all: AVD sets them in each session host's Group Policy,
REG_DWORD values in milliseconds under ``HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\
Terminal Services`` (``MaxIdleTime``, ``MaxDisconnectionTime``, ``MaxConnectionTime``; absent or
0: no limit). Give them, live or with ``export``, as a file relative to the configuration file::

    avd:
      session_hosts: avd/session-hosts.json     # optional, either mode

a JSON array, one object per session host, as this PowerShell command prints it on each
session host (or through ``az vm run-command invoke --command-id RunPowerShellScript``), the
outputs joined into one array (docs/sources/avd-session-hosts.md gives it as one line, and
how to run it on every session host of a host pool)::

    $key = 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services'
    [pscustomobject]@{hostPool='<host pool name>'; sessionHost=$env:COMPUTERNAME
      policy=(Get-ItemProperty $key -ErrorAction SilentlyContinue |
              Select-Object MaxIdleTime,MaxDisconnectionTime,MaxConnectionTime)} | ConvertTo-Json

that is ``[{"hostPool": "hp-meridian-agents", "sessionHost": "AVD-MER-0", "policy":
{"MaxIdleTime": 900000, "MaxDisconnectionTime": 3600000, "MaxConnectionTime": 28800000}},
...]`` (``policy`` null: the key does not exist, no limit is set). A host pool's limits are
the weakest of its session hosts' (govkit.vdi.avd). Without the file, or for a host pool it
lists no session host of, they are ERROR saying so (govkit.sources.avd.sessionhosts).

Resource types: ``azure.avd.host_pool`` and ``azure.avd.application_group``
(govkit.sources.avd.hostpool and .groups); custom RDP properties are parsed by
govkit.sources.avd.rdp.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from govkit.snapshot import SnapshotWriter
from govkit.sources.avd.collect import collect_live
from govkit.sources.avd.export import record_export
from govkit.sources.avd.normalize import RESOURCE_TYPES, normalize
from govkit.sources.avd.queries import SERVICE
from govkit.sources.avd.sessionhosts import record_session_hosts
from govkit.sources.avd.settings import AvdSettings, settings_from
from govkit.sources.interface import CollectWindow

SCHEMA_FILE = Path(__file__).with_name("config.schema.json")

__all__ = ["RESOURCE_TYPES", "SCHEMA_FILE", "AvdSettings", "collect", "normalize",
           "settings_from"]


def collect(settings: AvdSettings, writer: SnapshotWriter, window: CollectWindow, *,
            sleep: Callable[[float], None] = time.sleep,
            transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Record the subscriptions (live, or their export) and the session-host export into
    ``writer``; the manifest's sources entry. Host pool settings are current state: ``window``
    bounds nothing here."""
    entry: dict[str, Any] = {"type": SERVICE, "tenant": settings.tenant_id}
    hosts = 0
    if settings.session_hosts_file is not None:  # checked first: a bad file stops the scan
        hosts = record_session_hosts(settings.session_hosts_file, writer, settings.tenant_id)
        entry["session_hosts"] = settings.session_hosts_file.name
    if settings.export_file is not None:
        calls, subscriptions = record_export(settings, writer)
        entry["export"] = settings.export_file.name
    else:
        calls = collect_live(settings, writer, sleep=sleep, transport=transport)
        subscriptions = list(settings.subscription_ids)
    return {**entry, "subscriptions": subscriptions, "api_calls": calls + hosts}
