"""Recorded listings whose answers link to their next page in the body (Microsoft Graph's
``@odata.nextLink``, Azure Resource Manager's ``nextLink``), read back: pages chained into
listings, and items with their place.

Each next page is recorded with the link the page before gave as its path, which is how pages
are put back in order and in the right listing (the snapshot's file names keep neither). A
listing whose pages are not all there and answered is failed, never read as complete.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit.errors import InputError
from govkit.inventory.model import CallFailure, Ref, json_pointer
from govkit.snapshot import CallRecord


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

    @property
    def exported(self) -> bool:
        """Read from an export file rather than asked of the API."""
        return "export" in self.head.entry.params

    def items(self) -> Iterator[tuple[Mapping[str, Any], Ref]]:
        """Each item of ``value`` on each answered page, with a Ref to it (a page holding an
        item that is not an object fails the listing: see ``_chain``)."""
        for page in self.pages:
            if not page.entry.ok:
                return
            for index, item in enumerate(body_of(page).get("value") or []):
                if isinstance(item, Mapping):
                    yield item, item_ref(page, index)


def read_json_export(path: Path) -> Any:
    """An exported answer (UTF-8 JSON, a byte-order mark allowed); InputError naming the
    file, and the line of a syntax error."""
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"invalid JSON: {exc.msg}", line=exc.lineno) from None


def body_of(record: CallRecord) -> Mapping[str, Any]:
    body = record.response.get("body")
    return body if isinstance(body, Mapping) else {}


def item_ref(record: CallRecord, index: int, *path: str) -> Ref:
    return Ref(record.entry.file, json_pointer("response", "body", "value", index, *path))


def failure_of(record: CallRecord, message: str | None = None) -> CallFailure:
    return CallFailure.from_entry(record.entry, message or record.error_message)


def answer_failure(record: CallRecord, message: str, pointer: str = "/response/body",
                   code: str | None = None) -> CallFailure:
    """A page that answered, but not with what a listing answers (the whole body: its
    shape is unexpected), or without a page it links to (never fetched)."""
    entry = record.entry
    return CallFailure(call=entry.describe(), operation=f"{entry.service}:{entry.operation}",
                       code=code or ("UnexpectedAnswer" if pointer == "/response/body" else
                                     "NotCollected"), message=message, file=entry.file,
                       pointer=pointer)


@dataclass(frozen=True)
class Paging:
    """How one API links its pages: the body key of the next link, what its answers are
    called in a message, whether a record is a listing's first page, and what a message on
    a next page never fetched should add."""

    next_key: str
    answer: str  # "a Graph collection", "an ARM list"
    is_head: Callable[[CallRecord], bool]
    unfetched: str = ""


def listings(records: list[CallRecord], paging: Paging) -> list[Listing]:
    """The records of one operation as listings, in the snapshot's order of first pages."""
    by_path: dict[str, list[CallRecord]] = defaultdict(list)
    heads: list[CallRecord] = []
    for record in records:
        if paging.is_head(record):
            heads.append(record)
        else:
            by_path[str(record.entry.params.get("path", ""))].append(record)
    return [_chain(head, by_path, paging) for head in heads]


def _chain(head: CallRecord, by_path: dict[str, list[CallRecord]], paging: Paging) -> Listing:
    pages = [head]
    while True:
        page = pages[-1]
        if not page.entry.ok:
            return Listing(tuple(pages), failure_of(page))
        body = page.response.get("body")
        if not isinstance(body, Mapping) or not isinstance(body.get("value"), list):
            return Listing(tuple(pages), answer_failure(
                page, f"the answer is not {paging.answer} (no 'value' list)"))
        odd = next((i for i, item in enumerate(body["value"])
                    if not isinstance(item, Mapping)), None)
        if odd is not None:  # an item that is not an object would be skipped unseen
            return Listing(tuple(pages), answer_failure(
                page, f"item {odd} of the 'value' list is not an object, so the listing "
                      f"cannot be read whole", json_pointer("response", "body", "value", odd),
                code="UnexpectedAnswer"))
        link = body.get(paging.next_key)
        if not link:
            return Listing(tuple(pages), None)
        following = by_path.get(str(link))
        if not following:
            return Listing(tuple(pages), answer_failure(
                page, f"the page after it ({link}) was never fetched{paging.unfetched}",
                json_pointer("response", "body", paging.next_key)))
        pages.append(following.pop(0))
