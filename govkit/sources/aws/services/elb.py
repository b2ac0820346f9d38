"""Load balancers: Application, Network and Gateway load balancers (elbv2), each with its
attributes and listeners, and Classic Load Balancers (elb), each with its attributes (the
classic listing carries its listeners). Tags are not read: a load balancer keeps no data, and
no rule scopes them by tag."""

from __future__ import annotations

from collections.abc import Iterable

from typing import Any

from govkit.sources.aws.calls import Caller
from govkit.sources.aws.tasks import ServiceScope, Task, per_item


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [
        lambda: per_item(scope, "elbv2", "describe_load_balancers", "LoadBalancers", _current),
        lambda: per_item(scope, "elb", "describe_load_balancers", "LoadBalancerDescriptions",
                         lambda elb, lb: elb.call("describe_load_balancer_attributes",
                                                  LoadBalancerName=lb["LoadBalancerName"])),
    ]


def _current(elbv2: Caller, lb: Any) -> None:
    elbv2.call("describe_load_balancer_attributes", LoadBalancerArn=lb["LoadBalancerArn"])
    elbv2.record_all("describe_listeners", LoadBalancerArn=lb["LoadBalancerArn"])
