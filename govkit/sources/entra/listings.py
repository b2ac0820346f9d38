"""Recorded Graph listings, read back: pages chained into listings, items with their place.

Page 1 of a listing is recorded with the request's path and query; each next page with the
``@odata.nextLink`` the previous page gave as its path, which is how pages are put back in
order and in the right listing (the snapshot's file names do not keep either). A listing whose
pages are not all there and answered is failed, never read as complete.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from govkit import canonical
from govkit.snapshot import CallRecord, Snapshot
from govkit.sources.linked_pages import Listing, Paging, listings


GRAPH = Paging(next_key="@odata.nextLink", answer="a Graph collection",
               is_head=lambda record: record.entry.params.get("page") == 1)


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
        return listings(self.of(operation), GRAPH)
