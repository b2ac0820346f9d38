"""Reading one Okta org's records back from the snapshot: pages in order, items with their
place in the record, and the failure (a failed page, an answer of the wrong shape, a call
never made) that leaves what they hold unknown."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from govkit import canonical
from govkit.inventory.model import CallFailure, Ref, json_pointer, present_path
from govkit.snapshot import GLOBAL_REGION, CallEntry, CallRecord, Snapshot
from govkit.sources.okta import api

# operations whose body is {"value": [...], "_links": ...} instead of a JSON array
_WRAPPED = frozenset({api.LIST_ADMIN_ASSIGNEES})


def _order(entry: CallEntry) -> tuple[int, str]:
    page = entry.params.get("page")
    return (page if isinstance(page, int) else 0, entry.file)


class TenantRecords:
    """Every ``okta`` record of one tenant, grouped by operation and read from the snapshot
    when asked for (an org's hundred thousand per-user factor records are never all held)."""

    def __init__(self, snapshot: Snapshot, tenant: str) -> None:
        self.tenant = tenant
        self._snapshot = snapshot
        self._by_operation: dict[str, list[CallEntry]] = defaultdict(list)
        for entry in snapshot.select("okta", account=tenant):
            self._by_operation[entry.operation].append(entry)
        for entries in self._by_operation.values():
            entries.sort(key=_order)

    def load(self, entries: list[CallEntry]) -> list[CallRecord]:
        return [self._snapshot.load(entry) for entry in entries]

    def listing(self, *operations: str) -> list[CallRecord]:
        """The pages of one or more org-wide listings, each in page order."""
        return [self._snapshot.load(entry) for operation in operations
                for entry in self._by_operation.get(operation, [])]

    def per_entity(self, operation: str) -> dict[str, list[CallRecord]]:
        """The pages of a per-group, per-app or per-user call, by that group, app or user."""
        return {key: self.load(entries)
                for key, entries in self.per_entity_entries(operation).items()}

    def per_entity_entries(self, operation: str) -> dict[str, list[CallEntry]]:
        """The calls (not yet read) of a per-group, per-app or per-user operation, by that
        group, app or user."""
        pattern = api.ENTITY_PATHS[operation]
        found: dict[str, list[CallEntry]] = defaultdict(list)
        for entry in self._by_operation.get(operation, []):
            match = pattern.search(urlsplit(str(entry.params.get("path", ""))).path)
            if match:
                found[unquote(match.group(1))].append(entry)
        return dict(found)

    def not_collected(self, operation: str, message: str, where: Ref | None = None
                      ) -> CallFailure:
        """A call that should have been made (or a file exported) and was not."""
        return CallFailure(call=f"okta:{operation} in {self.tenant}/{GLOBAL_REGION}",
                           operation=f"okta:{operation}", code="NotCollected", message=message,
                           file=where.file if where else "", pointer=where.pointer if where
                           else "")


def body_items(record: CallRecord) -> list[Any] | None:
    """The items of a successful page (None when the page failed or has another shape)."""
    if not record.entry.ok:
        return None
    body = record.response.get("body")
    if record.entry.operation in _WRAPPED:
        body = body.get("value") if isinstance(body, Mapping) else None
    return body if isinstance(body, list) else None


def items(record: CallRecord) -> Iterator[tuple[Ref, Mapping[str, Any]]]:
    """Each object on a successful page with the Ref of its place in the record."""
    prefix: tuple[str, ...] = ("value",) if record.entry.operation in _WRAPPED else ()
    for index, item in enumerate(body_items(record) or []):
        if isinstance(item, Mapping):
            yield Ref(record.entry.file, json_pointer("response", "body", *prefix, index)), item


def failure_of(records: list[CallRecord]) -> CallFailure | None:
    """Why ``records`` do not hold the whole answer: the first failed page, or a page whose
    body is not what the API returns."""
    for record in records:
        if not record.entry.ok:
            return CallFailure.from_entry(record.entry, record.error_message)
        if body_items(record) is None:
            return dataclasses.replace(
                CallFailure.from_entry(record.entry, "the answer is not the JSON array the API "
                                       "returns"), code="UnexpectedBody",
                pointer=json_pointer("response", "body"))
    return None


def whole_body(record: CallRecord) -> Ref:
    """What was read to learn that a listing holds nothing for someone."""
    return Ref(record.entry.file, json_pointer("response", "body"))


def below(ref: Ref, item: Mapping[str, Any], *path: str) -> Ref:
    """The Ref of ``path`` inside ``item`` (found at ``ref``), stopping at the deepest part
    that exists: an absent key means "not set", and what was read to learn it is its parent."""
    return Ref.within(ref.file, ref.pointer, json_pointer(*present_path(item, path)))


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one (an absent profile or actor)."""
    return value if isinstance(value, Mapping) else {}


def okta_instant(value: Any) -> str | None:
    """An Okta timestamp (``2025-01-02T10:00:00.000Z``) in govkit's form
    (``2025-01-02T10:00:00Z``); text that is not a timestamp is kept as it is."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return canonical.iso_utc(parsed)
