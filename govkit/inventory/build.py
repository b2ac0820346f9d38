"""Build the inventory from a snapshot with every source's normaliser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from govkit.inventory.model import Coverage, Inventory, Resource
from govkit.snapshot import Snapshot
from govkit.sources.interface import DEFAULT_REPORT_MAX_AGE, NormalizeContext
from govkit.sources.registry import NORMALIZERS


def build_inventory(snapshot: Snapshot, own_accounts: Iterable[str],
                    skipped: Iterable[Mapping[str, str]] = (), *,
                    regions: Iterable[str] = (),
                    collection_started: dt.datetime | None = None,
                    credential_report_max_age: dt.timedelta = DEFAULT_REPORT_MAX_AGE
                    ) -> Inventory:
    ctx = NormalizeContext(own_accounts=frozenset(own_accounts),
                           scanned_regions=frozenset(regions), skipped=tuple(skipped),
                           collection_started=collection_started,
                           credential_report_max_age=credential_report_max_age)
    resources: list[Resource] = []
    coverage: list[Coverage] = []
    for normalizer in NORMALIZERS:
        for item in normalizer(snapshot, ctx):
            if isinstance(item, Coverage):
                coverage.append(item)
            else:
                resources.append(item)
    return Inventory.of(resources, coverage)
