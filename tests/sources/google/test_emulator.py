"""The loopback Google Workspace refuses what Google refuses, so collection tested against it
meets the same answers: forged or misaddressed assertions, ungranted scopes, missing tokens,
scopes or customer, and out-of-range paging or times."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from govkit.demo.idp.google import GoogleServer, ServiceAccount, new_service_account
from govkit.sources.google import api
from govkit.sources.google.auth import assertion
from govkit.sources.google.settings import ServiceAccountKey, read_key
from tests.sources.google.conftest import ADMIN


def _grant(server: GoogleServer, key: ServiceAccountKey, **claims: Any) -> httpx.Response:
    options: dict[str, Any] = {"subject": ADMIN, "scopes": api.DIRECTORY_SCOPES,
                               "audience": server.token_url, "now": int(time.time()), **claims}
    return httpx.post(server.token_url, data={"grant_type": api.JWT_BEARER_GRANT,
                                              "assertion": assertion(key, **options)})


def _token(server: GoogleServer, key: ServiceAccountKey, scopes: tuple[str, ...]) -> str:
    answer = _grant(server, key, scopes=scopes)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


@pytest.fixture
def key(key_file: Path) -> ServiceAccountKey:
    return read_key(key_file)


@pytest.mark.parametrize(("claims", "status", "error"), [
    ({"subject": "intruder@example.org"}, 400, "invalid_grant"),
    ({"audience": "https://oauth2.googleapis.com/token"}, 400, "invalid_grant"),
    ({"now": int(time.time()) - 7200}, 400, "invalid_grant"),
    ({"scopes": (*api.DIRECTORY_SCOPES, "https://www.googleapis.com/auth/admin.directory.user")},
     401, "unauthorized_client"),
])
def test_the_token_endpoint_refuses_bad_assertions(server: GoogleServer, key: ServiceAccountKey,
                                                   claims: dict[str, Any], status: int,
                                                   error: str) -> None:
    answer = _grant(server, key, **claims)
    assert (answer.status_code, answer.json()["error"]) == (status, error)


def test_an_assertion_signed_with_another_key_is_refused(server: GoogleServer,
                                                         account: ServiceAccount,
                                                         tmp_path: Path) -> None:
    forger = new_service_account(client_email=account.client_email)
    answer = _grant(server, read_key(forger.write(tmp_path / "forged.json")))
    assert answer.status_code == 400
    assert answer.json()["error_description"] == "Invalid JWT Signature."


def test_calls_need_a_token_holding_their_scope(server: GoogleServer,
                                                key: ServiceAccountKey) -> None:
    users = f"{server.url}{api.USERS_PATH}?customer=my_customer"
    assert httpx.get(users).json()["error"]["status"] == "UNAUTHENTICATED"
    reports_only = _token(server, key, api.REPORTS_SCOPES)
    refused = httpx.get(users, headers={"Authorization": f"Bearer {reports_only}"})
    assert refused.status_code == 403
    assert refused.json()["error"]["errors"][0]["reason"] == "insufficientPermissions"


def test_listings_need_a_customer_and_page_within_limits(server: GoogleServer,
                                                         key: ServiceAccountKey) -> None:
    auth = {"Authorization": f"Bearer {_token(server, key, api.DIRECTORY_SCOPES)}"}
    base = f"{server.url}{api.USERS_PATH}"
    assert httpx.get(base, headers=auth).status_code == 400
    assert httpx.get(base, params={"customer": "C999"}, headers=auth).status_code == 403
    too_many = httpx.get(base, params={"customer": "my_customer", "maxResults": 501},
                         headers=auth)
    assert too_many.status_code == 400 and "[1, 500]" in too_many.json()["error"]["message"]
    seen: list[str] = []
    token: str | None = None
    while True:
        page = httpx.get(base, headers=auth, params={"customer": "my_customer", "maxResults": 3,
                                                     **({"pageToken": token} if token else {})}
                         ).json()
        seen += [u["id"] for u in page["users"]]
        token = page.get("nextPageToken")
        if not token:
            break
    assert seen == [u["id"] for u in server.domain.users]


def test_the_audit_log_filters_by_event_and_time_newest_first(server: GoogleServer,
                                                              key: ServiceAccountKey) -> None:
    auth = {"Authorization": f"Bearer {_token(server, key, api.REPORTS_SCOPES)}"}
    url = f"{server.url}{api.ACTIVITIES_PATH}"
    answer = httpx.get(url, headers=auth, params={"eventName": "SUSPEND_USER",
                                                  "startTime": "2026-01-01T00:00:00Z",
                                                  "endTime": "2026-10-01T00:00:00Z"}).json()
    assert [a["id"]["time"] for a in answer["items"]] == ["2026-03-02T09:15:00.000Z",
                                                          "2026-02-20T10:00:00.000Z"]
    backwards = httpx.get(url, headers=auth, params={"startTime": "2026-02-01T00:00:00Z",
                                                     "endTime": "2026-01-01T00:00:00Z"})
    assert backwards.status_code == 400
    nothing = httpx.get(url, headers=auth, params={"eventName": "DELETE_USER"}).json()
    assert "items" not in nothing  # Google leaves an empty list out
