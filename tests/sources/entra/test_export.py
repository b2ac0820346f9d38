"""``export: DIR``: files holding what Graph answered are recorded as answers to the same
requests, so they normalise exactly as a live collection does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from govkit.demo.idp.graph import GRAPH_APP_ID, GraphServer
from govkit.errors import InputError
from govkit.sources.entra import queries as q
from govkit.sources.entra.settings import settings_from
from tests.sources.entra import (
    CLIENT_ID, SECRET, TENANT_ID, WINDOW, Collected, collect_into, serving, settings_for)


def _pages(client: httpx.Client, url: str, params: dict[str, str] | None = None
           ) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        body = client.get(next_url, params=params if not pages else None).json()
        pages.append(body)
        next_url = body.get("@odata.nextLink")
    return pages


def export_tenant(server: GraphServer, folder: Path) -> None:
    """What an administrator's export script saves: Graph's answers, page by page."""
    token = httpx.post(f"{server.url}/{TENANT_ID}/oauth2/v2.0/token", data={
        "client_id": CLIENT_ID, "client_secret": SECRET, "grant_type": "client_credentials",
        "scope": f"{server.url}/.default"}).json()["access_token"]
    files: dict[str, Any] = {}
    with httpx.Client(base_url=server.url,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        files["users.json"] = _pages(client, q.USERS_PATH, q.users_query(2, sign_in=True))
        files["groups.json"] = _pages(client, q.GROUPS_PATH)
        for group in (g for page in files["groups.json"] for g in page["value"]):
            files[f"group-members/{group['id']}.json"] = _pages(
                client, q.members_path(group["id"]))
        files["service-principals.json"] = _pages(client, q.SERVICE_PRINCIPALS_PATH)
        for principal in (p for page in files["service-principals.json"]
                          for p in page["value"]):
            files[f"app-role-assigned-to/{principal['id']}.json"] = _pages(
                client, q.assigned_to_path(principal["id"]))
        files["user-registration-details.json"] = _pages(client, q.REGISTRATION_DETAILS_PATH)
        files["directory-audits.json"] = _pages(client, q.DIRECTORY_AUDITS_PATH, {
            "$filter": q.audit_filter(WINDOW.since, WINDOW.until)})
        files["graph-service-principal.json"] = client.get(
            f"/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')").json()
        files["own-app-role-assignments.json"] = _pages(client, q.own_assignments_path(CLIENT_ID))
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(content[0] if len(content) == 1 else content)
                                   if isinstance(content, list) else json.dumps(content))


@pytest.fixture
def exported(tmp_path: Path) -> Iterator[tuple[Path, Collected]]:
    """An export folder, and a live collection of the same tenant to compare with."""
    folder = tmp_path / "contoso-export"
    folder.mkdir()
    with serving(client_secret=SECRET) as server:
        export_tenant(server, folder)
        yield folder, collect_into(tmp_path / "live", settings_for(server))


def _from_export(folder: Path, run_dir: Path, **extra: Any) -> Collected:
    settings = settings_from({"export": folder.name, "tenant_id": TENANT_ID, **extra},
                             resolve=lambda p: folder.parent / p, environ={})
    return collect_into(run_dir, settings)


def test_an_export_normalises_as_the_live_tenant_does(exported: tuple[Path, Collected],
                                                      tmp_path: Path) -> None:
    folder, live = exported
    run = _from_export(folder, tmp_path / "run")
    assert set(run.users) == set(live.users) and run.coverage[0].failure is None
    for login, user in run.users.items():
        assert user.attributes == live.users[login].attributes, login
        assert {k: f.code for k, f in user.failures.items()} == \
            {k: f.code for k, f in live.users[login].failures.items()}
    assert run.summary == {"type": "entra", "tenant": TENANT_ID,
                           "api_calls": len(run.snapshot.entries)}
    users = run.record("ListUsers")
    assert users["params"]["export"] == "users.json" and users["params"]["path"] == "/v1.0/users"


def test_without_tenant_id_the_folder_names_the_tenant(exported: tuple[Path, Collected],
                                                       tmp_path: Path) -> None:
    folder, _ = exported
    settings = settings_from({"export": str(folder)}, resolve=Path, environ={})
    run = collect_into(tmp_path / "run", settings)
    assert {u.account for u in run.users.values()} == {"contoso-export"}


def test_a_missing_file_fails_what_it_feeds_naming_it(exported: tuple[Path, Collected],
                                                      tmp_path: Path) -> None:
    folder, _ = exported
    (folder / "user-registration-details.json").unlink()
    (folder / "own-app-role-assignments.json").unlink()
    run = _from_export(folder, tmp_path / "run")
    alice = run.users["alice@mercy.example"]
    assert alice.failures["MfaFactors"].code == "NotExported"
    assert "user-registration-details.json" in alice.failures["MfaFactors"].message
    assert alice.failures["EmployeeLeaveDateTime"].code == "NotExported"
    assert alice.attributes["Groups"] == ["All Staff", "PHI Readers"]


def test_an_export_without_sign_in_activity_fails_it_per_user(
        exported: tuple[Path, Collected], tmp_path: Path) -> None:
    folder, _ = exported
    users = json.loads((folder / "users.json").read_text())
    for page in users:
        for user in page["value"]:
            del user["signInActivity"]
    (folder / "users.json").write_text(json.dumps(users))
    run = _from_export(folder, tmp_path / "run")
    failure = run.users["carol@mercy.example"].failures["LastSignInAt"]
    assert failure.code == "NotCollected" and "signInActivity" in failure.message


def test_a_folder_without_users_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "not-an-export").mkdir()
    with pytest.raises(InputError) as raised:
        _from_export(tmp_path / "not-an-export", tmp_path / "run")
    assert "users.json" in str(raised.value)


@pytest.mark.parametrize(("content", "problem"), [
    ('{"value": [{"id": "a1"}', "invalid JSON"),
    ('{"users": []}', "not a Graph collection answer"),
    ('[{"value": [1, 2]}]', "every item of 'value' must be an object")])
def test_a_malformed_file_is_an_input_error_naming_it(exported: tuple[Path, Collected],
                                                      tmp_path: Path, content: str,
                                                      problem: str) -> None:
    folder, _ = exported
    (folder / "groups.json").write_text(content)
    with pytest.raises(InputError) as raised:
        _from_export(folder, tmp_path / "run")
    assert str(folder / "groups.json") in str(raised.value) and problem in str(raised.value)
