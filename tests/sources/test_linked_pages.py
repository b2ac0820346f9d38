"""Listings chained from recorded pages are read whole or failed, never read short."""

from __future__ import annotations

from typing import Any

from govkit.snapshot import CallEntry, CallRecord
from govkit.sources.linked_pages import Paging, listings

GRAPH = Paging(next_key="@odata.nextLink", answer="a Graph collection",
               is_head=lambda r: r.entry.params.get("path") == "/v1.0/users")


def _page(path: str, body: Any, number: int) -> CallRecord:
    entry = CallEntry(file=f"snapshots/tenant/global/entra/ListUsers.{number}.json",
                      account="tenant", region="global", service="entra",
                      operation="ListUsers", params={"path": path}, outcome="ok",
                      error_code=None, duration_ms=3)
    return CallRecord(entry=entry, response={"status": 200, "body": body})


def test_pages_chain_into_one_listing_of_every_item() -> None:
    next_link = "https://graph.microsoft.com/v1.0/users?$skiptoken=X1"
    (listing,) = listings([
        _page("/v1.0/users", {"value": [{"id": "a"}], "@odata.nextLink": next_link}, 1),
        _page(next_link, {"value": [{"id": "b"}, {"id": "c"}]}, 2)], GRAPH)
    assert listing.ok
    assert [item["id"] for item, _ in listing.items()] == ["a", "b", "c"]
    assert [ref.pointer for _, ref in listing.items()][-1] == "/response/body/value/1"


def test_an_item_that_is_not_an_object_fails_the_listing() -> None:
    (listing,) = listings([_page("/v1.0/users", {"value": [{"id": "a"}, "b"]}, 1)], GRAPH)
    assert listing.failure is not None
    assert listing.failure.code == "UnexpectedAnswer"
    assert "item 1 of the 'value' list is not an object" in listing.failure.message
    assert listing.failure.pointer == "/response/body/value/1"


def test_a_page_never_fetched_fails_the_listing() -> None:
    (listing,) = listings([_page("/v1.0/users", {
        "value": [], "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=Z"},
        1)], GRAPH)
    assert listing.failure is not None and "was never fetched" in listing.failure.message
