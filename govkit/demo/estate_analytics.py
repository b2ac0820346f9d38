"""Search, analytics, machine-learning and container resources: OpenSearch Service domains,
SageMaker notebook instances, EKS clusters, EMR clusters and DynamoDB Accelerator (DAX)
clusters.

Per regional unit (`n` is the unit's cross-region serial):

| resource | state | verdict |
| --- | --- | --- |
| domain `nbh-patient-search-n` (phi) | encrypted at rest, node-to-node, HTTPS only | compliant |
| domain `nbh-ops-logs-n` (internal) | none of the three | violations |
| notebook `nbh-claims-ml-n` (phi) | KMS key, in a VPC, no direct internet access | compliant |
| notebook `nbh-readmission-research-n` (phi) | no KMS key, direct internet access | violations |
| EKS `nbh-integration-engine-n` (phi) | secrets under a KMS key, private endpoint | compliant |
| EKS `nbh-claims-processing-n` (phi) | no secrets encryption, open endpoint | violations |
| EMR `nbh-claims-etl-n` (phi) | master node in a private subnet | compliant |
| EMR `nbh-research-spark-n` (internal) | master node in the default VPC, public | violation |
| DAX `nbh-appointments-cache-n` (phi) | encrypted at rest, TLS endpoint | compliant |
| DAX `nbh-contacts-cache-n` (phi) | neither | violations |

EMR is served by `govkit.demo.aws_extra.emr` (moto's keeps every cluster in one region when
reached through a loopback endpoint).
"""

from __future__ import annotations

from govkit.demo.estate_base import (
    Counts,
    RegionDirectories,
    SeedContext,
    UnitKeys,
    account_arn,
    classification_tags,
    phi_tags,
    tag_list,
)
from govkit.demo.names import region_serial


def seed_unit_analytics(ctx: SeedContext, region: str, unit: int, keys: UnitKeys,
                        directories: RegionDirectories) -> Counts:
    """After the region's VPC (the compliant notebook sits in one of its subnets)."""
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    counts = _seed_domains(ctx, region, n, keys)
    counts += _seed_notebooks(ctx, region, n, keys, directories)
    counts += _seed_eks(ctx, region, n, keys, directories)
    counts += _seed_emr(ctx, region, n, directories)
    counts += _seed_dax(ctx, region, n)
    return counts


def _seed_domains(ctx: SeedContext, region: str, n: int, keys: UnitKeys) -> Counts:
    opensearch = ctx.clients.get("opensearch", region)
    common = {"EngineVersion": "OpenSearch_2.11",
              "ClusterConfig": {"InstanceType": "r6g.large.search", "InstanceCount": 2}}
    opensearch.create_domain(
        DomainName=f"nbh-patient-search-{n}",
        EncryptionAtRestOptions={"Enabled": True, "KmsKeyId": keys.rds},
        NodeToNodeEncryptionOptions={"Enabled": True},
        DomainEndpointOptions={"EnforceHTTPS": True,
                               "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"},
        TagList=tag_list(phi_tags(application="patient-search")), **common)
    opensearch.create_domain(
        DomainName=f"nbh-ops-logs-{n}",
        EncryptionAtRestOptions={"Enabled": False},
        NodeToNodeEncryptionOptions={"Enabled": False},
        DomainEndpointOptions={"EnforceHTTPS": False},
        TagList=tag_list(classification_tags("internal", application="operations")), **common)
    return Counts(opensearch_domains=2)


def _seed_notebooks(ctx: SeedContext, region: str, n: int, keys: UnitKeys,
                    directories: RegionDirectories) -> Counts:
    sagemaker = ctx.clients.get("sagemaker", region)
    subnet = directories.subnet_ids[0]
    ec2 = ctx.clients.get("ec2", region)
    [vpc_id] = {s["VpcId"] for s in ec2.describe_subnets(SubnetIds=[subnet])["Subnets"]}
    [group] = ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]},
        {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    common = {"InstanceType": "ml.t3.medium",
              "RoleArn": account_arn("iam", "role/nbh-sagemaker-execution")}
    sagemaker.create_notebook_instance(
        NotebookInstanceName=f"nbh-claims-ml-{n}", KmsKeyId=keys.rds, SubnetId=subnet,
        SecurityGroupIds=[group["GroupId"]], DirectInternetAccess="Disabled",
        Tags=tag_list(phi_tags(application="claims-ml")), **common)
    sagemaker.create_notebook_instance(
        NotebookInstanceName=f"nbh-readmission-research-{n}", DirectInternetAccess="Enabled",
        Tags=tag_list(phi_tags(application="research")), **common)
    return Counts(sagemaker_notebooks=2)


def _seed_eks(ctx: SeedContext, region: str, n: int, keys: UnitKeys,
              directories: RegionDirectories) -> Counts:
    eks = ctx.clients.get("eks", region)
    subnets = list(directories.subnet_ids)
    role = account_arn("iam", "role/nbh-eks-cluster")
    eks.create_cluster(
        name=f"nbh-integration-engine-{n}", version="1.30", roleArn=role,
        resourcesVpcConfig={"subnetIds": subnets, "endpointPublicAccess": False,
                            "endpointPrivateAccess": True},
        encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": keys.rds}}],
        tags=phi_tags(application="integration-engine"))
    eks.create_cluster(
        name=f"nbh-claims-processing-{n}", version="1.30", roleArn=role,
        resourcesVpcConfig={"subnetIds": subnets, "endpointPublicAccess": True,
                            "publicAccessCidrs": ["0.0.0.0/0"]},
        tags=phi_tags(application="claims"))
    return Counts(eks_clusters=2)


def _seed_emr(ctx: SeedContext, region: str, n: int, directories: RegionDirectories) -> Counts:
    emr = ctx.clients.get("emr", region)
    common = {"ReleaseLabel": "emr-7.1.0", "JobFlowRole": "EMR_EC2_DefaultRole",
              "ServiceRole": "EMR_DefaultRole"}
    nodes = {"MasterInstanceType": "m5.xlarge", "SlaveInstanceType": "m5.xlarge",
             "InstanceCount": 3, "KeepJobFlowAliveWhenNoSteps": True}
    emr.run_job_flow(Name=f"nbh-claims-etl-{n}",
                     Instances={**nodes, "Ec2SubnetId": directories.subnet_ids[0]},
                     Tags=tag_list(phi_tags(application="claims-etl")), **common)
    # no subnet: EMR launches into the default VPC, whose subnets give public addresses
    emr.run_job_flow(Name=f"nbh-research-spark-{n}", Instances=nodes,
                     Tags=tag_list(classification_tags("internal", application="research")),
                     **common)
    return Counts(emr_clusters=2)


def _seed_dax(ctx: SeedContext, region: str, n: int) -> Counts:
    dax = ctx.clients.get("dax", region)
    common = {"NodeType": "dax.r5.large", "ReplicationFactor": 3,
              "IamRoleArn": account_arn("iam", "role/nbh-dax-dynamodb-access")}
    dax.create_cluster(ClusterName=f"nbh-appointments-cache-{n}",
                       Description=f"read cache for nbh-appointments-{n}",
                       SSESpecification={"Enabled": True}, ClusterEndpointEncryptionType="TLS",
                       Tags=tag_list(phi_tags(application="scheduling")), **common)
    dax.create_cluster(ClusterName=f"nbh-contacts-cache-{n}",
                       Description=f"read cache for nbh-patient-contacts-{n}",
                       SSESpecification={"Enabled": False}, ClusterEndpointEncryptionType="NONE",
                       Tags=tag_list(phi_tags(application="contact-centre")), **common)
    return Counts(dax_clusters=2)
