"""Systems Manager: the instances whose SSM Agent has registered (managed instances) and the
Patch compliance summary of each resource that reported one."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task

PATCH = [{"Key": "ComplianceType", "Values": ["Patch"], "Type": "EQUAL"}]


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: scope.caller("ssm").record_all("describe_instance_information"),
            lambda: scope.caller("ssm").record_all("list_resource_compliance_summaries",
                                                   Filters=PATCH)]
