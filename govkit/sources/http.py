"""The recorded, rate-limit-aware HTTP client that REST sources (identity providers, Azure,
Citrix) collect with.

Every page of every listing is one record in the snapshot, exactly as an AWS call is: the
request (path, query, page number), the outcome (``ok`` or an error code such as ``HTTP403``,
``Timeout`` or ``MalformedResponse``), the duration, retries and the parsed body. Credentials
never reach the snapshot: the Authorization header is not recorded, and query parameters are
recorded only as the caller gave them. A failed page ends the listing and is yielded, so the
normaliser turns it into ERROR results naming the request; it is never an empty list.

Paging follows each API's own convention (:class:`Paging`); HTTP 429 is retried after the time
the API asks for (``Retry-After`` in seconds or as an HTTP date, or Okta's
``X-Rate-Limit-Reset`` epoch), 5xx and timeouts with a growing pause, each up to
``max_attempts`` attempts in all and never waiting longer than ``max_wait`` seconds at once.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import enum
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx

from govkit import canonical
from govkit.snapshot import GLOBAL_REGION, CallEntry, SnapshotWriter

REQUEST_ID_HEADERS = ("x-okta-request-id", "request-id", "client-request-id", "x-request-id",
                      "x-goog-request-id")


class Paging(enum.Enum):
    LINK_HEADER = "link"  # Okta: Link: <url>; rel="next"
    ODATA = "odata"  # Microsoft Graph: "@odata.nextLink" in the body
    ARM = "arm"  # Azure Resource Manager: "nextLink" in the body
    PAGE_TOKEN = "token"  # Google: "nextPageToken" in the body, sent back as pageToken
    NONE = "none"


@dataclass(frozen=True)
class Page:
    entry: CallEntry
    body: Any  # the parsed JSON body; None when the page failed

    @property
    def ok(self) -> bool:
        return self.entry.ok


@dataclass(frozen=True)
class _Answer:
    status: int | None
    body: Any
    headers: Mapping[str, str]
    error_code: str | None
    error_message: str | None
    attempts: int
    simple: bool = False  # the body's canonical form is plain json.dumps (canonical.py)


class RecordedClient:
    """GET requests to one API for one tenant, each recorded into ``writer``."""

    def __init__(self, *, service: str, tenant: str, base_url: str, writer: SnapshotWriter,
                 headers: Callable[[], Mapping[str, str]] | None = None, max_attempts: int = 5,
                 max_wait: float = 60.0, timeout: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.service, self.tenant, self.writer = service, tenant, writer
        self._headers = headers or (lambda: {})
        self._max_attempts, self._max_wait, self._sleep = max_attempts, max_wait, sleep
        self._client = httpx.Client(base_url=base_url, timeout=timeout, transport=transport,
                                    follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RecordedClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def pages(self, operation: str, path: str, params: Mapping[str, Any] | None = None, *,
              paging: Paging = Paging.NONE) -> Iterator[Page]:
        """Every page of a listing, recorded; stops after the first failed page (yielded)."""
        url: str = path
        query: dict[str, Any] = dict(params or {})
        number = 0
        seen: set[tuple[str, ...]] = set()
        while True:
            number += 1
            started, began = dt.datetime.now(dt.timezone.utc), time.perf_counter()
            answer = self._get(url, query)
            recorded = {"path": url, "query": dict(query), "page": number}
            duration_ms = int((time.perf_counter() - began) * 1000)
            common: dict[str, Any] = {
                "account": self.tenant, "region": GLOBAL_REGION, "service": self.service,
                "operation": operation, "params": recorded, "started_at": started,
                "duration_ms": duration_ms, "retry_attempts": answer.attempts - 1,
                "request_id": next((answer.headers[h] for h in REQUEST_ID_HEADERS
                                    if h in answer.headers), None)}
            if answer.error_code is not None:
                entry = self.writer.record(**common, error_code=answer.error_code,
                                           error_message=answer.error_message)
                yield Page(entry, None)
                return
            entry = self.writer.record(**common, response={"status": answer.status,
                                                           "body": answer.body},
                                       simple=answer.simple)
            yield Page(entry, answer.body)
            following = _next(paging, answer, url, query)
            if following is None:
                return
            seen.add(self._page_key(url, query))
            refused = self._refused(following[0],
                                    self._page_key(*following) in seen)
            if refused is not None:
                # recorded as the listing's failed last page: never read as complete
                number += 1
                entry = self.writer.record(
                    **{**common, "params": {"path": following[0], "query": dict(following[1]),
                                            "page": number},
                       "started_at": dt.datetime.now(dt.timezone.utc), "duration_ms": 0,
                       "retry_attempts": 0, "request_id": None},
                    error_code="NextLinkRefused", error_message=refused)
                yield Page(entry, None)
                return
            url, query = following

    def _page_key(self, url: str, query: Mapping[str, Any]) -> tuple[str, ...]:
        """A page's address however it is written: absolute, with its query sorted."""
        parts = urlsplit(urljoin(str(self._client.base_url), url))
        pairs = sorted([*parse_qsl(parts.query, keep_blank_values=True),
                        *((str(k), str(v)) for k, v in query.items())])
        return (parts.scheme, parts.netloc.casefold(), parts.path,
                *(f"{k}={v}" for k, v in pairs))

    def _refused(self, link: str, repeated: bool) -> str | None:
        """Why a next-page link is not followed: it leaves the API's host (the credentials
        would go with it), or it names a page already read (it would never end)."""
        target, base = urlsplit(link), urlsplit(str(self._client.base_url))
        if target.netloc and (target.scheme, target.netloc.casefold()) != \
                (base.scheme, base.netloc.casefold()):
            return (f"the next page is on another host ({target.scheme}://{target.netloc}); "
                    f"credentials are sent only to {base.scheme}://{base.netloc}")
        if repeated:
            return "the next page link names a page already read (the listing would not end)"
        return None

    def _get(self, url: str, query: Mapping[str, Any]) -> _Answer:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._client.get(url, params=query or None, headers=self._headers())
            except httpx.TimeoutException as exc:
                if attempt < self._max_attempts:
                    self._sleep(min(2.0 ** attempt, self._max_wait))
                    continue
                return _Answer(None, None, {}, "Timeout", f"no answer in time: {exc}", attempt)
            except httpx.HTTPError as exc:
                return _Answer(None, None, {}, "ConnectionError", str(exc), attempt)
            headers = {k.lower(): v for k, v in response.headers.items()}
            retry = response.status_code == 429 or response.status_code >= 500
            if retry and attempt < self._max_attempts:
                self._sleep(self._pause(response, attempt))
                continue
            if response.status_code >= 400:
                return _Answer(response.status_code, None, headers,
                               f"HTTP{response.status_code}", _error_text(response), attempt)
            try:
                # RFC 8259: JSON exchanged between systems is UTF-8
                body, simple = canonical.loads_simple(response.content.decode("utf-8"))
            except ValueError as exc:
                return _Answer(response.status_code, None, headers, "MalformedResponse",
                               f"the body is not JSON: {exc}", attempt)
            return _Answer(response.status_code, body, headers, None, None, attempt, simple)

    def _pause(self, response: httpx.Response, attempt: int) -> float:
        """What the API asked us to wait (Retry-After, X-Rate-Limit-Reset), else back off."""
        asked = _retry_after(response.headers.get("retry-after"))
        reset = response.headers.get("x-rate-limit-reset")
        if asked is None and reset is not None and reset.isdigit():
            asked = max(0.0, int(reset) - time.time())
        if asked is None:
            asked = min(2.0 ** attempt, self._max_wait)
        return min(asked, self._max_wait)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def _error_text(response: httpx.Response) -> str:
    text = response.text.strip()
    return text if len(text) <= 500 else text[:497] + "..."


def _next(paging: Paging, answer: _Answer, url: str, query: Mapping[str, Any]
          ) -> tuple[str, dict[str, Any]] | None:
    """The next page's URL and query, or None after the last page."""
    body = answer.body
    if paging is Paging.LINK_HEADER:
        link = _link_next(answer.headers.get("link", ""))
        return None if link is None else (link, {})
    if paging in (Paging.ODATA, Paging.ARM) and isinstance(body, Mapping):
        link = body.get("@odata.nextLink" if paging is Paging.ODATA else "nextLink")
        return None if not link else (str(link), {})
    if paging is Paging.PAGE_TOKEN and isinstance(body, Mapping):
        token = body.get("nextPageToken")
        return None if not token else (url, {**query, "pageToken": token})
    return None


def _link_next(header: str) -> str | None:
    """The rel="next" URL of an RFC 8288 Link header (Okta sends self and next)."""
    for part in header.split(","):
        target, _, attributes = part.partition(";")
        target = target.strip()
        if target.startswith("<") and target.endswith(">") and \
                any(a.strip().replace(" ", "") in ('rel="next"', "rel=next")
                    for a in attributes.split(";")):
            return target[1:-1]
    return None
