"""Helpers for the HR and vendor-roster tests: collect files into a run directory, read the
records back, normalise them."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from govkit.inventory.model import Coverage, Resource
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources import hr
from govkit.sources.interface import NormalizeContext

DATA = Path(__file__).resolve().parents[2] / "data"
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
CTX = NormalizeContext(own_accounts=frozenset())

WORKDAY: dict[str, Any] = {"path": "workday.csv", "preset": "workday",
                           "columns": {"name": "Worker"}}


def resolver(folder: Path) -> Callable[[str], Path]:
    return lambda relative: (folder / relative).resolve()


def hr_settings(section: Sequence[Mapping[str, Any]], folder: Path = DATA / "hr",
                timezone: zoneinfo.ZoneInfo | None = CHICAGO) -> tuple[hr.RosterFile, ...]:
    return hr.settings_from(section, resolve=resolver(folder), environ={},
                            default_timezone=timezone)


def written(run_dir: Path) -> list[Path]:
    """Every file under the run directory (none after a refused collection)."""
    return sorted(p for p in run_dir.rglob("*") if p.is_file()) if run_dir.exists() else []


def snapshot_of(writer: SnapshotWriter) -> Snapshot:
    writer.write_index()
    return Snapshot.open(writer.run_dir)


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


def collect_hr(run_dir: Path, section: Sequence[Mapping[str, Any]],
               folder: Path = DATA / "hr") -> tuple[dict[str, Resource], list[Coverage]]:
    writer = SnapshotWriter(run_dir)
    hr.collect(hr_settings(section, folder), writer, None)
    return split(hr.normalize(snapshot_of(writer), CTX))


def at_pointer(document: Any, pointer: str) -> Any:
    """The value an RFC 6901 pointer names inside ``document``."""
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


def check_sources(resource: Resource, run_dir: Path) -> None:
    """Every attribute but the builder's own has a source that resolves inside its record."""
    for key in resource.attributes:
        if key in ("Id", "Name", "Account", "Region"):
            continue
        refs = resource.sources.get(key)
        assert refs, f"{resource.id}: {key} has no source"
        for ref in refs:
            record = Snapshot.read_json(run_dir / ref.file)
            at_pointer(record, ref.pointer)
            if ref.pointer.startswith("/response/rows/"):
                index = int(ref.pointer.split("/")[3])
                assert record["response"]["lines"][index] == ref.row
