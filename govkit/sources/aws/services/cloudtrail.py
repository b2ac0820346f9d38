"""CloudTrail: trails homed in this region, whether each is logging, and its event selectors.

Tags are not read: no rule scopes trails by tag."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _trails(scope)]


def _trails(scope: ServiceScope) -> Iterable[Task]:
    # shadow copies of multi-region trails are left out: each trail is read in its home region
    listed = scope.caller("cloudtrail").call("describe_trails", includeShadowTrails=False)
    if not listed.ok:
        return []
    return [_trail_task(scope, trail["TrailARN"]) for trail in
            listed.response.get("trailList") or []]


def _trail_task(scope: ServiceScope, arn: str) -> Task:
    def run() -> None:
        cloudtrail = scope.caller("cloudtrail")
        cloudtrail.call("get_trail_status", Name=arn)
        cloudtrail.call("get_event_selectors", TrailName=arn)
    return run
