"""EC2 instances of the demo estate: the hosts behind the EHR interface engine, the fax
gateway and the claims batch jobs, in the private subnets of the region's `nbh-vdi` VPC.

Per regional unit (`n` is the unit's cross-region serial):

| instance | classification | state | verdict |
| --- | --- | --- | --- |
| `nbh-ehr-interface-n` | phi | private, IMDSv2 required | compliant |
| `nbh-fax-gateway-n` | phi | public IP, IMDSv1 allowed, launched 400 days ago | violations |
| `nbh-claims-batch-n` | internal | private, IMDSv2 required | compliant |

Every instance boots from a root volume encrypted with the unit's EBS key and tagged like the
instance (moto creates the root volume, as EC2 does; it is counted with the EBS volumes). The
demo's moto server loads no AMIs; moto launches from any well-formed image id, so the
instances name one of their own. No API back-dates a launch: `govkit.demo.fixups` sets the fax
gateway's launch time on moto's backend.
"""

from __future__ import annotations

from typing import Any

from govkit.demo.estate_base import (
    Counts, RegionDirectories, SeedContext, UnitKeys, classification_tags, phi_tags, tag_list)
from govkit.demo.names import region_serial

IMAGE_ID = "ami-0c1d2e3f4a5b6c7d8"  # the hospital's hardened Amazon Linux 2023 image
FAX_GATEWAY = "nbh-fax-gateway"
FAX_GATEWAY_AGE_DAYS = 400


def _launch(ec2: Any, name: str, subnet: str, kms_key: str, tags: dict[str, str], *,
            public_ip: bool, tokens: str) -> str:
    tagged = {"Name": name, **tags}
    network: dict[str, Any] = {"SubnetId": subnet}
    if public_ip:
        network = {"NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": subnet,
                                          "AssociatePublicIpAddress": True}]}
    instance = ec2.run_instances(
        ImageId=IMAGE_ID, InstanceType="m6i.large", MinCount=1, MaxCount=1,
        MetadataOptions={"HttpTokens": tokens, "HttpEndpoint": "enabled"},
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {
            "VolumeSize": 50, "VolumeType": "gp3", "Encrypted": True, "KmsKeyId": kms_key}}],
        TagSpecifications=[{"ResourceType": "instance", "Tags": tag_list(tagged)},
                           {"ResourceType": "volume", "Tags": tag_list(tagged)}],
        **network)["Instances"][0]
    return str(instance["InstanceId"])


def seed_unit_instances(ctx: SeedContext, region: str, unit: int, keys: UnitKeys,
                        directories: RegionDirectories) -> Counts:
    ec2 = ctx.clients.get("ec2", region)
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    subnet = directories.subnet_ids[unit % len(directories.subnet_ids)]
    _launch(ec2, f"nbh-ehr-interface-{n}", subnet, keys.ebs, phi_tags(application="ehr"),
            public_ip=False, tokens="required")
    _launch(ec2, f"{FAX_GATEWAY}-{n}", subnet, keys.ebs, phi_tags(application="fax"),
            public_ip=True, tokens="optional")
    _launch(ec2, f"nbh-claims-batch-{n}", subnet, keys.ebs,
            classification_tags("internal", application="billing"),
            public_ip=False, tokens="required")
    return Counts(ec2_instances=3, ebs_volumes=3)
