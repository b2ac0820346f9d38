"""Collecting a Google Workspace from exported files instead of the API.

The folder holds the bodies the Admin SDK answers with, one listing per file (all pages in
one body), as an admin can save them with any API client:

``users.json``
    ``users.list(customer=..., projection=full)``: ``{"users": [{"id", "primaryEmail", ...}]}``
``groups.json``
    ``groups.list(customer=...)``: ``{"groups": [{"id", "email", "name", ...}]}``
``members/<group id>.json``
    ``members.list(groupKey=<group id>)`` for every group in groups.json:
    ``{"members": [{"id", "email", "type", "role", ...}]}``
``admin-activities.json`` (optional)
    ``activities.list(userKey=all, applicationName=admin)`` over the audit period:
    ``{"items": [{"id": {"time"}, "actor": {"email"}, "events": [{"name", "parameters"}]}]}``.
    It is taken to cover the collection window (the start of the audit period to the start of
    collection); events outside it are ignored. Without it, DisableEvents and DisabledAt are
    not collected (ERROR), never empty.

Each file is checked where it enters (a file that is not JSON, or not of that shape, is an
input error naming the file and the field) and recorded into the snapshot as a record of the
same operation live collection makes, with ``export`` naming the file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from govkit import canonical
from govkit.errors import InputError
from govkit.snapshot import GLOBAL_REGION, SnapshotWriter
from govkit.sources.google import api
from govkit.sources.google.settings import GoogleSettings
from govkit.sources.interface import CollectWindow

USERS_FILE = "users.json"
GROUPS_FILE = "groups.json"
MEMBERS_FOLDER = "members"
ACTIVITIES_FILE = "admin-activities.json"

# list key → (what each item must hold as a non-empty string, per file kind)
_SHAPES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    USERS_FILE: ("users", ("id", "primaryEmail")),
    GROUPS_FILE: ("groups", ("id",)),
    MEMBERS_FOLDER: ("members", ()),
    ACTIVITIES_FILE: ("items", ()),
}


def read_export(settings: GoogleSettings, writer: SnapshotWriter, window: CollectWindow) -> None:
    folder = settings.export_dir
    if folder is None:
        raise ValueError("no export folder")
    recorder = _Recorder(settings, writer)
    users = _load(folder / USERS_FILE, USERS_FILE)
    recorder.record(api.LIST_USERS, api.USERS_PATH, {"customer": settings.customer},
                    USERS_FILE, users)
    groups = _load(folder / GROUPS_FILE, GROUPS_FILE)
    recorder.record(api.LIST_GROUPS, api.GROUPS_PATH, {"customer": settings.customer},
                    GROUPS_FILE, groups)
    for group in groups.get("groups") or []:
        name = f"{MEMBERS_FOLDER}/{group['id']}.json"
        if "/" in group["id"] or group["id"].startswith("."):
            raise InputError(str(folder / GROUPS_FILE), f"group id {group['id']!r} cannot "
                             "name a file", field="groups[].id")
        members = _load(folder / name, MEMBERS_FOLDER)
        recorder.record(api.LIST_GROUP_MEMBERS, api.members_path(group["id"]), {}, name,
                        members)
    if (folder / ACTIVITIES_FILE).exists():
        activities = _load(folder / ACTIVITIES_FILE, ACTIVITIES_FILE)
        _check_activities(folder / ACTIVITIES_FILE, activities)
        recorder.record(api.LIST_ADMIN_ACTIVITIES, api.ACTIVITIES_PATH,
                        {"startTime": canonical.iso_utc(window.since),
                         "endTime": canonical.iso_utc(window.until)},
                        ACTIVITIES_FILE, activities)


class _Recorder:
    def __init__(self, settings: GoogleSettings, writer: SnapshotWriter) -> None:
        self.tenant, self.writer = settings.tenant, writer

    def record(self, operation: str, path: str, query: Mapping[str, Any], file: str,
               body: Mapping[str, Any]) -> None:
        self.writer.record(account=self.tenant, region=GLOBAL_REGION, service=api.SERVICE,
                           operation=operation,
                           params={"path": path, "query": dict(query), "page": 1,
                                   "export": file},
                           started_at=dt.datetime.now(dt.timezone.utc), duration_ms=0,
                           response={"status": 200, "body": dict(body)})


def _load(path: Path, kind: str) -> dict[str, Any]:
    """A file's body, checked against the shape of its listing."""
    try:
        with path.open("rb") as handle:
            body = json.load(handle)
    except FileNotFoundError:
        raise InputError(str(path), "the export has no such file (see the Google export "
                         "files in the documentation)") from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot be read: {exc}") from None
    list_key, required = _SHAPES[kind]
    if not isinstance(body, dict):
        raise InputError(str(path), f'not an API answer: expected an object with "{list_key}"')
    items = body.get(list_key, [])  # Google leaves the key out of an empty listing
    if not isinstance(items, list):
        raise InputError(str(path), "not a list", field=list_key)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError(str(path), "not an object", field=f"{list_key}[{index}]")
        for key in required:
            if not isinstance(item.get(key), str) or not item[key]:
                raise InputError(str(path), "missing or not a string",
                                 field=f"{list_key}[{index}].{key}")
    return body


def _check_activities(path: Path, body: Mapping[str, Any]) -> None:
    for index, item in enumerate(body.get("items") or []):
        when = item.get("id", {}).get("time") if isinstance(item.get("id"), dict) else None
        if not isinstance(when, str):
            raise InputError(str(path), "missing or not a string",
                             field=f"items[{index}].id.time")
        if not isinstance(item.get("events", []), list):
            raise InputError(str(path), "not a list", field=f"items[{index}].events")
