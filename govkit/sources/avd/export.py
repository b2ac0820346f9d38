"""Collection from the JSON the Azure CLI printed: each file is recorded, per subscription, as
the answer to the ARM request it stands for, so the normaliser reads exports and live answers
alike.

- ``export``: ``az desktopvirtualization hostpool list -o json`` (run in each subscription; the
  arrays may be joined into one). The CLI prints a JSON array of host pools with ARM's
  ``properties`` lifted to the top (``customRdpProperty``, ``hostPoolType`` beside ``id``,
  ``name``, ``location``, ``tags``); a saved REST answer (``{"value": [...]}``, ``properties``
  nested) is read too. Older API versions, which the CLI may use, still answer with the host
  pool's registration token: it is a secret, so it is blanked before recording and the record
  says so (``redacted``).
- ``application_groups``: ``az desktopvirtualization applicationgroup list -o json``.
- ``role_assignments``: ``az role assignment list --all -o json``: assignments at and below the
  subscription, flattened, with ``principalName`` and ``roleDefinitionName`` the CLI looked up
  (``principalName`` empty when it could not). Assignments at management groups are not in it
  (``--all`` lists the subscription and below), unlike the live ``atScope()`` listing.

Items are grouped by the subscription their id (or scope) names; ``subscription_ids`` adds
subscriptions that hold none. A missing optional file is recorded as a failed call
(``NotExported``) for every subscription, so what it would have fed is ERROR; a file that is
not JSON, or an item without a usable id, is an input error naming the file and the item.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from govkit.errors import InputError
from govkit.snapshot import GLOBAL_REGION, SnapshotWriter
from govkit.sources.avd import queries as q
from govkit.sources.avd.settings import AvdSettings
from govkit.sources.linked_pages import read_json_export

COMMANDS = {q.LIST_HOST_POOLS: "az desktopvirtualization hostpool list",
            q.LIST_APPLICATION_GROUPS: "az desktopvirtualization applicationgroup list",
            q.LIST_ROLE_ASSIGNMENTS: "az role assignment list --all"}
_MANAGEMENT_GROUPS = "/providers/microsoft.management/managementgroups/"


def record_export(settings: AvdSettings, writer: SnapshotWriter) -> tuple[int, list[str]]:
    """Record the export files; (records written, subscriptions recorded)."""
    assert settings.export_file is not None
    pools = _grouped(settings.export_file, "hostPools", _resource_subscription)
    groups = _grouped(settings.application_groups_file, "applicationGroups",
                      _resource_subscription) if settings.application_groups_file else None
    assignments = _grouped(settings.role_assignments_file, "", _scope_subscription) \
        if settings.role_assignments_file else None
    subscriptions = sorted({*settings.subscription_ids, *pools, *(groups or {})})
    if not subscriptions:
        raise InputError(str(settings.export_file), "the export holds no host pools and "
                         "subscription_ids names no subscription: list the subscriptions "
                         "exported, so that they are recorded as having no host pools")
    recorder = _Recorder(writer)
    for subscription in subscriptions:
        recorder.file(settings.export_file, q.LIST_HOST_POOLS, q.host_pools_path(subscription),
                      subscription, pools.get(subscription, []))
        recorder.file(settings.application_groups_file, q.LIST_APPLICATION_GROUPS,
                      q.application_groups_path(subscription), subscription,
                      None if groups is None else groups.get(subscription, []))
        recorder.file(settings.role_assignments_file, q.LIST_ROLE_ASSIGNMENTS,
                      q.role_assignments_path(f"/subscriptions/{subscription}"), subscription,
                      None if assignments is None else
                      [*assignments.get(subscription, []), *assignments.get("*", [])])
    return recorder.calls, subscriptions


class _Recorder:
    def __init__(self, writer: SnapshotWriter) -> None:
        self.writer, self.calls = writer, 0

    def file(self, source: Path | None, operation: str, path: str, subscription: str,
             items: list[dict[str, Any]] | None) -> None:
        """Record ``items`` as the answer to GET ``path``; a failed call when not exported."""
        params: dict[str, Any] = {"path": path, "query": {}, "page": 1,
                                  "export": source.name if source else None,
                                  "command": COMMANDS[operation]}
        common: dict[str, Any] = {
            "account": subscription, "region": GLOBAL_REGION, "service": q.SERVICE,
            "operation": operation, "started_at": dt.datetime.now(dt.timezone.utc),
            "duration_ms": 0}
        self.calls += 1
        if items is None:
            self.writer.record(**common, params=params, error_code="NotExported",
                               error_message=f"not exported: give the output of "
                                             f"`{COMMANDS[operation]} -o json` in the avd "
                                             "section of the configuration")
            return
        redacted = [_redact(item) for item in items]
        if any(redacted):
            params["redacted"] = ["registrationInfo.token"]
        self.writer.record(**common, params=params,
                           response={"status": 200, "body": {"value": items}})


def _redact(item: dict[str, Any]) -> bool:
    """Blank a registration token the answer carries; whether there was one."""
    nested = item.get("properties")
    holder: dict[str, Any] = nested if isinstance(nested, dict) else item
    info = holder.get("registrationInfo")
    if isinstance(info, dict) and info.get("token"):
        info["token"] = None
        return True
    return False


def _grouped(path: Path | None, resource_type: str,
             subscription_of: Callable[[Mapping[str, Any], str], str | None]
             ) -> dict[str, list[dict[str, Any]]]:
    """The items of an export file by the subscription each names ("*": every one)."""
    assert path is not None
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for index, item in enumerate(read_items(path)):
        subscription = subscription_of(item, resource_type)
        if subscription is None:
            field = "scope" if not resource_type else "id"
            what = f"an ARM id of Microsoft.DesktopVirtualization/{resource_type}" \
                if resource_type else "a role assignment scope"
            raise InputError(str(path), f"item {index}: '{field}' is not {what}: "
                             f"{item.get(field)!r}", field=f"[{index}].{field}")
        grouped[subscription].append(item)
    return dict(grouped)


def _resource_subscription(item: Mapping[str, Any], resource_type: str) -> str | None:
    parsed = q.parse_id(str(item.get("id") or ""), resource_type) \
        if isinstance(item.get("id"), str) else None
    return parsed[0].casefold() if parsed else None


def _scope_subscription(item: Mapping[str, Any], _type: str) -> str | None:
    nested = item.get("properties")
    holder: Mapping[str, Any] = nested if isinstance(nested, Mapping) else item
    scope = holder.get("scope")
    if not isinstance(scope, str) or not isinstance(holder.get("principalId"), str):
        return None
    parts = scope.split("/")
    if scope.casefold().startswith(_MANAGEMENT_GROUPS) or scope == "/":
        return "*"
    if len(parts) >= 3 and parts[0] == "" and parts[1].casefold() == "subscriptions":
        return parts[2].casefold() or None
    return None


def read_items(path: Path) -> list[dict[str, Any]]:
    """The items of a CLI listing (a JSON array, several joined, or a saved REST answer
    ``{"value": [...]}``); InputError when it is none of these."""
    data = read_json_export(path)
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        data = data["value"]
    if not isinstance(data, list):
        raise InputError(str(path), "expected the JSON array the Azure CLI prints (-o json), "
                         "or an ARM answer with a 'value' list")
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise InputError(str(path), f"item {index} is not an object",
                             field=f"[{index}]")
    return data
