"""The Admin console's disabling events (suspensions and archivals), from the Reports API.

The audit log names its target by e-mail (the ``USER_EMAIL`` parameter), so events are matched
to a user by any of the user's addresses (Google keeps a renamed user's old address as an
alias). Only events inside the searched window count, and the window is what the queries
asked for (``startTime``), so ``DisableEventsSince`` says how far back "no event" holds.
A refused Reports token, a failed page or a disabling event that was never searched makes
DisableEvents and DisabledAt failures on every user.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from govkit import canonical
from govkit.inventory.accounts import normalise_email
from govkit.inventory.model import CallFailure, Ref
from govkit.snapshot import CallRecord
from govkit.sources.google import api
from govkit.sources.google.records import (
    TenantRecords, body_ref, first_failure, iso, items, malformed, param_ref, parse_time)


@dataclass(frozen=True)
class DisableEvent:
    at: str
    event: str
    actor: str | None
    ref: Ref

    def to_json(self) -> dict[str, Any]:
        return {"At": self.at, "Event": self.event, "Actor": self.actor}


@dataclass
class DisableLog:
    failure: CallFailure | None = None
    since: str | None = None
    since_refs: list[Ref] = field(default_factory=list)
    searched: list[Ref] = field(default_factory=list)  # the listings "no event" comes from
    by_email: dict[str, list[DisableEvent]] = field(default_factory=lambda: defaultdict(list))

    def of(self, emails: Iterable[str]) -> list[DisableEvent]:
        """The user's disabling events, oldest first, each once (an activity can be found by
        two of the user's addresses or by two queries)."""
        found: dict[tuple[str, str, str], DisableEvent] = {}
        for event in sorted((e for address in emails for e in self.by_email.get(address, [])),
                            key=lambda e: e.ref):
            found.setdefault((event.at, event.event, event.actor or ""), event)
        return sorted(found.values(), key=lambda e: (e.at, e.event, e.actor or ""))


def disable_log(records: TenantRecords) -> DisableLog:
    log = DisableLog()
    listings = records.listings(api.LIST_ADMIN_ACTIVITIES)
    refused = records.token_failure("reports")
    if refused is not None or not listings:
        log.failure = refused or records.not_collected(
            api.LIST_ADMIN_ACTIVITIES, "the Admin console audit log was not searched")
        return log
    searched = {event for (_, event) in listings}
    missing = [e for e in api.DISABLE_EVENTS if None not in searched and e not in searched]
    failures = [f for f in map(first_failure, listings.values()) if f is not None]
    log.failure = failures[0] if failures else None
    if log.failure is None and missing:
        log.failure = records.not_collected(api.LIST_ADMIN_ACTIVITIES, "the audit log was "
                                            f"not searched for {', '.join(missing)}")
    if log.failure is not None:
        return log
    window = _window(log, [pages[0] for pages in listings.values()])
    for pages in listings.values():
        log.searched.append(body_ref(pages[0]))
        for page in pages:
            log.failure = _read_page(page, window, log)
            if log.failure is not None:
                return log
    return log


def _window(log: DisableLog, first_pages: list[CallRecord]
            ) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The span every query covered (the latest start, the earliest end); a query without a
    start searched the whole log, one without an end up to the moment it ran."""
    starts: list[tuple[dt.datetime, CallRecord]] = []
    ends: list[dt.datetime] = []
    for page in first_pages:
        query = page.entry.params.get("query")
        query = query if isinstance(query, Mapping) else {}
        start, end = parse_time(query.get("startTime")), parse_time(query.get("endTime"))
        if start is not None:
            starts.append((start, page))
        if end is not None:
            ends.append(end)
    since = None
    if starts and len(starts) == len(first_pages):
        since, page = max(starts, key=lambda s: s[0])
        log.since = canonical.iso_utc(since)
        log.since_refs = [param_ref(page, "query", "startTime")]
    return since, (min(ends) if ends and len(ends) == len(first_pages) else None)


def _read_page(page: CallRecord, window: tuple[dt.datetime | None, dt.datetime | None],
               log: DisableLog) -> CallFailure | None:
    activities = items(page, "items")
    if activities is None:
        return malformed(page, "the body holds no list of activities")
    since, until = window
    for index, activity in enumerate(activities):
        stamp = _mapping(activity.get("id")).get("time")
        when = parse_time(stamp)
        if when is None:
            return malformed(page, "an activity without a time", "items", index)
        if (since is not None and when < since) or (until is not None and when > until):
            continue
        who = _actor(_mapping(activity.get("actor")))
        events = activity.get("events")
        for number, event in enumerate(events if isinstance(events, list) else []):
            if not isinstance(event, Mapping) or event.get("name") not in api.DISABLE_EVENTS:
                continue
            target = normalise_email(_parameter(event, api.TARGET_PARAMETER))
            if target is None:
                continue
            log.by_email[target].append(DisableEvent(
                at=iso(stamp) or "", event=str(event["name"]), actor=who,
                ref=body_ref(page, "items", index, "events", number)))
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _actor(actor: Mapping[str, Any]) -> str | None:
    for key in ("email", "profileId", "callerType"):
        if isinstance(actor.get(key), str) and actor[key]:
            return str(actor[key])
    return None


def _parameter(event: Mapping[str, Any], name: str) -> str | None:
    for parameter in event.get("parameters") or []:
        if isinstance(parameter, Mapping) and parameter.get("name") == name:
            value = parameter.get("value")
            return value if isinstance(value, str) else None
    return None
