"""Virtual desktops and remote browsers: every platform's windows in one shape.

Each platform module maps its own resources (an AppStream stack, an AVD host pool, ...) into
``vdi.window`` resources (govkit.vdi.window); :func:`windows` runs them all after the sources
are normalised, and :func:`coverage` says where each platform's listing ran, so "no windows"
is only NOT_APPLICABLE where the listings succeeded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from govkit.inventory.model import Coverage, Resource
from govkit.vdi import appstream, avd, citrix, workspaces_pools, workspaces_web
from govkit.vdi.window import WINDOW

PLATFORMS = (appstream, avd, citrix, workspaces_pools, workspaces_web)
# the platform resource types windows are mapped from
TYPES = frozenset(t for module in PLATFORMS for t in module.TYPES)


def windows(resources: Sequence[Resource]) -> list[Resource]:
    """Every window the platforms' resources describe."""
    by_type: dict[str, list[Resource]] = defaultdict(list)
    for resource in resources:
        if resource.type in TYPES:
            by_type[resource.type].append(resource)
    return [w for module in PLATFORMS for w in module.windows(by_type)]


def coverage(entries: Sequence[Coverage]) -> list[Coverage]:
    """The listing outcomes of windows: those of the platform resources they come from."""
    return [Coverage(type=WINDOW, account=entry.account, region=entry.region,
                     failure=entry.failure, source=entry.source)
            for entry in entries if entry.type in TYPES]
