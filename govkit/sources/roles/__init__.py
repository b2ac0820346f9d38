"""The role matrix as a source: the YAML file is validated, recorded into the snapshot (so the
evidence holds the matrix the scan judged against) and normalised into one
``access.role_matrix`` resource that the join reads.

The file (schema: matrix.schema.json)::

    jobs:
      PATIENT_SCHEDULER: {groups: [Meridian-Agents], applications: [AppStream PHI Desk],
                          permission_sets: [], iam_groups: []}
    separation_of_duties:
      - [Billing-Payments-Create, Billing-Payments-Approve]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit.inventory.model import Coverage, Ref, Resource, ResourceBuilder, json_pointer
from govkit.snapshot import GLOBAL_REGION, Snapshot, SnapshotWriter
from govkit.sources.interface import CollectWindow, NormalizeContext
from govkit.sources.yaml_file import existing_file, record_yaml

SCHEMA_FILE = Path(__file__).with_name("config.schema.json")
MATRIX_SCHEMA = Path(__file__).with_name("matrix.schema.json")
SERVICE = "roles"
OPERATION = "ReadRoleMatrix"
TYPE = "access.role_matrix"
_KINDS = {"groups": "Groups", "applications": "Applications",
          "permission_sets": "PermissionSets", "iam_groups": "IamGroups"}


@dataclass(frozen=True)
class Settings:
    path: Path


def settings_from(section: str, *, resolve: Callable[[str], Path],
                  environ: Mapping[str, str]) -> Settings:
    return Settings(existing_file(section, resolve, "role matrix"))


def collect(settings: Settings, writer: SnapshotWriter, window: CollectWindow) -> dict[str, Any]:
    doc = record_yaml(settings.path, MATRIX_SCHEMA, writer, service=SERVICE,
                      operation=OPERATION, key="matrix")
    return {"type": SERVICE, "file": settings.path.name, "jobs": len(doc.data["jobs"])}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for entry in snapshot.select(SERVICE, OPERATION):
        record = snapshot.load(entry)
        matrix = record.response.get("matrix") or {}
        builder = ResourceBuilder(id=f"role-matrix:{entry.params.get('file')}", type=TYPE,
                                  account=SERVICE, region=GLOBAL_REGION,
                                  name=str(entry.params.get("file")))
        jobs: dict[str, dict[str, list[str]]] = {}
        for job, allowed in (matrix.get("jobs") or {}).items():
            jobs[job] = {kind: list(allowed.get(key) or []) for key, kind in _KINDS.items()}
            builder.sources[f"Jobs.{job}"] = (Ref(entry.file, json_pointer(
                "response", "matrix", "jobs", job)),)
        builder.set("Jobs", jobs, Ref(entry.file, json_pointer("response", "matrix", "jobs")))
        builder.set("SeparationOfDuties",
                    [list(p) for p in matrix.get("separation_of_duties") or []],
                    Ref(entry.file, json_pointer("response", "matrix",
                                                 "separation_of_duties")))
        yield builder.build()
        yield Coverage(type=TYPE, account=SERVICE, region=GLOBAL_REGION, source=entry.file)
