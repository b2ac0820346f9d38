"""Helpers for the AVD source's tests: two subscriptions on the loopback ARM emulator (the
demo's Meridian estate, and a second subscription), collection into a temporary run
directory, and reading the result back."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema

from govkit.demo.idp.arm import (
    MERIDIAN_AGENTS, MERIDIAN_SUBSCRIPTION, ArmServer, ArmTenant, application_group,
    host_pool, meridian_tenant, role_assignment)
from govkit.inventory.model import Coverage, Ref, Resource
from govkit.report.show import resolve_pointer
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources import avd
from govkit.sources.avd.settings import AvdSettings
from govkit.sources.interface import CollectWindow, NormalizeContext

TENANT_ID = "b7e4c2a9-3d15-4f68-9a2e-71c0d5f8e413"
CLIENT_ID = "0d9f6a21-8c47-4b35-a1e2-5f3b7c9d4e60"
SECRET = "arm~Secret.That-Must_Not.Leak"
CLINIC_SUBSCRIPTION = "7b2e4d61-0c9a-4f35-8e17-a3d5c6b9f012"
NOW = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.timezone.utc)
WINDOW = CollectWindow(since=NOW - dt.timedelta(days=90), until=NOW)
AGENTS_POOL = (f"/subscriptions/{MERIDIAN_SUBSCRIPTION}/resourceGroups/rg-avd-patient-support"
               "/providers/Microsoft.DesktopVirtualization/hostPools/hp-meridian-agents")


def example_tenant() -> ArmTenant:
    """Meridian's two host pools, plus a second subscription with three host pools (so that
    listings with a page size of 2 cross pages) of which one is published to a clinic group."""
    tenant = meridian_tenant()
    pools = [host_pool(CLINIC_SUBSCRIPTION, "rg-clinic", f"hp-clinic-{n}", location="westus2",
                       rdp="redirectclipboard:i:1;drivestoredirect:s:DynamicDrives")
             for n in range(1, 4)]
    desktop = application_group(pools[0], "hp-clinic-1-DAG")
    tenant.subscriptions.append(CLINIC_SUBSCRIPTION)
    tenant.host_pools += pools
    tenant.application_groups.append(desktop)
    tenant.role_assignments += [
        role_assignment(f"/subscriptions/{CLINIC_SUBSCRIPTION}/resourceGroups/rg-clinic",
                        "c11c0000-0000-4000-8000-000000000001")]
    return tenant


@contextmanager
def serving(tenant: ArmTenant | None = None, **options: Any) -> Iterator[ArmServer]:
    server = ArmServer(tenant or example_tenant(), TENANT_ID, CLIENT_ID,
                       **{"client_secret": SECRET, **options})
    server.start()
    try:
        yield server
    finally:
        server.stop()


def settings_for(server: ArmServer, **overrides: Any) -> AvdSettings:
    values: dict[str, Any] = {
        "tenant_id": TENANT_ID, "client_id": CLIENT_ID, "client_secret": SECRET,
        "authority_url": server.url, "arm_url": server.url, "max_attempts": 3,
        "subscription_ids": (MERIDIAN_SUBSCRIPTION, CLINIC_SUBSCRIPTION), **overrides}
    return AvdSettings(**values)


class Collected:
    """A run directory after one collection: the summary, the snapshot, the resources."""

    def __init__(self, run_dir: Path, summary: dict[str, Any], waits: list[float]) -> None:
        self.run_dir, self.summary, self.waits = run_dir, summary, waits
        self.snapshot = Snapshot.open(run_dir)

    def normalized(self) -> list[Resource | Coverage]:
        return list(avd.normalize(self.snapshot, NormalizeContext(own_accounts=frozenset())))

    def of_type(self, resource_type: str) -> dict[str, Resource]:
        return {r.name: r for r in self.normalized()
                if isinstance(r, Resource) and r.type == resource_type}

    @property
    def pools(self) -> dict[str, Resource]:
        return self.of_type("azure.avd.host_pool")

    @property
    def groups(self) -> dict[str, Resource]:
        return self.of_type("azure.avd.application_group")

    def coverage(self, resource_type: str = "azure.avd.host_pool") -> dict[str, Coverage]:
        return {c.account: c for c in self.normalized()
                if isinstance(c, Coverage) and c.type == resource_type}

    def records(self, operation: str) -> list[dict[str, Any]]:
        return [json.loads((self.run_dir / e.file).read_text())
                for e in self.snapshot.entries if e.operation == operation]

    def value_at(self, ref: Ref) -> Any:
        """What ``ref`` points at in its snapshot file."""
        return resolve_pointer(json.loads((self.run_dir / ref.file).read_text()), ref.pointer,
                               where=ref.file)

    def files_text(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.run_dir.rglob("*.json")))


def schema_errors(section: dict[str, Any]) -> list[str]:
    """What the ``avd`` section's schema (itself checked first) says of ``section``."""
    schema = json.loads(avd.SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(section)]


def collect_into(run_dir: Path, settings: AvdSettings) -> Collected:
    """Collect with a sleep that only notes how long it was asked to wait."""
    waits: list[float] = []
    writer = SnapshotWriter(run_dir)
    summary = avd.collect(settings, writer, WINDOW, sleep=waits.append)
    writer.write_index()
    return Collected(run_dir, summary, waits)


__all__ = ["AGENTS_POOL", "CLINIC_SUBSCRIPTION", "MERIDIAN_AGENTS", "MERIDIAN_SUBSCRIPTION"]
