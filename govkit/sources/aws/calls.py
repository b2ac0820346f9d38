"""Every AWS call a collector makes goes through :class:`Caller`, which records it.

A failed call is recorded with its AWS error code and returned as a failed :class:`CallResult`;
it is never swallowed: the normaliser turns it into ERROR results for the checks that needed it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from govkit.snapshot import CallEntry, SnapshotWriter

# Rewrites an answer in place before it is recorded, so that a value which must never reach
# the evidence (a credential kept in a resource's configuration) is not written to disk.
Redactor = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class CallResult:
    entry: CallEntry
    response: Mapping[str, Any]

    @property
    def ok(self) -> bool:
        return self.entry.ok

    @property
    def error_code(self) -> str | None:
        return self.entry.error_code


def _strip_metadata(response: Mapping[str, Any]) -> tuple[dict[str, Any], str | None, int]:
    body = dict(response)
    meta = body.pop("ResponseMetadata", {}) or {}
    return body, meta.get("RequestId"), int(meta.get("RetryAttempts", 0) or 0)


def _read_streams(body: dict[str, Any]) -> dict[str, Any]:
    """Streaming bodies (e.g. S3 GetObject) are read so the record holds the data itself."""
    for key, value in list(body.items()):
        if hasattr(value, "read") and callable(value.read):
            body[key] = value.read()
    return body


class Caller:
    """Calls one client's operations for one account and region, recording each."""

    def __init__(self, client: Any, writer: SnapshotWriter, *, account: str, region: str,
                 service: str) -> None:
        self.client = client
        self.writer = writer
        self.account = account
        self.region = region
        self.service = service
        self.redact: Redactor | None = None

    def redacting(self, redact: Redactor) -> Caller:
        """A caller like this one whose answers ``redact`` rewrites before they are recorded
        (and before the collector sees them)."""
        other = Caller(self.client, self.writer, account=self.account, region=self.region,
                       service=self.service)
        other.redact = redact
        return other

    def _operation_name(self, method: str) -> str:
        mapping: Mapping[str, str] = self.client.meta.method_to_api_mapping
        return mapping[method]

    def _record(self, operation: str, params: Mapping[str, Any], started: dt.datetime,
                began: float, response: Mapping[str, Any] | None,
                failure: Exception | None) -> CallResult:
        duration_ms = int((time.perf_counter() - began) * 1000)
        common: dict[str, Any] = {
            "account": self.account, "region": self.region, "service": self.service,
            "operation": operation, "params": params, "started_at": started,
            "duration_ms": duration_ms}
        if failure is None:
            body, request_id, retries = _strip_metadata(response or {})
            if self.redact is not None:
                self.redact(body)
            entry = self.writer.record(**common, response=_read_streams(body),
                                       request_id=request_id, retry_attempts=retries)
            return CallResult(entry, body)
        if isinstance(failure, ClientError):
            error = failure.response.get("Error", {})
            meta = failure.response.get("ResponseMetadata", {})
            entry = self.writer.record(
                **common, error_code=str(error.get("Code") or "Unknown"),
                error_message=str(error.get("Message") or failure),
                request_id=meta.get("RequestId"),
                retry_attempts=int(meta.get("RetryAttempts", 0) or 0))
        else:
            entry = self.writer.record(**common, error_code=type(failure).__name__,
                                       error_message=str(failure))
        return CallResult(entry, {})

    def call(self, method: str, **params: Any) -> CallResult:
        """Call ``client.<method>(**params)`` once and record it."""
        operation = self._operation_name(method)
        started, began = dt.datetime.now(dt.timezone.utc), time.perf_counter()
        try:
            response = getattr(self.client, method)(**params)
        except (ClientError, BotoCoreError) as exc:
            return self._record(operation, params, started, began, None, exc)
        return self._record(operation, params, started, began, response, None)

    def record_failure(self, method: str, failure: BotoCoreError, **params: Any) -> CallResult:
        """Record a failure found without a call (a listing followed by hand that would not
        end), so what was read of it is not taken as complete."""
        started, began = dt.datetime.now(dt.timezone.utc), time.perf_counter()
        return self._record(self._operation_name(method), params, started, began, None,
                            failure)

    def pages(self, method: str, **params: Any) -> Iterator[CallResult]:
        """Every page of a paginated call, each recorded as its own call.

        Stops after the first failed page (which is yielded, so the failure is seen).
        """
        if not self.client.can_paginate(method):
            yield self.call(method, **params)
            return
        operation = self._operation_name(method)
        pages = iter(self.client.get_paginator(method).paginate(**params))
        number = 0
        while True:
            number += 1
            page_params = {**params, "page": number}
            started, began = dt.datetime.now(dt.timezone.utc), time.perf_counter()
            try:
                response = next(pages)
            except StopIteration:
                return
            except (ClientError, BotoCoreError) as exc:
                yield self._record(operation, page_params, started, began, None, exc)
                return
            yield self._record(operation, page_params, started, began, response, None)

    def record_all(self, method: str, **params: Any) -> None:
        """Record every page of a call whose data only the normalisers read."""
        for page in self.pages(method, **params):
            if not page.ok:
                return

    def all_pages_ok(self, method: str, result_key: str, **params: Any
                     ) -> tuple[list[Any], CallResult | None]:
        """Items under ``result_key`` across all pages, and the failed call if any."""
        items: list[Any] = []
        for result in self.pages(method, **params):
            if not result.ok:
                return items, result
            items.extend(result.response.get(result_key) or [])
        return items, None
