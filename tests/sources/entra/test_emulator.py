"""The loopback Graph answers as Graph does where the collector depends on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from govkit.demo.idp.graph import GraphServer
from govkit.snapshot import SnapshotWriter
from govkit.sources.entra.auth import TokenProvider
from govkit.sources.entra import queries as q
from tests.sources.entra import (
    ALICE, BOB, CLIENT_ID, SECRET, TENANT_ID, WINDOW, example_tenant, serving, settings_for)


@pytest.fixture
def graph() -> Iterator[GraphServer]:
    with serving(client_secret=SECRET) as server:
        yield server


def _token(server: GraphServer, tenant: str = TENANT_ID, **form: str) -> httpx.Response:
    data = {"client_id": CLIENT_ID, "client_secret": SECRET,
            "grant_type": "client_credentials", "scope": "https://graph.microsoft.com/.default",
            **form}
    return httpx.post(f"{server.url}/{tenant}/oauth2/v2.0/token", data=data)


def _get(server: GraphServer, path: str, **params: str) -> httpx.Response:
    token = _token(server).json()["access_token"]
    return httpx.get(f"{server.url}{path}", params=params,
                     headers={"Authorization": f"Bearer {token}"})


def test_select_returns_only_what_was_asked_and_lists_hide_the_rest(graph: GraphServer) -> None:
    plain = _get(graph, "/v1.0/users").json()["value"][0]
    assert "accountEnabled" not in plain and "employeeId" not in plain
    assert plain["userPrincipalName"] == "alice@mercy.example"
    chosen = _get(graph, "/v1.0/users", **{"$select": "id,accountEnabled,employeeLeaveDateTime"})
    assert chosen.json()["value"][1] == {"id": BOB, "accountEnabled": False,
                                         "employeeLeaveDateTime": "2026-09-26T17:00:00Z"}


def test_pages_link_onwards_and_sign_in_activity_caps_them(tmp_path: Path) -> None:
    tenant = example_tenant()
    tenant.users = [dict(tenant.users[0], id=f"u{n}") for n in range(130)]
    with serving(tenant, client_secret=SECRET) as server:
        page = _get(server, "/v1.0/users", **{"$top": "999", "$select": "id,signInActivity"})
        assert len(page.json()["value"]) == 120
        link = page.json()["@odata.nextLink"]
        assert link.startswith(f"{server.url}/v1.0/users?") and "$skiptoken=" in link
        assert "$select=id,signInActivity" in link
        too_many = _get(server, "/v1.0/users", **{"$top": "1000"})
    assert too_many.status_code == 400 and "between 1 and 999" in too_many.text


@pytest.mark.parametrize(("form", "status", "code"), [
    ({"client_secret": "wrong"}, 401, "AADSTS7000215"),
    ({"client_id": "someone-else"}, 400, "AADSTS700016"),
    ({"scope": "User.Read.All"}, 400, "AADSTS1002012"),
    ({"grant_type": "password"}, 400, "AADSTS70003"),
    ({"tenant": "other-tenant"}, 400, "AADSTS90002")])
def test_the_token_endpoint_refuses_as_entra_does(graph: GraphServer, form: dict[str, str],
                                                  status: int, code: str) -> None:
    answer = _token(graph, **form)
    assert answer.status_code == status
    assert answer.json()["error_description"].startswith(code)


@pytest.mark.parametrize(("header", "message"), [
    ({}, "Access token is empty."), ({"Authorization": "Bearer forged"}, "not well formed")])
def test_graph_wants_a_token_it_issued(graph: GraphServer, header: dict[str, str],
                                       message: str) -> None:
    answer = httpx.get(f"{graph.url}/v1.0/users", headers=header)
    assert answer.status_code == 401
    error: dict[str, Any] = answer.json()["error"]
    assert error["code"] == "InvalidAuthenticationToken" and message in error["message"]
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}


def test_directory_audits_filter_on_time_and_activity(graph: GraphServer) -> None:
    found = _get(graph, q.DIRECTORY_AUDITS_PATH, **{
        "$filter": q.audit_filter(WINDOW.since, WINDOW.until, "Disable account")}).json()
    assert [e["id"] for e in found["value"]] == ["ev-1"]  # ev-4 is 400 days old
    wrong = _get(graph, q.DIRECTORY_AUDITS_PATH, **{"$filter": "result eq 'failure'"})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "BadRequest"


def test_the_registration_report_leaves_disabled_accounts_out(graph: GraphServer) -> None:
    ids = [e["id"] for e in _get(graph, q.REGISTRATION_DETAILS_PATH).json()["value"]]
    assert ALICE in ids and BOB not in ids


def test_the_token_is_renewed_before_it_expires(graph: GraphServer, tmp_path: Path) -> None:
    now = [0.0]
    provider = TokenProvider(settings_for(graph), SnapshotWriter(tmp_path),
                             clock=lambda: now[0])
    assert provider.acquire()
    first = provider.headers()
    now[0] = 3599 - 299  # inside the last five minutes
    assert provider.headers() != first
    assert len(graph.requests_to(f"/{TENANT_ID}/oauth2/v2.0/token")) == 2
