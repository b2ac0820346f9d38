"""A loopback HTTP server that speaks a REST API from an in-memory directory.

The demo's identity providers (Okta, Microsoft Graph, Google Directory) and the tests of their
collectors run the real collector over real HTTP against these servers, so paging, rate limits
and error answers cross the wire exactly as they would in production. Each API module adds its
routes (a path pattern and a handler) and its own error shape; this module owns the socket,
the request log and scripted faults.

Only 127.0.0.1 is ever bound. Faults are scripted per route: the next N requests to a path get
a 429 with Retry-After, a 401/403/500, a body that is not JSON, or a slow answer.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    params: Mapping[str, str] = field(default_factory=dict)  # from the route's pattern

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, str]:
        """An application/x-www-form-urlencoded body (token endpoints)."""
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, document: Any, status: int = 200, **headers: str) -> Reply:
        return cls(status, json.dumps(document).encode(),
                   {"Content-Type": "application/json", **headers})


Handler = Callable[[Request], Reply]


@dataclass(frozen=True)
class Fault:
    """What the next request to a path gets instead of its answer."""

    status: int = 500
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b'{"error": "scripted fault"}'
    delay: float = 0.0  # seconds to wait before answering (a timeout, with a short client)

    @classmethod
    def rate_limited(cls, retry_after: str = "0") -> Fault:
        return cls(429, {"Retry-After": retry_after, "Content-Type": "application/json"},
                   b'{"error": "too many requests"}')

    @classmethod
    def malformed(cls) -> Fault:
        return cls(200, {"Content-Type": "application/json"}, b'{"value": [{"id": ')


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a collector giving up on a slow answer, a run stopped with
    Ctrl-C) is the client's business: no traceback on the server's stderr for it."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ApiServer:
    """Routes, a request log and scripted faults over a ThreadingHTTPServer on loopback.

    Use as a context manager, or ``start()`` / ``stop()``.
    """

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.seen: list[Request] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- routes and faults -------------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """``pattern`` is a path with ``{name}`` segments, e.g. ``/api/v1/users/{id}/factors``."""
        regex = re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(pattern))
                           + "$")
        self._routes.append((method.upper(), regex, handler))

    def fail_next(self, path: str, *faults: Fault) -> None:
        """The next requests to ``path`` (exact path, no query) get ``faults``, in order."""
        with self._lock:
            self._faults[path].extend(faults)

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.seen if r.path == path]

    def not_found(self, request: Request) -> Reply:
        """The API's own shape for an unknown path; API modules override it."""
        return Reply.json({"error": f"no route for {request.method} {request.path}"}, 404)

    # -- serving -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ApiServer:
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each answer waits ~40 ms for a delayed ACK

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(self.command, parts.path, parse_qs(parts.query),
                                  {k.lower(): v for k, v in self.headers.items()}, body)
                reply = owner._answer(request)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = _serve

            def log_message(self, *_args: Any) -> None:
                pass

        self._httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True, name="govkit-api-server")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.seen.append(request)
            queued = self._faults.get(request.path)
            fault = queued.popleft() if queued else None
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            return Reply(fault.status, fault.body, fault.headers)
        for method, regex, handler in self._routes:
            match = regex.match(request.path)
            if match and method == request.method:
                bound = Request(request.method, request.path, request.query, request.headers,
                                request.body, match.groupdict())
                return handler(bound)
        return self.not_found(request)
