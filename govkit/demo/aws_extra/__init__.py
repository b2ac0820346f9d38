"""AWS services moto does not implement, served beside it on the demo's loopback endpoint.

moto 5 has no backend for AppStream 2.0 or AWS Artifact, no WorkSpaces Pools or IP access
control groups, no Systems Manager managed-instance list or compliance, and no GuardDuty
findings; its EMR keeps every cluster in one region when reached through a loopback endpoint.
Each service here is a small WSGI application that speaks the service's real wire protocol
(awsJson1.1 with ``X-Amz-Target``, or REST-JSON), with answers shaped by the botocore service
model, so the real boto3 client talks to it over HTTP exactly as it talks to AWS. The demo's
moto server routes a request here when its SigV4 credential scope names a service (and, for a
service moto partly implements, its target or path names an operation) that one of these
applications answers; everything else goes to moto.

Each application keeps its state per account and region, like moto's backends, and is reset
with them (``POST /moto-api/reset``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.request import ProxyHandler, Request, build_opener

Environ = Mapping[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[..., Any]

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True)
class Call:
    """Who called, where: from the request's SigV4 credential scope."""

    access_key: str
    region: str
    service: str

    @property
    def account(self) -> str:
        from moto.iam.models import get_account_id_from
        return str(get_account_id_from(self.access_key))


def call_of(environ: Environ) -> Call | None:
    match = _SCOPE.search(str(environ.get("HTTP_AUTHORIZATION", "")))
    return Call(*match.groups()) if match else None


class ServiceError(Exception):
    """An error the service answers with: its ``__type`` code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def token_offset(token: Any, code: str) -> int:
    """The offset a NextToken stands for (the emulators page by offset; none: 0), or
    ``ServiceError(code)`` when it is not a number."""
    try:
        return int(token) if token else 0
    except ValueError:
        raise ServiceError(code, f"invalid NextToken {token!r}") from None


def offset_page(items: Sequence[Any], start: int, size: int) -> tuple[list[Any], str | None]:
    """``size`` items of ``items`` from ``start``, and the token of the next page (None: this
    is the last)."""
    end = start + size
    return list(items[start:end]), (str(end) if end < len(items) else None)


def paged_answer(items: Sequence[Any], start: int, size: int, key: str,
                 token_key: str) -> dict[str, Any]:
    """One page of ``items`` under ``key``, with the next page's token under ``token_key``
    when there is one (the shape of every listing answer)."""
    page, token = offset_page(items, start, size)
    answer: dict[str, Any] = {key: page}
    if token is not None:
        answer[token_key] = token
    return answer


class JsonService:
    """An awsJson1.1 service: ``POST /`` with ``X-Amz-Target: <prefix>.<Operation>`` and a JSON
    body. A subclass answers ``Operation`` with a method ``op_Operation(call, params)`` that
    returns the response body; state lives in ``self.state[(account, region)]``."""

    service: str = ""  # the SigV4 signing name, e.g. "appstream"
    target_prefix: str = ""  # e.g. "PhotonAdminProxyService"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.state: dict[tuple[str, str], Any] = {}

    def new_state(self) -> Any:
        return {}

    def region_state(self, call: Call) -> Any:
        key = (call.account, call.region)
        if key not in self.state:
            self.state[key] = self.new_state()
        return self.state[key]

    def reset(self) -> None:
        with self._lock:
            self.state.clear()

    def operation(self, environ: Environ) -> str | None:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        prefix, _, name = target.partition(".")
        return name if prefix == self.target_prefix and name else None

    def answers(self, environ: Environ, call: Call) -> bool:
        """Whether this service takes the request (its signing name and an operation it
        implements)."""
        name = self.operation(environ)
        return call.service == self.service and name is not None and \
            hasattr(self, f"op_{name}")

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        call = call_of(environ)
        name = self.operation(environ)
        try:
            if call is None or name is None or not hasattr(self, f"op_{name}"):
                raise ServiceError("UnknownOperationException", f"unknown operation {name}")
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            params = json.loads(body or b"{}")
            with self._lock:
                answer = getattr(self, f"op_{name}")(call, params)
            return _reply(start_response, 200, answer)
        except ServiceError as error:
            return _reply(start_response, error.status,
                          {"__type": error.code, "message": error.message})


REST_JSON = "application/json"
AWS_JSON = "application/x-amz-json-1.1"
REQUEST_ID = "00000000-demo-0000-0000"
_STATUS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}


def reply(start_response: StartResponse, status: int, body: Any, *,
          content_type: str = REST_JSON, error_code: str | None = None,
          default: Callable[[Any], Any] | None = None) -> list[bytes]:
    """Answer with ``body`` as JSON (``default`` as for :func:`json.dumps`), and with
    ``error_code`` in ``x-amzn-ErrorType`` when given, as REST-JSON services carry it."""
    data = json.dumps(body, default=default).encode("utf-8")
    headers = [("Content-Type", content_type), ("Content-Length", str(len(data))),
               ("x-amzn-RequestId", REQUEST_ID)]
    if error_code is not None:
        headers.append(("x-amzn-ErrorType", error_code))
    start_response(f"{status} {_STATUS.get(status, 'Error')}", headers)
    return [data]


def _reply(start_response: StartResponse, status: int, body: Any) -> list[bytes]:
    return reply(start_response, status, body, content_type=AWS_JSON, default=str)


def post_signed(endpoint_url: str, path: str, service: str, region: str, body: Any, *,
                access_key: str, secret_key: str, content_type: str = REST_JSON) -> None:
    """``POST`` ``body`` as JSON to ``path`` on the demo server at ``endpoint_url``, SigV4-signed
    for ``service`` in ``region`` like every request the server routes to these services; an
    error answer raises :class:`urllib.error.HTTPError`."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    data = json.dumps(body).encode("utf-8")
    request = AWSRequest(method="POST", url=f"{endpoint_url.rstrip('/')}{path}", data=data,
                         headers={"Content-Type": content_type})
    SigV4Auth(Credentials(access_key, secret_key), service, region).add_auth(request)
    prepared = request.prepare()
    sent = Request(prepared.url, data=data, method="POST",
                   headers={k: str(v) for k, v in prepared.headers.items()})
    # loopback never goes through a proxy, whatever the environment says
    with build_opener(ProxyHandler({})).open(sent, timeout=30) as response:
        response.read()


class Dispatcher:
    """Sends a request to the first of ``services`` that answers it, else to moto; resets
    them all with moto."""

    def __init__(self, moto_app: WsgiApp, services: Iterable[JsonService]) -> None:
        self._moto = moto_app
        self.services = tuple(services)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/moto-api/reset":
            for service in self.services:
                service.reset()
        call = call_of(environ)
        if call is not None:
            for service in self.services:
                if service.answers(environ, call):
                    return service(environ, start_response)
        answer: Iterable[bytes] = self._moto(environ, start_response)
        return answer


def services() -> list[JsonService]:
    """Every service this package serves (each module adds its own here)."""
    from govkit.demo.aws_extra import appstream, artifact, emr, guardduty, ssm, workspaces
    return [appstream.SERVICE, workspaces.WorkSpacesExtra(), artifact.ArtifactService(),
            ssm.SsmExtra(), guardduty.GuardDutyFindings(), emr.EmrService()]
