"""Recorded ARM listings, read back: pages chained into listings, items with their place.

The first page of a listing is recorded with the request's path (``/subscriptions/...``), each
next page with the absolute ``nextLink`` the page before gave as its path: pages are put back
in order by following ``nextLink`` from page to page. A listing whose pages are not all there
and answered is failed, never read as complete.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from govkit.snapshot import CallRecord, Snapshot
from govkit.sources.avd import queries as q
from govkit.sources.linked_pages import Listing, Paging, listings


ARM = Paging(next_key="nextLink", answer="an ARM list",
             is_head=lambda record: str(record.entry.params.get("path", "")).startswith("/"),
             unfetched=" (a nextLink to another host than the configured arm_url is not "
                       "followed)")


class Records:
    """The records of the source, by subscription and operation, loaded once."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.by_account: dict[str, dict[str, list[CallRecord]]] = defaultdict(
            lambda: defaultdict(list))
        for entry in snapshot.select(q.SERVICE):
            self.by_account[entry.account][entry.operation].append(snapshot.load(entry))

    def subscriptions(self) -> list[str]:
        """Accounts that hold ARM listings (the account of the sign-in record and of the
        session-host export is the tenant)."""
        return sorted(account for account, operations in self.by_account.items()
                      if set(operations) - {q.ACQUIRE_TOKEN, q.READ_SESSION_HOST_POLICIES})

    def session_hosts(self) -> CallRecord | None:
        """The recorded session-host export, or None when none was given."""
        found = [record for operations in self.by_account.values()
                 for record in operations.get(q.READ_SESSION_HOST_POLICIES, [])]
        return found[-1] if found else None

    def listings(self, subscription: str, operation: str) -> list[Listing]:
        return listings(self.by_account.get(subscription, {}).get(operation, []), ARM)

    def sign_in_failures(self) -> Iterator[tuple[str, CallRecord]]:
        """(subscription, failed sign-in record) for each subscription a refused token left
        unread."""
        for operations in self.by_account.values():
            for record in operations.get(q.ACQUIRE_TOKEN, []):
                for subscription in record.entry.params.get("subscriptions") or []:
                    yield str(subscription), record
