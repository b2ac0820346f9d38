"""Session time limits from the session hosts' Group Policy, read from an export.

Azure Resource Manager has no session time limit on a host pool: AVD applies them through
Group Policy on each session host ("Set time limit for active but idle Remote Desktop Services
sessions", "Set time limit for disconnected sessions", "Set time limit for active Remote
Desktop Services sessions"), which Windows keeps as REG_DWORD values in milliseconds under
:data:`REGISTRY_KEY`: ``MaxIdleTime``, ``MaxDisconnectionTime`` and ``MaxConnectionTime``. A
value that is absent means the policy is not configured (no limit); 0 also means no limit.

ARM cannot read a session host's registry, so in live mode and export mode alike these come
from the file ``session_hosts`` names: a JSON array, one object per session host, as this PowerShell
command prints it on the session host (or through ``az vm run-command invoke --command-id
RunPowerShellScript``), the outputs joined into one array (``COMMAND`` is the same on one
line)::

    $key = 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services'
    [pscustomobject]@{hostPool='hp-meridian-agents'; sessionHost=$env:COMPUTERNAME
      policy=(Get-ItemProperty $key -ErrorAction SilentlyContinue |
              Select-Object MaxIdleTime,MaxDisconnectionTime,MaxConnectionTime)} | ConvertTo-Json

giving ``{"hostPool": "hp-meridian-agents", "sessionHost": "AVD-MER-0", "policy":
{"MaxIdleTime": 900000, "MaxDisconnectionTime": 3600000, "MaxConnectionTime": null}}``
(``policy`` is null when the key does not exist: no Remote Desktop policy at all). One host's
output on its own, an object rather than an array, is read too. ``hostPool`` is the host pool's
name, matched without case, or its ARM id where names repeat across resource groups.

The file is recorded whole (service ``avd``, operation ``ReadSessionHostPolicies``, account the
tenant, the file's name and sha256 in the parameters, the items under
``response.sessionHosts``, one host's object as an array of one), so each limit points at the
host's own value. A file that is not JSON, an item that is not an object or has
no ``hostPool`` or ``sessionHost``, or a ``policy`` that is neither an object nor null stops
the scan (InputError naming the file and the line or item). A value that is not a whole number
of milliseconds fails that limit of the host pool (ERROR naming the host and the value).

Each ``azure.avd.host_pool`` gets ``SessionHosts`` (the names listed for it) and, per value,
``MaxIdleTime``, ``MaxDisconnectionTime`` and ``MaxConnectionTime``: one ``{SessionHost,
Milliseconds}`` per host in the export's order (Milliseconds None: not set), each with the Ref
of that host's value, in the same order. Without the file, or when it lists no session host of
the pool, all four fail (NotCollected), saying which.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from govkit.errors import InputError
from govkit.inventory.model import CallFailure, Ref, ResourceBuilder, json_pointer
from govkit.snapshot import GLOBAL_REGION, CallRecord, SnapshotWriter
from govkit.sources.avd import queries as q
from govkit.sources.linked_pages import read_json_export

OPERATION = q.READ_SESSION_HOST_POLICIES
REGISTRY_KEY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services"
# the registry values, in the order of the window's IdleTimeout, DisconnectTimeout, MaxSession
VALUES = ("MaxIdleTime", "MaxDisconnectionTime", "MaxConnectionTime")
ATTRIBUTES = ("SessionHosts", *VALUES)
# the documented command, on one line (the schema and docs/sources/avd-session-hosts.md give it)
COMMAND = ("[pscustomobject]@{hostPool='<host pool name>'; sessionHost=$env:COMPUTERNAME; "
           "policy=(Get-ItemProperty 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\"
           "Terminal Services' -ErrorAction SilentlyContinue | Select-Object MaxIdleTime,"
           "MaxDisconnectionTime,MaxConnectionTime)} | ConvertTo-Json")
BODY_KEY = "sessionHosts"
_SHOWN = 8  # host pool names a "lists no session host" message shows
NOT_GIVEN = ("AVD sets session time limits in the session hosts' Group Policy (MaxIdleTime, "
             f"MaxDisconnectionTime and MaxConnectionTime under {REGISTRY_KEY}), not in the "
             "host pool, and Azure Resource Manager does not show them: export them from the "
             "session hosts and name the file as session_hosts in the avd section of the "
             "configuration")


# -- collection ------------------------------------------------------------------------------

def read_session_hosts(path: Path) -> list[dict[str, Any]]:
    """The session hosts the export lists; InputError naming the file and the line (not
    JSON) or the item (not the shape the command prints)."""
    data = read_json_export(path)
    if isinstance(data, dict):  # one host's output on its own
        data = [data]
    if not isinstance(data, list):
        raise InputError(str(path), "expected a JSON array of session hosts, each "
                         "{hostPool, sessionHost, policy} as the documented PowerShell "
                         "command prints it")
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise InputError(str(path), f"item {index} is not an object", field=f"[{index}]")
        for key in ("hostPool", "sessionHost"):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                raise InputError(str(path), f"item {index} has no {key} (expected the "
                                 f"{'host pool name' if key == 'hostPool' else 'computer name'}"
                                 f" as a string, got {json.dumps(value)})",
                                 field=f"[{index}].{key}")
        if "policy" not in item or not (item["policy"] is None or
                                        isinstance(item["policy"], dict)):
            raise InputError(str(path), f"item {index} (session host {item['sessionHost']}): "
                             "policy must be the object Select-Object prints, or null when "
                             "the registry key does not exist", field=f"[{index}].policy")
    return data


def record_session_hosts(path: Path, writer: SnapshotWriter, account: str) -> int:
    """Read, check and record the export whole; the number of records written (1)."""
    began, started = time.perf_counter(), dt.datetime.now(dt.timezone.utc)
    items = read_session_hosts(path)
    writer.record(account=account, region=GLOBAL_REGION, service=q.SERVICE,
                  operation=OPERATION, started_at=started,
                  duration_ms=int((time.perf_counter() - began) * 1000),
                  params={"file": path.name,
                          "sha256": hashlib.sha256(path.read_bytes()).hexdigest()},
                  response={BODY_KEY: items})
    return 1


# -- normalisation ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SessionHosts:
    """The recorded export (None: no ``session_hosts`` was given)."""

    record: CallRecord | None = None

    @cached_property  # read once per host pool
    def items(self) -> list[Mapping[str, Any]]:
        body = self.record.response.get(BODY_KEY) if self.record else None
        return [i for i in body if isinstance(i, Mapping)] if isinstance(body, list) else []

    def ref(self, *path: str | int) -> Ref:
        assert self.record is not None
        return Ref(self.record.entry.file, json_pointer("response", BODY_KEY, *path))

    def of_pool(self, pool_id: str, name: str) -> list[tuple[int, Mapping[str, Any]]]:
        """(index, item) of each session host listed for the pool, in the export's order."""
        names = {pool_id.casefold(), name.casefold()}
        return [(index, item) for index, item in enumerate(self.items)
                if str(item.get("hostPool", "")).strip().casefold() in names]


def set_limits(builder: ResourceBuilder, pool_id: str, pool: str, pool_ref: Ref,
               hosts: SessionHosts | None) -> None:
    """The pool's session hosts and their limits (see the module's docstring), or the
    failure that leaves them unknown."""
    if hosts is None or hosts.record is None:
        failure = CallFailure.not_collected(q.SERVICE, OPERATION, NOT_GIVEN, pool_ref,
                                            call=f"session time limits of host pool {pool}")
        for key in ATTRIBUTES:
            builder.fail(key, failure)
        return
    mine = hosts.of_pool(pool_id, pool)
    if not mine:
        listed = sorted({str(i.get("hostPool")) for i in hosts.items}, key=str.casefold)
        shown = ", ".join(listed[:_SHOWN]) + (f" and {len(listed) - _SHOWN} more"
                                              if len(listed) > _SHOWN else "")
        failure = CallFailure.not_collected(
            q.SERVICE, OPERATION, f"the session-host export "
            f"{hosts.record.entry.params.get('file')} lists no session host of host pool "
            f"{pool}" + (f" (it lists host pools {shown})" if listed else " (it lists none)"),
            hosts.ref(), call=f"session time limits of host pool {pool}")
        for key in ATTRIBUTES:
            builder.fail(key, failure)
        return
    builder.set("SessionHosts", [str(item["sessionHost"]) for _, item in mine],
                [hosts.ref(index, "sessionHost") for index, _ in mine])
    for value_name in VALUES:
        _value(builder, hosts, mine, value_name, pool)


def _value(builder: ResourceBuilder, hosts: SessionHosts,
           mine: Sequence[tuple[int, Mapping[str, Any]]], value_name: str, pool: str) -> None:
    readings: list[dict[str, Any]] = []
    refs: list[Ref] = []
    for index, item in mine:
        host = str(item["sessionHost"])
        policy = item.get("policy")
        if not isinstance(policy, Mapping) or value_name not in policy:
            # null: the registry key does not exist, so no Remote Desktop policy is set at all
            value, where = None, hosts.ref(index, "policy")
        else:
            value, where = policy[value_name], hosts.ref(index, "policy", value_name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):
            builder.fail(value_name, CallFailure(
                call=f"{value_name} {json.dumps(value)} on session host {host} of AVD host "
                     f"pool {pool}", operation=f"{q.SERVICE}:{OPERATION}",
                code="InvalidRegistryValue",
                message=f"{value_name} is {json.dumps(value)} on session host {host}, not a "
                        "whole number of milliseconds (a REG_DWORD)",
                file=where.file, pointer=where.pointer))
            return
        readings.append({"SessionHost": host, "Milliseconds": value})
        refs.append(where)
    builder.set(value_name, readings, refs)
