"""Helpers for the Entra source's tests: a small hospital tenant on the loopback Graph
emulator, collection into a temporary run directory, and reading the result back."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from govkit.demo.idp.graph import GraphServer, GraphTenant
from govkit.inventory.model import Coverage, Ref, Resource
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources import entra
from govkit.sources.entra.settings import EntraSettings
from govkit.sources.interface import CollectWindow, NormalizeContext

TENANT_ID = "5e1f1c9a-7b1d-4c55-9f0e-3d7a2b9c0001"
CLIENT_ID = "b6a1d2c3-0000-4000-8000-00000000c11e"
SECRET = "s3cr3t~Value.That-Must_Not.Leak"
NOW = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.timezone.utc)
WINDOW = CollectWindow(since=NOW - dt.timedelta(days=90), until=NOW)

ALICE, BOB, CAROL, GUEST = ("a1", "b2", "c3", "d4")
PHI_READERS, VENDOR_AGENTS, ALL_STAFF = ("g-phi", "g-vendor", "g-all")
EPIC, CITRIX = ("sp-epic", "sp-citrix")


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _user(user_id: str, upn: str, enabled: bool, **extra: Any) -> dict[str, Any]:
    return {"id": user_id, "userPrincipalName": upn, "displayName": upn.split("@")[0],
            "mail": upn, "otherMails": [], "accountEnabled": enabled, "userType": "Member",
            "employeeId": None, "employeeType": "Employee", "companyName": "Mercy Health",
            "department": "Scheduling", "createdDateTime": "2024-01-02T09:00:00Z",
            "employeeHireDate": "2024-01-02T00:00:00Z", "employeeLeaveDateTime": None,
            "onPremisesImmutableId": None, "signInActivity": None, **extra}


def _audit(event_id: str, activity: str, when: dt.datetime, target: str,
           changes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"id": event_id, "category": "UserManagement", "result": "success",
            "activityDisplayName": activity, "activityDateTime": _iso(when),
            "loggedByService": "Core Directory", "operationType": "Update",
            "initiatedBy": {"user": {"id": ALICE, "userPrincipalName": "alice@mercy.example"},
                            "app": None},
            "targetResources": [{"id": target, "type": "User", "displayName": None,
                                 "userPrincipalName": None,
                                 "modifiedProperties": changes or []}]}


def example_tenant() -> GraphTenant:
    """Alice (admin, FIDO2, in a nested group assigned Epic), Bob (a BPO agent, disabled five
    days ago and assigned Citrix directly), Carol (never signed in), and a guest."""
    sign_in = {"lastSignInDateTime": "2026-09-30T08:00:00Z",
               "lastNonInteractiveSignInDateTime": "2026-09-30T09:10:00.1234567Z",
               "lastSuccessfulSignInDateTime": "2026-09-30T09:10:00Z"}
    users = [
        _user(ALICE, "alice@mercy.example", True, employeeId="E100", signInActivity=sign_in,
              otherMails=["Alice.Personal@example.org"], onPremisesImmutableId="aW1tdXRhYmxl"),
        _user(BOB, "bob@mercy.example", False, employeeId="BPO-7", employeeType="Contractor",
              companyName="AcmeBPO", employeeLeaveDateTime="2026-09-26T17:00:00Z",
              signInActivity={"lastSignInDateTime": "2026-09-26T16:00:00Z",
                              "lastNonInteractiveSignInDateTime": "0001-01-01T00:00:00Z",
                              "lastSuccessfulSignInDateTime": None}),
        _user(CAROL, "carol@mercy.example", True, employeeId="E300"),
        _user(GUEST, "auditor_firm.example#EXT#@mercy.example", True, userType="Guest",
              mail="auditor@firm.example", employeeType=None)]
    disabled = [{"displayName": "AccountEnabled", "oldValue": "[true]", "newValue": "[false]"}]
    renamed = [{"displayName": "DisplayName", "oldValue": '["C"]', "newValue": '["Carol"]'}]
    audits = [_audit("ev-1", "Disable account", NOW - dt.timedelta(days=5), BOB),
              _audit("ev-2", "Update user", NOW - dt.timedelta(days=5, seconds=-1), BOB,
                     disabled),
              _audit("ev-3", "Update user", NOW - dt.timedelta(days=3), CAROL, renamed),
              _audit("ev-4", "Disable account", NOW - dt.timedelta(days=400), CAROL),
              _audit("ev-5", "Delete user", NOW - dt.timedelta(days=2), "gone-user")]
    registration = [
        {"id": ALICE, "userPrincipalName": "alice@mercy.example", "isAdmin": True,
         "isMfaRegistered": True, "methodsRegistered": ["fido2", "microsoftAuthenticatorPush"]},
        {"id": BOB, "isAdmin": False, "isMfaRegistered": True, "methodsRegistered": ["email"]},
        {"id": CAROL, "isAdmin": False, "isMfaRegistered": True,
         "methodsRegistered": ["mobilePhone", "email", "securityQuestion"]},
        {"id": GUEST, "isAdmin": False, "isMfaRegistered": False, "methodsRegistered": []}]
    assignment = {"appRoleId": "00000000-0000-0000-0000-000000000000",
                  "createdDateTime": "2025-01-01T00:00:00Z"}
    return GraphTenant(
        users=users,
        groups=[{"id": PHI_READERS, "displayName": "PHI Readers", "securityEnabled": True},
                {"id": VENDOR_AGENTS, "displayName": "Vendor Agents", "securityEnabled": True},
                {"id": ALL_STAFF, "displayName": "All Staff", "securityEnabled": True}],
        members={PHI_READERS: [ALICE], VENDOR_AGENTS: [BOB], ALL_STAFF: [PHI_READERS, CAROL]},
        service_principals=[{"id": EPIC, "appId": "app-epic", "displayName": "Epic"},
                            {"id": CITRIX, "appId": "app-citrix",
                             "displayName": "Citrix Workspace"}],
        app_role_assignments=[
            {"id": "as-1", "principalId": PHI_READERS, "principalType": "Group",
             "principalDisplayName": "PHI Readers", "resourceId": EPIC,
             "resourceDisplayName": "Epic", **assignment},
            {"id": "as-2", "principalId": BOB, "principalType": "User",
             "principalDisplayName": "bob", "resourceId": CITRIX,
             "resourceDisplayName": "Citrix Workspace", **assignment}],
        registration_details=registration, directory_audits=audits)


@contextmanager
def serving(tenant: GraphTenant | None = None, **options: Any) -> Iterator[GraphServer]:
    server = GraphServer(tenant or example_tenant(), TENANT_ID, CLIENT_ID, **options)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def settings_for(server: GraphServer, **overrides: Any) -> EntraSettings:
    values: dict[str, Any] = {"tenant_id": TENANT_ID, "client_id": CLIENT_ID,
                              "client_secret": SECRET, "authority_url": server.url,
                              "graph_url": server.url, "max_attempts": 3, **overrides}
    return EntraSettings(**values)


class Collected:
    """A run directory after one collection: the summary, the snapshot, the resources."""

    def __init__(self, run_dir: Path, summary: dict[str, Any], waits: list[float]) -> None:
        self.run_dir, self.summary, self.waits = run_dir, summary, waits
        self.snapshot = Snapshot.open(run_dir)

    def normalized(self) -> list[Resource | Coverage]:
        return list(entra.normalize(self.snapshot, NormalizeContext(own_accounts=frozenset())))

    @property
    def users(self) -> dict[str, Resource]:
        return {r.name: r for r in self.normalized() if isinstance(r, Resource)}

    @property
    def coverage(self) -> list[Coverage]:
        return [c for c in self.normalized() if isinstance(c, Coverage)]

    def operations(self) -> list[str]:
        return [e.operation for e in self.snapshot.entries]

    def record(self, operation: str) -> dict[str, Any]:
        entry = next(e for e in self.snapshot.entries if e.operation == operation)
        loaded: dict[str, Any] = json.loads((self.run_dir / entry.file).read_text())
        return loaded

    def value_at(self, ref: Ref) -> Any:
        """What ``ref`` points at in its snapshot file."""
        node: Any = json.loads((self.run_dir / ref.file).read_text())
        for token in ref.pointer.split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        return node

    def files_text(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.run_dir.rglob("*.json")))


def collect_into(run_dir: Path, settings: EntraSettings) -> Collected:
    """Collect with a sleep that only notes how long it was asked to wait."""
    waits: list[float] = []
    writer = SnapshotWriter(run_dir)
    summary = entra.collect(settings, writer, WINDOW, sleep=waits.append)
    writer.write_index()
    return Collected(run_dir, summary, waits)
