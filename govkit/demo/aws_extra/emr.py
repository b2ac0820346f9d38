"""EMR clusters, region by region, in place of moto's EMR.

moto 5's EMR finds a request's region in the host name (``elasticmapreduce.REGION.amazonaws
.com``); through the demo's loopback endpoint there is none, so it keeps every cluster in its
default region and answers every region's ListClusters with all of them. It also gives every
master node a public DNS name, whatever its subnet. This service answers ``RunJobFlow``,
``ListClusters`` and ``DescribeCluster`` per account and region (from the SigV4 credential
scope), and places the master node as EC2 would: with a public IP address and an
``ec2-…amazonaws.com`` name when its subnet (moto's EC2, or the default VPC's when none is
given) maps public IP addresses on launch, else with only its private name, which is what
DescribeCluster's MasterPublicDnsName then holds.

Cluster ids are ``j-`` and 13 characters derived from account, region and name, so a demo
rebuilt from scratch gets the same ids.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections.abc import Mapping
from typing import Any

from govkit.demo.aws_extra import Call, JsonService, ServiceError, offset_page, token_offset

PAGE = 50  # ListClusters returns up to 50 clusters a page


def _cluster_id(call: Call, name: str) -> str:
    digest = hashlib.sha256(f"{call.account}:{call.region}:{name}".encode()).hexdigest()
    return "j-" + "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[int(digest[i:i + 2], 16) % 36]
                          for i in range(0, 26, 2))


def _subnet(call: Call, subnet_id: str | None) -> tuple[str, str, bool]:
    """The subnet's id, CIDR block and whether it maps public IPs (the default VPC's first
    subnet when none is given, as EC2 chooses)."""
    from moto.ec2.exceptions import InvalidSubnetIdError
    from moto.ec2.models import ec2_backends
    ec2 = ec2_backends[call.account][call.region]
    if subnet_id:
        try:
            subnet = ec2.get_subnet(subnet_id)
        except InvalidSubnetIdError as error:
            raise ServiceError("ValidationException",
                               f"The subnet ID {subnet_id} does not exist") from error
    else:
        defaults = ec2.get_default_subnets()
        if not defaults:
            raise ServiceError("ValidationException", "no subnet given and no default VPC")
        subnet = defaults[min(defaults)]
    return subnet.id, subnet.cidr_block, bool(subnet.map_public_ip_on_launch)


def _master_dns_name(call: Call, cluster_id: str, cidr: str, public: bool) -> str:
    seed = int(hashlib.sha256(cluster_id.encode()).hexdigest(), 16)
    if public:
        address = f"54.{seed % 200 + 10}.{seed // 256 % 250}.{seed // 65536 % 250 + 1}"
        dashed = address.replace(".", "-")
        return f"ec2-{dashed}.compute-1.amazonaws.com" if call.region == "us-east-1" \
            else f"ec2-{dashed}.{call.region}.compute.amazonaws.com"
    network = ipaddress.ip_network(cidr)
    dashed = str(network.network_address + 10 + seed % 200).replace(".", "-")
    return f"ip-{dashed}.ec2.internal" if call.region == "us-east-1" \
        else f"ip-{dashed}.{call.region}.compute.internal"


class EmrService(JsonService):
    service = "elasticmapreduce"
    target_prefix = "ElasticMapReduce"

    def op_RunJobFlow(self, call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
        clusters: dict[str, dict[str, Any]] = self.region_state(call)
        name = str(params.get("Name") or "")
        if not name:
            raise ServiceError("ValidationException", "Name is required")
        instances = params.get("Instances") or {}
        cluster_id = _cluster_id(call, name)
        subnet_id, cidr, public = _subnet(call, instances.get("Ec2SubnetId"))
        arn = f"arn:aws:elasticmapreduce:{call.region}:{call.account}:cluster/{cluster_id}"
        now = time.time()
        clusters[cluster_id] = {
            "Id": cluster_id, "Name": name, "ClusterArn": arn,
            "Status": {"State": "WAITING" if instances.get("KeepJobFlowAliveWhenNoSteps")
                       else "RUNNING", "StateChangeReason": {},
                       "Timeline": {"CreationDateTime": now, "ReadyDateTime": now}},
            "Ec2InstanceAttributes": {"Ec2SubnetId": subnet_id,
                                      "IamInstanceProfile": params.get("JobFlowRole")},
            "ReleaseLabel": params.get("ReleaseLabel"),
            "AutoTerminate": not instances.get("KeepJobFlowAliveWhenNoSteps", False),
            "TerminationProtected": bool(instances.get("TerminationProtected", False)),
            "VisibleToAllUsers": True, "Applications": [],
            "Tags": list(params.get("Tags") or []), "ServiceRole": params.get("ServiceRole"),
            "NormalizedInstanceHours": 0,
            "MasterPublicDnsName": _master_dns_name(call, cluster_id, cidr, public),
            "StepConcurrencyLevel": 1,
        }
        return {"JobFlowId": cluster_id, "ClusterArn": arn}

    def op_ListClusters(self, call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
        states = set(params.get("ClusterStates") or ())
        clusters = [c for c in self.region_state(call).values()
                    if not states or c["Status"]["State"] in states]
        page, marker = offset_page(clusters, token_offset(params.get("Marker"),
                                                          "InvalidRequestException"), PAGE)
        answer: dict[str, Any] = {"Clusters": [
            {key: c[key] for key in ("Id", "Name", "Status", "NormalizedInstanceHours",
                                     "ClusterArn")} for c in page]}
        if marker is not None:
            answer["Marker"] = marker
        return answer

    def op_DescribeCluster(self, call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
        cluster_id = str(params.get("ClusterId") or "")
        cluster = self.region_state(call).get(cluster_id)
        if cluster is None:
            raise ServiceError("InvalidRequestException", f"Cluster id '{cluster_id}' is not "
                                                          "valid.")
        return {"Cluster": cluster}
