"""The recorded REST client against a real HTTP server on loopback: each API's paging, rate
limits, errors and malformed pages cross the wire; every page lands in the snapshot, and no
credential does."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.http import Page, Paging, RecordedClient

TOKEN = "00abcSECRETtokenXYZ"
Reply = tuple[int, dict[str, str], bytes]
Route = Callable[[str, dict[str, list[str]], "Server"], Reply]


class Server:
    """A loopback server whose answers the test scripts per path; it records what it saw."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, str, str | None]] = []  # (path, query, Authorization)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                owner.seen.append((parts.path, parts.query, self.headers.get("Authorization")))
                status, headers, body = owner.routes[parts.path](
                    parts.path, parse_qs(parts.query), owner)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def count(self, path: str) -> int:
        return sum(1 for seen, _, _ in self.seen if seen == path)


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    running.thread.start()
    try:
        yield running
    finally:
        running.httpd.shutdown()
        running.httpd.server_close()


def json_reply(body: Any, status: int = 200, **headers: str) -> Reply:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


def client(server: Server, tmp_path: Path, service: str = "okta",
           waits: list[float] | None = None, **options: Any) -> RecordedClient:
    waits = waits if waits is not None else []
    return RecordedClient(service=service, tenant="example.okta.com", base_url=server.url,
                          writer=SnapshotWriter(tmp_path),
                          headers=lambda: {"Authorization": f"SSWS {TOKEN}"},
                          sleep=waits.append, **options)


def users_page(server: Server, after: str | None) -> Reply:
    """Okta's /api/v1/users: a JSON array, the next page in the Link header."""
    pages = {None: ("u1", "u2", "p2"), "p2": ("u3", "u4", "p3"), "p3": ("u5", None, None)}
    first, second, cursor = pages[after]
    users = [{"id": first, "status": "ACTIVE"}] + ([{"id": second, "status": "SUSPENDED"}]
                                                  if second else [])
    link = f'<{server.url}/api/v1/users?limit=2>; rel="self"'
    if cursor:
        link += f', <{server.url}/api/v1/users?after={cursor}&limit=2>; rel="next"'
    return json_reply(users, Link=link, **{"X-Okta-Request-Id": f"req-{after}"})


def test_okta_link_header_paging_records_every_page_without_the_token(
        server: Server, tmp_path: Path) -> None:
    server.routes["/api/v1/users"] = lambda _p, q, s: users_page(s, (q.get("after") or [None])[0])
    with client(server, tmp_path) as okta:
        pages = list(okta.pages("ListUsers", "/api/v1/users", {"limit": 2},
                                paging=Paging.LINK_HEADER))
        entries = okta.writer.write_index()
    assert [p.ok for p in pages] == [True, True, True]
    assert [u["id"] for p in pages for u in p.body] == ["u1", "u2", "u3", "u4", "u5"]
    files = [tmp_path / e.file for e in entries]
    assert [e.operation for e in entries] == ["ListUsers"] * 3
    records = [json.loads(f.read_text()) for f in files]
    assert [r["params"]["page"] for r in records] == [1, 2, 3]
    assert records[0]["request_id"] == "req-None"
    assert all(TOKEN not in f.read_text() for f in tmp_path.rglob("*.json"))
    assert all(auth == f"SSWS {TOKEN}" for _, _, auth in server.seen)  # sent, never kept


def test_graph_odata_next_link_and_google_page_tokens(server: Server, tmp_path: Path) -> None:
    def graph(_path: str, query: dict[str, list[str]], s: Server) -> Reply:
        if "$skiptoken" in query:
            return json_reply({"value": [{"id": "g2"}]})
        return json_reply({"value": [{"id": "g1"}],
                           "@odata.nextLink": f"{s.url}/v1.0/users?$skiptoken=X1"})

    def google(_path: str, query: dict[str, list[str]], _s: Server) -> Reply:
        if query.get("pageToken") == ["t2"]:
            return json_reply({"users": [{"id": "d2"}]})
        return json_reply({"users": [{"id": "d1"}], "nextPageToken": "t2"})

    server.routes["/v1.0/users"] = graph
    server.routes["/admin/directory/v1/users"] = google
    with client(server, tmp_path / "graph", service="entra") as entra:
        got = [u["id"] for p in entra.pages("ListUsers", "/v1.0/users", paging=Paging.ODATA)
               for u in p.body["value"]]
    assert got == ["g1", "g2"]
    with client(server, tmp_path / "google", service="google") as directory:
        pages = list(directory.pages("ListUsers", "/admin/directory/v1/users",
                                     {"customer": "my_customer"}, paging=Paging.PAGE_TOKEN))
    assert [u["id"] for p in pages for u in p.body["users"]] == ["d1", "d2"]
    assert server.seen[-1][1] == "customer=my_customer&pageToken=t2"


def test_rate_limits_are_waited_out_as_the_api_asks(server: Server, tmp_path: Path) -> None:
    answers = iter([json_reply({"errorCode": "E0000047"}, 429, **{"Retry-After": "3"}),
                    json_reply({"errorCode": "E0000047"}, 429,
                               **{"X-Rate-Limit-Reset": "0"}),
                    json_reply([{"id": "u1"}])])
    server.routes["/api/v1/groups"] = lambda *_: next(answers)
    waits: list[float] = []
    with client(server, tmp_path, waits=waits) as okta:
        pages = list(okta.pages("ListGroups", "/api/v1/groups"))
    assert [p.ok for p in pages] == [True] and pages[0].body == [{"id": "u1"}]
    assert waits == [3.0, 0.0]
    record = json.loads(next(tmp_path.rglob("*.json")).read_text())
    assert record["retry_attempts"] == 2


@pytest.mark.parametrize(("reply", "code"), [
    (json_reply({"errorCode": "E0000011", "errorSummary": "Invalid token provided"}, 401),
     "HTTP401"),
    (json_reply({"error": {"code": "Authorization_RequestDenied"}}, 403), "HTTP403"),
    ((200, {"Content-Type": "application/json"}, b'[{"id": "u1", '), "MalformedResponse"),
])
def test_a_failed_page_is_recorded_and_ends_the_listing(server: Server, tmp_path: Path,
                                                        reply: Reply, code: str) -> None:
    server.routes["/api/v1/apps"] = lambda *_: reply
    with client(server, tmp_path) as okta:
        pages = list(okta.pages("ListApps", "/api/v1/apps", paging=Paging.LINK_HEADER))
    assert len(pages) == 1 and not pages[0].ok and pages[0].body is None
    assert pages[0].entry.error_code == code
    assert server.count("/api/v1/apps") == 1  # client errors are not retried


def test_server_errors_are_retried_then_recorded(server: Server, tmp_path: Path) -> None:
    server.routes["/api/v1/logs"] = lambda *_: json_reply({"errorCode": "E0000009"}, 500)
    waits: list[float] = []
    with client(server, tmp_path, waits=waits, max_attempts=3) as okta:
        pages: list[Page] = list(okta.pages("ListLogs", "/api/v1/logs"))
    assert pages[0].entry.error_code == "HTTP500"
    assert server.count("/api/v1/logs") == 3 and waits == [2.0, 4.0]
    entry = Snapshot.read_json(next(tmp_path.rglob("*.json")))
    assert entry["outcome"] == "error" and "E0000009" in entry["error_message"]


def test_a_connection_refused_is_a_recorded_failure(tmp_path: Path) -> None:
    with RecordedClient(service="okta", tenant="t", base_url="http://127.0.0.1:9",
                        writer=SnapshotWriter(tmp_path)) as okta:
        pages = list(okta.pages("ListUsers", "/api/v1/users"))
    assert pages[0].entry.error_code == "ConnectionError"


def test_a_next_link_to_another_host_is_refused_and_recorded(server: Server,
                                                            tmp_path: Path) -> None:
    """The credentials go with every request: a Link header (or a nextLink) naming another
    host is not followed; the refusal ends the listing as a recorded failure, so the pages
    read are never taken for all of them."""
    server.routes["/api/v1/users"] = lambda _p, _q, _s: json_reply(
        [{"id": "u1", "status": "ACTIVE"}],
        Link='<https://attacker.example/api/v1/users?after=p2>; rel="next"')
    with client(server, tmp_path) as okta:
        pages = list(okta.pages("ListUsers", "/api/v1/users", paging=Paging.LINK_HEADER))
        entries = okta.writer.write_index()
    assert [p.ok for p in pages] == [True, False]
    assert pages[1].entry.error_code == "NextLinkRefused"
    record = json.loads((tmp_path / entries[-1].file).read_text())
    assert "another host (https://attacker.example)" in record["error_message"]
    assert len(server.seen) == 1


def test_a_page_token_that_repeats_ends_the_listing(server: Server, tmp_path: Path) -> None:
    server.routes["/admin/directory/v1/users"] = lambda _p, _q, _s: json_reply(
        {"users": [{"id": "d1"}], "nextPageToken": "same"})
    with client(server, tmp_path, service="google") as directory:
        pages = list(directory.pages("ListUsers", "/admin/directory/v1/users",
                                     paging=Paging.PAGE_TOKEN))
    assert [p.ok for p in pages] == [True, True, False]
    assert pages[-1].entry.error_code == "NextLinkRefused"
    assert len(server.seen) == 2
