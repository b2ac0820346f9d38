"""``export: DIR``: the same bodies the API returns, read from files, recorded as the same
operations, normalised into the same inventory as a live scan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from govkit.demo.idp.okta import OktaDirectory, OktaServer
from govkit.errors import InputError
from govkit.snapshot import SnapshotWriter
from govkit.sources.okta import OktaSettings, collect
from tests.sources.okta.org import TENANT, TOKEN, WINDOW, scan, settings


def export(server: OktaServer, directory: OktaDirectory, folder: Path) -> Path:
    """What an administrator's export script writes: every page of each call, joined."""
    client = httpx.Client(base_url=server.url, headers={"Authorization": f"SSWS {TOKEN}"})

    def get(path: str, **query: str) -> Any:
        answer = client.get(path, params={"limit": "1000", **query})
        answer.raise_for_status()
        return answer.json()

    def write(name: str, body: Any) -> None:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(body, indent=1))

    write("users.json", get("/api/v1/users", limit="200") +
          get("/api/v1/users", limit="200", search='status eq "DEPROVISIONED"'))
    write("groups.json", get("/api/v1/groups"))
    for group in directory.groups:
        write(f"group-members/{group.id}.json", get(f"/api/v1/groups/{group.id}/users"))
    write("apps.json", get("/api/v1/apps", limit="200"))
    for app in directory.apps:
        write(f"app-users/{app.id}.json", get(f"/api/v1/apps/{app.id}/users", limit="500"))
    for user in directory.users:
        write(f"factors/{user.id}.json", client.get(f"/api/v1/users/{user.id}/factors").json())
    write("admins.json", get("/api/v1/iam/assignees/users", limit="100"))
    write("logs.json", get("/api/v1/logs", since="2020-01-01T00:00:00Z"))  # more than asked
    return folder


def test_an_export_normalises_like_a_live_scan(okta: OktaServer, directory: OktaDirectory,
                                              tmp_path: Path) -> None:
    live = scan(tmp_path / "live", settings(okta))
    folder = export(okta, directory, tmp_path / "export")
    offline = scan(tmp_path / "offline", OktaSettings(tenant=TENANT, export_dir=folder))
    assert offline.manifest["mode"] == "export" and offline.manifest["api_calls"] == 0
    assert [r.id for r in offline.resources] == [r.id for r in live.resources]
    for mine, theirs in zip(offline.resources, live.resources, strict=True):
        assert dict(mine.attributes) == dict(theirs.attributes), mine.id
        assert sorted(mine.failures) == sorted(theirs.failures), mine.id
    assert [(c.type, c.failure) for c in offline.coverage] == \
        [(c.type, c.failure) for c in live.coverage]


def test_a_missing_export_file_fails_closed(okta: OktaServer, directory: OktaDirectory,
                                            tmp_path: Path) -> None:
    folder = export(okta, directory, tmp_path / "export")
    (folder / "logs.json").unlink()
    (folder / "factors" / f"{directory.users[1].id}.json").unlink()
    run = scan(tmp_path / "run", OktaSettings(tenant=TENANT, export_dir=folder))
    assert all(u.failures["DisableEvents"].code == "NotCollected" for u in run.users())
    assert run.user(1).failures["MfaFactors"].code == "NotCollected"
    assert "MfaFactors" in run.user(2).attributes


@pytest.mark.parametrize(("name", "text", "says"), [
    ("users.json", '[{"id": "00u1", ', "invalid JSON"),
    ("users.json", '{"users": []}', "expected a JSON array"),
    ("admins.json", "[1, 2]", "item 0 is not a JSON object"),
    ("factors/00u1.json", '[{"factorType": "push"}]', "no string 'id'"),
])
def test_a_malformed_export_file_is_an_input_error_naming_it(tmp_path: Path, name: str,
                                                             text: str, says: str) -> None:
    (tmp_path / "users.json").write_text('[{"id": "00u1", "status": "ACTIVE"}]')
    (tmp_path / name).parent.mkdir(exist_ok=True)
    (tmp_path / name).write_text(text)
    okta = OktaSettings(tenant=TENANT, export_dir=tmp_path)
    with pytest.raises(InputError) as raised:
        collect(okta, SnapshotWriter(tmp_path / "run"), WINDOW)
    assert raised.value.path == str(tmp_path / name) and says in str(raised.value)


def test_an_export_without_users_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="users.json"):
        collect(OktaSettings(tenant=TENANT, export_dir=tmp_path),
                SnapshotWriter(tmp_path / "run"), WINDOW)
