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

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit.inventory.model import Coverage, Ref, Resource, ResourceBuilder, json_pointer
from govkit.policy.yamlfile import load_yaml, validate
from govkit.snapshot import GLOBAL_REGION, Snapshot, SnapshotWriter
from govkit.sources.interface import CollectWindow, ConfigProblem, NormalizeContext

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
    path = resolve(section)
    if not path.is_file():
        raise ConfigProblem("", f"no such role matrix file: {path}")
    return Settings(path)


def collect(settings: Settings, writer: SnapshotWriter, window: CollectWindow) -> dict[str, Any]:
    began, started = time.perf_counter(), dt.datetime.now(dt.timezone.utc)
    doc = load_yaml(settings.path)
    validate(doc, json.loads(MATRIX_SCHEMA.read_text("utf-8")))
    data = doc.data
    writer.record(account=SERVICE, region=GLOBAL_REGION, service=SERVICE, operation=OPERATION,
                  params={"file": settings.path.name,
                          "sha256": hashlib.sha256(settings.path.read_bytes()).hexdigest()},
                  started_at=started, duration_ms=int((time.perf_counter() - began) * 1000),
                  response={"matrix": data})
    return {"type": SERVICE, "file": settings.path.name, "jobs": len(data["jobs"])}


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
