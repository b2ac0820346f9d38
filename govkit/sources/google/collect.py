"""Collecting a Google Workspace: users, groups and their members from the Directory API, and
the Admin console's disabling events from the Reports API, every page recorded.

Order and stops: the Directory token first (refused: nothing else is asked); the users
listing (failed: nothing else is asked, since no user will be built); groups, then the members
of each listed group; then the Reports token and one audit-log query per disabling event,
bounded by the collection window so it ends. A failed page ends its listing and is recorded;
the normaliser turns it into ERROR results naming the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from govkit import canonical
from govkit.snapshot import SnapshotWriter
from govkit.sources.google import api
from govkit.sources.google.auth import TokenSource
from govkit.sources.google.export import read_export
from govkit.sources.google.settings import GoogleSettings
from govkit.sources.http import Page, Paging, RecordedClient
from govkit.sources.interface import CollectWindow


def collect(settings: GoogleSettings, writer: SnapshotWriter,
            window: CollectWindow) -> dict[str, Any]:
    """Record the tenant's data into ``writer``; the manifest's ``sources`` entry."""
    before = writer.call_count
    if settings.export_dir is not None:
        read_export(settings, writer, window)
    else:
        with httpx.Client(timeout=settings.timeout, follow_redirects=False) as token_client:
            _collect_live(settings, writer, window, token_client)
    return {"type": "google", "tenant": settings.tenant,
            "api_calls": writer.call_count - before}


def _client(settings: GoogleSettings, writer: SnapshotWriter,
            tokens: TokenSource) -> RecordedClient:
    return RecordedClient(service=api.SERVICE, tenant=settings.tenant,
                          base_url=settings.base_url, writer=writer, headers=tokens.headers,
                          max_attempts=settings.max_attempts, timeout=settings.timeout,
                          sleep=settings.sleep)


def _collect_live(settings: GoogleSettings, writer: SnapshotWriter, window: CollectWindow,
                  token_client: httpx.Client) -> None:
    directory = TokenSource(settings, writer, token_client, scope_set="directory",
                            scopes=api.DIRECTORY_SCOPES)
    if not directory.acquire():
        return
    with _client(settings, writer, directory) as client:
        if not _all_ok(_users(settings, client)):
            return
        group_keys: list[str] = []
        for page in _groups(settings, client):
            if page.ok:
                group_keys += [str(g["id"]) for g in _items(page.body, "groups")
                               if isinstance(g, dict) and g.get("id")]
            else:
                group_keys = []  # the listing is incomplete: Groups fails on every user
        for key in group_keys:
            if not _all_ok(_members(settings, client, key)):
                break  # Groups already fails on every user; the rest would not change it
    reports = TokenSource(settings, writer, token_client, scope_set="reports",
                          scopes=api.REPORTS_SCOPES)
    if not reports.acquire():
        return
    with _client(settings, writer, reports) as client:
        for event in api.DISABLE_EVENTS:
            if not _all_ok(_activities(settings, client, window, event)):
                return


def _all_ok(pages: Iterator[Page]) -> bool:
    return all([page.ok for page in pages])  # a list: every page is read (and recorded)


def _items(body: Any, key: str) -> list[Any]:
    found = body.get(key) if isinstance(body, dict) else None
    return found if isinstance(found, list) else []


def _users(settings: GoogleSettings, client: RecordedClient) -> Iterator[Page]:
    return client.pages(api.LIST_USERS, api.USERS_PATH, {
        "customer": settings.customer, "projection": "full",
        "maxResults": api.page_size(api.LIST_USERS, settings.page_size)},
        paging=Paging.PAGE_TOKEN)


def _groups(settings: GoogleSettings, client: RecordedClient) -> Iterator[Page]:
    return client.pages(api.LIST_GROUPS, api.GROUPS_PATH, {
        "customer": settings.customer,
        "maxResults": api.page_size(api.LIST_GROUPS, settings.page_size)},
        paging=Paging.PAGE_TOKEN)


def _members(settings: GoogleSettings, client: RecordedClient, group_key: str
             ) -> Iterator[Page]:
    return client.pages(api.LIST_GROUP_MEMBERS, api.members_path(group_key), {
        "maxResults": api.page_size(api.LIST_GROUP_MEMBERS, settings.page_size)},
        paging=Paging.PAGE_TOKEN)


def _activities(settings: GoogleSettings, client: RecordedClient, window: CollectWindow,
                event: str) -> Iterator[Page]:
    query: dict[str, Any] = {
        "eventName": event, "startTime": canonical.iso_utc(window.since),
        "endTime": canonical.iso_utc(window.until),
        "maxResults": api.page_size(api.LIST_ADMIN_ACTIVITIES, settings.page_size)}
    if settings.customer != api.DEFAULT_CUSTOMER:
        query["customerId"] = settings.customer
    return client.pages(api.LIST_ADMIN_ACTIVITIES, api.ACTIVITIES_PATH, query,
                        paging=Paging.PAGE_TOKEN)
