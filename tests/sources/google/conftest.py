"""A loopback Google Workspace with a known directory, and the helpers that collect from it
and normalise what was recorded."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from govkit.demo.idp.google import (
    GoogleDomain, GoogleServer, ServiceAccount, admin_activity, directory_user,
    new_service_account)
from govkit.inventory.model import Coverage, Resource
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.google import GoogleSettings, collect, normalize, settings_from
from govkit.sources.interface import CollectWindow, NormalizeContext

ADMIN = "admin@example.org"
TENANT = "example.org"
WINDOW = CollectWindow(since=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                       until=dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc))


def example_domain() -> GoogleDomain:
    """Seven users, nested groups, and the audit log of two disablings (plus one before the
    window, which must not count)."""
    users = [
        directory_user("101", ADMIN, admin=True, enrolled_2sv=True, enforced_2sv=True,
                       last_login="2026-09-30T08:00:00.000Z", employee_id="E-0001"),
        directory_user("102", "nurse.ana@example.org", enrolled_2sv=True,
                       last_login="2026-09-29T12:30:00.000Z", employee_id="E-0002",
                       aliases=("ana@example.org",), org_unit="/Clinical"),
        directory_user("103", "agent.bo@example.org", suspended=True,
                       last_login="2026-03-01T16:55:00.000Z", employee_id="BPO-10442",
                       org_unit="/Vendors/AcmeBPO"),
        directory_user("104", "agent.cy@example.org", archived=True,
                       last_login="2026-02-01T09:00:00.000Z", org_unit="/Vendors/AcmeBPO"),
        directory_user("105", "agent.di@example.org", org_unit="/Vendors/AcmeBPO"),
        directory_user("106", "old.timer@example.org", suspended=True,
                       last_login="2025-05-05T05:05:05.000Z"),
        directory_user("107", "clerk.ed@example.org", enrolled_2sv=True,
                       last_login="2026-09-01T10:00:00.000Z"),
    ]
    users[1]["externalIds"].append({"value": "scim-7f3a", "type": "custom",
                                    "customType": "scim"})
    groups = [{"kind": "admin#directory#group", "id": "g-phi", "email": "phi@example.org",
               "name": "PHI Support", "directMembersCount": "2"},
              {"kind": "admin#directory#group", "id": "g-acme", "email": "acme@example.org",
               "name": "Acme BPO agents", "directMembersCount": "3"},
              {"kind": "admin#directory#group", "id": "g-all", "email": "all@example.org",
               "name": "Everyone", "directMembersCount": "1"}]
    members = {
        "g-phi": [_member("102", "nurse.ana@example.org"), _member("g-acme", "acme@example.org",
                                                                   kind="GROUP")],
        "g-acme": [_member("103", "agent.bo@example.org"), _member("104", "agent.cy@example.org"),
                   _member("105", "agent.di@example.org")],
        "g-all": [{"kind": "admin#directory#member", "id": "C03az79cb", "role": "MEMBER",
                   "type": "CUSTOMER", "status": "ACTIVE"}],
    }
    activities = [
        admin_activity("2026-03-02T09:15:00.000Z", "SUSPEND_USER", "agent.bo@example.org",
                       ADMIN, unique=1),
        admin_activity("2026-02-20T10:00:00.000Z", "SUSPEND_USER", "agent.cy@example.org",
                       ADMIN, unique=2),
        admin_activity("2026-02-25T10:00:00.000Z", "ARCHIVE_USER", "agent.cy@example.org",
                       ADMIN, unique=3),
        admin_activity("2025-06-01T10:00:00.000Z", "SUSPEND_USER", "old.timer@example.org",
                       ADMIN, unique=4),
        admin_activity("2026-04-01T10:00:00.000Z", "CHANGE_PASSWORD", "nurse.ana@example.org",
                       ADMIN, unique=5),
    ]
    return GoogleDomain(domain=TENANT, users=users, groups=groups, members=members,
                        activities=activities)


def _member(member_id: str, email: str, kind: str = "USER") -> dict[str, Any]:
    return {"kind": "admin#directory#member", "id": member_id, "email": email,
            "role": "MEMBER", "type": kind, "status": "ACTIVE"}


@pytest.fixture(scope="session")
def account() -> ServiceAccount:
    return new_service_account()


@pytest.fixture
def domain() -> GoogleDomain:
    return example_domain()


@pytest.fixture(scope="session")
def running_server(account: ServiceAccount) -> Iterator[GoogleServer]:
    running = GoogleServer.for_account(example_domain(), account, ADMIN).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def server(running_server: GoogleServer, domain: GoogleDomain) -> GoogleServer:
    """The loopback server, serving a fresh copy of the example domain to each test."""
    running_server.reset(domain, ADMIN)
    return running_server


@pytest.fixture
def key_file(account: ServiceAccount, tmp_path: Path) -> Path:
    return account.write(tmp_path / "config" / "google-key.json")


def live_settings(server: GoogleServer, key_file: Path, waits: list[float] | None = None,
                  **section: Any) -> GoogleSettings:
    """Settings as a configuration file next to ``key_file`` gives them."""
    written = {"credentials_file": key_file.name, "subject": ADMIN, "base_url": server.url,
               "token_url": server.token_url, **section}
    settings = settings_from(written, resolve=lambda p: key_file.parent / p, environ={})
    sleep = (waits.append if waits is not None else lambda _seconds: None)
    return dataclasses.replace(settings, sleep=sleep)


@dataclass
class Collected:
    run_dir: Path
    source: Mapping[str, Any]
    snapshot: Snapshot
    resources: list[Resource]
    coverage: list[Coverage]

    def user(self, email: str) -> Resource:
        return next(r for r in self.resources if r.name == email)

    def operations(self) -> list[str]:
        return [e.operation for e in self.snapshot.entries]


def normalise(snapshot: Snapshot) -> tuple[list[Resource], list[Coverage]]:
    found = list(normalize(snapshot, NormalizeContext(own_accounts=frozenset())))
    return ([r for r in found if isinstance(r, Resource)],
            [c for c in found if isinstance(c, Coverage)])


def run(settings: GoogleSettings, run_dir: Path) -> Collected:
    writer = SnapshotWriter(run_dir)
    source = collect(settings, writer, WINDOW)
    writer.write_index()
    snapshot = Snapshot.open(run_dir)
    resources, coverage = normalise(snapshot)
    return Collected(run_dir, source, snapshot, resources, coverage)
