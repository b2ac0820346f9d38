"""Recorded Graph listings, read back: pages chained into listings, items with their place.

Page 1 of a listing is recorded with the request's path and query; each next page with the
``@odata.nextLink`` the previous page gave as its path, which is how pages are put back in
order and in the right listing (the snapshot's file names do not keep either). A listing whose
pages are not all there and answered is failed, never read as complete.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from govkit import canonical
from govkit.inventory.model import CallFailure, Ref, json_pointer
from govkit.snapshot import CallRecord, Snapshot


@dataclass(frozen=True)
class Listing:
    """The pages of one listing, in order; the last may be a failed call."""

    pages: tuple[CallRecord, ...]
    failure: CallFailure | None  # why it cannot be read in full, or None

    @property
    def head(self) -> CallRecord:
        return self.pages[0]

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def path(self) -> str:
        return str(self.head.entry.params.get("path", ""))

    @property
    def query(self) -> Mapping[str, Any]:
        found = self.head.entry.params.get("query")
        return found if isinstance(found, Mapping) else {}

    def items(self) -> Iterator[tuple[Mapping[str, Any], Ref]]:
        """Each item of ``value`` on each answered page, with a Ref to it."""
        for page in self.pages:
            if not page.entry.ok:
                return
            for index, item in enumerate(body_of(page).get("value") or []):
                if isinstance(item, Mapping):
                    yield item, item_ref(page, index)


def body_of(record: CallRecord) -> Mapping[str, Any]:
    body = record.response.get("body")
    return body if isinstance(body, Mapping) else {}


def item_ref(record: CallRecord, index: int, *path: str) -> Ref:
    return Ref(record.entry.file, json_pointer("response", "body", "value", index, *path))


def failure_of(record: CallRecord, message: str | None = None) -> CallFailure:
    return CallFailure.from_entry(record.entry, message or record.error_message)


def shape_failure(record: CallRecord, message: str) -> CallFailure:
    """A page that answered but not as a Graph collection."""
    entry = record.entry
    return CallFailure(call=entry.describe(), operation=f"{entry.service}:{entry.operation}",
                       code="UnexpectedAnswer", message=message, file=entry.file,
                       pointer="/response/body")


def listings(records: list[CallRecord]) -> list[Listing]:
    """The records of one operation as listings, in the snapshot's order of first pages."""
    by_path: dict[str, list[CallRecord]] = defaultdict(list)
    heads: list[CallRecord] = []
    for record in records:
        if record.entry.params.get("page") == 1:
            heads.append(record)
        else:
            by_path[str(record.entry.params.get("path"))].append(record)
    return [_chain(head, by_path) for head in heads]


def _chain(head: CallRecord, by_path: dict[str, list[CallRecord]]) -> Listing:
    pages = [head]
    while True:
        page = pages[-1]
        if not page.entry.ok:
            return Listing(tuple(pages), failure_of(page))
        body = page.response.get("body")
        if not isinstance(body, Mapping) or not isinstance(body.get("value"), list):
            return Listing(tuple(pages), shape_failure(
                page, "the answer is not a Graph collection (no 'value' list)"))
        link = body.get("@odata.nextLink")
        if not link:
            return Listing(tuple(pages), None)
        following = by_path.get(str(link))
        if not following:
            entry = page.entry
            return Listing(tuple(pages), CallFailure(
                call=entry.describe(), operation=f"{entry.service}:{entry.operation}",
                code="NotCollected", message=f"the page after it ({link}) was never fetched",
                file=entry.file, pointer="/response/body/@odata.nextLink"))
        pages.append(following.pop(0))


def utc(value: Any) -> str | None:
    """A Graph DateTimeOffset as ISO-8601 UTC with Z; Graph's 0001-01-01 means "never"."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if parsed.year <= 1:
        return None
    return canonical.iso_utc(parsed)


class Records:
    """The records of one tenant, by operation, loaded once."""

    def __init__(self, snapshot: Snapshot, service: str, tenant: str) -> None:
        self.by_operation: dict[str, list[CallRecord]] = defaultdict(list)
        for entry in snapshot.select(service, account=tenant):
            self.by_operation[entry.operation].append(snapshot.load(entry))

    def of(self, operation: str) -> list[CallRecord]:
        return self.by_operation.get(operation, [])

    def listings(self, operation: str) -> list[Listing]:
        return listings(self.of(operation))
