"""AVD host pools and application groups from the recorded ARM answers (live or exported).

Per subscription (the account of its resources; the region of each is its location):

- the host pool listing failed (403 on a subscription the app may not read, a throttled
  page, a page never fetched): that subscription's ``azure.avd.host_pool`` coverage is the
  failure and it has no host pools; other subscriptions are unaffected;
- the token was refused: every subscription it left unread has both coverages failed,
  naming the refused AcquireToken call;
- the application group listing failed: the ``azure.avd.application_group`` coverage fails,
  and so do ApplicationGroups and Assignments of every host pool there;
- a role assignment listing failed: Assignments of the application groups it covers, and of
  their host pools, fail;
- no session-host export was recorded, or it lists no session host of a host pool: that host
  pool's SessionHosts and session time limits fail (govkit.sources.avd.sessionhosts).

Resource types: ``azure.avd.host_pool`` (govkit.sources.avd.hostpool) and
``azure.avd.application_group`` (govkit.sources.avd.groups).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from govkit.inventory.model import CallFailure, Coverage, Resource
from govkit.snapshot import GLOBAL_REGION, Snapshot
from govkit.sources.avd import queries as q
from govkit.sources.avd.groups import (
    APPLICATION_GROUP, application_groups, groups_of, not_collected)
from govkit.sources.avd.hostpool import HOST_POOL, host_pool
from govkit.sources.avd.listings import Records
from govkit.sources.avd.sessionhosts import SessionHosts
from govkit.sources.linked_pages import Listing, body_of, failure_of, item_ref
from govkit.sources.interface import NormalizeContext

RESOURCE_TYPES = (HOST_POOL, APPLICATION_GROUP)


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    records = Records(snapshot)
    listed = records.subscriptions()
    refused: dict[str, CallFailure] = {}
    for subscription, record in records.sign_in_failures():
        if subscription not in listed:
            refused.setdefault(subscription, failure_of(record))
    for subscription, failure in sorted(refused.items()):
        for resource_type in RESOURCE_TYPES:
            yield Coverage(type=resource_type, account=subscription, region=GLOBAL_REGION,
                           failure=failure, source=failure.file or None)
    hosts = SessionHosts(records.session_hosts())
    for subscription in listed:
        yield from _subscription(records, subscription, hosts)


def _subscription(records: Records, subscription: str,
                  hosts: SessionHosts) -> Iterator[Resource | Coverage]:
    groups = groups_of(records, subscription)
    yield from application_groups(groups, subscription)
    found = records.listings(subscription, q.LIST_HOST_POOLS)
    listing = found[-1] if found else None
    failure = _unusable(listing, subscription)
    yield Coverage(type=HOST_POOL, account=subscription, region=GLOBAL_REGION, failure=failure,
                   source=listing.head.entry.file if listing else None)
    if failure is not None or listing is None:
        return
    for item, ref in listing.items():
        yield host_pool(item, ref, subscription, groups, hosts)


def _unusable(listing: Listing | None, subscription: str) -> CallFailure | None:
    """Why the host pool listing cannot be read in full, or None."""
    if listing is None:
        return not_collected(q.LIST_HOST_POOLS, "the host pools of subscription "
                             f"{subscription} were never listed")
    if listing.failure is not None:
        return listing.failure
    for page in listing.pages:  # each answered (the listing did not fail)
        for index, item in enumerate(body_of(page).get("value") or []):
            if isinstance(item, Mapping) and \
                    q.parse_id(str(item.get("id") or ""), "hostPools") is None:
                ref, entry = item_ref(page, index), page.entry
                return CallFailure(call=entry.describe(),
                                   operation=f"{entry.service}:{entry.operation}",
                                   code="UnexpectedAnswer", message=f"item {index} has no ARM "
                                   "id of a host pool", file=ref.file, pointer=ref.pointer)
    return None
