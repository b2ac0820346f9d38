"""EC2 instances of the demo estate: the hosts behind the EHR interface engine, the fax
gateway and the claims batch jobs, in the private subnets of the region's `nbh-vdi` VPC.

Per regional unit (`n` is the unit's cross-region serial):

| instance | classification | state | verdict |
| --- | --- | --- | --- |
| `nbh-ehr-interface-n` | phi | enclave host, private, IMDSv2, managed by SSM, patched | compliant |
| `nbh-fax-gateway-n` | phi | public IP, IMDSv1, launched 400 days ago, not managed | violations |
| `nbh-claims-batch-n` | internal | private, IMDSv2, managed, two patches missing | violation |
| `nbh-rx-signing-n` | phi | enclave host whose group opens tcp 443 and 8443 to all | violation |

The e-prescription signing host's security group `nbh-rx-signing-n` lets any address reach
TCP 443 (allowed) and 8443 (not); the interface engine keeps the VPC's default group, open to
no outside address. Both run Nitro Enclaves: moto accepts EnclaveOptions on launch but does
not keep it, so `govkit.demo.fixups` sets it on moto's backend.

Every instance boots from a root volume encrypted with the unit's EBS key and tagged like the
instance (moto creates the root volume, as EC2 does; it is counted with the EBS volumes). The
demo's moto server loads no AMIs; moto launches from any well-formed image id, so the
instances name one of their own. No API back-dates a launch: `govkit.demo.fixups` sets the fax
gateway's launch time on moto's backend.

Systems Manager (the demo server's SSM emulator, `govkit.demo.aws_extra.ssm`): the interface
engine, the batch host and the signing host are registered as managed instances, as their
SSM Agents would register them, and Patch Manager's scan results are put with
PutComplianceItems: every approved patch installed on the interface engine and the signing
host; a critical and an important update missing on the batch host.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from govkit.demo.aws_extra.ssm import register_instances
from govkit.demo.clients import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
from govkit.demo.estate_base import (
    Counts, RegionDirectories, SeedContext, UnitKeys, classification_tags, phi_tags, tag_list)
from govkit.demo.names import region_serial

IMAGE_ID = "ami-0c1d2e3f4a5b6c7d8"  # the hospital's hardened Amazon Linux 2023 image
FAX_GATEWAY = "nbh-fax-gateway"
FAX_GATEWAY_AGE_DAYS = 400
ENCLAVE_HOSTS = ("nbh-ehr-interface", "nbh-rx-signing")


def _launch(ec2: Any, name: str, subnet: str, kms_key: str, tags: dict[str, str], *,
            public_ip: bool, tokens: str, groups: tuple[str, ...] = ()) -> str:
    tagged = {"Name": name, **tags}
    network: dict[str, Any] = {"SubnetId": subnet}
    if groups:
        network["SecurityGroupIds"] = list(groups)
    if public_ip:
        network = {"NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": subnet,
                                          "AssociatePublicIpAddress": True}]}
    instance = ec2.run_instances(
        ImageId=IMAGE_ID, InstanceType="m6i.large", MinCount=1, MaxCount=1,
        MetadataOptions={"HttpTokens": tokens, "HttpEndpoint": "enabled"},
        EnclaveOptions={"Enabled": name.startswith(ENCLAVE_HOSTS)},
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {
            "VolumeSize": 50, "VolumeType": "gp3", "Encrypted": True, "KmsKeyId": kms_key}}],
        TagSpecifications=[{"ResourceType": "instance", "Tags": tag_list(tagged)},
                           {"ResourceType": "volume", "Tags": tag_list(tagged)}],
        **network)["Instances"][0]
    return str(instance["InstanceId"])


def _managed(instance_id: str, name: str, now: dt.datetime) -> dict[str, Any]:
    """The instance as DescribeInstanceInformation lists it once its agent registered."""
    return {"InstanceId": instance_id, "PingStatus": "Online",
            "LastPingDateTime": now.timestamp(), "AgentVersion": "3.3.1142.0",
            "IsLatestVersion": True, "PlatformType": "Linux", "PlatformName": "Amazon Linux",
            "PlatformVersion": "2023", "ResourceType": "EC2Instance", "ComputerName": name,
            "RegistrationDate": (now - dt.timedelta(days=2)).timestamp()}


def _patch_scan(ssm: Any, instance_id: str, now: dt.datetime,
                missing: list[tuple[str, str, str]]) -> None:
    """Patch Manager's scan of ``instance_id``: the baseline's patches, ``missing`` ones
    (id, title, severity) not installed."""
    installed = [("ALAS2023-2026-812", "openssl security update", "CRITICAL"),
                 ("ALAS2023-2026-790", "kernel security update", "IMPORTANT")]
    items = [{"Id": patch, "Title": title, "Severity": _SEVERITY[severity],
              "Status": "COMPLIANT", "Details": {"Classification": "Security"}}
             for patch, title, severity in installed]
    items += [{"Id": patch, "Title": title, "Severity": _SEVERITY[severity],
               "Status": "NON_COMPLIANT", "Details": {"Classification": "Security"}}
              for patch, title, severity in missing]
    ssm.put_compliance_items(
        ResourceId=instance_id, ResourceType="ManagedInstance", ComplianceType="Patch",
        ExecutionSummary={"ExecutionTime": now - dt.timedelta(hours=6),
                          "ExecutionType": "Command"},
        Items=items)


# Amazon Linux advisory severities as Patch Manager reports them in compliance items
_SEVERITY = {"CRITICAL": "CRITICAL", "IMPORTANT": "HIGH", "MEDIUM": "MEDIUM", "LOW": "LOW"}


def seed_unit_instances(ctx: SeedContext, region: str, unit: int, keys: UnitKeys,
                        directories: RegionDirectories) -> Counts:
    ec2 = ctx.clients.get("ec2", region)
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    subnet = directories.subnet_ids[unit % len(directories.subnet_ids)]
    ehr = _launch(ec2, f"nbh-ehr-interface-{n}", subnet, keys.ebs,
                  phi_tags(application="ehr"), public_ip=False, tokens="required")
    _launch(ec2, f"{FAX_GATEWAY}-{n}", subnet, keys.ebs, phi_tags(application="fax"),
            public_ip=True, tokens="optional")
    batch = _launch(ec2, f"nbh-claims-batch-{n}", subnet, keys.ebs,
                    classification_tags("internal", application="billing"),
                    public_ip=False, tokens="required")
    vpc = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["VpcId"]
    signing_group = ec2.create_security_group(
        GroupName=f"nbh-rx-signing-{n}", Description="e-prescription signing service",
        VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=signing_group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
         "IpRanges": [{"CidrIp": "0.0.0.0/0"}]} for port in (443, 8443)])
    signing = _launch(ec2, f"nbh-rx-signing-{n}", subnet, keys.ebs,
                      phi_tags(application="e-prescribing"), public_ip=False,
                      tokens="required", groups=(signing_group,))
    ssm = ctx.clients.get("ssm", region)
    register_instances(ssm.meta.endpoint_url,
                       [_managed(ehr, f"nbh-ehr-interface-{n}", ctx.now),
                        _managed(batch, f"nbh-claims-batch-{n}", ctx.now),
                        _managed(signing, f"nbh-rx-signing-{n}", ctx.now)],
                       access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY, region=region)
    _patch_scan(ssm, ehr, ctx.now, missing=[])
    _patch_scan(ssm, signing, ctx.now, missing=[])
    _patch_scan(ssm, batch, ctx.now, missing=[
        ("ALAS2023-2026-845", "glibc security update", "CRITICAL"),
        ("ALAS2023-2026-851", "sudo security update", "IMPORTANT")])
    return Counts(ec2_instances=4, ebs_volumes=4)
