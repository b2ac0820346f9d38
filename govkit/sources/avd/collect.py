"""Live collection from Azure Resource Manager: every page of every listing recorded, one
subscription after another, each under its own id (the account of its records).

Requests (operation names in brackets; govkit.sources.avd.queries has the paths):

- a token for ``<arm_url>/.default`` from the Microsoft identity platform [AcquireToken], with
  the ``entra`` source's client-credentials provider; a refusal is recorded once, naming the
  subscriptions it leaves unread, and nothing else is requested;
- per subscription: its host pools [ListHostPools], its application groups
  [ListApplicationGroups], then, for each application group, the role assignments that apply
  to it [ListRoleAssignments] (in parallel, ``workers`` at a time).

ARM pages with ``nextLink`` in the body, which the shared client does not follow by itself:
each page is requested and recorded on its own, the first with its path and query, every next
one with the absolute ``nextLink`` as its path (the normaliser chains them back by it). A
``nextLink`` to another host than ``arm_url`` is not followed (the bearer token would go with
it), nor one already followed (it would never end): the listing then ends incomplete, and the
normaliser fails it. A page that fails (403 on
a subscription the app may not read, 429 after every retry) ends its listing only; the other
subscriptions are read as usual.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from govkit.snapshot import CallEntry, SnapshotWriter
from govkit.sources.avd import queries as q
from govkit.sources.avd.settings import AvdSettings
from govkit.sources.entra.auth import TokenProvider
from govkit.sources.http import Page, Paging, RecordedClient


class _SignInRecords(SnapshotWriter):
    """Records the sign-in provider's failures as this source's own: service ``avd``, with the
    subscriptions the refusal leaves unread (so each is reported, not just the tenant)."""

    def __init__(self, writer: SnapshotWriter, subscriptions: Sequence[str]) -> None:
        super().__init__(writer.run_dir)
        self._writer, self._subscriptions = writer, list(subscriptions)

    def record(self, **call: Any) -> CallEntry:
        params = {**call.pop("params"), "subscriptions": self._subscriptions}
        return self._writer.record(**{**call, "service": q.SERVICE, "params": params})


def collect_live(settings: AvdSettings, writer: SnapshotWriter, *,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> int:
    """Record every configured subscription; returns the number of calls recorded."""
    tokens = TokenProvider(settings.sign_in(), _SignInRecords(writer, settings.subscription_ids),
                           sleep=sleep, transport=transport)
    if not tokens.acquire():
        return tokens.failures  # nothing else can succeed: no call is made
    calls = 0
    for subscription in settings.subscription_ids:
        with RecordedClient(service=q.SERVICE, tenant=subscription, base_url=settings.arm_url,
                            writer=writer, headers=tokens.headers,
                            max_attempts=settings.max_attempts, sleep=sleep,
                            transport=transport) as client:
            calls += _Subscription(client, settings).collect(subscription)
    return calls + tokens.failures


class _Subscription:
    """The requests of one subscription, counted."""

    def __init__(self, client: RecordedClient, settings: AvdSettings) -> None:
        self.client, self.settings = client, settings
        self._lock = threading.Lock()
        self.calls = 0

    def collect(self, subscription: str) -> int:
        self.listing(q.LIST_HOST_POOLS, q.host_pools_path(subscription), q.desktop_query())
        groups = self.listing(q.LIST_APPLICATION_GROUPS, q.application_groups_path(subscription),
                              q.desktop_query())
        scopes = _ids(groups)
        if scopes:
            with ThreadPoolExecutor(max_workers=self.settings.workers,
                                    thread_name_prefix="govkit-avd") as pool:
                list(pool.map(lambda scope: self.listing(
                    q.LIST_ROLE_ASSIGNMENTS, q.role_assignments_path(scope),
                    q.assignments_query()), scopes))
        return self.calls

    def listing(self, operation: str, path: str, query: Mapping[str, str]) -> list[Page]:
        """Every page of one listing, following ``nextLink`` (on the ARM host only: the
        client refuses, and records, a link elsewhere or one already read)."""
        pages = list(self.client.pages(operation, path, query, paging=Paging.ARM))
        with self._lock:
            self.calls += len(pages)
        return pages


def _ids(pages: list[Page]) -> list[str]:
    """Resource ids a listing named, in order (up to a failed page)."""
    found: list[str] = []
    for page in pages:
        values: Any = page.body.get("value") if isinstance(page.body, dict) else None
        if not page.ok or not isinstance(values, list):
            break
        found += [str(v["id"]) for v in values if isinstance(v, dict) and v.get("id")]
    return found
