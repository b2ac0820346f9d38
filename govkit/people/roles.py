"""The role matrix: what each job may hold, and what no one may hold together.

It is read from the ``access.role_matrix`` resource (govkit.sources.roles records the file
into the snapshot), so a replay judges against the matrix the scan used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govkit.inventory.model import Ref, Resource, ResourceBuilder

ROLE_MATRIX = "access.role_matrix"
HOLDINGS = ("Groups", "Applications", "PermissionSets", "IamGroups")


@dataclass(frozen=True)
class RoleMatrix:
    resource: Resource

    @classmethod
    def of(cls, resources: Sequence[Resource]) -> RoleMatrix | None:
        found = [r for r in resources if r.type == ROLE_MATRIX]
        return cls(found[0]) if found else None

    @property
    def jobs(self) -> Mapping[str, Mapping[str, list[str]]]:
        jobs: Mapping[str, Mapping[str, list[str]]] = self.resource.attributes.get("Jobs") or {}
        return jobs

    @property
    def separation_of_duties(self) -> list[list[str]]:
        pairs: list[list[str]] = self.resource.attributes.get("SeparationOfDuties") or []
        return pairs

    def _refs(self, key: str) -> tuple[Ref, ...]:
        return self.resource.sources.get(key, ())

    def entitle(self, builder: ResourceBuilder, jobs: Sequence[str]) -> None:
        """Set what the person's jobs allow (``Allowed``, each holding kind a list), which of
        their jobs the matrix does not list (``JobsNotInMatrix``), and the pairs no one may
        hold together (``SeparationOfDuties``)."""
        allowed: dict[str, list[str]] = {kind: [] for kind in HOLDINGS}
        missing: list[str] = []
        refs: list[Ref] = []
        for job in jobs:
            entry = self.jobs.get(job)
            if entry is None:
                missing.append(job)
                continue
            refs.extend(self.resource.sources.get(f"Jobs.{job}", ()))
            for kind in HOLDINGS:
                for name in entry.get(kind) or []:
                    if name not in allowed[kind]:
                        allowed[kind].append(name)
        whole = self._refs("Jobs")
        builder.set("Allowed", allowed, refs or whole)
        builder.set("JobsNotInMatrix", missing, whole)
        builder.set("SeparationOfDuties", self.separation_of_duties,
                    self._refs("SeparationOfDuties"))


def holdings(account: Mapping[str, Any]) -> dict[str, list[str]]:
    """What an account (as a person lists it) holds, by kind; absent kinds are empty."""
    return {kind: [str(v) for v in account.get(kind) or []] for kind in HOLDINGS}
