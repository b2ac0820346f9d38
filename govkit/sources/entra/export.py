"""Collection from JSON files exported earlier: each file is recorded as the answer to the Graph
request it came from, so the normaliser reads exports and live answers alike.

A file holds what Graph answered: one collection body (``{"value": [...]}``), or a JSON array
of the page bodies of one listing; pages are joined into one body. A missing file other than
users.json is recorded as a failed call (``NotExported``) naming it, so what it would have fed
is ERROR; a folder without users.json, or a file that is not JSON or not shaped like a Graph
answer, is an input error naming the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from govkit.errors import InputError
from govkit.snapshot import GLOBAL_REGION, SnapshotWriter
from govkit.sources.entra import queries as q
from govkit.sources.entra.settings import EntraSettings
from govkit.sources.interface import CollectWindow
from govkit.sources.linked_pages import read_json_export

USERS_FILE = "users.json"
GROUPS_FILE = "groups.json"
GROUP_MEMBERS_DIR = "group-members"
SERVICE_PRINCIPALS_FILE = "service-principals.json"
ASSIGNED_TO_DIR = "app-role-assigned-to"
REGISTRATION_DETAILS_FILE = "user-registration-details.json"
DIRECTORY_AUDITS_FILE = "directory-audits.json"
GRAPH_SERVICE_PRINCIPAL_FILE = "graph-service-principal.json"
OWN_ASSIGNMENTS_FILE = "own-app-role-assignments.json"


class _Recorder:
    def __init__(self, settings: EntraSettings, writer: SnapshotWriter) -> None:
        assert settings.export_dir is not None
        self.folder, self.settings, self.writer = settings.export_dir, settings, writer
        self.calls = 0

    def file(self, name: str, operation: str, path: str, query: Mapping[str, str], *,
             entity: bool = False) -> Any:
        """Record ``name`` as the answer to GET ``path``; its body, or None when missing."""
        source = self.folder / name
        params = {"path": path, "query": dict(query), "page": 1, "export": name}
        common: dict[str, Any] = {
            "account": self.settings.tenant_id, "region": GLOBAL_REGION, "service": q.SERVICE,
            "operation": operation, "params": params,
            "started_at": dt.datetime.now(dt.timezone.utc), "duration_ms": 0}
        self.calls += 1
        if not source.is_file():
            self.writer.record(**common, error_code="NotExported",
                               error_message=f"{source} is missing from the export")
            return None
        body = read_export(source, entity=entity)
        self.writer.record(**common, response={"status": 200, "body": body})
        return body


def record_export(settings: EntraSettings, writer: SnapshotWriter,
                  window: CollectWindow) -> int:
    """Record every export file of the folder; returns the number of records."""
    export = _Recorder(settings, writer)
    if not (export.folder / USERS_FILE).is_file():  # most likely the wrong folder
        raise InputError(str(export.folder / USERS_FILE), "the Entra export has no "
                         "users.json (GET /v1.0/users, see govkit.sources.entra)")
    size = settings.page_size
    export.file(USERS_FILE, q.LIST_USERS, q.USERS_PATH, q.users_query(size, sign_in=True))
    groups = export.file(GROUPS_FILE, q.LIST_GROUPS, q.GROUPS_PATH,
                         {"$select": q.GROUP_PROPERTIES, "$top": str(size)})
    for group_id in _ids(groups):
        export.file(f"{GROUP_MEMBERS_DIR}/{group_id}.json", q.LIST_GROUP_MEMBERS,
                    q.members_path(group_id), {"$select": q.MEMBER_PROPERTIES,
                                               "$top": str(size)})
    principals = export.file(SERVICE_PRINCIPALS_FILE, q.LIST_SERVICE_PRINCIPALS,
                             q.SERVICE_PRINCIPALS_PATH,
                             {"$select": q.SERVICE_PRINCIPAL_PROPERTIES, "$top": str(size)})
    for principal_id in _ids(principals):
        export.file(f"{ASSIGNED_TO_DIR}/{principal_id}.json", q.LIST_APP_ROLE_ASSIGNED_TO,
                    q.assigned_to_path(principal_id), {"$select": q.ASSIGNMENT_PROPERTIES})
    export.file(REGISTRATION_DETAILS_FILE, q.LIST_REGISTRATION_DETAILS,
                q.REGISTRATION_DETAILS_PATH, {})
    # the export is taken to cover the audit period; the window is recorded as searched
    export.file(DIRECTORY_AUDITS_FILE, q.LIST_DIRECTORY_AUDITS, q.DIRECTORY_AUDITS_PATH,
                {"$filter": q.audit_filter(window.since, window.until), "$top": str(size)})
    export.file(GRAPH_SERVICE_PRINCIPAL_FILE, q.GET_GRAPH_SERVICE_PRINCIPAL,
                q.GRAPH_SERVICE_PRINCIPAL_PATH, {"$select": "id,appId,displayName,appRoles"},
                entity=True)
    export.file(OWN_ASSIGNMENTS_FILE, q.LIST_OWN_APP_ROLE_ASSIGNMENTS,
                q.own_assignments_path(settings.client_id or "exported-app"), {})
    return export.calls


def read_export(path: Path, *, entity: bool = False) -> dict[str, Any]:
    """One Graph answer from an export file (pages joined); InputError when it is not one."""
    data = read_json_export(path)
    if entity:
        if not isinstance(data, dict) or "id" not in data:
            raise InputError(str(path), "expected one Graph object with an 'id'")
        return data
    pages = data if isinstance(data, list) else [data]
    values: list[Any] = []
    for number, page in enumerate(pages, start=1):
        if not isinstance(page, dict) or not isinstance(page.get("value"), list):
            raise InputError(str(path), f"page {number} is not a Graph collection answer "
                             "(an object with a 'value' list)", field="value")
        if not all(isinstance(item, dict) for item in page["value"]):
            raise InputError(str(path), f"page {number}: every item of 'value' must be an "
                             "object", field="value")
        values += page["value"]
    joined: dict[str, Any] = {k: v for k, v in pages[0].items()
                              if k not in ("value", "@odata.nextLink")} if pages else {}
    joined["value"] = values
    return joined


def _ids(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    return [str(item["id"]) for item in body.get("value", []) if item.get("id")]
