"""Fault-injecting HTTP reverse proxy for AWS API tests.

``FaultProxy`` listens on loopback between boto3 clients and an upstream AWS
emulator (a moto server).  Each request is identified as a botocore
``(service, operation)`` pair from its SigV4 credential scope and the wire
protocol of the service, recorded in :attr:`FaultProxy.calls`, and then either
forwarded unchanged or answered by the proxy itself with an injected error in
the wire shape the real service uses for that protocol.

Usage::

    with FaultProxy(upstream="http://127.0.0.1:5000") as proxy:
        proxy.inject("s3", "GetBucketEncryption", "AccessDenied")
        s3 = boto3.client("s3", endpoint_url=proxy.endpoint_url, ...)

Operation identification and error shapes are derived from the installed
botocore service models, so they follow whatever protocol the installed
botocore actually speaks for a service.  Injected errors look like this:

* ``query`` (iam, sts, rds): ``<ErrorResponse xmlns=NS><Error><Type>Sender</Type>
  <Code/><Message/></Error><RequestId/></ErrorResponse>`` as ``text/xml``.
* ``ec2``: ``<Response><Errors><Error><Code/><Message/></Error></Errors>
  <RequestID/></Response>``.
* ``json`` (kms, dynamodb, cloudtrail, organizations, workspaces):
  ``{"__type": CODE, "message": ...}`` as ``application/x-amz-json-1.x`` with
  ``x-amzn-ErrorType`` (plus ``x-amzn-query-error`` for query-compatible
  services).
* ``rest-json`` (workspaces-web): ``x-amzn-ErrorType: CODE`` and
  ``{"message": ...}``.
* ``rest-xml``: S3 ``<Error><Code/><Message/><RequestId/><HostId/></Error>``;
  other rest-xml services (s3control) wrap it as ``<ErrorResponse><Error>``.
* ``smithy-rpc-v2-cbor``: CBOR map ``{"__type", "message"}`` with the
  ``smithy-protocol: rpc-v2-cbor`` header.

Statuses default to what the service pairs with the code: the model's
``httpStatusCode`` when the code is a modeled error, else 403 for access
denial, 503 for S3 ``SlowDown`` and EC2 ``RequestLimitExceeded``, 400 for
``Throttling``/``ThrottlingException``.  The per-service codes returned by
:func:`throttling_code` are all in botocore's list of throttling error codes,
so standard and adaptive retries treat them as throttles.

Limitations:

* Only plain ``http://`` upstreams are supported.
* S3 requests are matched by path-style addressing (which botocore uses for
  IP endpoints such as the proxy's); virtual-hosted bucket names in ``Host``
  are not recognised.
* Request bodies are buffered.  ``Transfer-Encoding: chunked`` is de-chunked
  and forwarded with a ``Content-Length``; ``Content-Encoding: aws-chunked``
  payloads are forwarded byte for byte (moto decodes them).  HTTP trailers on
  a chunked request are dropped.
* Injected errors for ``HEAD`` requests carry no body, exactly like S3, so
  botocore reports the HTTP status as the error code (e.g. ``"403"``).
* A request is attributed to a service through its signing name.  Services
  outside ``services`` (and not injected into) resolve only when their
  signing name equals their botocore name; anything else is forwarded and
  logged as ``(signing name, UNKNOWN)``.
* botocore puts the account id in the s3control host name
  (``123456789012.127.0.0.1``), which does not resolve; the client has to
  strip it (see the tests) before requests can reach the proxy.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import re
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple, Self
from unittest import mock
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit
from xml.sax.saxutils import escape

import botocore.session
from botocore.exceptions import UnknownServiceError
from botocore.model import OperationModel, ServiceModel
from botocore.retries import adaptive, bucket, standard

__all__ = [
    "DEFAULT_PRINCIPAL_ARN",
    "DEFAULT_SERVICES",
    "UNKNOWN",
    "ErrorSpec",
    "FaultProxy",
    "OperationResolver",
    "ProxyCall",
    "ProxyRequest",
    "ResolvedCall",
    "WireError",
    "access_denied_code",
    "default_message",
    "default_status",
    "fast_retries",
    "render_error",
    "throttling_code",
]

logger = logging.getLogger(__name__)

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_PRINCIPAL_ARN = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:user/auditor"
DEFAULT_SERVICES: tuple[str, ...] = (
    "cloudtrail",
    "dynamodb",
    "ec2",
    "iam",
    "kms",
    "organizations",
    "rds",
    "s3",
    "s3control",
    "sts",
    "workspaces",
    "workspaces-web",
)
UNKNOWN = "<unknown>"


class ProxyCall(NamedTuple):
    """One request seen by the proxy: ``(service, operation, injected)``."""

    service: str
    operation: str
    injected: bool


# --------------------------------------------------------------------------
# botocore models
# --------------------------------------------------------------------------


@cache
def _botocore_session() -> botocore.session.Session:
    return botocore.session.get_session()


_MODEL_LOCK = threading.Lock()


@cache
def _service_model(service: str) -> ServiceModel:
    with _MODEL_LOCK:  # botocore's loader is not guaranteed to be thread-safe
        try:
            return _botocore_session().get_service_model(service)
        except UnknownServiceError as exc:
            raise ValueError(f"unknown botocore service {service!r}") from exc


@cache
def _available_services() -> frozenset[str]:
    return frozenset(_botocore_session().get_available_services())


def _protocols(model: ServiceModel) -> tuple[str, ...]:
    """Protocols the model supports, the one botocore will use first."""
    resolved = str(model.resolved_protocol)
    others = model.metadata.get("protocols") or [model.protocol]
    return (resolved, *(p for p in others if p != resolved))


def _signing_name(model: ServiceModel) -> str:
    return str(model.metadata.get("signingName") or model.endpoint_prefix)


# --------------------------------------------------------------------------
# Incoming requests
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProxyRequest:
    """A buffered client request as received by the proxy."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @cached_property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.target.partition("?")[2], keep_blank_values=True)

    @cached_property
    def _lower_headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers}

    def header(self, name: str) -> str | None:
        return self._lower_headers.get(name.lower())

    def form_params(self) -> dict[str, list[str]]:
        """Query-string parameters merged with a form-encoded body."""
        params = {key: list(values) for key, values in self.query.items()}
        content_type = self.header("Content-Type") or ""
        if content_type.startswith("application/x-www-form-urlencoded") and self.body:
            body = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
            for key, values in body.items():
                params.setdefault(key, []).extend(values)
        return params


_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")


def signing_name_of(request: ProxyRequest) -> str | None:
    """SigV4/SigV4a signing name from the Authorization header or presigned query."""
    match = _CREDENTIAL.search(request.header("Authorization") or "")
    credential = match.group(1) if match else _first(request.query.get("X-Amz-Credential"))
    if not credential:
        return None
    parts = unquote(credential).split("/")
    # SigV4: AKID/date/region/service/aws4_request; SigV4a omits the region.
    return parts[-2] if len(parts) >= 4 else None


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


# --------------------------------------------------------------------------
# Operation resolution
# --------------------------------------------------------------------------


class ResolvedCall(NamedTuple):
    service: str
    operation: str
    protocol: str


# (literal path characters, query/header constraints) of the matching route;
# RPC-style matches (Action, X-Amz-Target, CBOR path) are exact and rank first.
Specificity = tuple[int, int]
_EXACT: Specificity = (sys.maxsize, 0)
_LABEL = re.compile(r"(\{[^}]+\})")


class _RestRoute(NamedTuple):
    operation: str
    method: str
    path: re.Pattern[str]
    query: tuple[tuple[str, str], ...]
    headers: tuple[str, ...]
    specificity: Specificity

    def matches(self, request: ProxyRequest) -> bool:
        if request.method.upper() != self.method or not self.path.fullmatch(request.path):
            return False
        query = request.query
        return all(
            key in query and (not expected or expected in query[key])
            for key, expected in self.query
        ) and all(request.header(name) is not None for name in self.headers)


def _label_regex(piece: str) -> str:
    if _LABEL.fullmatch(piece):
        return ".+" if piece.endswith("+}") else "[^/]+"
    return re.escape(piece)


def _required_locations(operation: OperationModel, location: str) -> list[str]:
    """Wire names of the required input members bound to ``location``."""
    shape = operation.input_shape
    if shape is None:
        return []
    names = []
    for member_name in shape.required_members:
        serialization = shape.members[member_name].serialization
        if serialization.get("location") == location:
            names.append(str(serialization.get("name", member_name)))
    return names


def _compile_route(operation: OperationModel) -> _RestRoute:
    """Matcher for ``http.method`` + ``http.requestUri`` plus required query/header members."""
    request_uri = str(operation.http.get("requestUri", "/"))
    path_template, _, query_template = request_uri.partition("?")
    pieces = _LABEL.split(path_template)
    literal = sum(len(piece) for piece in pieces if not _LABEL.fullmatch(piece))
    query = parse_qsl(query_template, keep_blank_values=True)
    query += [(name, "") for name in _required_locations(operation, "querystring")]
    headers = tuple(_required_locations(operation, "header"))
    return _RestRoute(
        operation=operation.name,
        method=str(operation.http.get("method", "POST")).upper(),
        path=re.compile("".join(_label_regex(piece) for piece in pieces)),
        query=tuple(query),
        headers=headers,
        specificity=(literal, len(query) + len(headers)),
    )


@cache
def _rest_routes(service: str) -> tuple[_RestRoute, ...]:
    model = _service_model(service)
    return tuple(_compile_route(model.operation_model(name)) for name in model.operation_names)


Match = tuple[Specificity, str]


def _match_rpc_action(model: ServiceModel, request: ProxyRequest) -> Match | None:
    form = request.form_params()
    action = _first(form.get("Action"))
    # two APIs can share a signing name and operation names (elb and elbv2 both have
    # DescribeLoadBalancers): the request's API version tells them apart
    version = _first(form.get("Version"))
    if version and version != model.metadata.get("apiVersion", version):
        return None
    if action in model.operation_names:
        return _EXACT, str(action)
    return None


def _match_json_target(model: ServiceModel, request: ProxyRequest) -> Match | None:
    prefix, _, operation = (request.header("X-Amz-Target") or "").rpartition(".")
    if prefix == model.metadata.get("targetPrefix") and operation in model.operation_names:
        return _EXACT, operation
    return None


_CBOR_PATH = re.compile(r"/service/([^/]+)/operation/([^/]+)")


def _match_cbor_path(model: ServiceModel, request: ProxyRequest) -> Match | None:
    match = _CBOR_PATH.fullmatch(request.path)
    if match is None or match.group(1) != model.metadata.get("targetPrefix"):
        return None
    operation = match.group(2)
    return (_EXACT, operation) if operation in model.operation_names else None


def _match_rest_route(model: ServiceModel, request: ProxyRequest) -> Match | None:
    candidates = [route for route in _rest_routes(model.service_name) if route.matches(request)]
    if not candidates:
        return None
    best = max(candidates, key=lambda route: route.specificity)
    return best.specificity, best.operation


_MATCHERS: dict[str, Callable[[ServiceModel, ProxyRequest], Match | None]] = {
    "query": _match_rpc_action,
    "ec2": _match_rpc_action,
    "json": _match_json_target,
    "smithy-rpc-v2-cbor": _match_cbor_path,
    "rest-json": _match_rest_route,
    "rest-xml": _match_rest_route,
}


class OperationResolver:
    """Maps requests to botocore (service, operation, protocol) triples."""

    def __init__(self, services: Iterable[str]) -> None:
        self._lock = threading.Lock()
        self._services: set[str] = set()
        self._by_signing_name: dict[str, set[str]] | None = None
        for service in services:
            self.add(service)

    def add(self, service: str) -> ServiceModel:
        model = _service_model(service)
        with self._lock:
            if service not in self._services:
                self._services.add(service)
                self._by_signing_name = None
        return model

    def resolve(self, request: ProxyRequest) -> ResolvedCall | None:
        signing_name = signing_name_of(request)
        if signing_name is None:
            return None
        best: tuple[Specificity, ResolvedCall] | None = None
        for service in self._candidates(signing_name):
            found = self._match(_service_model(service), request)
            if found is not None and (best is None or found[0] > best[0]):
                best = found
        return best[1] if best else None

    def _candidates(self, signing_name: str) -> list[str]:
        candidates = self._signing_index().get(signing_name)
        if candidates:
            return sorted(candidates)
        if signing_name in _available_services():
            self.add(signing_name)
            return [signing_name]
        return []

    def _signing_index(self) -> dict[str, set[str]]:
        with self._lock:
            if self._by_signing_name is None:
                index: dict[str, set[str]] = {}
                for service in self._services:
                    index.setdefault(_signing_name(_service_model(service)), set()).add(service)
                self._by_signing_name = index
            return self._by_signing_name

    @staticmethod
    def _match(
        model: ServiceModel, request: ProxyRequest
    ) -> tuple[Specificity, ResolvedCall] | None:
        for protocol in _protocols(model):
            matcher = _MATCHERS.get(protocol)
            found = matcher(model, request) if matcher else None
            if found is not None:
                return found[0], ResolvedCall(model.service_name, found[1], protocol)
        return None


# --------------------------------------------------------------------------
# Error codes, statuses and messages
# --------------------------------------------------------------------------

_ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AuthorizationError",
        "UnauthorizedOperation",
        "UnauthorizedException",
    }
)
_MESSAGES_BY_CODE = {
    "Throttling": "Rate exceeded",
    "ThrottlingException": "Rate exceeded",
    "TooManyRequestsException": "Too Many Requests",
    "RequestLimitExceeded": "Request limit exceeded.",
    "SlowDown": "Please reduce your request rate.",
    "ProvisionedThroughputExceededException": (
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API."
    ),
    "InternalError": "We encountered an internal error. Please try again.",
    "InternalFailure": "The request processing has failed because of an unknown error.",
    "ServiceUnavailable": "Service is unable to handle request.",
}
_STATUS_BY_CODE = {
    "SlowDown": 503,
    "ServiceUnavailable": 503,
    "ServiceUnavailableException": 503,
    "InternalError": 500,
    "InternalFailure": 500,
    "InternalServerError": 500,
    "InternalServerException": 500,
    "TooManyRequestsException": 429,
}
# S3 API operations whose IAM action name differs from the operation name.
_S3_IAM_ACTIONS = {
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "GetBucketReplication": "GetReplicationConfiguration",
    "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "HeadBucket": "ListBucket",
    "HeadObject": "GetObject",
    "ListBuckets": "ListAllMyBuckets",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
}
_S3CONTROL_IAM_ACTIONS = {
    "GetPublicAccessBlock": "GetAccountPublicAccessBlock",
    "PutPublicAccessBlock": "PutAccountPublicAccessBlock",
}


def access_denied_code(service: str) -> str:
    """The error code the real service returns when IAM denies a call."""
    protocol = _service_model(service).resolved_protocol
    if protocol == "ec2":
        return "UnauthorizedOperation"
    if protocol in ("query", "rest-xml"):
        return "AccessDenied"
    return "AccessDeniedException"


def throttling_code(service: str) -> str:
    """The error code the real service returns when it throttles a caller."""
    model = _service_model(service)
    protocol = model.resolved_protocol
    if protocol == "ec2":
        return "RequestLimitExceeded"
    if protocol == "query":
        return "Throttling"
    if protocol == "rest-xml":
        return "SlowDown" if _signing_name(model) == "s3" else "Throttling"
    return "ThrottlingException"


def _modeled_status(model: ServiceModel, code: str) -> int | None:
    for shape in model.error_shapes:
        error = shape.metadata.get("error", {})
        if (error.get("code") or shape.name) == code and "httpStatusCode" in error:
            return int(error["httpStatusCode"])
    return None


def default_status(model: ServiceModel, protocol: str, code: str) -> int:
    """HTTP status the real service pairs with ``code``."""
    modeled = _modeled_status(model, code)
    if modeled is not None:
        return modeled
    if code == "RequestLimitExceeded":
        return 503 if protocol == "ec2" else 400
    if code in _ACCESS_DENIED_CODES:
        return 403
    return _STATUS_BY_CODE.get(code, 400)


def _iam_action(call: ResolvedCall) -> str:
    model = _service_model(call.service)
    overrides = {"s3": _S3_IAM_ACTIONS, "s3control": _S3CONTROL_IAM_ACTIONS}.get(call.service, {})
    return f"{_signing_name(model)}:{overrides.get(call.operation, call.operation)}"


def _resource_arn(call: ResolvedCall, request: ProxyRequest) -> str:
    """The denied resource; S3 quotes it in its messages."""
    if call.service == "s3":
        resource = unquote(request.path.lstrip("/"))
        if resource:
            return f'"arn:aws:s3:::{resource}"'
    return "*"


def default_message(
    call: ResolvedCall, code: str, request: ProxyRequest, principal_arn: str
) -> str:
    """An error message worded like the real service's."""
    if code not in _ACCESS_DENIED_CODES:
        return _MESSAGES_BY_CODE.get(code, f"The request failed with {code}.")
    action = _iam_action(call)
    reason = f"because no identity-based policy allows the {action} action"
    if call.protocol == "ec2":
        return (
            "You are not authorized to perform this operation. "
            f"User: {principal_arn} is not authorized to perform: {action} {reason}"
        )
    resource = _resource_arn(call, request)
    return (
        f"User: {principal_arn} is not authorized to perform: {action} "
        f"on resource: {resource} {reason}"
    )


# --------------------------------------------------------------------------
# Wire shapes
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class WireError:
    """An error as the service would put it on the wire."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class ErrorSpec:
    code: str
    message: str
    status: int
    request_id: str

    @property
    def fault(self) -> str:
        return "Receiver" if self.status >= 500 else "Sender"


def _xml(text: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode("utf-8")


def _query_error(model: ServiceModel, spec: ErrorSpec) -> WireError:
    namespace = escape(str(model.metadata.get("xmlNamespace", "")), {'"': "&quot;"})
    body = (
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>{spec.fault}</Type>'
        f"<Code>{escape(spec.code)}</Code><Message>{escape(spec.message)}</Message></Error>"
        f"<RequestId>{spec.request_id}</RequestId></ErrorResponse>"
    )
    headers = (("Content-Type", "text/xml"), ("x-amzn-RequestId", spec.request_id))
    return WireError(spec.status, headers, _xml(body))


def _ec2_error(model: ServiceModel, spec: ErrorSpec) -> WireError:
    body = (
        f"<Response><Errors><Error><Code>{escape(spec.code)}</Code>"
        f"<Message>{escape(spec.message)}</Message></Error></Errors>"
        f"<RequestID>{spec.request_id}</RequestID></Response>"
    )
    return WireError(spec.status, (("Content-Type", "text/xml;charset=UTF-8"),), _xml(body))


def _json_error(model: ServiceModel, spec: ErrorSpec) -> WireError:
    version = model.metadata.get("jsonVersion", "1.0")
    headers = [
        ("Content-Type", f"application/x-amz-json-{version}"),
        ("x-amzn-RequestId", spec.request_id),
        ("x-amzn-ErrorType", spec.code),
    ]
    if model.metadata.get("awsQueryCompatible") is not None:
        headers.append(("x-amzn-query-error", f"{spec.code};{spec.fault}"))
    body = json.dumps({"__type": spec.code, "message": spec.message}).encode("utf-8")
    return WireError(spec.status, tuple(headers), body)


def _rest_json_error(model: ServiceModel, spec: ErrorSpec) -> WireError:
    headers = (
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", spec.request_id),
        ("x-amzn-ErrorType", spec.code),
    )
    return WireError(spec.status, headers, json.dumps({"message": spec.message}).encode("utf-8"))


def _rest_xml_error(model: ServiceModel, spec: ErrorSpec) -> WireError:
    host_id = uuid.uuid4().hex
    fields = f"<Code>{escape(spec.code)}</Code><Message>{escape(spec.message)}</Message>"
    ids = f"<RequestId>{spec.request_id}</RequestId><HostId>{host_id}</HostId>"
    if model.service_name == "s3":
        body = f"<Error>{fields}{ids}</Error>"
    else:
        body = (
            f"<ErrorResponse><Error><Type>{spec.fault}</Type>{fields}</Error>{ids}</ErrorResponse>"
        )
    headers = (
        ("Content-Type", "application/xml"),
        ("x-amz-request-id", spec.request_id),
        ("x-amz-id-2", host_id),
    )
    return WireError(spec.status, headers, _xml(body))


def _cbor_head(major: int, length: int) -> bytes:
    if length < 24:
        return bytes([major << 5 | length])
    for marker, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if length < 1 << (8 * size):
            return bytes([major << 5 | marker]) + length.to_bytes(size, "big")
    raise ValueError("CBOR item too large")


def _cbor_text_map(values: Mapping[str, str]) -> bytes:
    """Encode a map of text strings as definite-length CBOR."""
    out = bytearray(_cbor_head(5, len(values)))
    for key, value in values.items():
        for text in (key.encode("utf-8"), value.encode("utf-8")):
            out += _cbor_head(3, len(text)) + text
    return bytes(out)


def _cbor_error(model: ServiceModel, spec: ErrorSpec) -> WireError:
    headers = [
        ("Content-Type", "application/cbor"),
        ("smithy-protocol", "rpc-v2-cbor"),
        ("x-amzn-RequestId", spec.request_id),
    ]
    if model.metadata.get("awsQueryCompatible") is not None:
        headers.append(("x-amzn-query-error", f"{spec.code};{spec.fault}"))
    body = _cbor_text_map({"__type": spec.code, "message": spec.message})
    return WireError(spec.status, tuple(headers), body)


_RENDERERS: dict[str, Callable[[ServiceModel, ErrorSpec], WireError]] = {
    "query": _query_error,
    "ec2": _ec2_error,
    "json": _json_error,
    "rest-json": _rest_json_error,
    "rest-xml": _rest_xml_error,
    "smithy-rpc-v2-cbor": _cbor_error,
}


def render_error(call: ResolvedCall, spec: ErrorSpec) -> WireError:
    """The wire form of ``spec`` for the protocol the request arrived in."""
    return _RENDERERS[call.protocol](_service_model(call.service), spec)


# --------------------------------------------------------------------------
# Injections
# --------------------------------------------------------------------------


@dataclass
class _Injection:
    service: str
    operation: str
    code: str
    remaining: int | None
    status: int | None
    message: str | None

    def applies_to(self, call: ResolvedCall) -> bool:
        return (self.service, self.operation) == (call.service, call.operation)


# --------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------

# Connection-specific headers that must not be copied between hops; the body
# framing (Content-Length / Transfer-Encoding) is recomputed for each hop.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "content-length",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
_COPY_BLOCK = 64 * 1024


class _MalformedBody(Exception):
    """The client sent a request body the proxy cannot frame."""


def _read_exactly(stream: io.BufferedIOBase, size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise ConnectionError("client closed the connection mid-body")
    return data


def _chunk_size(size_line: bytes) -> int:
    if not size_line:
        raise ConnectionError("client closed the connection mid-body")
    try:
        return int(size_line.split(b";", 1)[0].strip(), 16)
    except ValueError as error:
        raise _MalformedBody(f"invalid chunk size line {size_line[:40]!r}") from error


def _read_chunked(stream: io.BufferedIOBase) -> bytes:
    """Decode an HTTP/1.1 chunked body, discarding any trailers."""
    parts = []
    while size := _chunk_size(stream.readline(65537)):
        parts.append(_read_exactly(stream, size))
        stream.readline()
    while stream.readline(65537) not in (b"\r\n", b"\n", b""):
        pass
    return b"".join(parts)


@dataclass(frozen=True)
class _Upstream:
    host: str
    port: int
    timeout: float

    @classmethod
    def parse(cls, url: str, timeout: float) -> _Upstream:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// URL, got {url!r}")
        return cls(parts.hostname, parts.port or 80, timeout)

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)


def _has_body(method: str, status: int) -> bool:
    return method != "HEAD" and status >= 200 and status not in (204, 304)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, proxy: FaultProxy) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.proxy = proxy
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            logger.debug("client %s went away: %s", client_address, error)
            return
        logger.exception("FaultProxy failed while serving %s", client_address)


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    # Headers and body go out in separate writes; without TCP_NODELAY every
    # response stalls on Nagle + delayed ACK (~40 ms on loopback).
    disable_nagle_algorithm = True
    server: _ProxyServer

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - " + format, self.address_string(), *args)

    def _handle(self) -> None:
        try:
            request = ProxyRequest(
                self.command, self.path, tuple(self.headers.items()), self._body()
            )
        except _MalformedBody as error:
            self.send_error(400, str(error))
            return
        except (ConnectionError, TimeoutError) as error:
            logger.debug("dropping connection: %s", error)
            self.close_connection = True
            return
        self._respond(request)

    def _respond(self, request: ProxyRequest) -> None:
        try:
            injected = self.server.proxy.intercept(request)
            if injected is not None:
                self._send_injected(injected)
            else:
                self._forward(request)
        except (ConnectionError, TimeoutError) as error:
            logger.debug("dropping connection: %s", error)
            self.close_connection = True

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return _read_chunked(self.rfile)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError as error:
            raise _MalformedBody("invalid Content-Length") from error
        return _read_exactly(self.rfile, length) if length > 0 else b""

    def _send_injected(self, error: WireError) -> None:
        head_only = self.command == "HEAD"
        self.send_response_only(error.status)
        for name, value in error.headers:
            self.send_header(name, value)
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Length", "0" if head_only else str(len(error.body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(error.body)

    def _forward(self, request: ProxyRequest) -> None:
        connection = self.server.proxy.upstream.connect()
        try:
            self._exchange(connection, request)
        finally:
            connection.close()

    def _exchange(self, connection: http.client.HTTPConnection, request: ProxyRequest) -> None:
        try:
            response = self._send_upstream(connection, request)
        except (OSError, http.client.HTTPException) as error:
            self._send_gateway_error(error)
            return
        try:
            self._relay(response)
        except http.client.HTTPException as error:
            logger.debug("upstream response broke off: %s", error)
            self.close_connection = True

    def _send_upstream(
        self, connection: http.client.HTTPConnection, request: ProxyRequest
    ) -> http.client.HTTPResponse:
        connection.putrequest(
            request.method, request.target, skip_host=True, skip_accept_encoding=True
        )
        headers = self._upstream_headers(request)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders(request.body or None)
        return connection.getresponse()

    def _upstream_headers(self, request: ProxyRequest) -> list[tuple[str, str]]:
        proxy = self.server.proxy
        headers = [
            (name, value)
            for name, value in request.headers
            if name.lower() not in _HOP_BY_HOP
            and not (name.lower() == "host" and not proxy.preserve_host)
        ]
        if not proxy.preserve_host or request.header("Host") is None:
            headers.append(("Host", proxy.upstream.netloc))
        if request.body or request.method in _METHODS_WITH_BODY:
            headers.append(("Content-Length", str(len(request.body))))
        return headers

    def _relay(self, response: http.client.HTTPResponse) -> None:
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        length = response.getheader("Content-Length")
        if not _has_body(self.command, response.status):
            if length is not None:
                self.send_header("Content-Length", length)
            self.end_headers()
            return
        if length is None or response.chunked:
            body = response.read()
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_header("Content-Length", length)
        self.end_headers()
        while block := response.read(_COPY_BLOCK):
            self.wfile.write(block)

    def _send_gateway_error(self, error: BaseException) -> None:
        """502 (or 504 on timeout) with an HTML body, which botocore treats as a generic error."""
        status = 504 if isinstance(error, TimeoutError) else 502
        title = f"{status} {http.client.responses[status]}"
        reason = escape(f"FaultProxy could not reach the upstream: {error}")
        body = f"<html><body><h1>{title}</h1><p>{reason}</p></body></html>".encode()
        self.send_response_only(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# --------------------------------------------------------------------------
# Retry timing
# --------------------------------------------------------------------------


@contextmanager
def fast_retries(backoff_scale: float = 0.01, min_send_rate: float = 1000.0) -> Iterator[None]:
    """Shorten botocore's standard/adaptive retry waits while the context is active.

    botocore backs off ``rand(0, 1) * 2**i`` seconds after a throttling
    error, and adaptive mode additionally rate-limits sends down to 0.5
    requests per second, so a handful of injected throttles costs tens of
    seconds.  This scales the backoff base down to ``backoff_scale`` and
    raises the adaptive token bucket's floor to ``min_send_rate``.  Which
    responses are retried, how many attempts are made and the adaptive
    bookkeeping are unchanged.  Clients must be created inside the context
    (the token bucket is built with the client).  This patches private
    botocore internals and does not affect the ``legacy`` retry mode.
    """

    class _FastTokenBucket(bucket.TokenBucket):  # type: ignore[misc]  # botocore is untyped
        def __init__(
            self, max_rate: float, clock: bucket.Clock, min_rate: float = min_send_rate
        ) -> None:
            super().__init__(max_rate, clock, min_rate=min_rate)

    scales = {"throttling_base_scale": backoff_scale, "non_throttling_base_scale": backoff_scale}
    with (
        mock.patch.dict(standard.ExponentialBackoff._DEFAULT_BACKOFF_CONFIG, scales),
        mock.patch.object(adaptive.bucket, "TokenBucket", _FastTokenBucket),
    ):
        yield


# --------------------------------------------------------------------------
# Public proxy
# --------------------------------------------------------------------------


class FaultProxy:
    """Loopback reverse proxy that forwards AWS API calls or answers with injected errors.

    ``upstream`` is the base URL of the AWS emulator.  ``services`` lists the
    botocore service names whose requests are recognised by signing name;
    a service passed to :meth:`inject` is added automatically, and a
    signing name that is itself a botocore service name resolves to it.
    ``preserve_host`` forwards the client's ``Host`` header unchanged
    (moto dispatches on the credential scope, not on the host); when False
    it is rewritten to the upstream's ``host:port``.
    """

    def __init__(
        self,
        upstream: str,
        *,
        services: Iterable[str] = DEFAULT_SERVICES,
        principal_arn: str = DEFAULT_PRINCIPAL_ARN,
        preserve_host: bool = True,
        upstream_timeout: float = 30.0,
    ) -> None:
        self.upstream = _Upstream.parse(upstream, upstream_timeout)
        self.principal_arn = principal_arn
        self.preserve_host = preserve_host
        self._resolver = OperationResolver(services)
        self._lock = threading.Lock()
        self._injections: list[_Injection] = []
        self._calls: list[ProxyCall] = []
        self._server: _ProxyServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("FaultProxy is already running")
        self._server = _ProxyServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FaultProxy",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is None:
            return
        server.shutdown()
        server.close_open_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FaultProxy is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # fault injection -------------------------------------------------------

    def inject(
        self,
        service: str,
        operation: str,
        error: str,
        *,
        times: int | None = None,
        status: int | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls (all when None) of an operation with ``error``.

        ``service`` and ``operation`` are botocore names (``"s3"``,
        ``"GetBucketEncryption"``).  The HTTP status defaults to what the
        real service sends with that code; the message defaults to an
        AWS-worded one.  Injections for the same operation are consumed in
        the order they were added.
        """
        model = self._resolver.add(service)
        if operation not in model.operation_names:
            raise ValueError(f"{service} has no operation {operation!r}")
        if times is not None and times < 1:
            raise ValueError("times must be a positive integer or None")
        with self._lock:
            self._injections.append(_Injection(service, operation, error, times, status, message))

    def inject_access_denied(
        self, service: str, operation: str, *, times: int | None = None
    ) -> str:
        """Inject the service's own access-denied code; returns that code."""
        code = access_denied_code(service)
        self.inject(service, operation, code, times=times)
        return code

    def inject_throttling(self, service: str, operation: str, *, times: int | None = None) -> str:
        """Inject the service's own throttling code; returns that code."""
        code = throttling_code(service)
        self.inject(service, operation, code, times=times)
        return code

    def clear(self) -> None:
        """Remove every pending injection."""
        with self._lock:
            self._injections.clear()

    # call log --------------------------------------------------------------

    @property
    def calls(self) -> list[ProxyCall]:
        """Snapshot of every request seen, in arrival order."""
        with self._lock:
            return list(self._calls)

    def calls_for(self, service: str, operation: str) -> list[ProxyCall]:
        return [
            call for call in self.calls if (call.service, call.operation) == (service, operation)
        ]

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    # request handling ------------------------------------------------------

    def intercept(self, request: ProxyRequest) -> WireError | None:
        """Record ``request``; return the injected error to send, or None to forward."""
        call = self._resolver.resolve(request)
        with self._lock:
            injection = self._take_injection(call) if call is not None else None
            self._calls.append(self._log_entry(request, call, injection is not None))
        if call is None or injection is None:
            return None
        return render_error(call, self._error_spec(call, injection, request))

    def _take_injection(self, call: ResolvedCall) -> _Injection | None:
        for index, injection in enumerate(self._injections):
            if not injection.applies_to(call):
                continue
            if injection.remaining is not None:
                injection.remaining -= 1
                if injection.remaining == 0:
                    del self._injections[index]
            return injection
        return None

    @staticmethod
    def _log_entry(request: ProxyRequest, call: ResolvedCall | None, injected: bool) -> ProxyCall:
        if call is None:
            return ProxyCall(signing_name_of(request) or UNKNOWN, UNKNOWN, False)
        return ProxyCall(call.service, call.operation, injected)

    def _error_spec(
        self, call: ResolvedCall, injection: _Injection, request: ProxyRequest
    ) -> ErrorSpec:
        model = _service_model(call.service)
        status = injection.status or default_status(model, call.protocol, injection.code)
        message = injection.message or default_message(
            call, injection.code, request, self.principal_arn
        )
        return ErrorSpec(injection.code, message, status, str(uuid.uuid4()))
