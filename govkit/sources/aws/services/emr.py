"""EMR: every cluster that is not terminated, each described for its master node's public DNS
name (the listing carries only its name and state). Tags are not read: the rule judges every
cluster."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task, per_item

# the states of a cluster whose instances exist (Prowler also judges every state but TERMINATED
# and TERMINATED_WITH_ERRORS)
ACTIVE = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING", "TERMINATING"]


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: per_item(scope, "emr", "list_clusters", "Clusters",
                             lambda emr, cluster: emr.call("describe_cluster",
                                                           ClusterId=cluster["Id"]),
                             ClusterStates=ACTIVE)]
