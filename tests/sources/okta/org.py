"""A realistic Okta org for the tests: a hospital's staff and its outsourced support vendor's
agents, with people who left (suspended, deactivated), admins, apps assigned directly and
through groups, factors of every kind, and System Log events inside and outside the window."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit.demo.idp.okta import (
    OktaApp, OktaDirectory, OktaFactor, OktaGroup, OktaServer, OktaUser)
from govkit.inventory.model import Coverage, Ref, Resource
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.interface import CollectWindow, NormalizeContext
from govkit.sources.okta import OktaSettings, collect, normalize

TOKEN = "00SSWS-secret-Token-9f8e7d"
TENANT = "mercy-health.okta.com"
NOW = dt.datetime(2026, 10, 1, 17, 0, tzinfo=dt.timezone.utc)
WINDOW = CollectWindow(since=dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc), until=NOW)

STAFF = 14  # hospital employees 00u1000000000000..; vendor agents follow
AGENTS = 20


def _user(number: int, **changes: Any) -> OktaUser:
    staff = number < STAFF
    login = f"staff{number:02d}@mercy.example" if staff else f"agent{number:02d}@bpo.example"
    fields: dict[str, Any] = {
        "id": f"00u{number:017d}", "login": login, "first_name": f"First{number}",
        "last_name": f"Last{number}",
        "employee_number": f"E{1000 + number}" if staff else f"BPO-{20000 + number}",
        "user_type": "Employee" if staff else "Contractor",
        "organization": "Mercy Health" if staff else "AcmeBPO",
        "department": "Scheduling" if number % 2 else "Billing",
        "last_login": NOW - dt.timedelta(days=number % 9 + 1),
        "created": dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        + dt.timedelta(days=number)}
    fields.update(changes)
    return OktaUser(**fields)


def sample_directory() -> OktaDirectory:
    left = {3: ("DEPROVISIONED", 20), 17: ("DEPROVISIONED", 40), 22: ("SUSPENDED", 10),
            25: ("DEPROVISIONED", 200), 30: ("SUSPENDED", 5)}
    users = []
    for number in range(STAFF + AGENTS):
        status, days = left.get(number, ("ACTIVE", 0))
        changes: dict[str, Any] = {"status": status}
        if days:
            changes["status_changed"] = NOW - dt.timedelta(days=days)
        if number == 5:
            changes.update(last_login=None, second_email="Staff05.Personal@Mail.example")
        if number == 8:
            changes.update(status="STAGED", last_login=None, employee_number=None)
        users.append(_user(number, **changes))
    ids = [u.id for u in users]
    org = OktaDirectory(users=users)
    org.groups = [
        OktaGroup(id="00g000everyone", name="Everyone", type="BUILT_IN", members=tuple(ids)),
        OktaGroup(id="00g001staff", name="Mercy Staff", members=tuple(ids[:STAFF])),
        OktaGroup(id="00g002agents", name="BPO Agents", members=tuple(ids[STAFF:])),
        OktaGroup(id="00g003scheduling", name="Scheduling",
                  members=tuple(u.id for u in users if u.department == "Scheduling")),
        OktaGroup(id="00g004empty", name="Break Glass", members=()),
    ]
    org.apps = [
        OktaApp(id="0oa001epic", label="Epic Hyperspace", groups=("00g001staff",),
                users=(ids[STAFF],)),
        OktaApp(id="0oa002workspaces", label="Amazon WorkSpaces", groups=("00g002agents",)),
        OktaApp(id="0oa003scheduler", label="Scheduler", groups=("00g003scheduling",),
                users=(ids[2],)),
        OktaApp(id="0oa004legacy", label="Legacy Fax", status="INACTIVE", users=(ids[1],)),
    ]
    for number, user_id in enumerate(ids):
        kinds = [("push",), ("webauthn", "push"), ("sms",), ("signed_nonce",), ()][number % 5]
        org.enrol(user_id, *kinds)
    org.factors[ids[4]].append(OktaFactor(id="fctpending", factor_type="u2f",
                                          status="PENDING_ACTIVATION"))
    org.admins = [ids[0], ids[1]]
    for number, (status, days) in sorted(left.items()):
        event = "user.lifecycle.deactivate" if status == "DEPROVISIONED" else \
            "user.lifecycle.suspend"
        org.log(users[number], event, NOW - dt.timedelta(days=days))  # 200 days: outside
    org.log(users[22], "user.lifecycle.deactivate", NOW - dt.timedelta(days=12))
    org.log(users[22], "user.lifecycle.unsuspend", NOW - dt.timedelta(days=11))
    org.log(users[3], "user.session.start", NOW - dt.timedelta(days=21))
    return org


@dataclass
class Scan:
    run_dir: Path
    manifest: dict[str, Any]
    resources: list[Resource]
    coverage: list[Coverage]

    def user(self, login_number: int) -> Resource:
        user_id = f"00u{login_number:017d}"
        return next(r for r in self.resources if r.id == f"okta:{TENANT}:user/{user_id}")

    def users(self) -> list[Resource]:
        return [r for r in self.resources if r.type == "okta.user"]

    def files(self) -> Iterator[Path]:
        return (p for p in self.run_dir.rglob("*") if p.is_file())


def settings(server: OktaServer, **changes: Any) -> OktaSettings:
    return OktaSettings(**{"tenant": TENANT, "org_url": server.url, "token": TOKEN,
                           "page_size": 5, "workers": 4, "max_attempts": 3, **changes})


def normalise(run_dir: Path) -> tuple[list[Resource], list[Coverage]]:
    found = list(normalize(Snapshot.open(run_dir), NormalizeContext(own_accounts=frozenset())))
    return ([r for r in found if isinstance(r, Resource)],
            [c for c in found if isinstance(c, Coverage)])


def scan(run_dir: Path, okta: OktaSettings, waits: list[float] | None = None) -> Scan:
    writer = SnapshotWriter(run_dir)
    manifest = collect(okta, writer, WINDOW, sleep=(waits if waits is not None else []).append)
    writer.write_index()
    resources, coverage = normalise(run_dir)
    return Scan(run_dir, manifest, resources, coverage)


def resolve(run_dir: Path, ref: Ref) -> Any:
    """The value a Ref points at (RFC 6901)."""
    node: Any = json.loads((run_dir / ref.file).read_text())
    for token in ref.pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node
