"""EC2/EBS: default encryption, volumes, snapshots and who may restore each snapshot;
instances (addresses, launch time, metadata options, enclave flag, tags); the network: VPCs,
their flow logs, security groups and network ACLs."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _settings(scope), lambda: _volumes(scope), lambda: _snapshots(scope),
            *(_listing(scope, method) for method in LISTINGS)]


# read whole, every page, by the instance and network normalisers
LISTINGS = ("describe_instances", "describe_vpcs", "describe_flow_logs",
            "describe_security_groups", "describe_network_acls")


def _listing(scope: ServiceScope, method: str) -> Task:
    return lambda: scope.caller("ec2").record_all(method)


def _settings(scope: ServiceScope) -> None:
    scope.caller("ec2").call("get_ebs_encryption_by_default")


def _volumes(scope: ServiceScope) -> None:
    scope.caller("ec2").record_all("describe_volumes")


def _snapshots(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller("ec2").pages("describe_snapshots", OwnerIds=["self"]):
        if not page.ok:
            break
        for snapshot in page.response.get("Snapshots") or []:
            tasks.append(_permission_task(scope, snapshot["SnapshotId"]))
    return tasks


def _permission_task(scope: ServiceScope, snapshot_id: str) -> Task:
    def run() -> None:
        scope.caller("ec2").call("describe_snapshot_attribute", SnapshotId=snapshot_id,
                                 Attribute="createVolumePermission")
    return run
