"""Live collection from the Okta Management API: every page of every call into the snapshot.

The calls, in order (each a snapshot operation of service ``okta``):

- ``ListUsers`` ``GET /api/v1/users``: every user except DEPROVISIONED ones, which a plain
  listing leaves out; so also ``ListDeprovisionedUsers``: the same with
  ``search=status eq "DEPROVISIONED"``.
- ``ListGroups`` ``GET /api/v1/groups``, then ``ListGroupMembers``
  ``GET /api/v1/groups/{id}/users`` for each group listed.
- ``ListApps`` ``GET /api/v1/apps``, then ``ListAppUsers`` ``GET /api/v1/apps/{id}/users``
  for each ACTIVE app (its users assigned directly, scope USER, or through a group, GROUP).
- ``ListFactors`` ``GET /api/v1/users/{id}/factors`` for each user that is not DEPROVISIONED.
- ``ListAdminAssignees`` ``GET /api/v1/iam/assignees/users``: every user holding an admin
  role, in one listing instead of one roles call per user.
- ``ListLogEvents`` ``GET /api/v1/logs``: the System Log's deactivate and suspend events,
  bounded by ``since`` and ``until`` so the query ends.

Listings page with ``limit`` and the ``after`` cursor of the ``Link: rel="next"`` header. A
per-group, per-app or per-user call is made only after the listing page naming it succeeded;
they run on a small bounded thread pool (``workers``). A failed page ends its listing and is
recorded; normalisation turns it into ERROR results, never an empty list.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import httpx

from govkit.snapshot import SnapshotWriter
from govkit.sources.http import Page, Paging, RecordedClient
from govkit.sources.interface import CollectWindow
from govkit.sources.okta import api
from govkit.sources.okta.api import DEPROVISIONED_SEARCH, LOG_FILTER, okta_time
from govkit.sources.okta.auth import AccessTokens, load_private_key
from govkit.sources.okta.export import collect_export
from govkit.sources.okta.settings import OktaSettings

# each endpoint's largest page, asked for unless ``page_size`` is smaller
MAX_LIMIT: Mapping[str, int] = {"users": 200, "groups": 1000, "members": 1000, "apps": 200,
                                "app_users": 500, "admins": 100, "logs": 1000}


class _Listing:
    """Runs listings through one RecordedClient and counts the pages it records."""

    def __init__(self, client: RecordedClient, settings: OktaSettings) -> None:
        self.client, self.settings = client, settings
        self._lock = threading.Lock()
        self.calls = 0

    def limit(self, endpoint: str) -> int:
        top = MAX_LIMIT[endpoint]
        return top if self.settings.page_size is None else min(top, self.settings.page_size)

    def pages(self, operation: str, path: str, params: Mapping[str, Any]) -> list[Page]:
        found: list[Page] = []
        for page in self.client.pages(operation, path, params, paging=Paging.LINK_HEADER):
            found.append(page)
        with self._lock:
            self.calls += len(found)
        return found

    def hal_pages(self, operation: str, path: str, params: Mapping[str, Any]) -> list[Page]:
        """A listing that may also page in its body (``_links.next.href``), as the IAM
        role-assignment endpoints do; the Link header is followed too."""
        found = self.pages(operation, path, params)
        seen = {path}
        while found and found[-1].ok and isinstance(found[-1].body, Mapping):
            following = (found[-1].body.get("_links") or {}).get("next") or {}
            href = following.get("href") if isinstance(following, Mapping) else None
            if not href or href in seen:
                break
            seen.add(href)
            found += self.pages(operation, str(href), {})
        return found


def _items(pages: Iterable[Page]) -> Iterator[Mapping[str, Any]]:
    """The objects of successful pages whose body is a JSON array."""
    for page in pages:
        if page.ok and isinstance(page.body, list):
            yield from (item for item in page.body if isinstance(item, Mapping))


def _ids(items: Iterable[Mapping[str, Any]], keep: Callable[[Mapping[str, Any]], bool]
         ) -> list[str]:
    return sorted({str(i["id"]) for i in items if isinstance(i.get("id"), str) and keep(i)})


def collect(settings: OktaSettings, writer: SnapshotWriter, window: CollectWindow, *,
            sleep: Callable[[float], None] = time.sleep,
            transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Record every call of one Okta org into ``writer``; the run manifest's source entry."""
    if settings.export_dir is not None:
        return collect_export(settings, writer, window)
    if settings.org_url is None:
        raise ValueError("settings without org_url or export")
    tokens: AccessTokens | None = None
    headers: Callable[[], Mapping[str, str]]
    if settings.token is not None:
        headers = _ssws(settings.token)
    else:
        tokens = _access_tokens(settings, writer, transport)
        if not tokens.fetch().ok:
            tokens.close()
            return _manifest(settings, tokens.calls)
        headers = tokens.headers
    try:
        with RecordedClient(service="okta", tenant=settings.tenant, base_url=settings.org_url,
                            writer=writer, headers=headers, max_attempts=settings.max_attempts,
                            sleep=sleep, transport=transport) as client:
            listing = _Listing(client, settings)
            _collect_all(listing, window)
            calls = listing.calls
    finally:
        if tokens is not None:
            tokens.close()
    return _manifest(settings, calls + (tokens.calls if tokens else 0))


def _ssws(token: str) -> Callable[[], Mapping[str, str]]:
    def headers() -> Mapping[str, str]:
        return {"Authorization": f"SSWS {token}", "Accept": "application/json"}
    return headers


def _manifest(settings: OktaSettings, calls: int) -> dict[str, Any]:
    return {"type": "okta", "tenant": settings.tenant, "api_calls": calls,
            "mode": "export" if settings.export_dir is not None else "api"}


def _access_tokens(settings: OktaSettings, writer: SnapshotWriter,
                   transport: httpx.BaseTransport | None) -> AccessTokens:
    if settings.private_key_file is None or settings.client_id is None or \
            settings.org_url is None:
        raise ValueError("OAuth settings without client_id or private_key_file")
    key = load_private_key(settings.private_key_file.read_bytes())
    if isinstance(key, str):
        raise ValueError(f"{settings.private_key_file}: {key}")
    return AccessTokens(org_url=settings.org_url, client_id=settings.client_id, key=key,
                        scopes=settings.scopes, writer=writer, tenant=settings.tenant,
                        key_id=settings.key_id, transport=transport)


def _collect_all(listing: _Listing, window: CollectWindow) -> None:
    users = listing.pages(api.LIST_USERS, "/api/v1/users", {"limit": listing.limit("users")})
    gone = listing.pages(api.LIST_DEPROVISIONED_USERS, "/api/v1/users",
                         {"search": DEPROVISIONED_SEARCH, "limit": listing.limit("users")})
    groups = listing.pages(api.LIST_GROUPS, "/api/v1/groups", {"limit": listing.limit("groups")})
    apps = listing.pages(api.LIST_APPS, "/api/v1/apps", {"limit": listing.limit("apps")})
    tasks: list[tuple[str, str, dict[str, Any]]] = []
    for group in _ids(_items(groups), lambda _g: True):
        tasks.append((api.LIST_GROUP_MEMBERS, f"/api/v1/groups/{quote(group, safe='')}/users",
                      {"limit": listing.limit("members")}))
    for app in _ids(_items(apps), lambda a: a.get("status") == "ACTIVE"):
        tasks.append((api.LIST_APP_USERS, f"/api/v1/apps/{quote(app, safe='')}/users",
                      {"limit": listing.limit("app_users")}))
    if all(p.ok for p in users) and all(p.ok for p in gone):
        # a failed users listing yields no users at all, so their factors would go unused
        for user in _ids(_items(users), lambda u: u.get("status") != "DEPROVISIONED"):
            tasks.append((api.LIST_FACTORS, f"/api/v1/users/{quote(user, safe='')}/factors", {}))
    with ThreadPoolExecutor(max_workers=max(1, listing.settings.workers),
                            thread_name_prefix="govkit-okta") as pool:
        running = [pool.submit(listing.pages, *task) for task in tasks]
        listing.hal_pages(api.LIST_ADMIN_ASSIGNEES, "/api/v1/iam/assignees/users",
                          {"limit": listing.limit("admins")})
        listing.pages(api.LIST_LOG_EVENTS, "/api/v1/logs",
                      {"since": okta_time(window.since), "until": okta_time(window.until),
                       "filter": LOG_FILTER, "sortOrder": "ASCENDING",
                       "limit": listing.limit("logs")})
        for future in running:
            future.result()
