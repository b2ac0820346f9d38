"""Load balancers: Application, Network and Gateway load balancers (elbv2) and Classic Load
Balancers (elb), each with its attributes (the classic listing carries its listeners). Tags are
not read: a load balancer keeps no data, and no rule scopes them by tag."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task, per_item


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [
        lambda: per_item(scope, "elbv2", "describe_load_balancers", "LoadBalancers",
                         lambda elbv2, lb: elbv2.call("describe_load_balancer_attributes",
                                                      LoadBalancerArn=lb["LoadBalancerArn"])),
        lambda: per_item(scope, "elb", "describe_load_balancers", "LoadBalancerDescriptions",
                         lambda elb, lb: elb.call("describe_load_balancer_attributes",
                                                  LoadBalancerName=lb["LoadBalancerName"])),
    ]
