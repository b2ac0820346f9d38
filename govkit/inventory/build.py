"""Build the inventory from a snapshot with every source's normaliser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from govkit import vdi
from govkit.inventory.accounts import PERSON_RECORD_TYPES
from govkit.inventory.model import Coverage, Inventory, Resource
from govkit.people.join import ACCOUNT, JoinSettings, is_account, join
from govkit.people import vendors
from govkit.people.roles import RoleMatrix
from govkit.snapshot import Snapshot
from govkit.sources.aws import eligible
from govkit.sources.interface import DEFAULT_REPORT_MAX_AGE, NormalizeContext
from govkit.sources.registry import NORMALIZERS


def build_inventory(snapshot: Snapshot, own_accounts: Iterable[str],
                    skipped: Iterable[Mapping[str, str]] = (), *,
                    regions: Iterable[str] = (),
                    collection_started: dt.datetime | None = None,
                    credential_report_max_age: dt.timedelta = DEFAULT_REPORT_MAX_AGE,
                    people: JoinSettings | None = None, employee_id_tag: str = "employee_id"
                    ) -> Inventory:
    """Every source's resources, then people joined from them (``person`` resources, and
    every account's reconciliation state), also listed together as ``identity.account``."""
    ctx = NormalizeContext(own_accounts=frozenset(own_accounts),
                           scanned_regions=frozenset(regions), skipped=tuple(skipped),
                           collection_started=collection_started,
                           credential_report_max_age=credential_report_max_age,
                           employee_id_tag=employee_id_tag)
    resources: list[Resource] = []
    coverage: list[Coverage] = []
    for normalizer in NORMALIZERS:
        for item in normalizer(snapshot, ctx):
            if isinstance(item, Coverage):
                coverage.append(item)
            else:
                resources.append(item)
    # every VDI platform's windows, in one shape (govkit.vdi)
    coverage.extend(vdi.coverage(coverage))
    resources.extend(vdi.windows(resources))
    # which tagged AWS resources run in a service on AWS's HIPAA eligible list
    resources = eligible.attach(resources)
    # what each vendor in the register reaches, once its agents are known
    return eligible.grouped(vendors.attach(with_people(resources, coverage, people)))


def with_people(resources: Sequence[Resource], coverage: Sequence[Coverage],
                people: JoinSettings | None = None) -> Inventory:
    """The inventory of normalised resources, with people joined when HR or a roster was
    read, and every account also listed as ``identity.account``."""
    if not any(c.type in PERSON_RECORD_TYPES for c in coverage):
        # no HR export or roster: no people to join, but every account is still listed
        # together, for the checks that need no owner (dormancy, MFA)
        alone = join(resources, coverage, JoinSettings(), None, reconcile=False)
        reviewed = {a.id: a for a in alone.accounts}
        return Inventory.of([reviewed.get(r.id, r) for r in resources],
                            [*coverage, *alone.coverage], groups={ACCOUNT: alone.accounts})
    joined = join(resources, coverage, people or JoinSettings(), RoleMatrix.of(resources))
    accounts = {a.id: a for a in joined.accounts}
    everything = [accounts.get(r.id, r) if is_account(r) else r for r in resources]
    return Inventory.of([*everything, *joined.persons], [*coverage, *joined.coverage],
                        groups={ACCOUNT: joined.accounts})
