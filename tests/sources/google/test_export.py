"""Collection from a folder of exported API bodies: recorded as the same operations as live
collection, normalised to the same users, and refused with the file and field when a file is
not what the API returns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govkit.demo.idp.google import GoogleDomain, GoogleServer
from govkit.errors import InputError
from govkit.sources.google import GoogleSettings, settings_from
from tests.sources.google.conftest import TENANT, live_settings, run


def write_export(domain: GoogleDomain, folder: Path, *, activities: bool = True) -> Path:
    def dump(name: str, body: dict[str, Any]) -> None:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(body, indent=1))

    dump("users.json", {"kind": "admin#directory#users", "users": domain.users})
    dump("groups.json", {"kind": "admin#directory#groups", "groups": domain.groups})
    for group in domain.groups:
        dump(f"members/{group['id']}.json", {"kind": "admin#directory#members",
                                             "members": domain.members[group["id"]]})
    if activities:
        dump("admin-activities.json", {"kind": "admin#reports#activities",
                                       "items": domain.activities})
    return folder


def export_settings(folder: Path) -> GoogleSettings:
    return settings_from({"export": folder.name, "tenant": TENANT},
                         resolve=lambda p: folder.parent / p, environ={})


def test_an_export_gives_the_users_live_collection_gives(
        server: GoogleServer, domain: GoogleDomain, key_file: Path, tmp_path: Path) -> None:
    live = run(live_settings(server, key_file), tmp_path / "live")
    exported = run(export_settings(write_export(domain, tmp_path / "export")),
                   tmp_path / "from-export")
    assert exported.source == {"type": "google", "tenant": TENANT, "api_calls": 6}
    assert exported.operations() == ["ListAdminActivities", "ListGroupMembers",
                                     "ListGroupMembers", "ListGroupMembers", "ListGroups",
                                     "ListUsers"]
    assert [c.failure for c in exported.coverage] == [None]
    assert {r.id: dict(r.attributes) for r in exported.resources} == \
        {r.id: dict(r.attributes) for r in live.resources}
    source = exported.coverage[0].source
    assert source is not None
    record = json.loads((exported.run_dir / source).read_text())
    assert record["params"]["export"] == "users.json"


def test_without_the_audit_log_export_disable_events_are_not_collected(
        domain: GoogleDomain, tmp_path: Path) -> None:
    got = run(export_settings(write_export(domain, tmp_path / "export", activities=False)),
              tmp_path / "run")
    failures = {r.failures["DisableEvents"].code for r in got.resources}
    assert failures == {"NotCollected"} and len(got.resources) == 7
    assert "not searched" in got.resources[0].failures["DisabledAt"].explain()


@pytest.mark.parametrize(("file", "content", "field"), [
    ("users.json", '{"users": [', None),
    ("users.json", '{"users": {"id": "1"}}', "users"),
    ("users.json", '{"users": [{"id": "1"}]}', "users[0].primaryEmail"),
    ("groups.json", '[{"id": "g-phi"}]', None),
    ("members/g-acme.json", '{"members": ["agent.bo@example.org"]}', "members[0]"),
    ("admin-activities.json", '{"items": [{"events": []}]}', "items[0].id.time"),
])
def test_a_malformed_export_file_is_an_input_error_naming_it(
        domain: GoogleDomain, tmp_path: Path, file: str, content: str,
        field: str | None) -> None:
    folder = write_export(domain, tmp_path / "export")
    (folder / file).write_text(content)
    with pytest.raises(InputError) as raised:
        run(export_settings(folder), tmp_path / "run")
    assert raised.value.path == str(folder / file) and raised.value.field == field


def test_a_group_without_its_members_file_is_an_input_error(domain: GoogleDomain,
                                                            tmp_path: Path) -> None:
    folder = write_export(domain, tmp_path / "export")
    (folder / "members" / "g-acme.json").unlink()
    with pytest.raises(InputError, match="members/g-acme.json"):
        run(export_settings(folder), tmp_path / "run")
