"""Collection from a folder of JSON files exported from Okta earlier (``export: DIR``).

Each file holds exactly the body the API returns for the call it stands for (all pages
joined into one array), and is recorded into the snapshot as a record of the same operation
as live collection, so one normaliser reads both:

- ``users.json`` (required): ``GET /api/v1/users``, every user including DEPROVISIONED
  ones (``ListUsers``);
- ``groups.json``: ``GET /api/v1/groups`` (``ListGroups``);
- ``group-members/<groupId>.json``: ``GET /api/v1/groups/{groupId}/users``
  (``ListGroupMembers``);
- ``apps.json``: ``GET /api/v1/apps`` (``ListApps``);
- ``app-users/<appId>.json``: ``GET /api/v1/apps/{appId}/users`` (``ListAppUsers``);
- ``factors/<userId>.json``: ``GET /api/v1/users/{userId}/factors`` (``ListFactors``);
- ``admins.json``: ``GET /api/v1/iam/assignees/users``, ``{"value": [{"id": ...}, ...]}``
  (``ListAdminAssignees``);
- ``logs.json``: ``GET /api/v1/logs``, System Log events (``ListLogEvents``).

A missing file is recorded as nothing: whatever it would have given fails closed in the
inventory (no ``logs.json``: every user's DisableEvents is an ERROR). ``logs.json`` is read as
the answer to the run's log query (its window and event-type filter); events outside them are
ignored, so the export must cover the audit window. A file that is not JSON, or not the shape
the API returns, stops the scan with an error naming it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from govkit.errors import InputError
from govkit.snapshot import GLOBAL_REGION, SnapshotWriter
from govkit.sources.interface import CollectWindow
from govkit.sources.okta import api
from govkit.sources.okta.api import LOG_FILTER, okta_time
from govkit.sources.okta.settings import OktaSettings

# file (or folder of per-id files) -> (operation, API path, what the body must be)
_LISTINGS = (("users.json", api.LIST_USERS, "/api/v1/users", "ids"),
             ("groups.json", api.LIST_GROUPS, "/api/v1/groups", "ids"),
             ("apps.json", api.LIST_APPS, "/api/v1/apps", "ids"),
             ("admins.json", api.LIST_ADMIN_ASSIGNEES, "/api/v1/iam/assignees/users", "assignees"),
             ("logs.json", api.LIST_LOG_EVENTS, "/api/v1/logs", "objects"))
_PER_ID = (("group-members", api.LIST_GROUP_MEMBERS, "/api/v1/groups/{}/users", "ids"),
           ("app-users", api.LIST_APP_USERS, "/api/v1/apps/{}/users", "ids"),
           ("factors", api.LIST_FACTORS, "/api/v1/users/{}/factors", "ids"))


def collect_export(settings: OktaSettings, writer: SnapshotWriter,
                   window: CollectWindow) -> dict[str, Any]:
    folder = settings.export_dir
    if folder is None:
        raise ValueError("export settings without a folder")
    if not (folder / "users.json").is_file():
        raise InputError(str(folder / "users.json"), "the Okta export has no users.json (the "
                         "body of GET /api/v1/users, every user including DEPROVISIONED)")
    record = _recorder(settings.tenant, writer)
    calls = 0
    for name, operation, path, shape in _LISTINGS:
        file = folder / name
        if not file.is_file():
            continue
        query: dict[str, Any] = {}
        if operation == api.LIST_LOG_EVENTS:
            query = {"since": okta_time(window.since), "until": okta_time(window.until),
                     "filter": LOG_FILTER}
        record(operation, path, query, name, _read(file, shape))
        calls += 1
    for sub, operation, pattern, shape in _PER_ID:
        if not (folder / sub).is_dir():
            continue
        for file in sorted((folder / sub).glob("*.json")):
            record(operation, pattern.format(quote(file.stem, safe="")), {},
                   f"{sub}/{file.name}", _read(file, shape))
            calls += 1
    return {"type": "okta", "tenant": settings.tenant, "api_calls": 0, "export_files": calls,
            "mode": "export"}


def _recorder(tenant: str, writer: SnapshotWriter
              ) -> Callable[[str, str, dict[str, Any], str, Any], None]:
    def record(operation: str, path: str, query: dict[str, Any], name: str, body: Any) -> None:
        writer.record(account=tenant, region=GLOBAL_REGION, service="okta",
                      operation=operation,
                      params={"path": path, "query": query, "page": 1, "export": name},
                      started_at=dt.datetime.now(dt.timezone.utc), duration_ms=0,
                      response={"body": body, "export": name})
    return record


def _read(file: Path, shape: str) -> Any:
    try:
        with file.open("rb") as handle:
            body = json.load(handle)
    except json.JSONDecodeError as exc:
        raise InputError(str(file), f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(file), f"cannot read the export file: {exc}") from None
    items = body.get("value") if shape == "assignees" and isinstance(body, Mapping) else body
    if not isinstance(items, list):
        expected = 'an object {"value": [...]}' if shape == "assignees" else "a JSON array"
        raise InputError(str(file), f"expected {expected}, as the Okta API returns")
    for position, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise InputError(str(file), f"item {position} is not a JSON object")
        if shape in ("ids", "assignees") and not isinstance(item.get("id"), str):
            raise InputError(str(file), f"item {position} has no string 'id'", field="id")
    return body
