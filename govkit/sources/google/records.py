"""Reading a tenant's Google records back from the snapshot: listings with their pages in
order, where a value sits inside a record, and the failures that name a call."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from govkit import canonical
from govkit.inventory.model import CallFailure, Ref, json_pointer, present_path
from govkit.snapshot import CallRecord, Snapshot
from govkit.sources.google import api

ListingKey = tuple[str, str | None]  # (path, eventName)


class TenantRecords:
    """Every record of one tenant, loaded once."""

    def __init__(self, snapshot: Snapshot, tenant: str) -> None:
        self.tenant = tenant
        self.records: list[CallRecord] = [snapshot.load(e) for e in
                                          snapshot.select(api.SERVICE, account=tenant)]
        self._listings: dict[str, dict[ListingKey, list[CallRecord]]] = {}

    def listings(self, operation: str) -> dict[ListingKey, list[CallRecord]]:
        """The pages of each listing of ``operation`` (by path and event name), in order."""
        if operation not in self._listings:
            self._listings[operation] = self._group(operation)
        return self._listings[operation]

    def _group(self, operation: str) -> dict[ListingKey, list[CallRecord]]:
        found: dict[ListingKey, list[CallRecord]] = defaultdict(list)
        for record in self.records:
            if record.entry.operation != operation:
                continue
            params = record.entry.params
            query = params.get("query") if isinstance(params.get("query"), Mapping) else {}
            event = query.get("eventName") if isinstance(query, Mapping) else None
            found[(str(params.get("path")), None if event is None else str(event))].append(
                record)
        return {key: sorted(pages, key=_page_number) for key, pages in sorted(
            found.items(), key=lambda item: (item[0][0], item[0][1] or ""))}

    def listing(self, operation: str, path: str) -> list[CallRecord]:
        """The pages of the listing of ``path`` (a Directory listing: no event name)."""
        return self.listings(operation).get((path, None), [])

    def token_failure(self, scope_set: str) -> CallFailure | None:
        """The refused token request of ``scope_set`` when no token of it was ever issued (a
        refused renewal shows as the 401s that follow it)."""
        tokens = [r for r in self.records if r.entry.operation == api.ACQUIRE_TOKEN
                  and r.entry.params.get("scope_set") == scope_set]
        if any(r.entry.ok for r in tokens):
            return None
        return next((failure_of(r) for r in tokens), None)

    def not_collected(self, operation: str, why: str) -> CallFailure:
        """A call that should have been made and was not: as much an ERROR as a failed one."""
        return CallFailure(call=f"{api.SERVICE}:{operation} in {self.tenant}/global",
                           operation=f"{api.SERVICE}:{operation}", code="NotCollected",
                           message=why, file="")


def _page_number(record: CallRecord) -> int:
    page = record.entry.params.get("page")
    return page if isinstance(page, int) else 0


def failure_of(record: CallRecord) -> CallFailure:
    return CallFailure.from_entry(record.entry, record.error_message)


def first_failure(pages: list[CallRecord]) -> CallFailure | None:
    return next((failure_of(p) for p in pages if not p.entry.ok), None)


def malformed(record: CallRecord, message: str, *path: str | int) -> CallFailure:
    """A page that answered, but not with the shape its listing has."""
    return CallFailure(call=record.entry.describe(),
                       operation=f"{record.entry.service}:{record.entry.operation}",
                       code="MalformedResponse", message=message, file=record.entry.file,
                       pointer=body_ref(record, *path).pointer)


def body(record: CallRecord) -> Any:
    return record.response.get("body")


def items(record: CallRecord, key: str) -> list[Mapping[str, Any]] | None:
    """The listed objects of a page (Google omits the key when there are none), or None when
    the body is not a listing."""
    answer = body(record)
    if not isinstance(answer, Mapping):
        return None
    found = answer.get(key, [])
    if not isinstance(found, list) or not all(isinstance(i, Mapping) for i in found):
        return None
    return found


def body_ref(record: CallRecord, *path: str | int) -> Ref:
    """Where ``path`` (keys and indexes under the body) sits in ``record``'s file; the pointer
    stops at the deepest part that exists (an absent field is read from its parent)."""
    found = present_path(record.response, ("body", *path))
    return Ref(record.entry.file, json_pointer("response", *found))


def param_ref(record: CallRecord, *path: str) -> Ref:
    return Ref(record.entry.file, json_pointer("params", *path))


def parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def iso(value: Any) -> str | None:
    """Google's RFC 3339 time as govkit writes times (UTC, ``Z``); text it cannot read is kept
    as it is, so nothing is lost."""
    parsed = parse_time(value)
    if parsed is None:
        return value if isinstance(value, str) and value else None
    return canonical.iso_utc(parsed)
