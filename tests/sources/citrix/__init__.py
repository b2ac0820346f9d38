"""Helpers for the Citrix tests: the sample export, variants of it written to a folder,
collection into a run directory and normalisation of what was recorded."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from govkit.inventory.model import Coverage, Resource
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources import citrix
from govkit.sources.interface import NormalizeContext

DATA = Path(__file__).resolve().parents[2] / "data" / "citrix"
DEMO = DATA / "nbh-daas.json"
SITE = "nbh-daas"
CTX = NormalizeContext(own_accounts=frozenset())


def demo() -> dict[str, Any]:
    """A fresh copy of the sample export, to change."""
    loaded: dict[str, Any] = json.loads(DEMO.read_text("utf-8"))
    return copy.deepcopy(loaded)


def policy(export: dict[str, Any], name: str) -> dict[str, Any]:
    """The policy ``name`` of the export's site policy set."""
    return next(p for p in export["PolicySets"][0]["Policies"] if p["PolicyName"] == name)


def group(export: dict[str, Any], name: str) -> dict[str, Any]:
    return next(g for g in export["DeliveryGroups"] if g["Name"] == name)


def write(folder: Path, export: Any, name: str = "export.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(export, indent=2), "utf-8")
    return path


def resolver(folder: Path) -> Callable[[str], Path]:
    return lambda relative: (folder / relative).resolve()


def collect(run_dir: Path, *exports: tuple[str, Path]) -> Snapshot:
    """Collect ``(site, path)`` exports into ``run_dir``; the snapshot they make."""
    writer = SnapshotWriter(run_dir)
    sites = [citrix.SiteExport(site, path) for site, path in exports]
    citrix.collect(sites, writer, None)
    writer.write_index()
    return Snapshot.open(run_dir)


def split(items: Iterator[Resource | Coverage]) -> tuple[dict[str, Resource], list[Coverage]]:
    resources: dict[str, Resource] = {}
    coverage: list[Coverage] = []
    for item in items:
        if isinstance(item, Resource):
            assert item.id not in resources, item.id
            resources[item.id] = item
        else:
            coverage.append(item)
    return resources, coverage


def normalized(run_dir: Path, export: Any | None = None, site: str = SITE
               ) -> tuple[dict[str, Resource], list[Coverage]]:
    """Collect ``export`` (default: the sample) as ``site`` and normalise it."""
    path = DEMO if export is None else write(run_dir.parent, export, f"{site}.json")
    snapshot = collect(run_dir, (site, path))
    return split(citrix.normalize(snapshot, CTX))


def delivery_group(resources: dict[str, Resource], name: str, site: str = SITE) -> Resource:
    return resources[f"citrix:{site}:delivery-group/{name}"]


def effective(resource: Resource, setting: str) -> dict[str, Any]:
    found: dict[str, Any] = resource.attributes["EffectiveSettings"][setting]
    return found
