"""The loopback Okta org answers as Okta does, so the collector's tests mean something."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from govkit.demo.idp.okta import OktaServer
from tests.sources.okta.org import TOKEN, sample_directory


@pytest.fixture(scope="module")
def okta() -> Iterator[OktaServer]:
    """One server for these read-only tests."""
    server = OktaServer(sample_directory(), token=TOKEN).start()
    try:
        yield server
    finally:
        server.stop()


def get(server: OktaServer, path: str, token: str = TOKEN, **query: str) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", params=query,
                     headers={"Authorization": f"SSWS {token}"})


def test_a_plain_user_listing_hides_deprovisioned_users(okta: OktaServer) -> None:
    plain = {u["status"] for u in get(okta, "/api/v1/users").json()}
    assert "DEPROVISIONED" not in plain and {"ACTIVE", "SUSPENDED", "STAGED"} <= plain
    gone = get(okta, "/api/v1/users", search='status eq "DEPROVISIONED"').json()
    assert len(gone) == 3 and {u["status"] for u in gone} == {"DEPROVISIONED"}
    both = get(okta, "/api/v1/users",
               filter='status eq "SUSPENDED" or status eq "DEPROVISIONED"').json()
    assert len(both) == 5
    bad = get(okta, "/api/v1/users", search='profile.login sw "a"')
    assert bad.status_code == 400 and bad.json()["errorCode"] == "E0000031"


def test_pages_link_to_the_next_with_absolute_urls(okta: OktaServer) -> None:
    first = get(okta, "/api/v1/groups", limit="2")
    assert [g["profile"]["name"] for g in first.json()] == ["Everyone", "Mercy Staff"]
    following = first.links["next"]["url"]
    assert following.startswith(f"{okta.url}/api/v1/groups?") and "after=00g001staff" in following
    assert first.links["self"]["url"].startswith(okta.url)
    second = httpx.get(following, headers={"Authorization": f"SSWS {TOKEN}"})
    assert [g["id"] for g in second.json()] == ["00g002agents", "00g003scheduling"]
    last = get(okta, "/api/v1/groups", limit="2", after="00g003scheduling")
    assert len(last.json()) == 1 and "next" not in last.links
    assignees = get(okta, "/api/v1/iam/assignees/users", limit="1").json()
    assert [a["id"] for a in assignees["value"]] == ["00u00000000000000000"]
    assert "after=00u00000000000000000" in assignees["_links"]["next"]["href"]


def test_errors_and_rate_limit_headers_are_oktas(okta: OktaServer) -> None:
    wrong = get(okta, "/api/v1/users", token="wrong")
    assert wrong.status_code == 401
    assert set(wrong.json()) == {"errorCode", "errorSummary", "errorLink", "errorId",
                                 "errorCauses"}
    assert wrong.json()["errorCode"] == "E0000011"
    answer = get(okta, "/api/v1/apps")
    assert int(answer.headers["X-Rate-Limit-Limit"]) == 600
    assert int(answer.headers["X-Rate-Limit-Remaining"]) < 600
    assert int(answer.headers["X-Rate-Limit-Reset"]) > 0
    assert answer.headers["X-Okta-Request-Id"]
    missing = get(okta, "/api/v1/groups/00gnothere/users")
    assert missing.status_code == 404 and missing.json()["errorCode"] == "E0000007"


def test_the_system_log_filters_on_window_and_event_type(okta: OktaServer) -> None:
    events = get(okta, "/api/v1/logs", since="2026-07-01T00:00:00.000Z",
                 until="2026-10-01T17:00:00.000Z",
                 filter='eventType eq "user.lifecycle.suspend"').json()
    assert [e["eventType"] for e in events] == ["user.lifecycle.suspend"] * 2
    assert events[0]["published"] < events[1]["published"]
    everything = get(okta, "/api/v1/logs", since="2020-01-01T00:00:00Z").json()
    assert len(everything) == 8
    bad = get(okta, "/api/v1/logs", filter='eventType sw "user"')
    assert bad.status_code == 400 and bad.json()["errorCode"] == "E0000001"


def test_a_client_that_hangs_up_leaves_no_traceback(okta: OktaServer,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A collector that gives up mid-request resets its connection: the server goes on
    serving and prints nothing about it."""
    host, port = urlsplit(okta.url).hostname, urlsplit(okta.url).port
    for _ in range(3):
        with socket.create_connection((str(host), int(port or 0))) as client:
            client.sendall(b"GET /api/v1/users HTTP/1.1\r\nHost: x\r\n")
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    assert get(okta, "/api/v1/users").status_code == 200
    time.sleep(0.2)  # the handler threads have met the reset by now
    assert "Traceback" not in capsys.readouterr().err
